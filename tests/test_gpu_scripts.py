"""The GPU route's helpers (scripts/gpu): float16-stored copies of a model, and runs sized by the data rate."""

import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def test_a_half_stored_copy_is_half_the_size_and_the_same_model(tiny_run, tmp_path):
    import keras

    copy = tmp_path / "half.keras"
    result = subprocess.run([sys.executable, str(ROOT / "scripts/gpu/half_keras.py"), str(tiny_run.path / "best.keras"),
                             str(copy)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    original = keras.saving.load_model(tiny_run.path / "best.keras", compile=False)
    half = keras.saving.load_model(copy, compile=False)
    assert all(w.dtype == "float32" for w in half.weights)  # stored as float16, loaded as the model's float32
    x = np.random.default_rng(0).random((1, 32, 32, 3)).astype(np.float32) * 255
    assert np.abs(np.asarray(original(x)) - np.asarray(half(x))).max() < 2e-2
    assert copy.stat().st_size < 0.7 * (tiny_run.path / "best.keras").stat().st_size


def test_epochs_fit_the_seconds_given(tmp_path):
    import json

    from tests.synthetic import make_mask_folder

    data = make_mask_folder(tmp_path / "data")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"train": [str(data)], "val": [str(data)], "preset": "tiramisu_tiny", "size": "32",
                                  "batch_size": 2, "steps_per_epoch": 2, "workers": 1}))
    counts = []
    for seconds in (1, 1000):
        result = subprocess.run([sys.executable, str(ROOT / "scripts/gpu/epochs_for.py"), str(config), str(seconds)],
                                capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert "samples/s" in result.stderr
        counts.append(int(result.stdout.strip().splitlines()[-1]))
    assert counts[0] >= 1 and counts[1] > counts[0]
