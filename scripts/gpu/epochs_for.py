"""How many epochs of a training config fit in SECONDS on this machine: the data pipeline's measured rate.

    python scripts/gpu/epochs_for.py configs/live-gpu-distil-192.json 480   # prints e.g. 19

On the GPU host the augmenting threads, not the GPU, bound a small model's step, so timing a few
batches of the config's own training data (its threads, its teacher maps) sizes the run so that its
cosine schedule ends inside the device call. COMPILE_SECONDS is the first epoch's XLA compilation (221 s
on an H200 with two runs compiling at once, 2026-12-04); MARGIN leaves room for the per-epoch validation.
A run that still runs long is stopped by its timeout after its last whole epoch.
"""

import sys
import time
from concurrent.futures import ThreadPoolExecutor

COMPILE_SECONDS = 240
MARGIN = 0.85
PROBE_BATCHES = 24


def main(config: str, seconds: float) -> int:
    from greenscreen.distributed import Cluster
    from greenscreen.train import checked_input_size, make_datasets, open_datasets, resolve_options

    options = resolve_options(["--config", config, "--out", "/tmp/epochs-probe"])
    train_sources, val_sources = open_datasets(options)
    size = checked_input_size(options)
    train_data, _ = make_datasets(options, size, train_sources, val_sources, Cluster())
    batches = min(PROBE_BATCHES, len(train_data))
    started = time.perf_counter()
    with ThreadPoolExecutor(options["workers"]) as pool:
        list(pool.map(train_data.__getitem__, range(batches)))
    rate = batches * options["batch_size"] / (time.perf_counter() - started)
    per_epoch = len(train_data) * options["batch_size"]
    epochs = max(1, int((seconds - COMPILE_SECONDS) * MARGIN * rate / per_epoch))
    print(f"{config}: {rate:.0f} samples/s over {batches} batches; {per_epoch} samples an epoch; "
          f"{epochs} epochs in {seconds:.0f} s", file=sys.stderr)
    print(epochs)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python scripts/gpu/epochs_for.py CONFIG.json SECONDS")
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
