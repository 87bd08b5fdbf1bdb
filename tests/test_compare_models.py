"""bench/compare_models.py: checkpoints scored at one size and compared photo by photo with the first."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest


SPEC = importlib.util.spec_from_file_location("compare_models", Path(__file__).resolve().parents[1] / "bench" / "compare_models.py")
compare_models = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(compare_models)


def test_each_model_is_compared_with_the_first_photo_by_photo():
    truth = np.zeros((4, 4), bool)
    truth[:, :2] = True
    right = truth.astype(np.float16)
    wide = np.full((4, 4), 0.6, np.float16)  # everything called person: IoU 50
    rows = compare_models.score_models({"shipped": {"set": [right, right]}, "new": {"set": [wide, right]}},
                                       {"set": [truth, truth]})
    assert [row["model"] for row in rows] == ["shipped", "new"]
    assert rows[0]["sets"]["set"]["against_first"]["mean"] == 0.0
    new = rows[1]["sets"]["set"]
    assert new["miou"] == 75.0 and new["below_80"] == 50.0
    assert new["against_first"]["mean"] == -25.0 and (new["against_first"]["better"], new["against_first"]["worse"]) == (0, 1)
    text = compare_models.table(rows)
    assert "| shipped | 100.00 (0.0%) | 100.00 | (reference) |" in text
    assert "| new | 75.00 (50.0%) | 75.00 | -25.00 [-50.00, +0.00] (0/1) |" in text


@pytest.mark.slow
def test_the_bench_compares_two_checkpoints(tiny_run, validation_data, tmp_path, capsys):
    data = validation_data
    out = tmp_path / "compare.json"
    models = [str(tiny_run.path / "best.keras"), str(tiny_run.path / "last.keras")]
    assert compare_models.main([*models, "--size", "32", "--no-tta", "--data", str(data), "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [row["model"] for row in rows] == models
    assert rows[0]["sets"]["COCO-120"]["n"] == 3 and rows[1]["sets"]["held portraits"]["n"] == 2
    assert "(reference)" in capsys.readouterr().out
    # As the page runs the photo model: a second pass averaged in, the map upsampled by the guided filter.
    page = tmp_path / "page.json"
    assert compare_models.main([*models, "--size", "32", "--extra-size", "64", "--upsample", "guided", "--no-tta",
                                "--data", str(data), "--json", str(page)]) == 0
    record = json.loads(page.read_text())
    assert record["extra_sizes"] == [64] and record["upsampling"] == "guided"
    assert record["rows"][0]["sets"]["COCO-120"]["miou"] != rows[0]["sets"]["COCO-120"]["miou"]
    assert "at 32 px + 64 px, no TTA, guided edge" in capsys.readouterr().out


@pytest.mark.parametrize("extra", [["--size", "100"], ["--size", "32"], ["--size", "32", "--extra-size", "50"]])
def test_a_size_off_the_stride_or_a_single_model_is_one_line(tiny_run, tmp_path, capsys, extra):
    models = [str(tiny_run.path / "best.keras")] * (1 if extra == ["--size", "32"] else 2)
    assert compare_models.main([*models, *extra, "--data", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "error:" in error
