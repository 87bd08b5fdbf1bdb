"""--val-size: validation (so best.keras and the tail's score) runs the model at the size it ships at, not the
training size. The scorer scores a copy at that size holding the training model's current weights."""

import numpy as np
import pytest

from greenscreen import train
from greenscreen.data import open_source
from greenscreen.data.dataset import SegmentationDataset
from greenscreen.metrics import THRESHOLD, ScoreBoard
from greenscreen.model import build_model, with_input_size
from greenscreen.run_folder import RunFolder
from greenscreen.training_callbacks import ValidationScorer
from tests.synthetic import make_mask_folder


def score_at(model, data) -> float:
    """Mean person IoU of `model` as it is, on every batch of `data`."""
    board = ScoreBoard(boundary=False)
    for index in range(len(data)):
        x, y = data[index]
        person = np.asarray(model.predict_on_batch(x))[..., 1]
        for truth, probability in zip(y[..., 0] > 0.5, person):
            board.add(str(len(board)), probability >= THRESHOLD, truth)
    return board.summary()["miou"]


def test_the_scorer_runs_a_copy_at_the_validation_size_with_the_current_weights(tmp_path):
    data = SegmentationDataset([(open_source(str(make_mask_folder(tmp_path / "data"))), 1.0)], batch_size=3,
                               input_size=(64, 64), augment=False)
    model = build_model("tiramisu_tiny", (32, 32))
    scorer = ValidationScorer(data, RunFolder(tmp_path / "run"), writes=False, input_size=(64, 64))
    scorer.set_model(model)
    scorer.on_train_begin()
    assert scorer.measure()[0]["miou"] == pytest.approx(score_at(with_input_size(model, (64, 64)), data))

    rng = np.random.default_rng(1)  # training moves the weights: the copy follows them at each measure
    model.set_weights([w + rng.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])
    moved = score_at(with_input_size(model, (64, 64)), data)
    assert scorer.measure()[0]["miou"] == pytest.approx(moved)
    assert scorer.model is model and model.input_shape[1:3] == (32, 32)  # training's own model is untouched


def test_val_size_is_parsed_checked_and_defaults_to_the_training_size(tmp_path, capsys):
    data = str(make_mask_folder(tmp_path / "data", count=2))
    base = ["--train", data, "--val", data, "--size", "64", "--out", str(tmp_path / "run")]
    assert train.resolve_options(base)["val_size"] is None
    options = train.resolve_options(base + ["--val-size", "32x64"])
    assert options["val_size"] == [32, 64]
    assert train.checked_input_size(options, "val_size") == (32, 64) and train.checked_input_size(options) == (64, 64)
    options = train.resolve_options(base + ["--preset", "tiramisu_tiny"])
    assert train.checked_input_size(options, "val_size") == (64, 64)

    assert train.main(base + ["--val-size", "50"]) == 2
    err = capsys.readouterr().err.strip()
    assert "50x50" in err and len(err.splitlines()) == 1
