"""The page's mask upsampling in NumPy: the model-size person map to the photo's size, as the user sees it.

    from greenscreen.upsample import UPSAMPLING, upsample_probability
    full = upsample_probability(probability, photo, "guided")   # float32 HxW, the photo's size

The page does not stretch the model's map bilinearly: its GPU pipeline upsamples it guided by the
frame (static/js/compositor/webgl2/upsampleStage.js), so mask edges follow the photo's colour edges:
a colour guided filter (He, Sun, Tang 2013, in its fast form, He and Sun 2015: fitted at the map's size,
applied at the photo's), or a joint bilateral filter (Kopf et al. 2007) where the GPU cannot render
floats. Scoring the bilinear map scores something the page never shows;
`python -m greenscreen.evaluate --upsample guided` (or bilateral) scores what it does. The arithmetic
follows the page's references (guidedUpsample and jointBilateralUpsample in
static/js/compositor/selftest/reference.js) and is held to them by tests/test_upsample_parity.py; the
defaults are the page's (DEFAULT_PIPELINE_SETTINGS in static/js/compositor/webgl2/settings.js), which
the same test reads. Only NumPy and Pillow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from greenscreen.contract import resize_image, resize_probability

UPSAMPLING = ("bilinear", "bilateral", "guided")
# The page's defaults (static/js/compositor/webgl2/settings.js, upsampleStage.js).
BILATERAL_RADIUS = 2  # taps each side, in mask texels: a 5x5 window
BILATERAL_SIGMA_SPACE = 1.0  # mask texels
BILATERAL_SIGMA_COLOR = 0.1  # RGB 0-1
BILATERAL_FALLBACK_WEIGHT = 1e-3  # weight of the bilinear value: takes over where no tap's colour matches
# The guided filter's window and regularisation, chosen on held-out portraits + COCO-120 (bench/README.md);
# the page's too.
GUIDED_RADIUS = 4  # mask texels: a 9x9 window
GUIDED_EPSILON = 1e-3  # on colour variances (RGB 0-1): smaller follows weaker edges


def joint_bilateral_upsample(probability: np.ndarray, guide_low: np.ndarray, guide: np.ndarray,
                             radius: int = BILATERAL_RADIUS, sigma_space: float = BILATERAL_SIGMA_SPACE,
                             sigma_color: float = BILATERAL_SIGMA_COLOR) -> np.ndarray:
    """float32 HxW person map at `guide`'s size from the hxw `probability`.

    `guide_low` is the photo at the map's size (hxwx3) and `guide` at full size (HxWx3), both RGB 0-1.
    Each output pixel averages the (2 radius + 1)^2 mask texels nearest to it, weighted by a spatial
    Gaussian (distance in mask texels) times a Gaussian on the colour difference between the full-size
    pixel and the texel's pixel in `guide_low` (Kopf et al. 2007, joint bilateral upsampling).
    """
    probability = np.asarray(probability, dtype=np.float32)
    height, width = probability.shape
    out_height, out_width = guide.shape[:2]
    if guide_low.shape[:2] != (height, width):
        raise ValueError(f"guide_low is {guide_low.shape[:2]}, the map {probability.shape}")
    bilinear = resize_probability(probability, (out_height, out_width))
    # Each output pixel's position in mask texels (pixel centres at i + 0.5), and its nearest texel.
    x = (np.arange(out_width) + 0.5) / out_width * width - 0.5
    y = (np.arange(out_height) + 0.5) / out_height * height - 0.5
    base_x, base_y = np.floor(x + 0.5).astype(np.int64), np.floor(y + 0.5).astype(np.int64)
    space = 1.0 / (2.0 * sigma_space ** 2)
    colour = 1.0 / (2.0 * sigma_color ** 2)
    guide = np.asarray(guide, dtype=np.float32)
    guide_low = np.asarray(guide_low, dtype=np.float32)
    weights = np.full((out_height, out_width), BILATERAL_FALLBACK_WEIGHT, dtype=np.float32)
    total = BILATERAL_FALLBACK_WEIGHT * bilinear
    for dy in range(-radius, radius + 1):
        tap_y = base_y + dy
        inside_y = (tap_y >= 0) & (tap_y < height)
        row = np.clip(tap_y, 0, height - 1)[:, None]
        for dx in range(-radius, radius + 1):
            tap_x = base_x + dx
            inside = inside_y[:, None] & ((tap_x >= 0) & (tap_x < width))[None, :]
            column = np.clip(tap_x, 0, width - 1)[None, :]
            distance2 = ((tap_y - y) ** 2)[:, None] + ((tap_x - x) ** 2)[None, :]
            difference = guide_low[row, column] - guide
            weight = np.exp(-distance2 * space - np.einsum("ijk,ijk->ij", difference, difference) * colour)
            weight = np.where(inside, weight, 0.0).astype(np.float32)
            weights += weight
            total += weight * probability[row, column]
    return np.clip(total / weights, 0.0, 1.0)


def _box_mean(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean over the (2 radius + 1)^2 window around each pixel of the first two axes, the window cut at the edges."""
    def along(array: np.ndarray, axis: int) -> np.ndarray:
        size = array.shape[axis]
        padded = np.cumsum(array, axis=axis, dtype=np.float64)
        padded = np.concatenate([np.zeros_like(np.take(padded, [0], axis=axis)), padded], axis=axis)
        index = np.arange(size)
        high, low = np.minimum(index + radius + 1, size), np.maximum(index - radius, 0)
        return np.take(padded, high, axis=axis) - np.take(padded, low, axis=axis)
    sums = along(along(values, 0), 1)
    ones = np.ones(values.shape[:2], dtype=np.float64)
    counts = along(along(ones, 0), 1)
    return sums / counts.reshape(counts.shape + (1,) * (values.ndim - 2))


