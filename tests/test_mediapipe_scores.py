"""bench/mediapipe_scores.py scores a segmenter the way greenscreen.evaluate does (the package itself is
not needed: a stand-in segmenter is scored), and says what to install when mediapipe is missing."""

import importlib.util

import numpy as np
import pytest

from bench import mediapipe_scores
from greenscreen.data import open_source
from tests.synthetic import make_mask_folder


def test_a_perfect_and_a_blind_segmenter_score_100_and_0(tmp_path):
    source = open_source(str(make_mask_folder(tmp_path / "data", count=3)))
    truths = {source.name(i): source.load(i)[1] for i in range(len(source))}
    photos = {source.load(i)[0].tobytes(): source.name(i) for i in range(len(source))}
    perfect = mediapipe_scores.score(lambda photo: truths[photos[photo.tobytes()]].astype(np.float32), source)
    assert perfect.summary()["miou"] == pytest.approx(100) and perfect.summary()["failure_rate"] == 0
    blind = mediapipe_scores.score(lambda photo: np.zeros(photo.shape[:2], np.float32), source)
    assert blind.summary()["miou"] == 0 and blind.summary()["failure_rate"] == 100


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is not None, reason="mediapipe is installed here")
def test_without_mediapipe_it_says_what_to_install(tmp_path):
    data = make_mask_folder(tmp_path / "data", count=1)
    with pytest.raises(SystemExit, match="mediapipe==0.10.21"):
        mediapipe_scores.main(["--data", str(data)])


def test_save_maps_writes_each_probability_as_an_8_bit_png(tmp_path):
    from PIL import Image

    source = open_source(str(make_mask_folder(tmp_path / "data", count=2)))
    mediapipe_scores.score(lambda photo: np.full(photo.shape[:2], 0.5, np.float32), source, save_maps=tmp_path / "maps")
    saved = sorted(path.name for path in (tmp_path / "maps").iterdir())
    assert saved == [f"{source.name(i).rsplit('.', 1)[0]}.png" for i in range(2)]
    assert (np.asarray(Image.open(tmp_path / "maps" / saved[0])) == 128).all()
