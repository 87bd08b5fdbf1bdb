"""Person probability maps from a greenscreen Keras model, exactly as docs/model-contract.md says.

    from greenscreen.predict import person_probability
    probability = person_probability(model, image_uint8)   # float32 HxW in [0, 1], the image's own size
    mask = probability >= 0.5

The whole photo is stretched (no crop, no letterbox) to the model's input size with PIL bilinear,
run through the model, optionally averaged with a pass on the mirrored photo, and the person channel
is bilinearly upsampled back to the photo's size (the rule and the channel live in
greenscreen.contract), or edge-aware as the page does it (greenscreen.upsample): upsampling="guided" (the
page) or "bilateral" (the page without float render targets).
No TensorFlow here: any Keras 3 backend works.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The contract's rule and channel live in greenscreen.contract; importable from here too, as before.
from greenscreen.contract import PERSON_CHANNEL, resize_image, resize_probability
from greenscreen.upsample import upsample_probability

__all__ = ["PERSON_CHANNEL", "input_size_of", "person_mask", "person_probabilities", "person_probability",
           "resize_image", "resize_probability"]


def input_size_of(model) -> tuple[int, int]:
    """(H, W) the model takes, from its input shape."""
    shape = model.input_shape
    if isinstance(shape, list):  # single-input functional models may report [shape]
        shape = shape[0]
    height, width = shape[1], shape[2]
    if height is None or width is None:
        raise ValueError(f"model {model.name!r} has no fixed input size ({shape}); use with_input_size first")
    return int(height), int(width)


def _run(model, batch: np.ndarray) -> np.ndarray:
    """Person channel [N, H, W] for a float32 [N, H, W, 3] batch."""
    output = np.asarray(model.predict_on_batch(batch))
    if output.ndim != 4 or output.shape[-1] < 2:
        raise ValueError(f"model output {output.shape} is not [N, H, W, 2] (docs/model-contract.md)")
    return output[..., PERSON_CHANNEL]


def person_probabilities(
    model, images: Sequence[np.ndarray], flip_tta: bool = True, batch_size: int = 8, fixed_batch: bool = False,
    upsampling: str = "bilinear",
) -> list[np.ndarray]:
    """Person probability (float32 HxW, each image's own size) for several photos, `batch_size` at a time.

    With `flip_tta` each batch also carries the mirrored photos, so the model sees 2 * batch_size.
    `fixed_batch` pads a short batch to `batch_size` so the model only ever sees one shape
    (JAX/XLA and tf.function compile once per shape; the padding is cheaper than a recompile).
    `upsampling` is "bilinear" (the contract), "guided" (the page's) or "bilateral" (the page's without float
    render targets): greenscreen.upsample.
    """
    size = input_size_of(model)
    results: list[np.ndarray] = []
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        batch = np.stack([resize_image(image, size) for image in chunk])
        if fixed_batch and len(chunk) < batch_size:
            batch = np.concatenate([batch, np.repeat(batch[-1:], batch_size - len(chunk), axis=0)])
        if flip_tta:
            both = _run(model, np.concatenate([batch, batch[:, :, ::-1]]))
            maps = (both[:len(batch)] + both[len(batch):, :, ::-1]) / 2
        else:
            maps = _run(model, batch)
        maps = maps[:len(chunk)]
        results.extend(upsample_probability(p, image, upsampling, model_input=x)
                       for p, image, x in zip(maps, chunk, batch))
    return results


def person_probability(model, image_uint8: np.ndarray, flip_tta: bool = True) -> np.ndarray:
    """Person probability, float32 HxW at the image's own size (see the module docstring)."""
    return person_probabilities(model, [image_uint8], flip_tta=flip_tta, batch_size=1)[0]


def person_mask(model, image_uint8: np.ndarray, flip_tta: bool = True, threshold: float = 0.5) -> np.ndarray:
    """Boolean person mask at the image's own size (probability >= threshold)."""
    return person_probability(model, image_uint8, flip_tta) >= threshold
