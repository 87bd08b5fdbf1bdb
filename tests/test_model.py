"""FC-DenseNet builder: paper parameter counts, shapes, input-size checks, resizing."""

import os

import keras
import numpy as np
import pytest

from greenscreen.model import (
    PRESETS,
    build_model,
    count_flops,
    load_matching_weights,
    model_input_size,
    preset_config,
    required_multiple,
    transition_up,
    with_input_size,
)
from tests.quick_xla import QUICK_XLA_FLAGS


@pytest.mark.parametrize(
    "preset, expected_millions",
    [("tiramisu56", 1.40), ("tiramisu67", 3.50), ("tiramisu103", 9.42)],
)
def test_paper_presets_match_published_parameter_counts(preset, expected_millions):
    model = build_model(preset, (64, 64))
    assert model.count_params() / 1e6 == pytest.approx(expected_millions, abs=0.01)


def test_flops_match_the_known_cost_at_224():
    # About 18 / 42 / 40 GFLOPs (multiply and add counted) at 224x224.
    flops = {p: count_flops(build_model(p, (224, 224))) / 1e9 for p in ("tiramisu56", "tiramisu67", "tiramisu103")}
    assert flops["tiramisu56"] == pytest.approx(17.7, abs=0.3)
    assert flops["tiramisu67"] == pytest.approx(41.5, abs=0.5)
    assert flops["tiramisu103"] == pytest.approx(39.9, abs=0.5)


def test_realtime_preset_stays_under_one_gflop_at_256():
    assert count_flops(build_model("tiramisu_lite", (256, 256))) < 1.0e9


@pytest.mark.parametrize("size", [(64, 64), (32, 96), (96, 64)])
def test_output_is_per_pixel_probability_at_input_size(size):
    model = build_model("tiramisu56", size)
    x = np.random.default_rng(0).uniform(0, 255, (2, *size, 3)).astype("float32")
    y = np.asarray(model(x, training=False))
    assert y.shape == (2, *size, 2)
    np.testing.assert_allclose(y.sum(-1), 1.0, atol=1e-5)


def test_lite_preset_output_matches_input_size_despite_strided_stem():
    model = build_model("tiramisu_lite", (64, 96))
    assert model.output_shape == (None, 64, 96, 2)


@pytest.mark.parametrize("size", [(100, 224), (224, 48)])
def test_bad_input_size_is_named_in_the_error(size):
    with pytest.raises(ValueError, match=f"{size[0]}x{size[1]}"):
        build_model("tiramisu56", size)


def test_unknown_preset_lists_the_choices():
    with pytest.raises(ValueError, match="tiramisu103"):
        build_model("tiramisu42", (64, 64))


def test_presets_are_plain_data_with_room_for_more():
    assert all(isinstance(v, dict) for v in PRESETS.values())
    assert required_multiple("tiramisu56") == 32
    assert required_multiple("tiramisu_lite") == 32
    assert preset_config("tiramisu103")["first_filters"] == 48


