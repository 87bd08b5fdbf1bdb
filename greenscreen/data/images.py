"""Read photos and masks from disk as plain NumPy arrays.

`load_image` applies the EXIF orientation (phones store portraits sideways and rely on it),
drops alpha and turns greyscale into RGB. `load_mask` accepts 0/255 PNGs (the mask-folder
convention), 0/1 PNGs and palette PNGs (index > 0 = person) and returns 0/1.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from .errors import DataError

# EXIF orientation tag → the PIL transpose that undoes it (same table as ImageOps.exif_transpose).
_ORIENTATION_TO_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_READ_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def _open(path) -> Image.Image:
    try:
        return Image.open(path)
    except FileNotFoundError:
        raise DataError(f"file not found: {path}") from None
    except _READ_ERRORS as error:
        raise DataError(f"cannot read {os.fspath(path)}: {error}") from None


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation tag (1 = upright, also when missing or unreadable)."""
    try:
        return int(image.getexif().get(0x0112, 1) or 1)
    except Exception:  # broken EXIF blocks are common; treat them as upright
        return 1


def oriented_size(path) -> tuple[int, int]:
    """(width, height) as `load_image` will return it, read from the header only (cheap)."""
    with _open(path) as image:
        width, height = image.size
        if exif_orientation(image) in (5, 6, 7, 8):
            width, height = height, width
        return width, height


def apply_orientation(image: Image.Image, orientation: int) -> Image.Image:
    """Undo an EXIF orientation on any PIL image (used to turn a COCO mask with its photo)."""
    transpose = _ORIENTATION_TO_TRANSPOSE.get(orientation)
    return image.transpose(transpose) if transpose is not None else image


def load_image(path, apply_exif: bool = True) -> np.ndarray:
    """Read a photo as uint8 HxWx3 RGB; raise DataError naming the file when it cannot be read.

    apply_exif=False keeps the stored pixel order (COCO annotations refer to it).
    """
    image = _open(path)
    try:
        orientation = exif_orientation(image) if apply_exif else 1
        image = apply_orientation(image, orientation)
        if image.mode != "RGB":
            # convert("RGB") drops alpha and expands greyscale/palette/CMYK.
            image = image.convert("RGB")
        return np.asarray(image, dtype=np.uint8).copy()
    except _READ_ERRORS as error:
        raise DataError(f"cannot read {os.fspath(path)}: {error}") from None
    finally:
        image.close()


def load_mask(path) -> np.ndarray:
    """Read a person mask as uint8 HxW with values {0, 1}."""
    image = _open(path)
    try:
        image = apply_orientation(image, exif_orientation(image))
        if image.mode == "P":
            return (np.asarray(image) > 0).astype(np.uint8)
        if image.mode not in ("L", "1", "I", "I;16", "F"):
            image = image.convert("L")
        values = np.asarray(image)
        if values.max(initial=0) <= 1:
            return (values > 0).astype(np.uint8)
        if image.mode in ("I", "I;16", "F"):
            return (values >= values.max() / 2).astype(np.uint8)
        return (values >= 128).astype(np.uint8)
    except _READ_ERRORS as error:
        raise DataError(f"cannot read {os.fspath(path)}: {error}") from None
    finally:
        image.close()
