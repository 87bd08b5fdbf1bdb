"""Every shipped training config reads as train.py would read it and names a preset that builds."""

from pathlib import Path

import pytest

from greenscreen import train
from greenscreen.model import PRESETS, check_input_size

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.json"))


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_config_resolves_to_a_known_preset_and_size(config, tmp_path, monkeypatch):
    monkeypatch.setattr(train, "check_keras_file", lambda path: None)  # earlier stages' runs exist only after training
    options = train.resolve_options(["--config", str(config), "--out", str(tmp_path / "run")])
    assert options["preset"] in PRESETS
    check_input_size(options["preset"], tuple(options["size"]))
    assert options["val"], "checkpoints are chosen on a validation split"
    if options.get("init_weights"):
        assert options["init_weights"].startswith(("runs/", "models/")), \
            "a later stage starts from an earlier stage's run or from a shipped model"
