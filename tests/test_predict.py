"""Prediction follows docs/model-contract.md: PIL bilinear stretch, person channel, flip TTA, upsample back."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from PIL import Image

from greenscreen.model import build_model
from greenscreen.predict import (
    input_size_of,
    person_mask,
    person_probabilities,
    person_probability,
    resize_image,
)


def tiny_model(kernel_size: int, size=(32, 32), seed=0, kernel=None, bias=None) -> keras.Model:
    """Input 0..255 → rescale → one conv to 2 logits → softmax: the contract's I/O in two layers."""
    inputs = keras.Input((*size, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    conv = keras.layers.Conv2D(2, kernel_size, padding="same")
    outputs = keras.layers.Softmax()(conv(x))
    model = keras.Model(inputs, outputs, name="tiny")
    rng = np.random.default_rng(seed)
    weights = [
        rng.normal(0, 3, (kernel_size, kernel_size, 3, 2)).astype("float32") if kernel is None else kernel,
        np.zeros(2, "float32") if bias is None else bias,
    ]
    conv.set_weights(weights)
    return model


def red_detector(size=(32, 32)) -> keras.Model:
    """Person where the red channel is high: a 1x1 conv, so mirroring the input mirrors the output."""
    kernel = np.zeros((1, 1, 3, 2), "float32")
    kernel[0, 0, 0, 1] = 20.0
    return tiny_model(1, size, kernel=kernel, bias=np.array([0.0, -10.0], "float32"))


def photo(height, width, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_output_is_at_the_image_own_size_and_a_probability():
    model = tiny_model(3)
    probability = person_probability(model, photo(45, 70))
    assert probability.shape == (45, 70)
    assert probability.dtype == np.float32
    assert 0.0 <= probability.min() and probability.max() <= 1.0


def test_constant_model_gives_constant_map_at_any_size():
    logit = np.log(0.7 / 0.3)
    model = tiny_model(1, kernel=np.zeros((1, 1, 3, 2), "float32"), bias=np.array([0.0, logit], "float32"))
    for shape in [(10, 13), (32, 32), (100, 61)]:
        np.testing.assert_allclose(person_probability(model, photo(*shape)), 0.7, atol=1e-5)


def test_reads_the_person_channel_where_it_is():
    image = np.zeros((40, 64, 3), np.uint8)
    image[:, :32, 0] = 255  # left half red
    mask = person_mask(red_detector(), image)
    assert mask[:, :28].all() and not mask[:, 36:].any()


def test_matches_the_contract_step_by_step_without_tta():
    model = tiny_model(3, size=(32, 32))
    image = photo(50, 90)
    resized = np.asarray(Image.fromarray(image).resize((32, 32), Image.BILINEAR), np.float32)
    person = np.asarray(model(resized[None], training=False))[0, ..., 1]
    expected = np.asarray(Image.fromarray(person.astype(np.float32)).resize((90, 50), Image.BILINEAR))
    np.testing.assert_allclose(person_probability(model, image, flip_tta=False), expected, atol=1e-5)


def test_flip_tta_averages_the_mirrored_pass():
    model = tiny_model(3)
    image = photo(32, 32)
    plain = person_probability(model, image, flip_tta=False)
    mirrored = person_probability(model, image[:, ::-1].copy(), flip_tta=False)[:, ::-1]
    np.testing.assert_allclose(person_probability(model, image), (plain + mirrored) / 2, atol=1e-5)
    # An asymmetric kernel is not mirror-equivariant on its own; with TTA the result is.
    assert np.abs(plain - mirrored).max() > 0.05
    tta_of_mirror = person_probability(model, image[:, ::-1].copy())
    np.testing.assert_allclose(tta_of_mirror[:, ::-1], person_probability(model, image), atol=1e-5)


def test_flip_tta_changes_nothing_for_a_symmetric_model():
    model = red_detector()
    image = photo(48, 40, seed=3)
    np.testing.assert_allclose(
        person_probability(model, image, flip_tta=True), person_probability(model, image, flip_tta=False), atol=1e-6
    )


@pytest.fixture(scope="module")
def tiramisu():
    return build_model("tiramisu56", (32, 32))


@pytest.mark.parametrize("flip_tta", [True, False])
def test_batched_equals_one_by_one_for_mixed_sizes(tiramisu, flip_tta):
    model = tiramisu
    images = [photo(40, 60, 1), photo(32, 32, 2), photo(77, 51, 3)]
    batched = person_probabilities(model, images, flip_tta=flip_tta, batch_size=2)
    assert [p.shape for p in batched] == [(40, 60), (32, 32), (77, 51)]
    for image, probability in zip(images, batched):
        np.testing.assert_allclose(probability, person_probability(model, image, flip_tta=flip_tta), atol=1e-5)


def test_fixed_batch_pads_a_short_batch_and_returns_only_the_real_photos():
    model = tiny_model(3)
    shapes = []
    original = model.predict_on_batch
    model.predict_on_batch = lambda x: shapes.append(x.shape) or original(x)
    images = [photo(40, 50, 1), photo(32, 32, 2), photo(20, 30, 3)]
    padded = person_probabilities(model, images, flip_tta=True, batch_size=2, fixed_batch=True)
    assert shapes == [(4, 32, 32, 3), (4, 32, 32, 3)]  # 2 photos + 2 mirrored, twice
    assert [p.shape for p in padded] == [(40, 50), (32, 32), (20, 30)]
    plain = person_probabilities(model, images, flip_tta=True, batch_size=2)
    for a, b in zip(padded, plain):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_input_size_comes_from_the_model():
    assert input_size_of(tiny_model(1, size=(64, 96))) == (64, 96)
    flexible = keras.Model(*(lambda i: (i, keras.layers.Conv2D(2, 1)(i)))(keras.Input((None, None, 3))))
    with pytest.raises(ValueError, match="no fixed input size"):
        input_size_of(flexible)


def test_rejects_images_that_are_not_uint8_rgb():
    with pytest.raises(ValueError, match="uint8 HxWx3"):
        resize_image(np.zeros((8, 8), np.uint8), (32, 32))
    with pytest.raises(ValueError, match="uint8 HxWx3"):
        resize_image(np.zeros((8, 8, 3), np.float32), (32, 32))


def test_an_extra_size_is_stretched_to_the_model_size_and_averaged_in():
    """Multi-scale TTA as the page's photo path does it: each size's map (with its flip pass) at the model's
    size, averaged there, then upsampled once."""
    from greenscreen.contract import resize_probability

    big, small = tiny_model(3, (32, 32)), tiny_model(3, (16, 16))  # the same weights at two sizes
    image = photo(40, 50, 4)
    together = person_probabilities(big, [image], flip_tta=True, extra_models=[small])[0]

    def own_map(model, size):
        x = resize_image(image, size)[None]
        plain = model.predict_on_batch(x)[0, ..., 1]
        mirrored = model.predict_on_batch(x[:, :, ::-1])[0, :, ::-1, 1]
        return (plain + mirrored) / 2

    averaged = (own_map(big, (32, 32)) + resize_probability(own_map(small, (16, 16)), (32, 32))) / 2
    np.testing.assert_allclose(together, resize_probability(averaged, (40, 50)), atol=1e-5)
    alone = person_probabilities(big, [image], flip_tta=True)[0]
    assert np.abs(together - alone).max() > 1e-3  # the extra pass changed the map
