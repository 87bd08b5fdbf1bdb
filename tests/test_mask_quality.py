"""The video scores of bench/mask_quality.py on hand-made masks: `pytest tests/test_mask_quality.py`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SPEC = importlib.util.spec_from_file_location("mask_quality", Path(__file__).resolve().parents[1] / "bench" / "mask_quality.py")
mask_quality = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(mask_quality)


def _person(left: int, size: int = 8, frame: tuple[int, int] = (16, 32)) -> np.ndarray:
    mask = np.zeros(frame, dtype=bool)
    mask[4 : 4 + size, left : left + size] = True
    return mask


def test_a_perfect_mask_scores_full_marks():
    truths = [_person(left) for left in (2, 6, 10)]
    m = mask_quality.video_metrics([t.copy() for t in truths], truths)
    assert m["iou_mean"] == m["iou_min"] == 100.0 and m["share_below_80"] == 0.0
    assert m["flicker_mean"] == m["missed_mean"] == m["trailing_mean"] == m["false_positive_mean"] == 0.0


def test_a_mask_one_frame_late_lingers_and_misses_the_leading_edge():
    truths = [_person(left) for left in (2, 6, 10, 14)]
    late = [truths[0]] + truths[:-1]  # each frame shows where the person was a frame ago
    m = mask_quality.video_metrics(late, truths)
    # 4 of 8 columns behind the person (where it just was) and 4 ahead of the mask (missed), from frame 1 on
    assert m["trailing_max"] == pytest.approx(50.0) and m["missed_max"] == pytest.approx(50.0)
    assert m["trailing_mean"] == pytest.approx(37.5)
    assert m["iou_min"] == pytest.approx(100 * 32 / 96)
    # its changes come a frame after the truth's, where the truth now stays put: 64 of 64 px on frames 2-3
    assert m["flicker_mean"] == pytest.approx((0 + 100 + 100) / 3)


def test_flicker_counts_flips_where_the_truth_stays_put_and_a_lost_limb_counts_as_missed():
    truth = _person(10)
    blink = truth.copy()
    blink[4:6, 10:14] = False  # an arm that drops out on every other frame
    m = mask_quality.video_metrics([truth, blink, truth, blink], [truth] * 4)
    assert m["flicker_mean"] == pytest.approx(100 * 8 / 64)
    assert m["missed_max"] == pytest.approx(100 * 8 / 64) and m["missed_mean"] == pytest.approx(50 * 8 / 64)
    assert m["iou_min_frame"] == 1 and m["frames"] == 4
    assert m["share_below_80"] == 0.0  # 87.5 IoU: flicker, not a failure
    assert "| clip (4) | ours |" in mask_quality.video_table({"clip": {"ours": {**m, "ms_median": 1.0}}})
