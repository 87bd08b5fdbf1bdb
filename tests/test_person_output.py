"""greenscreen.export.person_output: the softmax head folded into one sigmoid channel gives the same person
map (every preset family's head), and a head it does not know is left alone rather than guessed at."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from greenscreen.export.person_output import FOLD_TOLERANCE, fold_error, person_probability_model  # noqa: E402
from greenscreen.model import build_model  # noqa: E402


@pytest.mark.parametrize("preset, size", [("tiramisu_tiny", (64, 64)), ("tiramisu_lite0_live_deep_bilinear", (64, 64))])
def test_the_folded_head_gives_the_softmax_person_channel(preset, size):
    keras.utils.set_random_seed(1)
    model = build_model(preset, size)
    classifier = model.get_layer("classifier")
    kernel, bias = classifier.get_weights()  # random weights give confident, varied logits
    image = np.random.default_rng(2).uniform(0, 255, (2, *size, 3)).astype(np.float32)
    # Sharper logits with a bias that puts the decision in the middle: a map with both classes in it.
    classifier.set_weights([kernel * 20, np.zeros(2, np.float32)])
    margin = np.asarray(model([image]))[..., 1]
    classifier.set_weights([kernel * 20, np.array([0.0, -np.log(np.median(margin) / (1 - np.median(margin)))], np.float32)])
    folded = person_probability_model(model)
    assert folded is not None and tuple(folded.outputs[0].shape) == (None, *size, 1)
    assert fold_error(model, folded) <= FOLD_TOLERANCE
    person = np.asarray(model([image]))[..., 1]
    assert 0.05 < (person > 0.5).mean() < 0.95  # the check above compared maps with both classes in them
    assert np.abs(np.asarray(folded([image]))[..., 0] - person).max() <= FOLD_TOLERANCE


def test_an_unknown_head_is_exported_as_it_is():
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(2, 1, name="classifier")(inputs)
    x = keras.layers.Softmax(name="probabilities")(x)
    plain = keras.Model(inputs, keras.layers.Identity(name="after")(x))  # something after the softmax
    assert person_probability_model(plain) is None
    three = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(keras.layers.Conv2D(3, 1, name="classifier")(inputs)))
    assert person_probability_model(three) is None
    foreign = keras.Model(inputs, keras.layers.Conv2D(2, 1, activation="softmax")(inputs))
    assert person_probability_model(foreign) is None
