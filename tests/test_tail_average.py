"""--average-last N: tail.keras is the running mean of the weights after each of the last N epochs, survives
--resume, is scored once at the end, and never changes the weights training goes on with (last.keras)."""

import json

import keras
import numpy as np
import pytest

from greenscreen import ship
from greenscreen.model import build_model
from greenscreen.run_folder import RunFolder
from greenscreen.training_callbacks import TailAverage


class FixedScore:
    def measure(self):
        return {"miou": 42.0}, None


def end_epochs(callback, model, fills, first_epoch=0):
    """Set every weight to each fill in turn and end an epoch on it; the weights after each epoch, as the model holds them."""
    shapes = model.get_weights()
    held = []
    for epoch, fill in enumerate(fills, start=first_epoch):
        model.set_weights([np.full_like(w, fill) for w in shapes])
        callback.on_epoch_end(epoch)
        held.append(float(model.get_weights()[0].flat[0]))
    return held


def tail_values(run):
    weights = keras.saving.load_model(run.tail, compile=False).get_weights()
    return {round(float(value), 5) for w in weights for value in np.unique(w)}


@pytest.fixture
def model():
    return build_model("tiramisu_tiny", (32, 32))


def started(run, model, epochs, count):
    """A TailAverage as fit() starts it (a new run folder, or one to resume)."""
    run.path.mkdir(exist_ok=True)
    callback = TailAverage(run, FixedScore(), epochs=epochs, count=count)
    callback.set_model(model)
    callback.on_train_begin()
    return callback


def test_the_tail_is_the_mean_of_the_last_epochs_and_training_keeps_its_own_weights(tmp_path, model):
    run = RunFolder(tmp_path / "run")
    callback = started(run, model, epochs=4, count=2)
    assert end_epochs(callback, model, [1, 2, 3, 5]) == [1, 2, 3, 5]  # training goes on from its own weights
    assert tail_values(run) == {4.0}  # (3 + 5) / 2
    state = run.state
    assert state["tail_epochs"] == [3, 4] and state["tail_val_miou"] == 42.0


def test_a_resumed_run_continues_its_tail(tmp_path, model):
    run = RunFolder(tmp_path / "run")
    end_epochs(started(run, model, epochs=4, count=3), model, [1, 2])  # epoch 2 starts the tail; then the process stops
    assert run.state["tail_epochs"] == [2] and "tail_val_miou" not in run.state

    end_epochs(started(run, model, epochs=4, count=3), model, [3, 6], first_epoch=2)
    assert tail_values(run) == {round((2 + 3 + 6) / 3, 5)}
    assert run.state["tail_epochs"] == [2, 3, 4]

    # More epochs than the tail was begun for: its window moved, so it starts again.
    assert started(run, model, epochs=8, count=3).averaged == []


def test_a_tail_checkpoint_ships_with_its_lineage_and_says_which_weights(tmp_path):
    run = RunFolder(tmp_path / "run")
    run.write_config({"options": {"preset": "tiramisu_tiny", "size": [32, 32], "batch_size": 2, "average_last": 2},
                      "steps_per_epoch": 3, "data": {"train": [], "val": []}, "environment": {}})
    run.update_state(epoch=4, best_epoch=3, best_val_miou=60.0, train_seconds=10, tail_epochs=[3, 4])
    for checkpoint in (run.best, run.last, run.tail):
        checkpoint.write_bytes(b"")
    stages = ship.run_checkpoint_stages(run.tail)
    assert stages[-1]["weights"] == "tail.keras: the mean of epochs 3-4 (2 epochs)"
    assert ship.run_checkpoint_stages(run.best)[-1]["weights"] == "best.keras: epoch 3, the best on validation"
    assert ship.weights_and_stages(run.tail)[0] == run.tail
    assert json.loads(json.dumps(stages))  # the card stores it as JSON
    assert ship.run_checkpoint_stages(tmp_path / "other.keras") is None
