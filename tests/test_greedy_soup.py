"""bench/greedy_soup.py: candidates tried in order of their own score, each kept only when the soup gains."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import greenscreen.average  # noqa: F401 - bound to the real loader before a test replaces it

SPEC = importlib.util.spec_from_file_location("greedy_soup", Path(__file__).resolve().parents[1] / "bench" / "greedy_soup.py")
greedy_soup = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(greedy_soup)


class OneWeight:
    name = "preset"

    def __init__(self, value):
        self.weights = [np.array([value], np.float32)]

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights


def test_candidates_go_in_by_their_own_score_and_stay_only_when_the_soup_gains(monkeypatch):
    values = {"start": 2.0, "far": 100.0, "near": 3.0, "good": 4.0}
    monkeypatch.setattr("greenscreen.cli_common.load_model_file", lambda path: OneWeight(values[str(path)]))

    def score(weight_lists, model, sets, size, tta, extra_sizes, upsampling):  # best at a mean weight of 3
        from greenscreen.average import average_weights

        mean = float(average_weights(weight_lists)[0][0])
        return -abs(mean - 3.0), {"set": [mean]}, {"set": [True]}

    monkeypatch.setattr(greedy_soup, "soup_score", score)
    kept, steps, maps = greedy_soup.greedy([Path(name) for name in values], {}, 32, False)
    assert [str(path) for path in kept] == ["start", "near", "good"]  # 2, 3, 4: mean 3; 100 would ruin it
    assert [(s["checkpoint"], s["kept"]) for s in steps] == [("start", True), ("near", True), ("good", True), ("far", False)]
    assert maps["soup"] == {"set": [3.0]} and maps["start"] == {"set": [2.0]}
    assert "| far | -97.00 | -24.25 | no |" in greedy_soup.steps_table(steps)


@pytest.mark.slow
def test_the_bench_writes_the_soup_and_its_card(tiny_run, validation_data, tmp_path, capsys):
    data = validation_data
    out = tmp_path / "soup.keras"
    models = [str(tiny_run.path / "best.keras"), str(tiny_run.path / "last.keras")]
    assert greedy_soup.main([*models, "--size", "32", "--no-tta", "--data", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.is_file() and "(reference)" in printed
    assert len(json.loads(out.with_suffix(".card.json").read_text())["averaged_from"]) == 2


@pytest.mark.parametrize("extra, message", [(["--out", "soup.h5"], "must end in .keras"),
                                            (["--out", "soup.keras", "--test-sets"], "validation sets")])
def test_mistakes_are_one_line(tiny_run, tmp_path, capsys, extra, message):
    models = [str(tiny_run.path / "best.keras")] * 2
    assert greedy_soup.main([*models, "--size", "32", "--data", str(tmp_path), *extra]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and message in error
