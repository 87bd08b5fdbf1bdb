"""greenscreen.export.batchnorm_fold: the exported graph keeps no BatchNormalization layer and gives the
trained model's map (every preset family, BN statistics far from the identity), folds a BN into a conv only
when that is exact, and leaves the trained model as it was."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from greenscreen.export.batchnorm_fold import (BATCHNORM_FOLD_TOLERANCE, fold_error, fold_summary,  # noqa: E402
                                               without_batchnorm)
from greenscreen.model import build_model  # noqa: E402


def _trained_looking_batchnorms(model, seed=0):
    """Give every BN statistics and affine terms far from a fresh layer's (a fresh BN is nearly the
    identity, which would hide a wrong fold)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            channels = layer.moving_mean.shape[0]
            values = {"gamma": rng.uniform(0.5, 1.5, channels), "beta": rng.normal(0, 0.5, channels),
                      "moving_mean": rng.normal(0, 0.5, channels), "moving_variance": rng.uniform(0.2, 2.0, channels)}
            layer.set_weights([values[w.name].astype(np.float32) for w in layer.weights])


def _count(model, kind):
    return sum(isinstance(layer, kind) for layer in model.layers)


@pytest.mark.parametrize("preset", ["tiramisu_tiny", "tiramisu_lite0_live_deep_bilinear"])
def test_the_folded_graph_has_no_batchnorm_and_the_same_output(preset):
    keras.utils.set_random_seed(3)
    model = build_model(preset, (64, 64))
    _trained_looking_batchnorms(model)
    batchnorms = _count(model, keras.layers.BatchNormalization)
    assert batchnorms > 0

    folded = without_batchnorm(model)
    assert _count(folded, keras.layers.BatchNormalization) == 0
    assert folded.name == model.name and [layer.name for layer in folded.layers][-1] == model.layers[-1].name
    images = np.random.default_rng(4).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    expected, got = np.asarray(model(images)), np.asarray(folded(images))
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= BATCHNORM_FOLD_TOLERANCE
    assert fold_error(model, folded) <= BATCHNORM_FOLD_TOLERANCE
    # Each BN either went into a conv (whose weights then changed) or became one 1x1 depthwise kernel.
    summary = fold_summary(model)
    into_conv = int(summary.split(": ")[1].split(" folded")[0])
    assert summary.startswith(f"{batchnorms} BatchNormalization layers removed")
    scale_shift = [layer for layer in folded.layers if isinstance(layer, keras.layers.DepthwiseConv2D)
                   and tuple(layer.kernel_size) == (1, 1)]
    assert len(scale_shift) == batchnorms - into_conv
    if preset.startswith("tiramisu_lite0"):  # the ImageNet encoder: conv -> BN everywhere
        assert into_conv >= batchnorms // 2


def test_only_exact_folds_are_made_and_the_trained_model_is_untouched():
    inputs = keras.Input((16, 16, 3))
    shared = keras.layers.Conv2D(4, 3, padding="same", use_bias=False, name="shared")(inputs)
    a = keras.layers.BatchNormalization(name="bn_after_shared")(shared)  # the conv has a second consumer
    activated = keras.layers.Conv2D(4, 1, activation="relu", name="activated")(inputs)
    b = keras.layers.BatchNormalization(name="bn_after_relu")(activated)  # a ReLU sits between
    plain = keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="plain")(inputs)
    c = keras.layers.BatchNormalization(name="bn_after_dw")(plain)  # folds: linear, one consumer
    joined = keras.layers.Concatenate()([a, b, c, shared])
    model = keras.Model(inputs, keras.layers.Conv2D(2, 1, name="out")(joined))
    _trained_looking_batchnorms(model, seed=5)
    before = [w.copy() for w in model.get_weights()]
    image = np.random.default_rng(6).uniform(0, 255, (1, 16, 16, 3)).astype(np.float32)
    expected = np.asarray(model(image))

    folded = without_batchnorm(model)
    layers = {layer.name: layer for layer in folded.layers}
    assert "bn_after_dw" not in layers and layers["plain"].use_bias  # folded into the depthwise conv
    for name in ("bn_after_shared", "bn_after_relu"):  # kept as a scale-and-shift kernel
        assert isinstance(layers[name], keras.layers.DepthwiseConv2D) and tuple(layers[name].kernel_size) == (1, 1)
    assert not layers["shared"].use_bias
    assert fold_summary(model).startswith("3 BatchNormalization layers removed at export: 1 folded")
    assert np.abs(np.asarray(folded(image)) - expected).max() <= BATCHNORM_FOLD_TOLERANCE

    assert all(np.array_equal(x, y) for x, y in zip(before, model.get_weights()))
    layers["out"].set_weights([np.zeros_like(w) for w in layers["out"].get_weights()])  # its own copy
    assert np.array_equal(np.asarray(model(image)), expected)


def test_what_cannot_be_rebuilt_is_left_to_export_as_it_is():
    sequential = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 1),
                                   keras.layers.BatchNormalization()])
    assert without_batchnorm(sequential) is None
    inputs = keras.Input((8, 8, 3))
    no_batchnorm = keras.Model(inputs, keras.layers.Conv2D(2, 1)(inputs))
    assert without_batchnorm(no_batchnorm) is None
