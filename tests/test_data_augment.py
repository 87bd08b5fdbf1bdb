"""Augmentation keeps photo and mask aligned, varies crops the way the browser sees frames."""

import math

import numpy as np
import pytest

from greenscreen.data import DataError
from greenscreen.data.augment import AugmentConfig, Crop, augment, person_box, sample_crop, stretch, warp


def _colour_coded(height=120, width=160, person=((30, 90), (50, 110))):
    """A photo whose colour encodes the mask: red where the person is, blue elsewhere, plus texture."""
    (y0, y1), (x0, x1) = person
    mask = np.zeros((height, width), np.uint8)
    mask[y0:y1, x0:x1] = 1
    mask[y0:y0 + 10, x0:x0 + 25] = 0  # an asymmetric notch, so flips and rotations matter
    image = np.zeros((height, width, 3), np.uint8)
    image[..., 2] = 230
    image[mask == 1] = (230, 0, 0)
    return image, mask


def _agreement(photo, mask):
    """Fraction of pixels where 'redder than blue' equals the mask, away from the mask border."""
    red = photo[..., 0] > photo[..., 2]
    inner = np.ones_like(mask, bool)
    edge = (np.abs(np.diff(mask.astype(int), axis=0, prepend=mask[:1])) +
            np.abs(np.diff(mask.astype(int), axis=1, prepend=mask[:, :1]))) > 0
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            inner &= ~np.roll(np.roll(edge, dy, 0), dx, 1)
    return (red == mask.astype(bool))[inner].mean()


@pytest.mark.parametrize("seed", range(12))
def test_geometry_keeps_photo_and_mask_aligned(seed):
    image, mask = _colour_coded()
    config = AugmentConfig(person_crop_prob=0.5, flip_prob=0.5, rotate_prob=0.5, color_prob=0.0, gamma_prob=0.0,
                           low_light_prob=0.0, blur_prob=0.0, noise_prob=0.0, jpeg_prob=0.0)
    photo, matte = augment(image, mask, (64, 96), np.random.default_rng(seed), config)
    assert photo.shape == (64, 96, 3) and photo.dtype == np.float32
    assert matte.shape == (64, 96) and matte.dtype == np.uint8 and set(np.unique(matte)) <= {0, 1}
    assert _agreement(photo, matte) > 0.99


@pytest.mark.parametrize("angle", [0.0, 1e-9])  # the upright fast path and the affine path
def test_flip_mirrors_both_and_both_paths_agree(angle):
    image, mask = _colour_coded()
    crop = Crop(cx=80, cy=60, width=160, height=120, angle_deg=angle, flip=True)
    photo, matte = warp(image, mask, crop, (120, 160))
    assert (matte == mask[:, ::-1]).mean() > 0.99
    assert _agreement(photo.astype(np.float32), matte) > 0.99
    half = Crop(cx=70, cy=50, width=80, height=60, angle_deg=angle)
    photo, matte = warp(image, mask, half, (60, 80))
    assert (matte == mask[20:80, 30:110]).mean() > 0.99


def test_full_augmentation_keeps_range_and_is_deterministic():
    image, mask = _colour_coded()
    config = AugmentConfig(color_prob=1, gamma_prob=1, low_light_prob=1, blur_prob=1, noise_prob=1, jpeg_prob=1)
    first = augment(image, mask, (32, 32), np.random.default_rng(7), config)
    again = augment(image, mask, (32, 32), np.random.default_rng(7), config)
    other = augment(image, mask, (32, 32), np.random.default_rng(8), config)
    assert first[0].min() >= 0 and first[0].max() <= 255
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_crops_cover_portrait_and_landscape_aspect_ratios_and_stay_inside():
    rng = np.random.default_rng(0)
    config = AugmentConfig(rotate_prob=1.0)
    aspects = []
    for _ in range(300):
        crop = sample_crop(rng, 160, 120, (50, 30, 110, 90), config)
        aspects.append(crop.width / crop.height)
        cos, sin = math.cos(math.radians(crop.angle_deg)), math.sin(math.radians(crop.angle_deg))
        for sx in (-1, 1):
            for sy in (-1, 1):
                x = crop.cx + cos * sx * crop.width / 2 - sin * sy * crop.height / 2
                y = crop.cy + sin * sx * crop.width / 2 + cos * sy * crop.height / 2
                assert -1e-6 <= x <= 160 + 1e-6 and -1e-6 <= y <= 120 + 1e-6
    assert min(aspects) < 0.6 and max(aspects) > 1.7


def test_person_crops_enlarge_a_small_person():
    image, mask = _colour_coded(400, 600, person=((300, 360), (280, 310)))
    config = AugmentConfig.off()
    small = [augment(image, mask, (64, 64), np.random.default_rng(s), config)[1].mean() for s in range(10)]
    person = AugmentConfig(person_crop_prob=1.0, flip_prob=0.0, rotate_prob=0.0, color_prob=0.0, gamma_prob=0.0,
                           low_light_prob=0.0, blur_prob=0.0, noise_prob=0.0, jpeg_prob=0.0)
    big = [augment(image, mask, (64, 64), np.random.default_rng(s), person)[1].mean() for s in range(10)]
    assert mask.mean() < 0.01 and max(small) < 0.02
    # Even a wide crop around a standing person keeps it at several percent of the sample.
    assert min(big) > 0.04 and np.mean(big) > 10 * mask.mean()


def test_stretch_resizes_whole_photo_and_person_box():
    image, mask = _colour_coded()
    photo, matte = stretch(image, mask, (60, 40))
    assert photo.shape == (60, 40, 3) and matte.shape == (60, 40)
    assert _agreement(photo.astype(np.float32), matte) > 0.99
    assert person_box(mask) == (50, 30, 110, 90)
    assert person_box(np.zeros((4, 4), np.uint8)) is None


def test_config_is_validated():
    with pytest.raises(DataError, match="flip_prob"):
        AugmentConfig(flip_prob=2.0)
    with pytest.raises(DataError, match="aspect_range"):
        AugmentConfig(aspect_range=(2.0, 0.5))
