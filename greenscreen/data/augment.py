"""Training augmentation with NumPy + Pillow only (no TensorFlow, so it runs under any Keras backend).

One sample goes through:
1. geometry, a single affine warp from the photo to the training size, applied identically to
   photo and mask: a random crop (scale and aspect ratio vary, because the browser stretches whole
   frames of any shape to the model's input), or with `person_crop_prob` a crop around the
   person's box plus a margin (small COCO people become portrait-like samples); a horizontal
   flip; a small rotation. Crops are shrunk until the rotated crop lies inside the photo, so no
   black corners appear;
2. capture effects the 2017 write-up failed on (dark, blurry photos; clothes close to the
   background colour): Gaussian blur, colour jitter (brightness, contrast, saturation, hue as one
   3x3 colour matrix), gamma, low light, sensor noise, JPEG softness.

The mask is warped with bilinear filtering and thresholded at one half, which keeps it binary
and aligned to the photo to within the interpolation error (same job as nearest, less jagged).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, fields

import numpy as np
from PIL import Image, ImageFilter

from greenscreen.contract import resize_image

from .errors import DataError


@dataclass(frozen=True)
class AugmentConfig:
    """Every augmentation knob and its default, in one place (probabilities are per sample)."""

    # geometry
    min_scale: float = 0.35            # crop area relative to the largest crop of the chosen aspect ratio
    aspect_range: tuple[float, float] = (0.5, 2.0)  # crop width/height, log-uniform (9:16 portrait .. 16:9 landscape)
    person_crop_prob: float = 0.5      # centre the crop on the person's box instead of anywhere
    person_margin: tuple[float, float] = (0.1, 0.6)  # margin around the person box, per side, in box sizes
    flip_prob: float = 0.5
    rotate_prob: float = 0.3
    max_rotation_deg: float = 10.0
    # colour
    color_prob: float = 0.8
    brightness: float = 0.3            # multiply by 1 +- this
    contrast: float = 0.3              # contrast factor 1 +- this
    saturation: float = 0.4            # saturation factor 1 +- this
    hue: float = 0.04                  # hue rotation, +- this fraction of a full turn
    gamma_prob: float = 0.3
    gamma_range: tuple[float, float] = (0.6, 1.7)
    low_light_prob: float = 0.1
    low_light_range: tuple[float, float] = (0.25, 0.6)  # brightness multiplier of a dark room
    # capture
    blur_prob: float = 0.2
    blur_sigma: tuple[float, float] = (0.5, 2.0)        # pixels at the training size
    noise_prob: float = 0.2
    noise_sigma: tuple[float, float] = (2.0, 10.0)      # on the 0..255 scale
    jpeg_prob: float = 0.15
    jpeg_quality: tuple[int, int] = (15, 50)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_prob") and not 0.0 <= value <= 1.0:
                raise DataError(f"augment {f.name} must be in [0, 1], got {value}")
            if isinstance(value, tuple) and (len(value) != 2 or value[0] > value[1]):
                raise DataError(f"augment {f.name} must be a (low, high) pair, got {value}")
        if not 0.0 < self.min_scale <= 1.0:
            raise DataError(f"augment min_scale must be in (0, 1], got {self.min_scale}")
        if self.aspect_range[0] <= 0:
            raise DataError(f"augment aspect_range must be positive, got {self.aspect_range}")
        if not 1 <= self.jpeg_quality[0] <= self.jpeg_quality[1] <= 95:
            raise DataError(f"augment jpeg_quality must be within 1..95, got {self.jpeg_quality}")

    @classmethod
    def off(cls) -> "AugmentConfig":
        """Geometry-only random crops with everything optional switched off (handy in tests)."""
        return cls(person_crop_prob=0.0, flip_prob=0.0, rotate_prob=0.0, color_prob=0.0, gamma_prob=0.0,
                   low_light_prob=0.0, blur_prob=0.0, noise_prob=0.0, jpeg_prob=0.0)


@dataclass(frozen=True)
class Crop:
    """A rotated rectangle in photo pixels that becomes the whole training sample."""

    cx: float
    cy: float
    width: float
    height: float
    angle_deg: float = 0.0
    flip: bool = False


# ---------------------------------------------------------------- geometry

def person_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the mask's person pixels (x1, y1 exclusive), None when empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _fit_rotated(width, height, cw, ch, angle_deg):
    """Shrink (cw, ch) until the crop rotated by angle fits in the photo; also return its bounding box."""
    cos, sin = abs(math.cos(math.radians(angle_deg))), abs(math.sin(math.radians(angle_deg)))
    bw, bh = cw * cos + ch * sin, cw * sin + ch * cos
    shrink = min(1.0, width / bw, height / bh)
    return cw * shrink, ch * shrink, bw * shrink, bh * shrink


def sample_crop(rng: np.random.Generator, width: int, height: int, box, config: AugmentConfig) -> Crop:
    """Draw one crop for a photo of width x height whose person box is `box` (or None)."""
    low, high = config.aspect_range
    aspect = math.exp(rng.uniform(math.log(low), math.log(high)))
    # Largest crop of this aspect ratio that fits the photo.
    max_w, max_h = (width, width / aspect) if aspect > width / height else (height * aspect, height)
    angle = rng.uniform(-config.max_rotation_deg, config.max_rotation_deg) if rng.random() < config.rotate_prob else 0.0
    flip = bool(rng.random() < config.flip_prob)
    if box is not None and rng.random() < config.person_crop_prob:
        x0, y0, x1, y1 = box
        margin = rng.uniform(*config.person_margin)
        box_w, box_h = (x1 - x0) * (1 + 2 * margin), (y1 - y0) * (1 + 2 * margin)
        cw = max(box_w, box_h * aspect, 8.0)
        ch = cw / aspect
        if cw > max_w:
            cw, ch = max_w, max_h
        jitter = rng.uniform(-0.1, 0.1, size=2)
        cx, cy = (x0 + x1) / 2 + jitter[0] * cw, (y0 + y1) / 2 + jitter[1] * ch
    else:
        side = math.sqrt(rng.uniform(config.min_scale, 1.0))
        cw, ch = max_w * side, max_h * side
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)  # clamped below
    cw, ch, bw, bh = _fit_rotated(width, height, cw, ch, angle)
    cx = min(max(cx, bw / 2), width - bw / 2)
    cy = min(max(cy, bh / 2), height - bh / 2)
    return Crop(cx, cy, cw, ch, angle, flip)


def _affine(crop: Crop, out_w: int, out_h: int, reduce: int):
    """PIL AFFINE coefficients mapping output pixels to (reduced) photo pixels."""
    sx, sy = crop.width / out_w, crop.height / out_h
    cos, sin = math.cos(math.radians(crop.angle_deg)), math.sin(math.radians(crop.angle_deg))
    mirror = -1.0 if crop.flip else 1.0
    a, b = cos * sx * mirror, -sin * sy
    d, e = sin * sx * mirror, cos * sy
    c = crop.cx - a * out_w / 2 - b * out_h / 2
    f = crop.cy - d * out_w / 2 - e * out_h / 2
    return tuple(v / reduce for v in (a, b, c, d, e, f))


def _warp_plane(picture: Image.Image, crop: Crop, out_size: tuple[int, int]) -> Image.Image:
    """Cut `crop` out of one picture (photo, mask or teacher map) and stretch it to out_size (H, W)."""
    out_h, out_w = out_size
    if crop.angle_deg == 0:
        # Upright crops: Pillow's resize is faster than its affine transform and filters when shrinking.
        box = (crop.cx - crop.width / 2, crop.cy - crop.height / 2, crop.cx + crop.width / 2, crop.cy + crop.height / 2)
        picture = picture.resize((out_w, out_h), Image.Resampling.BILINEAR, box=box)
        return picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if crop.flip else picture
    # Bilinear sampling aliases when shrinking a lot: box-reduce by an integer factor first.
    reduce = max(1, int(min(crop.width / out_w, crop.height / out_h)))
    if reduce > 1:
        picture = picture.reduce(reduce)
    coefficients = _affine(crop, out_w, out_h, reduce)
    return picture.transform((out_w, out_h), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR)


def warp(image: np.ndarray, mask: np.ndarray, crop: Crop, out_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Cut `crop` out of photo and mask and stretch it to out_size (H, W): uint8 HxWx3, uint8 HxW {0,1}."""
    photo = _warp_plane(Image.fromarray(image), crop, out_size)
    matte = _warp_plane(Image.fromarray(mask * np.uint8(255)), crop, out_size)
    return np.asarray(photo), (np.asarray(matte) >= 128).astype(np.uint8)


