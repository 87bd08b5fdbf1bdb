"""Callbacks that make a training run inspectable and resumable.

ValidationScorer: mean per-image person IoU on the validation set after each epoch (the
headline metric, unlike Keras' batch-averaged one), a preview grid image | truth | prediction
(the write-up's way of debugging), and best.keras whenever the IoU improves. With --val-size it
scores a copy of the model at that size (the size it ships at), the weights copied in each time.
RunArtifacts: last.keras + state.json (for --resume) and the loss/IoU plot after each epoch.
TailAverage (--average-last N): tail.keras, the mean of the last N epochs' weights.
Checkpoints are written to a temporary name and renamed, so an interrupted run never leaves a
half-written file and never loses the best one. In data-parallel training every process runs both
callbacks (validation is one computation over all of them) and only process 0 (`writes=True`) writes.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from greenscreen.contract import PERSON_CHANNEL
from greenscreen.distributed import process_local, whole_batch_predictor
from greenscreen.metrics import THRESHOLD, ScoreBoard
from greenscreen.model import build_model, model_input_size, with_input_size
from greenscreen.run_folder import RunFolder


def save_atomically(model: keras.Model, path: Path) -> None:
    temporary = path.with_name(f".{path.stem}.tmp.keras")
    with process_local():  # process 0 saves alone: nothing in it may wait for the other processes
        model.save(temporary)
    os.replace(temporary, path)


def inference_copy(model: keras.Model) -> keras.Model:
    """The same weights in a plain float32 model with no optimizer or loss attached."""
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        clean = build_model(model.name, model_input_size(model), int(model.output_shape[-1]))
    finally:
        keras.mixed_precision.set_global_policy(policy)
    clean.set_weights(model.get_weights())
    return clean


def preview_grid(images, truths, predictions, cell: int = 160) -> Image.Image:
    """Rows of image | truth | prediction (person probability), each cell `cell` px high."""
    rows = []
    for image, truth, prediction in zip(images, truths, predictions):
        height, width = truth.shape
        scale = cell / height
        size = (max(1, round(width * scale)), cell)
        photo = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).resize(size)
        truth_img = Image.fromarray((truth * 255).astype(np.uint8)).convert("RGB").resize(size)
        pred_img = Image.fromarray((np.clip(prediction, 0, 1) * 255).astype(np.uint8)).convert("RGB").resize(size)
        row = Image.new("RGB", (size[0] * 3 + 8, cell), "white")
        for column, tile in enumerate((photo, truth_img, pred_img)):
            row.paste(tile, (column * (size[0] + 4), 0))
        rows.append(row)
    grid = Image.new("RGB", (max(r.width for r in rows), sum(r.height + 4 for r in rows)), "white")
    top = 0
    for row in rows:
        grid.paste(row, (0, top))
        top += row.height + 4
    return grid


class ValidationScorer(keras.callbacks.Callback):
    def __init__(self, val_data, run, preview_count: int = 6, writes: bool = True, input_size=None):
        super().__init__()
        self.val_data = val_data
        self.run = run if isinstance(run, RunFolder) else RunFolder(run)
        self.preview_count = preview_count
        self.writes = writes
        self.input_size = tuple(input_size) if input_size else None  # None: the training model's own size
        self.best = float(self.run.state.get("best_val_miou", -1.0))
        self._predict = None
        self._scored = None  # the model validation runs: the training model, or its copy at input_size

    def on_train_begin(self, logs=None):
        self._scored = self.model
        if self.input_size and self.input_size != model_input_size(self.model):
            self._scored = with_input_size(self.model, self.input_size)
        self._predict = whole_batch_predictor(self._scored)

    def measure(self) -> tuple[dict, tuple[list, list, list]]:
        """(ScoreBoard summary, preview rows) of the model's current weights on the validation set."""
        if self._scored is not self.model:
            self._scored.set_weights(self.model.get_weights())
        board = ScoreBoard(boundary=False)  # IoU only: boundary F is for evaluate, and costs time every epoch
        previews = ([], [], [])
        for index in range(len(self.val_data)):
            x, y = self.val_data[index]
            probability = np.asarray(self._predict(x), dtype=np.float32)[..., PERSON_CHANNEL]
            for image, truth, person in zip(x, y[..., 0] > 0.5, probability):
                board.add(str(len(board)), person >= THRESHOLD, truth)
                if len(previews[0]) < self.preview_count:
                    for bucket, value in zip(previews, (image, truth.astype(np.float32), person)):
                        bucket.append(value)
        return board.summary(), previews

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        summary, previews = self.measure()
        logs["val_miou"], logs["val_dataset_iou"] = summary["miou"], summary["dataset_iou"]
        improved = logs["val_miou"] > self.best
        if improved:
            self.best = logs["val_miou"]
        if not self.writes:
            return
        (self.run.path / "previews").mkdir(exist_ok=True)
        preview_grid(*previews).save(self.run.path / "previews" / f"epoch_{epoch + 1:03d}.jpg", quality=88)
        if improved:
            with process_local():
                save_atomically(inference_copy(self.model), self.run.best)
        print(f"\nepoch {epoch + 1}: val mIoU {logs['val_miou']:.2f} (dataset IoU {logs['val_dataset_iou']:.2f})"
              f"{'  * best, saved best.keras' if improved else ''}", flush=True)


