"""Data-parallel training on JAX's own distribution, proven on this CPU machine.

The same tiny training (tiramisu_tiny at 32x32, global batch 4, one epoch of 6 steps, seed 0) runs four ways,
each in its own process with KERAS_BACKEND=jax (`one` and `devices` first, then the rest, which find most of
their programs in the compilation cache `one` filled; XLA's quick compiles, the same for all):

- `one`: one process, one device: the reference;
- `devices`: one process, two CPU devices (XLA_FLAGS=--xla_force_host_platform_device_count=2), --data-parallel;
- `pair`: two processes on localhost, one device each, --distributed (gloo collectives over TCP);
- `half`: what process 0 of the pair would learn if gradients were averaged per process and never all-reduced:
  one process training on its own half of every batch (the same 2 photos of each 4, same augmentation).

Tolerance of the weight comparison. Two devices or two processes compute the same sums in another order
(per-device partial sums, then an all-reduce), so float32 rounding differs by an ulp (1.2e-7 relative) here and
there, and six steps of RMSprop and BatchNorm carry that forward: measured with XLA's optimised compiles, 66 of
the 1,062 weights differ by more than 1e-6, the largest by 3.2e-5 (a BatchNorm variance of 2.3), root mean
square 1.5e-6; with the quick compiles used here, largest 4.8e-7, root mean square 2.3e-8. The two
data-parallel runs agree with each other bit for bit. The tolerances: root mean square <= RMS_TOLERANCE (1e-5,
7x the measured) and largest <= MAX_TOLERANCE (1e-3, 30x the measured, and below what one RMSprop step at
lr 1e-3 moves a weight, up to 3e-3: a skipped, repeated or half-batch step does not fit in it). `half`, the
per-process gradients, misses both by far: root mean square 1.3e-2, largest 0.12. So passing means the
gradients were all-reduced over the global batch.

A second test kills one process of a running pair: the other stops within a minute with a one-line message
(no hang), and `--resume` in both processes continues from the last checkpoint.
A persistent JAX compilation cache, shared by the runs of this module, saves recompiling what they share.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from greenscreen import train
from tests.quick_xla import QUICK_XLA_FLAGS
from tests.synthetic import make_mask_folder

REPO = Path(__file__).resolve().parent.parent
RMS_TOLERANCE, MAX_TOLERANCE = 1e-5, 1e-3
STEPS = 6
TINY = ["--val-split", "0.25", "--preset", "tiramisu_tiny", "--size", "32", "--batch-size", "4",
        "--steps-per-epoch", str(STEPS), "--workers", "0", "--preview-count", "2", "--seed", "0"]
RUN_FILES = ("config.json", "state.json", "log.csv", "best.keras", "last.keras", "summary.json", "curves.png",
             "previews/epoch_001.jpg")
# `half`: the training command with every process-sharded dataset replaced by shard 0 of 2.
HALF_BATCHES = ("import sys; from greenscreen.data import dataset; shard = dataset.SegmentationDataset.shard; "
                "dataset.SegmentationDataset.shard = lambda self, index, count: shard(self, 0, 2); "
                "from greenscreen import train; sys.exit(train.main(sys.argv[1:]))")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(cache: Path, devices: int = 1) -> dict:
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONUNBUFFERED="1", XLA_FLAGS=f"--xla_force_host_platform_device_count={devices} {QUICK_XLA_FLAGS}",
               JAX_COMPILATION_CACHE_DIR=str(cache), JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
               JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return env


def start(args: list[str], log: Path, env: dict, code: str | None = None) -> subprocess.Popen:
    command = [sys.executable, *(["-c", code] if code else ["-m", "greenscreen.train"]), *args]
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)


def start_pair(args: list[str], logs: Path, env: dict) -> list[subprocess.Popen]:
    """The same command in two processes that find each other at a localhost coordinator."""
    cluster = ["--distributed", "--coordinator", f"127.0.0.1:{free_port()}", "--num-processes", "2"]
    return [start([*args, *cluster, "--process-id", str(index)], logs / f"process{index}.log", env)
            for index in range(2)]


def finish(process: subprocess.Popen, log: Path, timeout: float = 600) -> str:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"{log.name} did not finish in {timeout} s:\n{tail(log)}")
    assert process.returncode == 0, f"{log} ended with {process.returncode}:\n{tail(log)}"
    return log.read_text(errors="replace")


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def weights(checkpoint: Path, prefix: str = "layers/") -> dict[str, np.ndarray]:
    """The arrays of a .keras file (model weights under layers/, optimizer state under optimizer/)."""
    import h5py

    with zipfile.ZipFile(checkpoint) as archive:
        data = archive.read("model.weights.h5")
    arrays = {}
    with h5py.File(io.BytesIO(data), "r") as store:
        store.visititems(lambda name, item: arrays.__setitem__(name, np.array(item))
                         if isinstance(item, h5py.Dataset) and name.startswith(prefix) else None)
    return arrays


def differences(a: Path, b: Path) -> tuple[float, float]:
    """(root mean square, largest) absolute difference over all model weights of two checkpoints."""
    first, second = weights(a), weights(b)
    assert first.keys() == second.keys() and first
    gaps = np.concatenate([np.abs(first[key] - second[key]).ravel() for key in first])
    return float(np.sqrt(np.mean(gaps ** 2))), float(gaps.max())


def state(run: Path) -> dict:
    return json.loads((run / "state.json").read_text())


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A JAX compilation cache for this module's runs: the kill test reuses the pair's programs."""
    return tmp_path_factory.mktemp("jax-cache")


