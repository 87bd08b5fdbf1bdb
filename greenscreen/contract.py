"""The model contract (docs/model-contract.md) in Python: the one resize rule and the person channel.

    from greenscreen.contract import PERSON_CHANNEL, resize_image, resize_probability

Evaluation, training's validation batches and crops (greenscreen.data.augment), the teacher and the
exported card all come through here; the page's resize (static/js/frame/stretch.js) is held to the
same bytes by tests/test_stretch_parity.py. Only NumPy and Pillow: no Keras, no TensorFlow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

PERSON_CHANNEL = 1  # output channel 0 = background, 1 = person (a softmax over the two)

# The same contract in machine-readable form, written into every model card so the page need not hard-code it.
CONTRACT = {
    "input": "float32[N, H, W, 3] RGB, values 0-255 (the model rescales inside)",
    "input_range": [0, 255],
    "input_channels": "RGB",
    "layout": "NHWC",
    "resize": "stretch the whole photo/frame to H x W with bilinear filtering (no crop, no letterbox)",
    "output": "float32[N, H, W, 2] softmax; channel 0 = background, channel 1 = person",
    "person_channel": PERSON_CHANNEL,
    "threshold": 0.5,
    "upsample": "bilinear, person probability to the photo's size",
    "flip_tta": "optional second pass on the horizontally flipped photo; person maps averaged",
    "extra_input_sizes": "optional passes at the card's extra_input_sizes (model-HxW.json): each map stretched "
                         "bilinearly to the input size and averaged there",
}


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 HxWx3 photo stretched to `size` (H, W) with PIL bilinear, as float32 0..255: the contract's resize rule."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 HxWx3 RGB image, got {image.dtype} {image.shape}")
    height, width = size
    if image.shape[:2] == (height, width):
        return image.astype(np.float32)
    resized = Image.fromarray(image).resize((width, height), Image.BILINEAR)
    return np.asarray(resized, dtype=np.float32)


def resize_probability(probability: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """float32 HxW person map upsampled bilinearly to `size` (H, W), staying in float precision and in [0, 1]."""
    height, width = size
    if probability.shape == (height, width):
        return probability.astype(np.float32)
    resized = Image.fromarray(probability.astype(np.float32)).resize((width, height), Image.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)