def test_with_input_size_keeps_weights():
    model = build_model("tiramisu_lite", (64, 64))
    bigger = with_input_size(model, (96, 128))
    assert model_input_size(bigger) == (96, 128)
    for a, b in zip(model.get_weights(), bigger.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- pretrained-encoder presets

@pytest.mark.parametrize("preset, multiple, max_params", [
    ("tiramisu_lite0", 32, 3.3e6), ("tiramisu_lite0_live", 16, 0.35e6), ("tiramisu_lite0_live_deep", 16, 0.8e6),
    ("tiramisu_lite0_live_wide", 16, 0.4e6), ("tiramisu_lite0_live_bilinear", 16, 0.3e6),
    ("tiramisu_lite0_live_context", 32, 1.0e6)])
def test_encoder_presets_keep_the_contract(preset, multiple, max_params):
    assert required_multiple(preset) == multiple
    model = build_model(preset, (64, 96))
    assert model.output_shape == (None, 64, 96, 2)
    assert model.count_params() < max_params
    x = np.random.default_rng(0).uniform(0, 255, (1, 64, 96, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(x)).sum(-1), 1.0, atol=1e-5)
    # The Tiramisu's up path: a dense block per stride, joined to the encoder's skip by a transition up.
    names = {layer.name for layer in model.layers}
    ups = len(preset_config(preset)["up_blocks"]) - 1
    assert {f"tu{i}_skip" for i in range(ups)} <= names and {f"up{i}_cat0" for i in range(ups)} <= names


def test_bilinear_transition_up_replaces_the_transposed_conv():
    transposed = build_model("tiramisu_lite0_live", (64, 64))
    bilinear = build_model("tiramisu_lite0_live_bilinear", (64, 64))
    kinds = lambda model: {type(layer).__name__ for layer in model.layers}  # noqa: E731
    assert "Conv2DTranspose" in kinds(transposed) and "Conv2DTranspose" not in kinds(bilinear)
    assert count_flops(bilinear) < count_flops(transposed)
    with pytest.raises(ValueError, match="unknown upsample"):
        transition_up(None, [keras.Input((4, 4, 8))], 8, upsample="nearest")


def test_the_live_preset_is_light_enough_for_real_time():
    # Under 1 MB as float16 and about half a GFLOP at 224 px (MediaPipe's general model: ~0.25 MB).
    model = build_model("tiramisu_lite0_live", (224, 224))
    assert 2 * model.count_params() < 1_000_000
    assert count_flops(model) < 0.6e9


def test_freezing_keeps_encoder_batchnorm_in_inference_mode_and_weights_in_order():
    from keras import layers

    from greenscreen.model import encoder_layers, freeze_encoder

    model = build_model("tiramisu_lite0_live", (32, 32))
    before = [w.copy() for w in model.get_weights()]
    frozen = freeze_encoder(model, 4)
    assert frozen > 0
    for layer in encoder_layers(model):
        if isinstance(layer, layers.BatchNormalization):
            assert not layer.trainable
    assert all(not layer.trainable for layer in encoder_layers(model, 4))
    assert any(layer.trainable for layer in encoder_layers(model) if not isinstance(layer, layers.BatchNormalization))
    assert all(layer.trainable for layer in model.layers if layer.name.startswith(("up", "tu", "bottleneck")))
    # get_weights/set_weights (best.keras, --init-weights, resizing) see the same order frozen or not.
    fresh = build_model("tiramisu_lite0_live", (32, 32))
    fresh.set_weights(model.get_weights())
    for a, b in zip(before, fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    resized = with_input_size(model, (64, 48))
    assert model_input_size(resized) == (64, 48)


def test_pretrained_loads_the_imagenet_arrays_into_the_encoder(tmp_path, monkeypatch):
    from greenscreen.encoders import weights

    try:
        weights.published_file("efficientnet_lite0")
    except weights.WeightsNotFound as error:
        pytest.skip(str(error))
    monkeypatch.setenv("GREENSCREEN_CACHE", str(tmp_path))
    model = build_model("tiramisu_lite0_live", (32, 32), pretrained=True)
    arrays = weights.imagenet_weights("efficientnet_lite0")
    np.testing.assert_array_equal(model.get_layer("enc_b7_project_conv").get_weights()[0],
                                  arrays["enc_b7_project_conv"][0])
    assert "enc_b8_project_conv" in arrays and "enc_b8_project_conv" not in {layer.name for layer in model.layers}


def test_paper_presets_have_no_pretrained_encoder():
    with pytest.raises(ValueError, match="from scratch"):
        build_model("tiramisu56", (32, 32), pretrained=True)


@pytest.mark.slow
def test_model_and_data_need_no_tensorflow_on_jax():
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from greenscreen.model import build_model, freeze_encoder\n"
            "from greenscreen.data.dataset import SegmentationDataset\n"
            "m = build_model('tiramisu_lite0_live', (32, 32)); freeze_encoder(m, 4)\n"
            "assert tuple(m(np.zeros((1, 32, 32, 3), 'float32')).shape) == (1, 32, 32, 2)  # eager: no XLA compile\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "KERAS_BACKEND": "jax", "XLA_FLAGS": QUICK_XLA_FLAGS})
    if "No module named 'jax'" in result.stderr:
        pytest.skip("JAX is not installed")
    assert result.returncode == 0, result.stderr[-2000:]


def test_matching_weights_carry_over_to_a_changed_architecture():
    trained = build_model("tiramisu_lite0_live", (64, 64))
    for layer in trained.layers:  # mark every weight so a copy is recognisable
        layer.set_weights([np.full(w.shape, 0.5, "float32") for w in layer.weights])
    changed = build_model("tiramisu_lite0_live_bilinear", (64, 64))
    copied, kept = load_matching_weights(changed, trained)
    assert "enc_stem_conv" in copied and "bottleneck_l0_sepconv" in copied
    assert {f"tu{i}_conv" for i in range(3)} <= set(kept)  # the new 1x1 convs keep their initialiser
    assert np.all(changed.get_layer("enc_stem_conv").get_weights()[0] == 0.5)
    assert not np.all(changed.get_layer("tu0_conv").get_weights()[0] == 0.5)


def test_the_context_preset_grows_from_a_trained_live_model_without_changing_its_output():
    trained = build_model("tiramisu_lite0_live_deep_bilinear", (64, 64))
    rng = np.random.default_rng(0)
    for weight in trained.weights:  # a "trained" model: every weight moved, variances kept positive
        value = np.asarray(weight) + rng.normal(0, 0.05, weight.shape)
        weight.assign(np.abs(value) if "variance" in weight.name else value)
    grown = build_model("tiramisu_lite0_live_context", (64, 64))
    copied, kept = load_matching_weights(grown, trained)
    assert set(kept) == {"context_proj"} | {layer.name for layer in grown.layers
                                                 if layer.name.startswith("enc_b11_") and layer.weights}
    x = rng.uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(grown(x)), np.asarray(trained(x)), atol=1e-6)
    # The stride-32 block is really in the path once the 1x1 conv is not zero.
    grown.get_layer("context_proj").set_weights([w + 0.1 for w in grown.get_layer("context_proj").get_weights()])
    assert np.abs(np.asarray(grown(x)) - np.asarray(trained(x))).max() > 1e-5
    # Still a download under 2 MB as float16, for ~8 % more work than the model it grows from.
    assert 2 * grown.count_params() < 2_000_000
    at_192 = lambda preset: count_flops(build_model(preset, (192, 192)))  # noqa: E731
    assert at_192("tiramisu_lite0_live_context") < 1.1 * at_192("tiramisu_lite0_live_deep_bilinear")