@pytest.fixture(scope="module")
def first_runs(tmp_path_factory, cache):
    """`one` and `devices`, started together: {name: (run folder, its log text)}, plus the data and the
    command line they share. `one` fills the compilation cache the later runs read; `devices` has other
    XLA flags, so it gains nothing from waiting and runs beside it."""
    root = tmp_path_factory.mktemp("distributed")
    data = make_mask_folder(root / "data", count=8)
    common = ["--train", str(data), *TINY, "--epochs", "1"]
    started = {
        "one": start([*common, "--out", str(root / "one")], root / "one.log", environment(cache)),
        "devices": start([*common, "--data-parallel", "--out", str(root / "devices")], root / "devices.log",
                         environment(cache, devices=2)),
    }
    finished = {name: (root / name, [finish(process, root / f"{name}.log")]) for name, process in started.items()}
    return root, common, finished


@pytest.fixture(scope="module")
def runs(first_runs, cache):
    """All four runs of the module docstring: `half` and the pair start once `one` has filled the cache."""
    root, common, finished = first_runs
    (root / "pair").mkdir()
    half = start([*common, "--out", str(root / "half")], root / "half.log", environment(cache), HALF_BATCHES)
    pair = start_pair([*common, "--out", str(root / "pair" / "run")], root / "pair", environment(cache))
    return finished | {
        "half": (root / "half", [finish(half, root / "half.log")]),
        "pair": (root / "pair" / "run", [finish(process, root / "pair" / f"process{index}.log")
                                         for index, process in enumerate(pair)]),
    }


@pytest.mark.slow
def test_one_process_with_two_devices_trains_data_parallel(first_runs):
    run, (log,) = first_runs[2]["devices"]
    assert "data-parallel over 2 devices in 1 process(es): 2 photos per device per step" in log
    assert all((run / name).is_file() for name in RUN_FILES)
    assert state(run)["epoch"] == 1


@pytest.mark.slow
def test_two_processes_train_one_model_and_only_process_0_writes(runs):
    run, (chief, other) = runs["pair"]
    assert "joined the cluster as process 0 of 2" in chief and "joined the cluster as process 1 of 2" in other
    assert "data-parallel over 2 devices in 2 process(es)" in chief
    assert f"process 0 wrote {run}" in other and "val mIoU" not in other
    assert all((run / name).is_file() for name in RUN_FILES)
    # Validation runs over the whole validation set in every process: the same scores as one process.
    reference = state(runs["one"][0])
    assert state(run)["best_val_miou"] == pytest.approx(reference["best_val_miou"], abs=1e-3)


