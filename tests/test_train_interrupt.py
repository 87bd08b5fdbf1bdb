"""An interrupted training run resumes where it stopped, and never loses or corrupts its best checkpoint.

One tiny run (tiramisu_tiny at 32x32, 2 steps per epoch) goes through every way a run can stop:
Ctrl-C in the middle of epoch 3; a resume whose epochs score worse than the best so far; a "kill" while
best.keras is being written and another while last.keras is being written (the save writes half a file,
then stops dead, as a killed process would: nothing after it runs); and a final clean resume.
Validation scores are scripted per epoch so "better" and "worse" are certain; everything else is real.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from greenscreen import train, training_callbacks  # noqa: E402
from greenscreen.training_callbacks import RunArtifacts, ValidationScorer  # noqa: E402
from tests.synthetic import make_mask_folder  # noqa: E402

SCRIPTED_VAL_MIOU = {1: 50.0, 2: 80.0, 3: 60.0, 4: 70.0, 5: 90.0}  # best: epoch 2, then epoch 5


@pytest.fixture
def scripted_scores(monkeypatch):
    """Epoch N's validation mIoU is SCRIPTED_VAL_MIOU[N], whatever the photos score."""
    current = {"epoch": 0}
    original = ValidationScorer.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        current["epoch"] = epoch + 1
        return original(self, epoch, logs)

    monkeypatch.setattr(ValidationScorer, "on_epoch_end", on_epoch_end)

    class ScriptedBoard(training_callbacks.ScoreBoard):
        def summary(self):
            return super().summary() | {"miou": SCRIPTED_VAL_MIOU[current["epoch"]]}

    monkeypatch.setattr(training_callbacks, "ScoreBoard", ScriptedBoard)


def ctrl_c_during(monkeypatch, epoch: int, batch: int) -> None:
    """Raise KeyboardInterrupt (what Ctrl-C does) when training reaches `batch` of `epoch` (1-based epoch)."""
    seen = {"epoch": None}
    original = RunArtifacts.on_epoch_begin

    def on_epoch_begin(self, index, logs=None):
        seen["epoch"] = index + 1
        return original(self, index, logs)

    def on_train_batch_begin(self, index, logs=None):
        if seen["epoch"] == epoch and index == batch:
            raise KeyboardInterrupt

    monkeypatch.setattr(RunArtifacts, "on_epoch_begin", on_epoch_begin)
    monkeypatch.setattr(RunArtifacts, "on_train_batch_begin", on_train_batch_begin, raising=False)