class TailAverage(keras.callbacks.Callback):
    """tail.keras: the mean of the weights after each of the last `count` epochs (stochastic weight averaging,
    Izmailov et al. 2018), scored on the validation set after the final epoch.

    Why: best.keras is the epoch that scored highest on a small validation set, so its score there is
    optimistic (COCO-120's epoch-to-epoch spread is about a point) and a later stage "loses" what was only
    luck; the tail's mean is chosen by no score and often sits nearer the centre of the basin. The running mean
    lives in tail.keras and state.json's tail_epochs, so --resume continues it; it goes after RunArtifacts,
    whose last.keras it must not change."""

    def __init__(self, run, scorer: ValidationScorer, epochs: int, count: int, writes: bool = True):
        super().__init__()
        self.run = run if isinstance(run, RunFolder) else RunFolder(run)
        self.scorer, self.epochs, self.count, self.writes = scorer, epochs, count, writes
        self.mean, self.averaged = None, []

    def on_train_begin(self, logs=None):
        self.averaged = list(self.run.state.get("tail_epochs", []))
        if self.averaged and min(self.averaged) <= self.epochs - self.count:  # resumed with more --epochs
            print(f"the run now ends at epoch {self.epochs}: its tail average starts again", flush=True)
            self.averaged = []
        elif self.averaged and self.run.tail.is_file():
            saved = keras.saving.load_model(self.run.tail, compile=False)
            self.mean = [np.asarray(w, dtype=np.float64) for w in saved.get_weights()]
        elif self.averaged:
            print(f"{self.run.tail} is missing: the tail average starts again", flush=True)
            self.averaged = []

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if done <= self.epochs - self.count or done in self.averaged:
            return
        weights = self.model.get_weights()
        self.averaged.append(done)
        if self.mean is None:
            self.mean = [np.asarray(w, dtype=np.float64) for w in weights]
        else:
            self.mean = [m + (np.asarray(w, dtype=np.float64) - m) / len(self.averaged) for m, w in zip(self.mean, weights)]
        self.model.set_weights([m.astype(w.dtype) for m, w in zip(self.mean, weights)])
        try:
            changes = {"tail_epochs": list(self.averaged)}
            if done == self.epochs:  # scored once; fit() prints it with the run's summary
                changes["tail_val_miou"] = self.scorer.measure()[0]["miou"]
            if self.writes:
                save_atomically(inference_copy(self.model), self.run.tail)
                self.run.update_state(**changes)
        finally:
            self.model.set_weights(weights)


class RunArtifacts(keras.callbacks.Callback):
    def __init__(self, run, writes: bool = True):
        super().__init__()
        self.run = run if isinstance(run, RunFolder) else RunFolder(run)
        self.writes = writes

    def on_train_begin(self, logs=None):
        self.started, self.seconds_before = time.time(), self.run.state.get("train_seconds", 0.0)

    def on_epoch_end(self, epoch, logs=None):
        if not self.writes:
            return
        logs = logs or {}
        save_atomically(self.model, self.run.last)
        state = self.run.state
        best = max(state.get("best_val_miou", -1.0), logs.get("val_miou", -1.0))
        changes = dict(epoch=epoch + 1, best_val_miou=best,
                       train_seconds=self.seconds_before + time.time() - self.started)
        if logs.get("val_miou", -1.0) >= best:
            changes["best_epoch"] = epoch + 1
        self.run.update_state(**changes)

    def on_train_end(self, logs=None):
        if self.writes:
            plot_curves(self.run.path)

    def on_epoch_begin(self, epoch, logs=None):
        if epoch and self.writes:
            plot_curves(self.run.path)  # the CSV row of the previous epoch is written by now


def plot_curves(run: Path) -> None:
    """Loss and IoU per epoch from log.csv into curves.png."""
    log = Path(run) / "log.csv"
    if not log.is_file():
        return
    with log.open() as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [int(r["epoch"]) + 1 for r in rows]
    figure, (loss_axis, iou_axis) = plt.subplots(1, 2, figsize=(10, 4))
    loss_axis.plot(epochs, [float(r["loss"]) for r in rows], label="train loss")
    loss_axis.set_xlabel("epoch")
    loss_axis.set_title("loss")
    loss_axis.legend()
    if "person_iou" in rows[0]:
        iou_axis.plot(epochs, [100 * float(r["person_iou"]) for r in rows], label="train IoU (batch)")
    if "val_miou" in rows[0]:
        iou_axis.plot(epochs, [float(r["val_miou"]) for r in rows], label="val mean IoU")
    iou_axis.set_xlabel("epoch")
    iou_axis.set_title("person IoU (%)")
    iou_axis.legend()
    figure.tight_layout()
    figure.savefig(Path(run) / "curves.png", dpi=90)
    plt.close(figure)
