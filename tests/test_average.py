"""greenscreen average: the element-wise mean of checkpoints of one preset, and clear errors otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from greenscreen import average


def test_the_mean_of_matching_weights_keeps_each_dtype():
    a = [np.array([[1.0, 2.0]], np.float32), np.array([4], np.int64)]
    b = [np.array([[3.0, 6.0]], np.float32), np.array([8], np.int64)]
    mean = average.average_weights([a, b])
    assert np.array_equal(mean[0], [[2.0, 4.0]]) and mean[0].dtype == np.float32
    assert mean[1].tolist() == [6] and mean[1].dtype == np.int64


def test_weights_that_do_not_match_are_refused():
    with pytest.raises(ValueError, match="checkpoint 2 has other weights"):
        average.average_weights([[np.zeros((2, 2))], [np.zeros((2, 3))]])


def test_averaging_two_checkpoints_gives_their_mean(tiny_run, tmp_path):
    import keras

    first = keras.saving.load_model(tiny_run.path / "best.keras", compile=False)
    second = keras.saving.load_model(tiny_run.path / "best.keras", compile=False)
    second.set_weights([w * 3 for w in first.get_weights()])  # BatchNorm statistics too
    second.save(tmp_path / "second.keras")
    out = tmp_path / "soup.keras"
    assert average.main([str(out), str(tiny_run.path / "best.keras"), str(tmp_path / "second.keras")]) == 0
    soup = keras.saving.load_model(out, compile=False)
    assert soup.name == first.name
    for got, original in zip(soup.get_weights(), first.get_weights()):
        assert np.allclose(got, 2 * original, rtol=1e-6, atol=1e-6)


def test_different_presets_are_one_line(tiny_run, tmp_path, capsys):
    import keras

    renamed = keras.saving.load_model(tiny_run.path / "best.keras", compile=False)
    clone = keras.Model(renamed.inputs, renamed.outputs, name="another_preset")
    clone.save(tmp_path / "other.keras")
    assert average.main([str(tmp_path / "out.keras"), str(tiny_run.path / "best.keras"),
                         str(tmp_path / "other.keras")]) == 2
    error = capsys.readouterr().err.strip()
    assert "different presets" in error and len(error.splitlines()) == 1
    assert not (tmp_path / "out.keras").exists()


@pytest.mark.parametrize("args, message", [
    (["out.keras", "a.keras"], "two or more checkpoints"),
    (["out.h5", "a.keras", "b.keras"], "must end in .keras"),
    (["out.keras", "a.keras", "b.keras"], "model file not found"),
])
def test_bad_arguments_are_one_line(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert average.main(args) == 2
    assert message in capsys.readouterr().err


def test_a_soup_of_run_checkpoints_records_them_and_their_stages(tiny_run, tmp_path, capsys):
    import json

    from greenscreen.export import card

    out = tmp_path / "soup.keras"
    assert average.main([str(out), str(tiny_run.path / "best.keras"), str(tiny_run.path / "last.keras")]) == 0
    record = json.loads(out.with_suffix(".card.json").read_text())
    from greenscreen.cli_common import file_sha256

    checkpoints = [tiny_run.path / "best.keras", tiny_run.path / "last.keras"]
    # each with its fingerprint: the path alone may name another model later (a soup shipped over an ingredient)
    assert record["averaged_from"] == [f"{path} (SHA-256 {file_sha256(path)[:12]})" for path in checkpoints]
    assert [stage["run"] for stage in record["training"]["stages"]] == [str(tiny_run.path)]  # once, not twice
    # ship reads it: the card says the weights are a soup, of which checkpoints
    from greenscreen.ship import averaged_from, weights_and_stages

    weights, stages = weights_and_stages(out)
    model_card = card.training_card(name="live", preset="tiramisu_tiny", input_size=(32, 32), encoder=None,
                                    stages=stages, metrics={}, flops=None, shipped="2026-12-04",
                                    averaged_from=averaged_from(out))
    assert model_card["training"]["averaged_from"] == record["averaged_from"]
    assert "mean of 2 checkpoints" in model_card["description"]
    # Shipped, then shipped again (a new card for the same weights): still that soup.
    shipped = tmp_path / "models" / "live.keras"
    shipped.parent.mkdir()
    shipped.write_bytes(out.read_bytes())
    shipped.with_suffix(".card.json").write_text(json.dumps(model_card))
    assert averaged_from(shipped) == record["averaged_from"]


def test_a_soup_of_checkpoints_without_records_gets_no_card(tiny_run, tmp_path, capsys):
    import shutil

    for name in ("a", "b"):
        shutil.copy(tiny_run.path / "best.keras", tmp_path / f"{name}.keras")
    out = tmp_path / "soup.keras"
    assert average.main([str(out), str(tmp_path / "a.keras"), str(tmp_path / "b.keras")]) == 0
    assert out.is_file() and not out.with_suffix(".card.json").exists()
    assert "not on record" in capsys.readouterr().out
