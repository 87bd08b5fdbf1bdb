"""python bench/data_pipeline.py --data ../shared/data/portraits/train [--size 224] [--batches 20]: training-input speed.

Prints images/s (wall clock) and images per CPU-second of augmented SegmentationDataset batches, the way Keras would pull them:
in the main thread (workers=0), with 2 worker threads and with 2 worker processes (what
`workers=2` and `use_multiprocessing=True` do), each without and with the in-memory cache of
decoded, pre-shrunk photos. The cache is filled before timing (its fill time is printed).

`--modes grain-threads grain-processes` time the same samples through Google's `grain` loader instead
(`pip install grain`): a MapDataset of per-sample reads (each sample's augmentation seeded by its position,
as in training), batched by grain, read by 2 threads or 2 worker processes (`mp_prefetch`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from greenscreen.data import DataError, open_source  # noqa: E402

_DATASET = None  # the dataset forked worker processes read (like Keras' _SHARED_SEQUENCES)


def _batch(index: int) -> int:
    x, _ = _DATASET[index]
    return len(x)


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) plus its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _grain_batches(dataset, batches: int, mode: str):
    """The first `batches` batches of `dataset`'s epoch, read sample by sample through grain."""
    import grain

    from greenscreen.data.dataset import SegmentationDataset

    single = SegmentationDataset(list(zip(dataset.sources, dataset.weights)), 1, dataset.input_size, augment=True,
                                 steps_per_epoch=len(dataset) * dataset.batch_size, seed=dataset.seed)
    single.cache = dataset.cache
    samples = grain.MapDataset.range(batches * dataset.batch_size).map(lambda i: tuple(a[0] for a in single[i]))
    if mode == "grain-threads":
        loader = samples.batch(dataset.batch_size).to_iter_dataset(grain.ReadOptions(num_threads=2,
                                                                                     prefetch_buffer_size=64))
    else:
        from absl import flags

        if not flags.FLAGS.is_parsed():  # grain's worker processes read absl flags; we have no absl main
            flags.FLAGS.mark_as_parsed()
        loader = samples.to_iter_dataset(grain.ReadOptions(num_threads=1)).batch(dataset.batch_size).mp_prefetch(
            grain.MultiprocessingOptions(num_workers=2))
    return sum(len(x) for x, _ in loader)


def _time(dataset, batches: int, mode: str) -> tuple[float, float]:
    """(images per wall-clock second, images per CPU second)."""
    global _DATASET
    _DATASET = dataset
    indices = [i % len(dataset) for i in range(batches)]
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    if mode.startswith("grain"):
        images = _grain_batches(dataset, batches, mode)
    elif mode == "main":
        images = sum(_batch(i) for i in indices)
    elif mode == "threads":
        with ThreadPoolExecutor(2) as pool:
            images = sum(pool.map(_batch, indices))
    else:
        pool = multiprocessing.get_context("fork").Pool(2)
        images = sum(pool.map(_batch, indices, chunksize=1))
        pool.close()
        pool.join()  # reaped children count in RUSAGE_CHILDREN
    wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    return images / wall, images / cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", action="append", required=True, help="data spec (repeat to mix sources equally)")
    parser.add_argument("--size", type=int, default=224, help="square input size (default %(default)s)")
    parser.add_argument("--batches", type=int, default=20, help="batches per measurement (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=16, help="images per batch (default %(default)s)")
    parser.add_argument("--modes", nargs="+", default=["main", "threads", "processes"],
                        choices=["main", "threads", "processes", "grain-threads", "grain-processes"],
                        help="which worker setups to time")
    args = parser.parse_args(argv)
    try:
        sources = [(open_source(spec), 1.0) for spec in args.data]
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from greenscreen.data.dataset import SegmentationDataset

    print(f"data: {', '.join(args.data)} ({sum(len(s) for s, _ in sources)} pairs), "
          f"{args.size}x{args.size}, {args.batches} batches of {args.batch_size}, {os.cpu_count()} CPUs")
    rows = []
    load = os.getloadavg()
    for cache in (False, True):
        dataset = SegmentationDataset(sources, args.batch_size, (args.size, args.size), augment=True, cache=cache)
        if cache:
            start = time.perf_counter()
            dataset.preload()
            print(f"cache fill: {time.perf_counter() - start:.1f} s for {len(dataset.cache)} photos "
                  f"(longer side <= {dataset.cache_max_side})")
        _time(dataset, 2, "main")  # warm-up: imports, first decodes
        for mode in args.modes:
            rows.append((mode, "yes" if cache else "no", _time(dataset, args.batches, mode)))
    stretch = SegmentationDataset(sources, args.batch_size, (args.size, args.size), augment=False)
    rows.append(("main, no augment", "no", _time(stretch, args.batches, "main")))

    print(f"load average before: {load[0]:.1f} (the machine is shared; images per CPU-second shows the cost")
    print("per sample regardless of what else runs; 2 idle cores give up to twice that)")
    print(f"\n{'workers':<18} {'cache':<6} {'images/s':>9} {'images/CPU-s':>13}")
    for mode, cache, (speed, per_cpu) in rows:
        label = {"main": "0 (main thread)", "threads": "2 threads", "processes": "2 processes",
                 "grain-threads": "grain, 2 threads", "grain-processes": "grain, 2 procs"}.get(mode, mode)
        print(f"{label:<18} {cache:<6} {speed:>9.0f} {per_cpu:>13.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
