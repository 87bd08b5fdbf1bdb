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


def _maps(model, batch: np.ndarray, flip_tta: bool) -> np.ndarray:
    """Person maps [N, H, W] at the model's size, averaged with the mirrored pass when `flip_tta`."""
    if not flip_tta:
        return _run(model, batch)
    both = _run(model, np.concatenate([batch, batch[:, :, ::-1]]))
    return (both[:len(batch)] + both[len(batch):, :, ::-1]) / 2


def _stretched(images: Sequence[np.ndarray], size: tuple[int, int], pad_to: int = 0) -> np.ndarray:
    """The photos stretched to `size` as one float batch, padded with the last one to `pad_to` photos."""
    batch = np.stack([resize_image(image, size) for image in images])
    if len(batch) < pad_to:
        batch = np.concatenate([batch, np.repeat(batch[-1:], pad_to - len(batch), axis=0)])
    return batch


def person_probabilities(
    model, images: Sequence[np.ndarray], flip_tta: bool = True, batch_size: int = 8, fixed_batch: bool = False,
    upsampling: str = "bilinear", extra_models: Sequence = (),
) -> list[np.ndarray]:
    """Person probability (float32 HxW, each image's own size) for several photos, `batch_size` at a time.

    With `flip_tta` each batch also carries the mirrored photos, so the model sees 2 * batch_size.
    `fixed_batch` pads a short batch to `batch_size` so the model only ever sees one shape
    (JAX/XLA and tf.function compile once per shape; the padding is cheaper than a recompile).
    `upsampling` is "bilinear" (the contract), "guided" (the page's) or "bilateral" (the page's without float
    render targets): greenscreen.upsample.
    `extra_models` (the same weights at other sizes: greenscreen.model.with_input_size) add passes at their
    sizes, as the page's photo path does (multi-scale TTA): each photo stretched to that size, its map (with
    its own flip pass) stretched bilinearly to the model's size and averaged with the others there.
    """
    size = input_size_of(model)
    pad_to = batch_size if fixed_batch else 0
    results: list[np.ndarray] = []
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        batch = _stretched(chunk, size, pad_to)
        maps = _maps(model, batch, flip_tta)[:len(chunk)]
        for other in extra_models:
            found = _maps(other, _stretched(chunk, input_size_of(other), pad_to), flip_tta)[:len(chunk)]
            maps = maps + np.stack([resize_probability(p, size) for p in found])
        maps = maps / (1 + len(extra_models))
        results.extend(upsample_probability(p, image, upsampling, model_input=x)
                       for p, image, x in zip(maps, chunk, batch))
    return results


def person_probability(model, image_uint8: np.ndarray, flip_tta: bool = True, extra_models: Sequence = ()) -> np.ndarray:
    """Person probability, float32 HxW at the image's own size (see the module docstring)."""
    return person_probabilities(model, [image_uint8], flip_tta=flip_tta, batch_size=1, extra_models=extra_models)[0]


def person_mask(model, image_uint8: np.ndarray, flip_tta: bool = True, threshold: float = 0.5) -> np.ndarray:
    """Boolean person mask at the image's own size (probability >= threshold)."""
    return person_probability(model, image_uint8, flip_tta) >= threshold
