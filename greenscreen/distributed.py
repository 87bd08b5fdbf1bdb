"""Data-parallel training over every device of every process, on JAX's own distribution.

    cluster = join_cluster(options)           # jax.distributed.initialize(): explicit or from the environment
    devices = use_data_parallel(batch_size, cluster)   # keras.distribution.DataParallel over all of them
    train_data.shard(cluster.process_index, cluster.process_count)   # this process's rows of each batch
    predict = whole_batch_predictor(model)    # validation: every process gets every prediction

One program runs in every process (JAX's multi-controller model). Each feeds its own rows of each global
batch; Keras assembles the global batch across processes (`jax.make_array_from_process_local_data`) and
XLA all-reduces the gradients, so a step is the same step a single process takes on the whole batch.
Only process 0 writes the run folder (`Cluster.is_chief`), outside the distribution (`process_local`);
`stop_together` ends every process soon after one fails. CPU processes talk through gloo; GPUs through
NCCL and TPUs through their interconnect, both picked by JAX itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from dataclasses import dataclass

from greenscreen.cli_common import UsageError, first_line

# What a collective says when a peer process died (gloo: closed TCP pair; the coordination service:
# missed heartbeats, failed barriers). Any of these during training means "another process stopped".
PEER_FAILURE_SIGNS = ("gloo", "connection closed", "connection reset", "heartbeat", "coordination service",
                      "barrier", "unavailable", "socket closed", "broken pipe")


@dataclass(frozen=True)
class Cluster:
    """Where this process stands: index among `process_count` processes (1 when not distributed)."""

    process_index: int = 0
    process_count: int = 1

    @property
    def is_chief(self) -> bool:
        """Process 0 writes the run folder and prints the progress; the others only train."""
        return self.process_index == 0

    def describe(self) -> str:
        return f"process {self.process_index} of {self.process_count}"


def parse_coordinator(text: str) -> str:
    """HOST:PORT (IPv6 as [::1]:PORT), checked here so a typo is a one-line error, not a 5-minute wait."""
    host, _, port = str(text).rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"bad --coordinator {text!r}: use HOST:PORT, e.g. 10.0.0.1:1234")
    return text


def cluster_arguments(options: dict) -> dict:
    """jax.distributed.initialize()'s keyword arguments from --coordinator/--num-processes/--process-id.
    Those not given are left to JAX, which reads SLURM, Open MPI, Kubernetes (JobSet) or Cloud TPU."""
    given = {"coordinator_address": options.get("coordinator"), "num_processes": options.get("num_processes"),
             "process_id": options.get("process_id")}
    if given["coordinator_address"] is not None:
        given["coordinator_address"] = parse_coordinator(given["coordinator_address"])
    count, index = given["num_processes"], given["process_id"]
    if count is not None and count < 1:
        raise UsageError(f"--num-processes must be at least 1, got {count}")
    if index is not None and (index < 0 or (count is not None and index >= count)):
        raise UsageError(f"--process-id must be between 0 and --num-processes - 1, got {index}")
    return {key: value for key, value in given.items() if value is not None}


def join_cluster(options: dict) -> Cluster:
    """jax.distributed.initialize(): blocks until every process has joined (or the timeout passes)."""
    import jax

    arguments = cluster_arguments(options)
    # CPU processes need a collectives library to all-reduce across processes; gloo ships with jaxlib.
    # Harmless on GPU/TPU hosts (only the CPU client uses it).
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    timeout = int(os.environ.get("GREENSCREEN_CLUSTER_TIMEOUT", "300"))
    # Said first, because a coordinator that never answers ends the process inside JAX (an abort, after
    # the timeout) rather than with an exception we could word.
    where = arguments.get("coordinator_address", "the address the environment gives")
    who = f"process {arguments['process_id']}" if "process_id" in arguments else "this process"
    print(f"joining the training cluster at {where} as {who}, waiting up to {timeout} s for the others "
          "(GREENSCREEN_CLUSTER_TIMEOUT)", flush=True)
    try:
        jax.distributed.initialize(**arguments, initialization_timeout=timeout)
    except (ValueError, RuntimeError, TypeError) as error:
        raise UsageError(f"cannot join the training cluster ({where}): {first_line(error)}; give --coordinator "
                         "HOST:PORT --num-processes N --process-id I, or run under SLURM, Kubernetes or a "
                         "Cloud TPU VM") from None
    return Cluster(jax.process_index(), jax.process_count())


def use_data_parallel(batch_size: int, cluster: Cluster) -> list[str]:
    """keras.distribution.DataParallel over every device of every process; the batch must split evenly."""
    import keras

    devices = keras.distribution.list_devices()
    if batch_size % len(devices):
        raise UsageError(f"--batch-size {batch_size} does not split evenly over {len(devices)} devices "
                         f"({cluster.process_count} processes): use a multiple of {len(devices)}")
    # auto_shard_dataset=False: each process already reads only its own rows (SegmentationDataset.shard).
    distribution = keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)
    keras.distribution.set_distribution(distribution)
    return devices


@contextlib.contextmanager
def process_local():
    """Keras without the distribution for the duration, for work that one process does alone (process 0
    saving a checkpoint). Under the distribution every new variable, even the throwaway ones Keras makes
    while saving, is placed by a step all processes must take together, so doing it alone would stall."""
    import keras

    distribution = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(distribution)


def whole_batch_predictor(model):
    """predict(x) -> NumPy person probabilities for all of x, where every process passes the same batch.

    Without a distribution this is `model.predict_on_batch`. With one, the batch is padded to a multiple
    of the device count, each process feeds its own rows, and the outputs are gathered to every process,
    so validation scores the whole validation set the same way everywhere."""
    import keras

    distribution = keras.distribution.distribution()
    if distribution is None:
        return lambda x: model.predict_on_batch(x)
    import jax
    import numpy as np
    from jax.experimental import multihost_utils

    run = jax.jit(lambda trainable, fixed, x: model.stateless_call(trainable, fixed, x, training=False)[0])
    devices = distribution.device_mesh.devices.size

    def predict(x):
        rows = len(x)
        padded = np.concatenate([x, np.repeat(x[-1:], -rows % devices, axis=0)]) if rows % devices else x
        local = len(padded) // jax.process_count()
        start = jax.process_index() * local
        layout = distribution.get_data_layout(padded.shape).backend_layout
        batch = jax.make_array_from_process_local_data(layout, padded[start: start + local], padded.shape)
        output = run([v.value for v in model.trainable_variables],
                     [v.value for v in model.non_trainable_variables], batch)
        return np.asarray(multihost_utils.process_allgather(output, tiled=True))[:rows]

    return predict


def is_peer_failure(error: BaseException) -> bool:
    text = str(error).lower()
    return any(sign in text for sign in PEER_FAILURE_SIGNS)


@contextlib.contextmanager
def stop_together(cluster: Cluster, resume_hint: str):
    """Make a failure in one process end all of them at once, each with one clear line.

    A collective that failed because another process died becomes `error: process I of N: another training
    process stopped ...`; any other error in a multi-process run is printed with its traceback and ends
    this process at once, which the others see as a closed connection. Both exits skip JAX's shutdown
    barrier on purpose: it would wait for the dead process until its timeout, then abort with a native
    stack trace."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - one process alone: re-raised untouched
        if cluster.process_count < 2:
            raise
        if is_peer_failure(error):
            print(f"\nerror: {cluster.describe()}: another training process stopped, so this one stops too "
                  f"({first_line(error, 200)}). See the other processes' logs; {resume_hint}",
                  file=sys.stderr, flush=True)
        else:
            traceback.print_exc()
            print(f"error: {cluster.describe()} failed ({first_line(error, 200)}); the other processes stop "
                  f"with it. {resume_hint}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(3)