def killed_while_writing(monkeypatch, checkpoint: str) -> None:
    """The next save of the `checkpoint` ("best" or "last") file, under whatever name it is written, stops
    half-way: half its bytes on disk, then the process 'dies' (KeyboardInterrupt; no code after it runs)."""
    real_save = keras.Model.save

    def save(self, filepath, *args, **kwargs):
        real_save(self, filepath, *args, **kwargs)
        if checkpoint in Path(filepath).name:
            with open(filepath, "rb") as handle:
                data = handle.read()
            with open(filepath, "wb") as handle:
                handle.write(data[: len(data) // 2])
            raise KeyboardInterrupt
    monkeypatch.setattr(keras.Model, "save", save)


def logged_epochs(run) -> list[int]:
    with (run / "log.csv").open() as handle:
        return [int(row["epoch"]) + 1 for row in csv.DictReader(handle)]


def state(run) -> dict:
    return json.loads((run / "state.json").read_text())


def load(path):
    import greenscreen.losses  # noqa: F401 - registers the loss and metric of last.keras

    return keras.saving.load_model(path)


def weights_equal(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


@pytest.mark.slow
def test_interrupted_runs_resume_and_keep_the_best_checkpoint(tmp_path, monkeypatch, scripted_scores, capsys):
    data = make_mask_folder(tmp_path / "data")
    run = tmp_path / "run"
    args = ["--train", str(data), "--val-split", "0.34", "--preset", "tiramisu_tiny", "--size", "32",
            "--batch-size", "2", "--workers", "0", "--preview-count", "1", "--out", str(run)]
    steps = 2  # 4 training photos, batches of 2

    # 1. Ctrl-C half-way through epoch 3 of 4: epochs 1-2 are on disk, epoch 3 is lost, nothing is half-written.
    with monkeypatch.context() as patch:
        ctrl_c_during(patch, epoch=3, batch=1)
        assert train.main(args + ["--epochs", "4"]) == 130
    assert "resume with --resume" in capsys.readouterr().err
    assert state(run)["epoch"] == 2 and state(run)["best_epoch"] == 2 and state(run)["best_val_miou"] == 80.0
    assert logged_epochs(run) == [1, 2]
    best_bytes = (run / "best.keras").read_bytes()
    best_after_epoch_2 = load(run / "best.keras")
    assert not list(run.glob(".*tmp*")), "an interrupted run left a temporary checkpoint"

    # 2. Resume: continues at epoch 3 from last.keras; epochs 3-4 score worse, so best.keras stays epoch 2's.
    assert train.main(["--resume", "--epochs", "4", "--out", str(run)]) == 0
    assert f"resuming {run} at epoch 3/4" in capsys.readouterr().out
    assert logged_epochs(run) == [1, 2, 3, 4]  # no epoch twice, none missing
    assert (run / "best.keras").read_bytes() == best_bytes
    assert state(run) | {"train_seconds": 0} == {"epoch": 4, "best_epoch": 2, "best_val_miou": 80.0,
                                                "train_seconds": 0}
    assert json.loads((run / "summary.json").read_text())["best_epoch"] == 2
    last_after_epoch_4 = load(run / "last.keras")
    assert int(last_after_epoch_4.optimizer.iterations.numpy()) == 4 * steps  # 2 epochs before, 2 after resuming
    assert not weights_equal(last_after_epoch_4, best_after_epoch_2)  # training went on from epoch 2's weights

    # 3. Killed while epoch 5's (better) best.keras is being written: the old best.keras is intact.
    with monkeypatch.context() as patch:
        killed_while_writing(patch, "best")
        assert train.main(["--resume", "--epochs", "5", "--out", str(run)]) == 130
    assert (run / "best.keras").read_bytes() == best_bytes and weights_equal(load(run / "best.keras"),
                                                                             best_after_epoch_2)
    assert weights_equal(load(run / "last.keras"), last_after_epoch_4)
    assert state(run)["epoch"] == 4 and logged_epochs(run) == [1, 2, 3, 4]

    # 4. Killed while epoch 5's last.keras is being written: last.keras is still epoch 4's, and loads.
    with monkeypatch.context() as patch:
        killed_while_writing(patch, "last")
        assert train.main(["--resume", "--epochs", "5", "--out", str(run)]) == 130
    assert weights_equal(load(run / "last.keras"), last_after_epoch_4)
    assert state(run)["epoch"] == 4 and logged_epochs(run) == [1, 2, 3, 4]
    load(run / "best.keras")  # epoch 5's, renamed into place whole before the kill

    # 5. A clean resume finishes epoch 5, the new best.
    capsys.readouterr()
    assert train.main(["--resume", "--epochs", "5", "--out", str(run)]) == 0
    assert "resuming" in capsys.readouterr().out
    assert logged_epochs(run) == [1, 2, 3, 4, 5]
    assert state(run)["epoch"] == 5 and state(run)["best_epoch"] == 5 and state(run)["best_val_miou"] == 90.0
    assert (run / "best.keras").read_bytes() != best_bytes
    assert int(load(run / "last.keras").optimizer.iterations.numpy()) == 5 * steps
    assert sorted(p.name for p in (run / "previews").iterdir()) == [f"epoch_{e:03d}.jpg" for e in range(1, 6)]
