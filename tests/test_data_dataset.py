"""SegmentationDataset: batch format, in-order evaluation pass, weighted mixing, determinism."""

import numpy as np
import pytest

from greenscreen.data import DataError
from greenscreen.data.dataset import SegmentationDataset
from greenscreen.data.source import Item, Source


class ArraySource(Source):
    """In-memory source: image i is filled with value i (so batches reveal which item they hold)."""

    kind = "arrays"

    def __init__(self, count, offset=0, size=(30, 40)):
        height, width = size
        self.size = size
        items = [Item(f"{offset + i}.png", offset + i) for i in range(count)]
        super().__init__("memory", items, [])

    def _load_item(self, item):
        height, width = self.size
        image = np.full((height, width, 3), item.ref, np.uint8)
        mask = np.zeros((height, width), np.uint8)
        mask[height // 4:, width // 4: 3 * width // 4] = 1
        return image, mask


def test_evaluation_pass_visits_every_sample_once_in_order():
    dataset = SegmentationDataset([(ArraySource(5), 1.0), (ArraySource(4, offset=100), 1.0)],
                                  batch_size=4, input_size=(32, 64), augment=False)
    assert len(dataset) == 3
    values = []
    for index in range(len(dataset)):
        x, y = dataset[index]
        assert x.dtype == np.float32 and y.dtype == np.float32
        assert x.shape[1:] == (32, 64, 3) and y.shape[1:] == (32, 64, 1)
        assert set(np.unique(y)) == {0.0, 1.0}
        values += [int(v) for v in x[:, 0, 0, 0]]
    assert values == [0, 1, 2, 3, 4, 100, 101, 102, 103]
    with pytest.raises(IndexError):
        dataset[3]


def test_augmented_batches_have_contract_shapes_and_ranges():
    dataset = SegmentationDataset([(ArraySource(6), 1.0)], batch_size=3, input_size=(32, 32), augment=True,
                                  steps_per_epoch=4, seed=3)
    assert len(dataset) == 4
    x, y = dataset[2]
    assert x.shape == (3, 32, 32, 3) and y.shape == (3, 32, 32, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 255
    assert set(np.unique(y)) <= {0.0, 1.0}


def test_weighted_mixing_follows_weights_and_covers_the_small_source():
    big, small = ArraySource(50), ArraySource(5, offset=100)
    dataset = SegmentationDataset([(big, 3.0), (small, 1.0)], batch_size=10, input_size=(16, 16), augment=True,
                                  steps_per_epoch=8, seed=0)
    plan = dataset.plan(0)
    assert len(plan) == 80
    assert (plan[:, 0] == 0).sum() == 60 and (plan[:, 0] == 1).sum() == 20
    small_items = plan[plan[:, 0] == 1, 1]
    assert sorted(np.bincount(small_items, minlength=5)) == [4] * 5  # without replacement, then again
    assert len(set(plan[plan[:, 0] == 0, 1])) == 50


def test_batches_are_deterministic_per_seed_epoch_and_index():
    make = lambda seed: SegmentationDataset([(ArraySource(20), 1.0)], batch_size=4, input_size=(24, 24),
                                            augment=True, seed=seed)
    first, twin, other = make(1), make(1), make(2)
    assert np.array_equal(first[2][0], twin[2][0])
    assert not np.array_equal(first[2][0], other[2][0])
    before = first[2][0]
    first.on_epoch_end()
    assert first.epoch == 1 and not np.array_equal(first[2][0], before)
    twin.on_epoch_end()
    assert np.array_equal(first[2][0], twin[2][0])


def test_cache_gives_the_same_evaluation_batches():
    sources = [(ArraySource(5, size=(300, 400)), 1.0)]
    plain = SegmentationDataset(sources, batch_size=5, input_size=(32, 32))
    cached = SegmentationDataset(sources, batch_size=5, input_size=(32, 32), cache=True)
    cached.preload()
    assert np.array_equal(plain[0][0], cached[0][0]) and np.array_equal(plain[0][1], cached[0][1])
    augmented = SegmentationDataset(sources, batch_size=5, input_size=(32, 32), augment=True, cache=True)
    augmented.preload()
    image, mask, box, teacher_map = next(iter(augmented.cache.values()))
    assert max(image.shape[:2]) == 64 and mask.shape == image.shape[:2] and box is not None
    assert teacher_map is None  # no teacher given


def test_bad_arguments_are_data_errors():
    with pytest.raises(DataError, match="empty"):
        SegmentationDataset([(ArraySource(0), 1.0)], batch_size=2)
    with pytest.raises(DataError, match="weight"):
        SegmentationDataset([(ArraySource(3), 0.0)], batch_size=2)
    with pytest.raises(DataError, match="batch size"):
        SegmentationDataset([(ArraySource(3), 1.0)], batch_size=0)
