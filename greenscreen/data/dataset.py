"""Keras PyDataset that feeds (photo, mask) batches from one or more weighted Sources.

    train = SegmentationDataset([(portraits, 1.0), (coco_rest, 0.5)], batch_size=8,
                                input_size=(224, 224), augment=True, cache=True)
    val = SegmentationDataset([(portraits_test, 1.0)], batch_size=8, input_size=(224, 224), augment=False)

Batches are `x float32[B, H, W, 3]` (0..255 RGB, the model contract's input) and
`y float32[B, H, W, 1]` (1 = person). With `teachers` (distillation), `y` gains a second channel:
the teacher's person probability through the same crop (the hand-made mask where a source has none).

- augment=False: every sample exactly once, sources one after another in order, each photo
  stretched to H x W with PIL bilinear (the evaluation/browser resize); the last batch may be short.
- augment=True: each epoch draws `steps_per_epoch * batch_size` samples (default: one epoch =
  as many samples as all sources hold); source i gets a share proportional to its weight (exact
  counts, largest remainder), items within a source are drawn without replacement in a shuffled
  order, and the mix is shuffled. Everything random derives from (seed, epoch, position), so
  threads and processes produce identical batches for the same index, and `on_epoch_end` moves
  to the next epoch's draw.
- paste_people=P pastes, in P of the augmented samples, a person cut from another photo with a mask
  (greenscreen.data.paste): people beside, behind and in front of the subject, labelled person;
  paste_blend=True feathers their outline and pulls their colours toward the sample's.
- cache=True keeps decoded photos in memory, shrunk so the longer side is at most
  `cache_max_side` (default 2 x the input's longer side, enough for 2x zoom-in crops). With
  use_multiprocessing the cache is filled up front (`preload`) so forked workers inherit it.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from PIL import Image

from .augment import AugmentConfig, augment as augment_sample, person_box, stretch
from .errors import DataError
from .paste import PasteConfig, paste_person, usable_donor
from .source import Source
from .teacher import TeacherMaps


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to `total`, as close as possible to weights/sum(weights)*total."""
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def shrink(image: np.ndarray, mask: np.ndarray, max_side: int, soft: np.ndarray | None = None):
    """Scale photo and mask (and a teacher map, if given) down, never up, so the longer side is at most
    max_side. Returns (photo, mask) or, with `soft`, (photo, mask, soft)."""
    height, width = mask.shape
    scale = max_side / max(height, width)
    if scale >= 1:
        return (image, mask) if soft is None else (image, mask, soft)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    photo = Image.fromarray(image).resize(size, Image.Resampling.BILINEAR)
    matte = Image.fromarray(mask * np.uint8(255)).resize(size, Image.Resampling.BILINEAR)
    shrunk = np.asarray(photo), (np.asarray(matte) >= 128).astype(np.uint8)
    if soft is None:
        return shrunk
    return (*shrunk, np.asarray(Image.fromarray(soft).resize(size, Image.Resampling.BILINEAR)))


