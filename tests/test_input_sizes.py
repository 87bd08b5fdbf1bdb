"""bench/input_sizes.py: sizes and their combinations scored from one set of maps, compared photo by photo."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest


SPEC = importlib.util.spec_from_file_location("input_sizes", Path(__file__).resolve().parents[1] / "bench" / "input_sizes.py")
input_sizes = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(input_sizes)


def test_combinations_and_their_time():
    assert input_sizes.combinations([256, 320], 2) == [(256,), (320,), (256, 320)]
    assert input_sizes.combinations([224, 256, 320], 1) == [(224,), (256,), (320,)]
    assert input_sizes.relative_time((320,), (320, 320)) == 1.0
    assert input_sizes.relative_time((256, 320), (320, 320)) == pytest.approx(1.64)


@pytest.mark.parametrize("text", ["", "300", "256,abc", "0"])
def test_sizes_must_be_multiples_of_32(text):
    with pytest.raises(argparse.ArgumentTypeError):
        input_sizes.size_list(text)


def test_paired_difference_counts_photos_and_holds_zero_for_noise():
    reference = np.array([90.0, 80.0, 70.0, 60.0])
    same = input_sizes.paired(reference, reference)
    assert same == {"mean": 0.0, "ci95": [0.0, 0.0], "better": 0, "worse": 0}
    mixed = input_sizes.paired(reference + np.array([2.0, -2.0, 0.2, 4.0]), reference)
    assert mixed["mean"] == pytest.approx(1.05) and (mixed["better"], mixed["worse"]) == (2, 1)
    assert mixed["ci95"][0] < 0 < mixed["ci95"][1]  # one photo lost: the interval holds 0


def test_rows_average_the_maps_of_a_combination():
    truth = np.zeros((4, 4), bool)
    truth[:, :2] = True
    right = truth.astype(np.float16)
    wide = np.full((4, 4), 0.6, np.float16)  # everything called person: IoU 50
    shy = np.where(truth, 0.45, 0.0).astype(np.float16)  # nothing reaches 0.5 alone: IoU 0
    maps = {"set": {256: [wide], 288: [shy], 320: [right]}}
    rows = input_sizes.score_rows(maps, {"set": [truth]}, [(256,), (288,), (320,), (256, 288)], (320, 320))
    by_sizes = {tuple(row["sizes"]): row for row in rows}
    assert by_sizes[(256,)]["sets"]["set"]["miou"] == 50.0 and by_sizes[(320,)]["all"]["miou"] == 100.0
    assert by_sizes[(288,)]["sets"]["set"]["below_80"] == 100.0
    # averaged: (0.6 + 0.45) / 2 >= 0.5 on the person, 0.3 on the background: right
    assert by_sizes[(256, 288)]["sets"]["set"]["miou"] == pytest.approx(100.0)
    assert by_sizes[(256,)]["sets"]["set"]["against_own_size"]["mean"] == -50.0
    text = input_sizes.table(rows, (320, 320))
    assert len(text.splitlines()) == 2 + len(rows) and "| 256 + 288 | 1.45 | 100.00 (0.0%) |" in text


@pytest.mark.slow
def test_the_bench_runs_a_model_at_two_sizes(tiny_run, validation_data, tmp_path, capsys):
    data = validation_data
    out = tmp_path / "sizes.json"
    assert input_sizes.main(["--model", str(tiny_run.path / "best.keras"), "--sizes", "64", "--data", str(data),
                             "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [row["sizes"] for row in rows] == [[32], [64], [32, 64]]  # the own size (32) is always there
    assert rows[0]["sets"]["held portraits"]["against_own_size"]["mean"] == 0.0
    assert rows[0]["sets"]["COCO-120"]["n"] == 3
    assert "| 32 + 64 | 5.00 |" in capsys.readouterr().out


def test_missing_data_is_one_line(tiny_run, tmp_path, capsys):
    assert input_sizes.main(["--model", str(tiny_run.path / "best.keras"), "--sizes", "64",
                             "--data", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "error:" in error


def test_the_cards_sets_are_for_reporting_and_validation_for_choosing(tmp_path):
    assert input_sizes.validation_sets(tmp_path) == {"held portraits": f"{tmp_path}/portraits/train:held0.1",
                                                     "COCO-120": f"{tmp_path}/coco-person:kept"}
    assert input_sizes.card_sets(tmp_path) == {"portraits/test": f"{tmp_path}/portraits/test",
                                               "COCO-120": f"{tmp_path}/coco-person:kept"}
