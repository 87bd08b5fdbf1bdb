"""Scores on hand-made masks with exact expected values."""

from __future__ import annotations

import numpy as np
import pytest

from greenscreen import metrics
from greenscreen.metrics import ScoreBoard, boundary, boundary_f_score, boundary_tolerance, iou, pixel_accuracy


def rect(shape, top, left, bottom, right):
    mask = np.zeros(shape, bool)
    mask[top:bottom, left:right] = True
    return mask


def test_iou_exact_values():
    truth = rect((4, 4), 0, 0, 2, 4)  # top half: 8 px
    pred = rect((4, 4), 0, 0, 4, 2)  # left half: 8 px, overlap 4, union 12
    assert iou(pred, truth) == pytest.approx(4 / 12)
    assert iou(truth, truth) == 1.0
    assert iou(~truth, truth) == 0.0


def test_iou_both_empty_is_perfect_and_one_empty_is_zero():
    empty = np.zeros((3, 5), bool)
    assert iou(empty, empty) == 1.0
    assert iou(empty, rect((3, 5), 0, 0, 1, 1)) == 0.0


def test_masks_as_0_255_and_channel_axis_are_accepted():
    truth = rect((4, 4), 0, 0, 2, 4).astype(np.uint8) * 255
    pred = rect((4, 4), 0, 0, 4, 2)[..., None].astype(np.uint8)
    assert iou(pred, truth) == pytest.approx(4 / 12)


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match="differ in size"):
        iou(np.zeros((2, 2)), np.zeros((2, 3)))


def test_pixel_accuracy_exact():
    truth = rect((4, 4), 0, 0, 2, 4)
    pred = rect((4, 4), 0, 0, 4, 2)  # wrong: 4 false person + 4 missed = 8 of 16
    assert pixel_accuracy(pred, truth) == pytest.approx(0.5)
    assert pixel_accuracy(truth, truth) == 1.0


def test_boundary_is_the_inner_ring_without_the_image_frame():
    mask = rect((6, 6), 1, 1, 5, 5)
    expected = mask.copy()
    expected[2:4, 2:4] = False  # 4x4 square → its 12-pixel ring
    assert np.array_equal(boundary(mask), expected)
    # A square touching the image frame has no edge along the frame.
    corner = rect((6, 6), 0, 0, 3, 3)
    assert np.count_nonzero(boundary(corner)) == 5
    assert not boundary(np.ones((5, 5), bool)).any()


def test_dilate_disk_matches_definition():
    rng = np.random.default_rng(0)
    mask = rng.random((30, 40)) > 0.97
    for radius in (0, 1, 2, 5):
        expected = np.zeros_like(mask)
        ys, xs = np.nonzero(mask)
        grid_y, grid_x = np.mgrid[:30, :40]
        for y, x in zip(ys, xs):
            expected |= (grid_y - y) ** 2 + (grid_x - x) ** 2 <= radius**2
        assert np.array_equal(metrics._dilate_disk(mask, radius), expected), radius


def test_boundary_f_identical_shifted_and_far():
    truth = rect((100, 100), 20, 20, 80, 80)
    assert boundary_f_score(truth, truth, tolerance=2) == 1.0
    near = rect((100, 100), 22, 20, 82, 80)  # moved 2 px down
    assert boundary_f_score(near, truth, tolerance=2) == 1.0
    shifted = rect((100, 100), 30, 20, 90, 80)  # moved 10 px: only the side edges still match
    score = boundary_f_score(shifted, truth, tolerance=2)
    assert 0.3 < score < 0.8
    assert boundary_f_score(shifted, truth, tolerance=10) == 1.0
    far = rect((100, 100), 0, 0, 10, 10)
    assert boundary_f_score(far, truth, tolerance=2) == 0.0


def test_boundary_f_is_sharper_than_iou_for_a_ragged_edge():
    truth = rect((64, 64), 16, 16, 48, 48)
    ragged = truth.copy()
    ragged[16:48:2, 47] = False  # every other pixel on the right edge missing
    assert iou(ragged, truth) > 0.98
    assert boundary_f_score(ragged, truth, tolerance=0) < 0.9


def test_boundary_f_empty_cases():
    empty = np.zeros((10, 10), bool)
    assert boundary_f_score(empty, empty) == 1.0
    assert boundary_f_score(empty, rect((10, 10), 2, 2, 6, 6)) == 0.0
    assert boundary_f_score(rect((10, 10), 2, 2, 6, 6), empty) == 0.0


def test_default_tolerance_is_davis_fraction_of_diagonal():
    assert boundary_tolerance((384, 512)) == 6  # ceil(0.008 * 640)
    assert boundary_tolerance((4, 4)) == 1


def test_scoreboard_summary_in_percent():
    board = ScoreBoard(boundary_tolerance=1)
    truth = rect((4, 4), 0, 0, 2, 4)
    board.add("half", rect((4, 4), 0, 0, 4, 2), truth)  # I=4, U=12
    board.add("perfect", truth, truth)  # I=8, U=8
    board.add("empty", np.zeros((4, 4), bool), np.zeros((4, 4), bool))  # I=0, U=0, IoU 1
    summary = board.summary()
    assert summary["n"] == 3
    assert summary["miou"] == pytest.approx(100 * (1 / 3 + 1 + 1) / 3)
    assert summary["dataset_iou"] == pytest.approx(100 * 12 / 20)
    assert summary["pixel_accuracy"] == pytest.approx(100 * (0.5 + 1 + 1) / 3)
    assert 0 <= summary["boundary_f"] <= 100
    assert summary["failure_rate"] == pytest.approx(100 / 3)  # "half" (IoU 0.33) is below 80
    assert [s.name for s in board.worst(2)] == ["half", "perfect"]
    records = board.per_image()
    assert records[0]["name"] == "half" and records[0]["iou"] == pytest.approx(33.3333, abs=1e-3)
    assert records[0]["intersection"] == 4 and records[0]["union"] == 12


def test_empty_scoreboard():
    assert ScoreBoard().summary() == {
        "miou": None, "dataset_iou": None, "pixel_accuracy": None, "boundary_f": None, "failure_rate": None, "n": 0,
    }