def guided_upsample(probability: np.ndarray, guide_low: np.ndarray, guide: np.ndarray,
                    radius: int = GUIDED_RADIUS, epsilon: float = GUIDED_EPSILON) -> np.ndarray:
    """float32 HxW person map at `guide`'s size: a colour guided filter fitted at the map's size.

    In each window of the map the person value is fitted as a linear function of the colour
    (p = a . I + b, ridge `epsilon`); the averaged a and b are upsampled bilinearly and applied to the
    full-size photo, so the mask's edge lands on the photo's colour edges. Guides are RGB 0-1. (When the
    photo is smaller than the map, Pillow's bilinear averages the coefficients where the page samples them.)
    """
    p = np.asarray(probability, dtype=np.float64)
    height, width = p.shape
    if guide_low.shape[:2] != (height, width):
        raise ValueError(f"guide_low is {guide_low.shape[:2]}, the map {p.shape}")
    low = np.asarray(guide_low, dtype=np.float64)
    mean_colour = _box_mean(low, radius)  # h, w, 3
    mean_p = _box_mean(p, radius)
    covariance_colour_p = _box_mean(low * p[..., None], radius) - mean_colour * mean_p[..., None]
    covariance = _box_mean(low[..., :, None] * low[..., None, :], radius)
    covariance -= mean_colour[..., :, None] * mean_colour[..., None, :]
    covariance += epsilon * np.eye(3)
    a = np.linalg.solve(covariance, covariance_colour_p[..., None])[..., 0]
    b = mean_p - np.einsum("ijk,ijk->ij", a, mean_colour)
    out_height, out_width = guide.shape[:2]
    coefficients = np.concatenate([_box_mean(a, radius), _box_mean(b, radius)[..., None]], axis=-1)
    full_size = _resize_channels(coefficients, (out_height, out_width))
    full = np.einsum("ijk,ijk->ij", full_size[..., :3], np.asarray(guide, dtype=np.float32)) + full_size[..., 3]
    return np.clip(full, 0.0, 1.0).astype(np.float32)


def _resize_channels(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Each channel of an hxwxC float array resized bilinearly to `size` (H, W), unclipped."""
    height, width = size
    return np.stack([np.asarray(Image.fromarray(values[..., c].astype(np.float32)).resize((width, height),
                                                                                         Image.BILINEAR))
                     for c in range(values.shape[-1])], axis=-1)


def upsample_probability(probability: np.ndarray, photo: np.ndarray, upsampling: str = "bilinear",
                         model_input: np.ndarray | None = None) -> np.ndarray:
    """The model-size map at the uint8 `photo`'s size: 'bilinear' (the model contract), 'guided' (the page)
    or 'bilateral' (the page without float render targets).

    `model_input` is the photo as the model saw it (float 0-255 at the map's size, resize_image's output);
    it is made here when not given.
    """
    if upsampling == "bilinear":
        return resize_probability(probability, np.shape(photo)[:2])
    if upsampling not in UPSAMPLING:
        raise ValueError(f"upsampling must be one of {', '.join(UPSAMPLING)}, not {upsampling!r}")
    if model_input is None:
        model_input = resize_image(photo, np.shape(probability)[:2])
    filter_ = joint_bilateral_upsample if upsampling == "bilateral" else guided_upsample
    return filter_(probability, np.asarray(model_input, np.float32) / 255.0, np.asarray(photo, np.float32) / 255.0)
