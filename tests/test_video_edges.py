"""bench/video_edges.py's mirror of the page's temporal smoothing: `pytest tests/test_video_edges.py`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

SPEC = importlib.util.spec_from_file_location("video_edges", Path(__file__).resolve().parents[1] / "bench" / "video_edges.py")
video_edges = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(video_edges)


def test_smoothing_keeps_sure_pixels_and_mixes_unsure_ones_like_the_page():
    previous = np.array([1.0, 0.0, 1.0, 0.2], dtype=np.float32)
    current = np.array([0.0, 1.0, 0.5, 0.5], dtype=np.float32)
    out = video_edges.uncertainty_smooth(previous, current, 0.5)
    # sure pixels (0 or 1) are taken as they are: a moving person leaves no ghost
    assert out[0] == 0.0 and out[1] == 1.0
    # at p = 0.5 the entropy is 1 bit, the uncertainty 1: half of the previous value comes back
    assert np.allclose(out[2:], [0.75, 0.35], atol=1e-6)
    # the page's reference at p = 0.3 (smoothing.js uncertaintySmooth): u = 1 - (1 - H(0.3))^2
    h = -(0.3 * np.log2(0.3) + 0.7 * np.log2(0.7))
    expected = 0.3 + (0.9 - 0.3) * (1 - (1 - h) ** 2) * 0.5
    got = video_edges.uncertainty_smooth(np.array([0.9]), np.array([0.3]), 0.5)[0]
    assert abs(got - expected) < 1e-6


def test_table_has_a_row_per_clip_and_upsampling():
    metrics = {"frames": 3, "iou_mean": 90.0, "share_below_80": 0.0, "flicker_mean": 1.5, "missed_mean": 2.0, "trailing_mean": 0.5}
    text = video_edges.table({"clip": {"bilinear": metrics, "guided": metrics}})
    assert "| clip (3) | guided | 90.00 |" in text
    assert len(text.splitlines()) == 4