@pytest.mark.slow
def test_weights_equal_a_one_process_run_with_the_same_global_batch(runs):
    reference = runs["one"][0] / "last.keras"
    found = {name: differences(reference, runs[name][0] / "last.keras") for name in ("devices", "pair", "half")}
    numbers = "weights against one process (root mean square, largest): " + ", ".join(
        f"{name} {rms:.1e}, {largest:.1e}" for name, (rms, largest) in found.items())
    print(numbers)
    for name in ("devices", "pair"):
        assert found[name][0] <= RMS_TOLERANCE and found[name][1] <= MAX_TOLERANCE, numbers
    # The tolerances do tell all-reduced gradients from per-process ones.
    assert found["half"][0] > 100 * RMS_TOLERANCE and found["half"][1] > 10 * MAX_TOLERANCE, numbers


@pytest.mark.slow
def test_a_killed_process_stops_the_other_and_the_run_resumes(tmp_path, cache):
    data = make_mask_folder(tmp_path / "data", count=8)
    run, env = tmp_path / "run", environment(cache)
    args = ["--train", str(data), *TINY, "--out", str(run)]
    chief, other = start_pair([*args, "--epochs", "50"], tmp_path, env)
    deadline = time.time() + 600
    while not (run / "state.json").is_file() and chief.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert (run / "state.json").is_file(), tail(tmp_path / "process0.log")
    other.send_signal(signal.SIGKILL)
    other.wait()
    try:
        chief.wait(timeout=60)
    except subprocess.TimeoutExpired:
        chief.kill()
        pytest.fail("process 0 still runs a minute after process 1 was killed")
    log = (tmp_path / "process0.log").read_text(errors="replace")
    assert chief.returncode == 3 and "error: process 0 of 2: another training process stopped" in log, tail(
        tmp_path / "process0.log")
    saved = state(run)["epoch"]
    assert 1 <= saved < 50

    resumed = start_pair(["--resume", "--epochs", str(saved + 1), "--out", str(run)], tmp_path, env)
    log = [finish(process, tmp_path / f"process{index}.log") for index, process in enumerate(resumed)][0]
    assert f"resuming {run} at epoch {saved + 1}/{saved + 1}" in log
    assert state(run)["epoch"] == saved + 1
    iterations = weights(run / "last.keras", prefix="optimizer/")["optimizer/vars/0"]
    assert int(iterations) == (saved + 1) * STEPS  # the steps before the kill, then one more epoch's


def test_shards_of_a_batch_together_are_the_batch(tmp_path):
    from greenscreen.data import open_source
    from greenscreen.data.dataset import SegmentationDataset

    source = open_source(str(make_mask_folder(tmp_path / "data", count=5)))

    def dataset():
        return SegmentationDataset([(source, 1.0)], batch_size=4, input_size=(32, 32), augment=True, seed=3)

    whole = dataset()
    whole.epoch = 1
    shards = [dataset().shard(index, 2) for index in range(2)]
    for shard in shards:
        shard.epoch = 1
    for batch in range(len(whole)):
        x, y = whole[batch]
        parts = [shard[batch] for shard in shards]
        assert np.array_equal(np.concatenate([part[0] for part in parts]), x)
        assert np.array_equal(np.concatenate([part[1] for part in parts]), y)


@pytest.mark.parametrize("args, message", [
    (["--coordinator", "localhost"], "use HOST:PORT"),
    (["--num-processes", "2", "--process-id", "2"], "--process-id must be between 0 and"),
    (["--num-processes", "0"], "--num-processes must be at least 1"),
])
def test_bad_cluster_options_are_one_line_errors(tmp_path, capsys, args, message):
    data = make_mask_folder(tmp_path / "data", count=2)
    assert train.main(["--train", str(data), "--val", str(data), "--out", str(tmp_path / "run"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
