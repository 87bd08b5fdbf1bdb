"""FC-DenseNet builder: paper parameter counts, shapes, input-size checks, resizing."""

import numpy as np
import pytest

from greenscreen.model import (
    PRESETS,
    build_model,
    count_flops,
    model_input_size,
    preset_config,
    required_multiple,
    with_input_size,
)


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
