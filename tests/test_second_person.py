"""greenscreen.second_person and bench/second_person.py: a second, smaller person pasted beside and behind a
portrait's, and the share of them each model's mask keeps, compared composite by composite with the first model."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from greenscreen.second_person import build_composites, composite

SPEC = importlib.util.spec_from_file_location("second_person", Path(__file__).resolve().parents[1] / "bench" / "second_person.py")
second_person = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(second_person)


def portrait(height=40, width=30, box=(10, 40, 8, 22), value=50):
    image = np.full((height, width, 3), value, np.uint8)
    mask = np.zeros((height, width), bool)
    mask[box[0]:box[1], box[2]:box[3]] = True
    return image, mask


def test_the_second_person_stands_at_the_edge_behind_the_main_one():
    main, main_mask = portrait()
    other, other_mask = portrait(20, 20, box=(2, 18, 5, 15), value=200)
    photo, main_truth, visible = composite(main, main_mask, other, other_mask, side="left",
                                                         height_share=0.5, top_share=0.25)
    assert (main_truth == main_mask).all()
    rows, cols = np.nonzero(visible)
    assert rows.min() == 10 and cols.min() == 0  # head a quarter down, against the left edge
    assert rows.max() - rows.min() + 1 == 20  # half the portrait's height
    assert not (visible & main_mask).any()  # behind the main person: hidden where they overlap
    changed = (photo != main).any(axis=2)
    assert (changed == visible).all() and (photo[visible] == 200).all()

    _, _, right = composite(main, main_mask, other, other_mask, side="right", height_share=0.9,
                                          top_share=0.8)
    rows, cols = np.nonzero(right)
    assert cols.max() == 29 and rows.max() == 39  # cut off by the bottom edge, not wrapped or refused


def test_hidden_second_people_are_left_out():
    main, _ = portrait()
    everywhere = np.ones(main.shape[:2], bool)  # the main person fills the photo: nobody shows behind them
    other = portrait(20, 20, box=(2, 18, 5, 15), value=200)
    made, left_out = build_composites([(main, everywhere), portrait()], [other])
    assert left_out == 1 and len(made) == 1


def test_each_model_is_scored_on_the_second_person_and_compared_with_the_first():
    main, main_mask = portrait()
    other = portrait(20, 20, box=(2, 18, 5, 15), value=200)
    composites, _ = build_composites([(main, main_mask)] * 4, [other])
    both = [(m | v).astype(np.float32) for _, m, v in composites]
    main_only = [m.astype(np.float32) for _, m, _ in composites]
    rows = second_person.score_models({"keeps": second_person.composite_scores(both, composites),
                                       "drops": second_person.composite_scores(main_only, composites)})
    assert (rows[0]["kept"], rows[0]["dropped"], rows[0]["iou"]) == (100.0, 0, 100.0)
    assert rows[1]["kept"] == 0.0 and rows[1]["dropped"] == 4 and rows[1]["iou"] < 100
    assert rows[1]["kept_against_first"]["mean"] == -100.0 and rows[1]["kept_against_first"]["worse"] == 4
    text = second_person.table(rows)
    assert "| keeps | 100.0 | 0 of 4 | 100.00 | (reference) | (reference) |" in text
    assert "| drops | 0.0 | 4 of 4 |" in text


def test_mediapipe_maps_come_back_through_a_mask_folder(tmp_path, monkeypatch):
    """The MediaPipe row: composites written as a mask folder, mediapipe_scores.py run in its venv (a stand-in
    here that writes each photo's own mask as its map), the maps read back in order."""
    main, main_mask = portrait()
    composites, _ = build_composites([(main, main_mask)] * 3, [portrait(20, 20, box=(2, 18, 5, 15), value=200)])
    stand_in = tmp_path / "python"
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(0o755)

    def fake_run(command, **_):
        folder, maps = Path(command[command.index("--data") + 1]), Path(command[command.index("--save-maps") + 1])
        maps.mkdir()
        for mask in sorted((folder / "masks").iterdir()):
            (maps / mask.name).write_bytes(mask.read_bytes())
        return type("Done", (), {"returncode": 0, "stdout": "", "stderr": ""})()

    monkeypatch.setattr(second_person.subprocess, "run", fake_run)
    maps = second_person.mediapipe_maps(composites, "general", stand_in)
    scores = second_person.composite_scores(maps, composites)
    assert (scores["kept"] == 100).all() and (scores["iou"] == 100).all()


@pytest.mark.slow
def test_the_bench_scores_checkpoints_on_composites(tiny_run, validation_data, tmp_path, capsys):
    out = tmp_path / "second.json"
    models = [str(tiny_run.path / "best.keras"), str(tiny_run.path / "last.keras")]
    assert second_person.main([*models, "--size", "32", "--no-tta", "--data", str(validation_data),
                               "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [row["model"] for row in report["rows"]] == models
    assert report["rows"][0]["n"] + report["left_out"] == 2  # one composite per held portrait
    assert "(reference)" in capsys.readouterr().out


def test_mistakes_are_one_line_errors(tiny_run, validation_data, tmp_path, capsys):
    model = str(tiny_run.path / "best.keras")
    assert second_person.main([model, "--size", "100", "--data", str(tmp_path)]) == 2
    assert second_person.main([model, "--size", "32", "--no-tta", "--data", str(validation_data), "--mediapipe",
                               "general", "--mediapipe-python", str(tmp_path / "none")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and "multiples of 32" in errors[0] and "MediaPipe's own venv" in errors[1]