class SegmentationDataset(keras.utils.PyDataset):
    def __init__(self, sources: list[tuple[Source, float]], batch_size: int, input_size=(224, 224),
                 augment: bool = False, steps_per_epoch: int | None = None, seed: int = 0,
                 workers: int = 1, use_multiprocessing: bool = False, augment_config: AugmentConfig | None = None,
                 cache: bool = False, cache_max_side: int | None = None, max_queue_size: int = 10,
                 teachers: list[TeacherMaps | None] | None = None, paste_people: float = 0.0,
                 paste_blend: bool = False):
        super().__init__(workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        if not sources:
            raise DataError("no training sources given")
        for source, weight in sources:
            if len(source) == 0:
                raise DataError(f"data source {source.path} is empty")
            if not weight > 0:
                raise DataError(f"source weight must be positive, got {weight} for {source.path}")
        if batch_size < 1:
            raise DataError(f"batch size must be at least 1, got {batch_size}")
        if steps_per_epoch is not None and steps_per_epoch < 1:
            raise DataError(f"steps per epoch must be at least 1, got {steps_per_epoch}")
        self.sources = [source for source, _ in sources]
        if teachers is not None and len(teachers) != len(self.sources):
            raise DataError(f"{len(teachers)} teacher map folders for {len(self.sources)} sources")
        if teachers is not None and not augment:
            raise DataError("teacher maps are training targets: use them with augment=True")
        for index, (source, _) in enumerate(sources):
            if not source.has_masks and (teachers is None or teachers[index] is None):
                raise DataError(f"{source.path} has no masks: it needs a teacher's maps (--teacher DIR)")
        self.teachers = list(teachers) if teachers is not None and any(teachers) else None
        if not 0.0 <= paste_people <= 1.0:
            raise DataError(f"paste_people must be in [0, 1], got {paste_people}")
        self.paste_people = float(paste_people) if augment else 0.0
        self.donors = [index for index, (source, _) in enumerate(sources) if source.has_masks]
        if self.paste_people and not self.donors:
            raise DataError("paste_people needs a source with masks to cut people from")
        self.paste_config = PasteConfig(blend=bool(paste_blend))
        self.weights = np.array([float(weight) for _, weight in sources])
        self.batch_size = int(batch_size)
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.augment = bool(augment)
        self.augment_config = augment_config or AugmentConfig()
        self.seed = int(seed)
        self.epoch = 0
        self.total = sum(len(source) for source in self.sources)
        full_epoch = math.ceil(self.total / self.batch_size)
        if self.augment:
            self.steps = steps_per_epoch or full_epoch
        else:
            self.steps = min(full_epoch, steps_per_epoch or full_epoch)
        self.cache = {} if cache else None
        self.cache_max_side = cache_max_side or 2 * max(self.input_size)
        self._plans: dict[int, np.ndarray] = {}
        self.shard_index, self.shard_count = 0, 1
        self.unreadable: set[tuple[int, int]] = set()  # (source, item) pairs whose files failed to decode
        if self.cache is not None and use_multiprocessing:
            self.preload()

    # ------------------------------------------------------------ Keras API
    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int):
        if not 0 <= index < self.steps:
            raise IndexError(f"batch {index} out of range (0..{self.steps - 1})")
        plan = self.plan(self.epoch)
        rows = self.batch_size // self.shard_count  # this process's rows of the global batch
        start = index * self.batch_size + self.shard_index * rows  # seeds follow the global position
        picks = plan[start: start + rows]
        height, width = self.input_size
        x = np.empty((len(picks), height, width, 3), np.float32)
        y = np.empty((len(picks), height, width, 1 if self.teachers is None else 2), np.float32)
        for row, (source_index, item_index) in enumerate(picks):
            if self.augment:
                rng = np.random.default_rng([self.seed, self.epoch, start + row])
                image, mask, box, soft = self._readable(self._load, int(source_index), int(item_index))
                if self.teachers is None:
                    x[row], matte = augment_sample(image, mask, self.input_size, rng, self.augment_config, box=box)
                else:
                    # A source without a teacher teaches with its own mask (the second channel = the first).
                    x[row], matte, y[row, ..., 1] = augment_sample(
                        image, mask, self.input_size, rng, self.augment_config, box=box,
                        soft=soft if soft is not None else mask * np.uint8(255))
                if self.paste_people and rng.random() < self.paste_people:
                    x[row], matte, soft = self._paste(x[row], matte, y[row, ..., 1] if self.teachers else None, rng)
                    if soft is not None:
                        y[row, ..., 1] = soft
            else:
                image, matte = self._readable(self._load_stretched, int(source_index), int(item_index))
                x[row] = image
            y[row, ..., 0] = matte
        return x, y

    def _paste(self, photo, matte, soft, rng):
        """A person from a photo with a mask (drawn by the sources' weights) pasted into the sample; unchanged when
        the drawn mask holds no person to cut out."""
        weights = self.weights[self.donors]
        source_index = int(rng.choice(self.donors, p=weights / weights.sum()))
        donor, donor_mask, _, _ = self._readable(self._load, source_index, int(rng.integers(len(self.sources[source_index]))))
        if not usable_donor(donor_mask):
            return photo, matte, soft
        return paste_person(photo, matte, donor, donor_mask, rng, soft=soft, config=self.paste_config)

    def shard(self, index: int, count: int) -> "SegmentationDataset":
        """Yield only rows [index * b, (index + 1) * b) of each batch, b = batch_size / count (one process of
        `count` in data-parallel training). Every sample keeps its global position and so its augmentation,
        and the `count` shards of a batch together are the unsharded batch: runs agree whatever `count` is."""
        if self.batch_size % count or not 0 <= index < count:
            raise DataError(f"batch size {self.batch_size} does not split into {count} equal shards (shard {index})")
        self.shard_index, self.shard_count = int(index), int(count)
        return self

    def _readable(self, loader, source_index: int, item_index: int):
        """loader(source, item), or the next readable item of that source when this one's pixels cannot be
        read (a truncated JPEG passes the header-only folder scan): warned about once by name, then avoided."""
        source = self.sources[source_index]
        for step in range(len(source)):
            index = (item_index + step) % len(source)
            if (source_index, index) in self.unreadable:
                continue
            try:
                return loader(source_index, index)
            except DataError as error:
                self.unreadable.add((source_index, index))
                source.skip(index, error)
        raise DataError(f"none of the {len(source)} photos of {source.path} can be read")

    def on_epoch_end(self):
        self.epoch += 1
        self._plans.pop(self.epoch - 2, None)

    # ------------------------------------------------------------ sampling
    def plan(self, epoch: int) -> np.ndarray:
        """int64[N, 2] rows of (source index, item index) for every sample of that epoch."""
        if epoch not in self._plans:
            self._plans[epoch] = self._make_plan(epoch) if self.augment else self._in_order()
        return self._plans[epoch]

    def _in_order(self) -> np.ndarray:
        rows = [np.stack([np.full(len(s), i), np.arange(len(s))], axis=1) for i, s in enumerate(self.sources)]
        return np.concatenate(rows).astype(np.int64)

    def _make_plan(self, epoch: int) -> np.ndarray:
        counts = _largest_remainder(self.weights, self.steps * self.batch_size)
        rows = []
        for source_index, (source, count) in enumerate(zip(self.sources, counts)):
            rng = np.random.default_rng([self.seed, epoch, source_index, 1])
            rounds = -(-int(count) // len(source))
            items = np.concatenate([rng.permutation(len(source)) for _ in range(rounds)])[:count] if count else np.zeros(0, np.int64)
            rows.append(np.stack([np.full(int(count), source_index), items], axis=1))
        plan = np.concatenate(rows).astype(np.int64)
        return plan[np.random.default_rng([self.seed, epoch, 2]).permutation(len(plan))]

    # ------------------------------------------------------------ loading
    def _load(self, source_index: int, item_index: int):
        key = (source_index, item_index)
        if self.cache is not None and key in self.cache:
            return self.cache[key]
        source = self.sources[source_index]
        image, mask = source.load(item_index)
        teacher = self.teachers[source_index] if self.teachers is not None else None
        soft = teacher.load(source.name(item_index), image.shape[:2]) if teacher is not None else None
        if mask is None:  # photos without masks: the teacher's map, thresholded, is the mask
            mask = (soft >= 128).astype(np.uint8)
        if self.cache is not None and soft is None:
            image, mask = shrink(image, mask, self.cache_max_side)
        elif self.cache is not None:
            image, mask, soft = shrink(image, mask, self.cache_max_side, soft=soft)
        entry = (image, mask, person_box(mask), soft)
        if self.cache is not None:
            self.cache[key] = entry
        return entry

    def _load_stretched(self, source_index: int, item_index: int):
        key = ("stretched", source_index, item_index)
        if self.cache is not None and key in self.cache:
            return self.cache[key]
        entry = stretch(*self.sources[source_index].load(item_index), self.input_size)
        if self.cache is not None:
            self.cache[key] = entry
        return entry

    def preload(self) -> None:
        """Decode every sample into the cache now (turns the cache on if it was off)."""
        if self.cache is None:
            self.cache = {}
        for source_index, source in enumerate(self.sources):
            for item_index in range(len(source)):
                self._readable(self._load if self.augment else self._load_stretched, source_index, item_index)