def warp_soft(soft: np.ndarray, crop: Crop, out_size: tuple[int, int]) -> np.ndarray:
    """A teacher's person probability (uint8 HxW, 0..255) through the same crop: float32 HxW in [0, 1], not thresholded."""
    return np.asarray(_warp_plane(Image.fromarray(soft), crop, out_size), dtype=np.float32) / 255.0


def stretch(image: np.ndarray, mask: np.ndarray, out_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The evaluation/browser resize (greenscreen.contract.resize_image, the one rule) on photo and mask."""
    out_h, out_w = out_size
    if image.shape[:2] == (out_h, out_w):
        return image, mask
    photo = resize_image(image, out_size).astype(np.uint8)  # PIL's uint8 result, exact in float32
    matte = Image.fromarray(mask * np.uint8(255)).resize((out_w, out_h), Image.Resampling.BILINEAR)
    return photo, (np.asarray(matte) >= 128).astype(np.uint8)


# ---------------------------------------------------------------- photometric

_RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114],
                        [0.595716, -0.274453, -0.321263],
                        [0.211456, -0.522591, 0.311135]], np.float32)
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ).astype(np.float32)
_LUMA = _RGB_TO_YIQ[0]


def color_matrix(brightness: float, saturation: float, hue_turns: float) -> np.ndarray:
    """3x3 RGB matrix: hue rotation and saturation in YIQ space, then brightness."""
    angle = 2 * math.pi * hue_turns
    chroma = saturation * np.array([[math.cos(angle), -math.sin(angle)],
                                    [math.sin(angle), math.cos(angle)]], np.float32)
    yiq = np.eye(3, dtype=np.float32)
    yiq[1:, 1:] = chroma
    return (brightness * (_YIQ_TO_RGB @ yiq @ _RGB_TO_YIQ)).astype(np.float32)


def photometric(image: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """uint8 HxWx3 → float32 HxWx3 in 0..255 with random capture effects."""
    photo = Image.fromarray(image)
    if rng.random() < config.blur_prob:
        photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(*config.blur_sigma)))
    x = np.asarray(photo, dtype=np.float32)
    if rng.random() < config.color_prob:
        matrix = color_matrix(1 + rng.uniform(-config.brightness, config.brightness),
                              1 + rng.uniform(-config.saturation, config.saturation),
                              rng.uniform(-config.hue, config.hue))
        contrast = 1 + rng.uniform(-config.contrast, config.contrast)
        # Contrast pivots on the mean luma; every 4th pixel in each direction estimates it well enough.
        mean_luma = float(x[::4, ::4].reshape(-1, 3).mean(axis=0) @ matrix.T @ _LUMA)
        x = x @ (contrast * matrix).T + (1 - contrast) * mean_luma
    if rng.random() < config.gamma_prob:
        x = 255.0 * (np.clip(x, 0, 255) / 255.0) ** np.float32(rng.uniform(*config.gamma_range))
    if rng.random() < config.low_light_prob:
        x = x * np.float32(rng.uniform(*config.low_light_range))
    if rng.random() < config.noise_prob:
        x = x + rng.standard_normal(x.shape, dtype=np.float32) * np.float32(rng.uniform(*config.noise_sigma))
    x = np.clip(x, 0, 255)
    if rng.random() < config.jpeg_prob:
        buffer = io.BytesIO()
        Image.fromarray(x.astype(np.uint8)).save(buffer, "JPEG", quality=int(rng.integers(*config.jpeg_quality, endpoint=True)))
        x = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"), dtype=np.float32)
    return x.astype(np.float32, copy=False)


def augment(image: np.ndarray, mask: np.ndarray, out_size: tuple[int, int], rng: np.random.Generator,
            config: AugmentConfig = AugmentConfig(), box=None, soft: np.ndarray | None = None):
    """One training sample: float32 HxWx3 in 0..255 and uint8 HxW {0,1} at out_size (H, W).

    box: the person box if already known (saves a pass over the mask).
    soft: a teacher's person probability for the photo (uint8 HxW); when given, a third value comes
    back: that map through the same crop, float32 HxW in [0, 1] (distillation targets).
    """
    if box is None:
        box = person_box(mask)
    crop = sample_crop(rng, image.shape[1], image.shape[0], box, config)
    photo, matte = warp(image, mask, crop, out_size)
    if soft is None:
        return photometric(photo, rng, config), matte
    return photometric(photo, rng, config), matte, warp_soft(soft, crop, out_size)
