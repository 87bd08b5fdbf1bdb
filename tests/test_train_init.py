"""--init-weights: the same architecture takes every weight; another preset of the family takes the layers
that match by name and shape (the rest keep their start); a model with nothing in common is refused."""

import numpy as np
import pytest

from greenscreen.cli_common import UsageError, file_sha256
from greenscreen.model import build_model
from greenscreen.train import start_from


def saved(tmp_path, preset, size=(32, 32), fill=0.25):
    model = build_model(preset, size)
    model.set_weights([np.full(w.shape, fill, "float32") for w in model.weights])
    path = tmp_path / f"{preset}.keras"
    model.save(path)
    return str(path)


def test_same_architecture_takes_every_weight(tmp_path):
    model = build_model("tiramisu_lite0_live", (32, 32))
    record = start_from(model, saved(tmp_path, "tiramisu_lite0_live"))
    assert record["layers"] == "all"
    assert record["sha256"] == file_sha256(record["path"])  # names the start after models/NAME.keras is replaced
    assert all(np.all(np.asarray(w) == 0.25) for w in model.weights)


def test_another_live_candidate_takes_the_layers_it_shares(tmp_path, capsys):
    model = build_model("tiramisu_lite0_live_deep", (32, 32))
    record = start_from(model, saved(tmp_path, "tiramisu_lite0_live"))
    assert record["layers_copied"] > 20 and "enc_b10_project_conv" in record["layers_kept"]
    assert np.all(model.get_layer("enc_stem_conv").get_weights()[0] == 0.25)
    assert not np.all(model.get_layer("enc_b10_project_conv").get_weights()[0] == 0.25)
    assert "layers carried over" in capsys.readouterr().out


def test_a_model_with_nothing_in_common_is_refused(tmp_path):
    model = build_model("tiramisu_tiny", (32, 32))
    with pytest.raises(UsageError, match="no layer"):
        start_from(model, saved(tmp_path, "tiramisu_lite0_live"))
