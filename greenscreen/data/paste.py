"""A second person pasted into a training sample (copy-paste augmentation, Ghiasi et al. 2021).

Why: the portrait masks call people behind the subject background, so a model fine-tuned on them learns to drop
bystanders (bench/second_person.py measured it: the photo model's constant-rate stage kept 16 points less of
a second person than the model it started from). The page's default keeps everyone ("Only the main person" is
the option that drops them), so training shows it people beside, behind and in front of the subject, labelled
as person. The donor is another training photo's person, cut by its own mask.

A hard cut edge is a cue no real photo has, and a model trained on it can learn "a sharp outline against
unrelated colours is a person" (the first paste stage's mean called some sofas and cups beside people person).
So the donor can be blended in (PasteConfig.blend, --paste-blend): its outline feathered over a pixel or two and
its colours pulled part of the way toward the sample's, the label still the outline itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from .augment import person_box


@dataclass(frozen=True)
class PasteConfig:
    height_share: tuple[float, float] = (0.3, 0.8)  # the pasted person's height against the sample's
    most_width: float = 0.5  # ... and their width at most this share of the sample's
    top_share: tuple[float, float] = (0.0, 0.5)  # where their top goes, down from the sample's top
    behind_prob: float = 0.6  # behind the sample's own person (else in front of them)
    coverage: tuple[float, float] = (0.005, 0.8)  # donors whose mask covers less or more of their photo are skipped
    least_fill: float = 0.35  # ... and those filling less of their box: an occluded COCO person's scattered pieces
    blend: bool = False  # feather the outline and match the colours (below); off: a hard cut, the first stages' paste
    feather: tuple[float, float] = (0.5, 2.0)  # the outline's Gaussian blur radius, in the sample's pixels
    colour_pull: tuple[float, float] = (0.0, 0.6)  # share of the way the donor's mean colour moves to the sample's


def usable_donor(mask: np.ndarray, config: PasteConfig = PasteConfig()) -> bool:
    """A mask with one person to cut out: neither (nearly) empty nor (nearly) the whole photo (portraits' 02188),
    and not scattered pieces (a COCO person behind things)."""
    low, high = config.coverage
    if not low <= float(mask.mean()) <= high:
        return False
    x0, y0, x1, y1 = person_box(mask)
    return float(mask[y0:y1, x0:x1].mean()) >= config.least_fill


def cut_out(image: np.ndarray, mask: np.ndarray, height: float, most_width: float):
    """(uint8 pixels, bool person) of the mask's box, scaled to `height` pixels tall, narrower when it would be
    wider than `most_width` pixels. Also bench/second_person.py's way of cutting out its second person."""
    x0, y0, x1, y1 = person_box(mask)
    scale = min(height / (y1 - y0), most_width / (x1 - x0))
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    pixels = Image.fromarray(image[y0:y1, x0:x1]).resize(size, Image.Resampling.BILINEAR)
    shape = Image.fromarray(mask[y0:y1, x0:x1].astype(np.uint8) * np.uint8(255)).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(pixels), np.asarray(shape) >= 128


def paste_person(photo: np.ndarray, matte: np.ndarray, donor: np.ndarray, donor_mask: np.ndarray,
                 rng: np.random.Generator, soft: np.ndarray | None = None, config: PasteConfig = PasteConfig()):
    """(photo, matte, soft) with the donor's person (uint8 image, {0,1} mask of any size) pasted in.

    photo float32 HxWx3 (0..255), matte uint8 HxW {0,1}, soft float32 HxW in [0, 1] or None (a teacher's map):
    new arrays, the pasted pixels person (1) in matte and soft. The donor is scaled to a random height, flipped at
    random, placed at a random column (it may leave the frame at the sides) and height; a donor that reaches its
    photo's bottom edge (a portrait's shoulders) stands on the sample's bottom edge. Behind the sample's person
    only the part outside their matte shows. With config.blend its outline is feathered and its colours pulled
    toward the sample's; the label is still the outline (matte), soft also takes the feathered opacity."""
    height, width = matte.shape
    pixels, person = cut_out(donor, donor_mask, rng.uniform(*config.height_share) * height, config.most_width * width)
    if rng.random() < 0.5:
        pixels, person = pixels[:, ::-1], person[:, ::-1]
    pixels = pixels.astype(np.float32)
    size = (person.shape[1], person.shape[0])

    left = int(rng.integers(-size[0] // 4, max(1, width - 3 * size[0] // 4)))
    standing = person_box(donor_mask)[3] >= donor_mask.shape[0] - 1
    top = height - size[1] if standing else round(rng.uniform(*config.top_share) * height)
    # The part of the donor's box inside the sample.
    rows = slice(max(top, 0), min(top + size[1], height))
    cols = slice(max(left, 0), min(left + size[0], width))
    inner = (slice(rows.start - top, rows.stop - top), slice(cols.start - left, cols.stop - left))

    shows = np.zeros((height, width), bool)
    shows[rows, cols] = person[inner]
    behind = rng.random() < config.behind_prob
    if behind:
        shows &= matte == 0
    placed = np.zeros_like(photo)
    placed[rows, cols] = pixels[inner]
    photo, matte = photo.copy(), matte.copy()
    if config.blend:
        placed[rows, cols] = match_colours(placed[rows, cols], shows[rows, cols], photo, rng.uniform(*config.colour_pull))
        alpha = feathered(shows, rows, cols, rng.uniform(*config.feather), hidden=matte == 1 if behind else None)
        photo += alpha[..., None] * (placed - photo)
        soft = None if soft is None else np.maximum(soft, alpha)  # the feather is a soft target too
    else:
        photo[shows] = placed[shows]
        soft = None if soft is None else soft.copy()
    matte[shows] = 1
    if soft is not None:
        soft[shows] = 1.0
    return photo, matte, soft


def match_colours(pixels: np.ndarray, person: np.ndarray, photo: np.ndarray, pull: float) -> np.ndarray:
    """float32 donor pixels with the person's mean colour moved `pull` of the way to the sample photo's."""
    if not person.any():
        return pixels
    shift = pull * (photo.reshape(-1, 3).mean(axis=0) - pixels[person].mean(axis=0))
    return np.clip(pixels + shift, 0.0, 255.0)


def feathered(shows: np.ndarray, rows: slice, cols: slice, radius: float, hidden: np.ndarray | None) -> np.ndarray:
    """float32 HxW opacity: `shows` blurred by `radius` pixels, kept inside the donor's box (outside it there are
    no donor pixels) and off the sample's own person when the donor stands behind them."""
    blurred = Image.fromarray(shows.astype(np.uint8) * np.uint8(255)).filter(ImageFilter.GaussianBlur(radius))
    alpha = np.zeros(shows.shape, np.float32)
    alpha[rows, cols] = np.asarray(blurred, np.float32)[rows, cols] / 255.0
    if hidden is not None:
        alpha[hidden] = 0.0
    return alpha
