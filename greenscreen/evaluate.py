"""python -m greenscreen.evaluate --model models/photo.keras --data ../shared/data/portraits/test --json runs/eval.json

Scores a saved Keras model on a mask folder or COCO set (see greenscreen.data.open_source for SPEC):
mean per-image person IoU (the headline), dataset IoU, pixel accuracy, boundary F, speed.
Prediction follows docs/model-contract.md (greenscreen.predict). Writes the numbers and per-image IoUs as JSON,
and an HTML gallery of the worst photos (next to the JSON unless --gallery DIR says otherwise).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

# Keras (and with it TensorFlow) is imported only once the arguments and data look right: user errors stay fast.
from greenscreen.cli_common import (UsageError, first_line, load_model_file, run_command, size_argument,
                                    whole_number)
from greenscreen.data import DataError, open_source
from greenscreen.gallery import WorstGallery
from greenscreen.metrics import BOUNDARY_TOLERANCE_FRACTION, THRESHOLD, ScoreBoard
from greenscreen.predict import input_size_of, person_probabilities
from greenscreen.run_folder import write_json_atomically
from greenscreen.upsample import UPSAMPLING

DEFAULT_BATCH_SIZE = 8
DEFAULT_WORST = 24


positive_int = whole_number(1, what="the value")
non_negative_int = whole_number(0, what="the value")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m greenscreen.evaluate",
        description="Score a greenscreen Keras model on a mask folder or COCO person set.",
    )
    parser.add_argument("--model", required=True, type=Path, help="saved model (.keras)")
    parser.add_argument("--data", required=True, metavar="SPEC",
                        help="PATH[:SUBSET]: mask folder, COCO folder or COCO .json (COCO subset kept|dropped|all)")
    parser.add_argument("--size", type=size_argument, metavar="N|HxW",
                        help="run the model at this input size instead of its own (same weights)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the scores here")
    parser.add_argument("--gallery", type=Path, metavar="DIR",
                        help="write the worst-images page here (default: OUT's name + _gallery next to --json)")
    parser.add_argument("--worst", type=non_negative_int, default=DEFAULT_WORST, metavar="K",
                        help=f"photos in the gallery (default {DEFAULT_WORST}; 0 = no gallery)")
    parser.add_argument("--no-tta", dest="tta", action="store_false",
                        help="skip the horizontally flipped second pass")
    parser.add_argument("--upsample", choices=UPSAMPLING, default="bilinear",
                        help="the map to the photo's size: bilinear (the model contract, default), guided "
                             "(the page's colour guided filter: the mask a user sees) or bilateral (the page's "
                             "joint bilateral filter, where the GPU cannot render floats)")
    parser.add_argument("--extra-size", type=size_argument, action="append", default=[], metavar="N|HxW",
                        help="another pass at this input size, its map averaged with the model's own at the "
                             "model's size (multi-scale TTA, as the page runs the photo model; repeatable)")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="score only the first N photos")
    parser.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE, metavar="B",
                        help=f"photos per model call (default {DEFAULT_BATCH_SIZE})")
    return parser


def open_data(spec: str):
    try:
        source = open_source(spec)
    except (DataError, OSError, ValueError) as error:
        raise UsageError(first_line(error)) from None
    if len(source) == 0:
        reason = f" ({len(source.problems)} skipped, e.g. {source.problems[0]})" if source.problems else ""
        raise UsageError(f"no photos with masks in {spec}{reason}")
    source.report_problems()
    return source


class Progress:
    """A counter on stderr: rewritten in place on a terminal, a line every ~10% otherwise."""

    def __init__(self, total: int, stream=None):
        self.total = total
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._next_line = 0

    def update(self, done: int) -> None:
        if self.live:
            self.stream.write(f"\rscoring {done}/{self.total}")
            if done == self.total:
                self.stream.write("\n")
        elif done >= self._next_line or done == self.total:
            self.stream.write(f"scoring {done}/{self.total}\n")
            self._next_line = done + max(1, self.total // 10)
        self.stream.flush()


def evaluate(model, source, flip_tta: bool = True, limit: int | None = None,
             batch_size: int = DEFAULT_BATCH_SIZE, gallery=None, progress: Progress | None = None,
             upsampling: str = "bilinear", extra_models=()) -> dict:
    """Score `model` on `source`: {"board": ScoreBoard, "seconds", "model_seconds", "timed_images"}.

    `gallery` (a WorstGallery) sees every photo. Speed covers resize + model + upsample only, and leaves out
    the first batch (graph tracing) when there is more than one.
    """
    count = len(source) if limit is None else min(limit, len(source))
    board = ScoreBoard()
    started = time.perf_counter()
    first_batch = (0.0, 0)  # (seconds, images): counted only when nothing else was timed
    model_seconds, timed_images = 0.0, 0
    for start in range(0, count, batch_size):
        names, images, truths = [], [], []
        for i in range(start, min(start + batch_size, count)):
            try:
                image, truth = source.load(i)
            except DataError as error:  # e.g. a truncated JPEG whose header looked fine: skip it, by name
                source.skip(i, error)
                continue
            names.append(source.name(i))
            images.append(image)
            truths.append(truth)
        if not images:
            if progress is not None:
                progress.update(min(start + batch_size, count))
            continue
        tick = time.perf_counter()
        probabilities = person_probabilities(model, images, flip_tta=flip_tta, batch_size=batch_size,
                                             fixed_batch=True, upsampling=upsampling, extra_models=extra_models)
        if start == 0:
            first_batch = (time.perf_counter() - tick, len(images))
        else:
            model_seconds += time.perf_counter() - tick
            timed_images += len(images)
        for name, image, truth, probability in zip(names, images, truths, probabilities):
            pred = probability >= THRESHOLD
            truth = np.asarray(truth).astype(bool)
            score = board.add(name, pred, truth)
            if gallery is not None:
                gallery.offer(name, image, truth, pred, score.iou)
        if progress is not None:
            progress.update(min(start + batch_size, count))  # photos looked at, skipped ones included
    if len(board) == 0:
        raise DataError(f"none of the {count} photos of {source.path} could be read")
    if timed_images == 0:
        model_seconds, timed_images = first_batch
    return {"board": board, "seconds": time.perf_counter() - started,
            "model_seconds": model_seconds, "timed_images": timed_images}


def _data_note(report: dict) -> str:
    """'10 of 120 photos, subset kept, 3 skipped by the loader' from the report's source facts."""
    source = report["source"]
    available = source.get("count", report["n"])
    parts = [f"{report['n']} of {available} photos" if available != report["n"] else f"{report['n']} photos"]
    if source.get("subset"):
        parts.append(f"subset {source['subset']}")
    skipped = source.get("skipped")
    skipped = len(skipped) if isinstance(skipped, (list, tuple)) else skipped
    if skipped:
        parts.append(f"{skipped} skipped by the loader")
    return ", ".join(parts)


def format_table(report: dict) -> str:
    rows = [
        ("miou", f"{report['miou']:.2f}"),
        ("dataset_iou", f"{report['dataset_iou']:.2f}"),
        ("pixel_accuracy", f"{report['pixel_accuracy']:.2f}"),
        ("boundary_f", f"{report['boundary_f']:.2f}"),
        ("below 80 IoU %", f"{report['failure_rate']:.1f}"),
        ("n", str(report["n"])),
        ("seconds", f"{report['seconds']:.1f}"),
        ("ms/image", f"{report['ms_per_image']:.1f}"),
    ]
    height, width = report["input_size"]
    header = [
        f"model  {report['model']} ({report['model_name']}, input {height}x{width}, "
        f"{'flip TTA' if report['tta'] else 'no TTA'}, {report['upsampling']} upsampling"
        + "".join(f", + {h}x{w}" for h, w in report.get("extra_sizes", [])) + ")",
        f"data   {report['data']} ({_data_note(report)})",
        "",
        f"{'metric':<16}{'value':>9}",
    ]
    return "\n".join(header + [f"{name:<16}{value:>9}" for name, value in rows])


def extra_sizes_of(model, sizes) -> list:
    """The model's weights at each extra size (the passes greenscreen.predict averages in); UsageError if one won't do."""
    from greenscreen.model import with_input_size

    try:
        return [with_input_size(model, size) for size in sizes]
    except ValueError as error:
        raise UsageError(f"--extra-size: {first_line(error)}") from None


def run(args: argparse.Namespace) -> dict:
    """Everything after argument parsing; raises UsageError for user mistakes."""
    if args.json is not None and args.json.exists() and args.json.is_dir():
        raise UsageError(f"--json must be a file path, {args.json} is a folder")
    source = open_data(args.data)
    model = load_model_file(args.model, args.size)
    try:
        input_size = input_size_of(model)
    except ValueError as error:
        raise UsageError(str(error)) from None
    extra_models = extra_sizes_of(model, args.extra_size)
    gallery_dir = args.gallery
    if gallery_dir is None and args.json is not None:
        gallery_dir = args.json.with_name(args.json.stem + "_gallery")
    gallery = WorstGallery(args.worst) if gallery_dir is not None and args.worst > 0 else None

    count = len(source) if args.limit is None else min(args.limit, len(source))
    try:
        result = evaluate(model, source, flip_tta=args.tta, limit=args.limit, batch_size=args.batch_size,
                          gallery=gallery, progress=Progress(count), upsampling=args.upsample,
                          extra_models=extra_models)
    except (DataError, ValueError) as error:  # an unreadable photo; a model whose output is not [N, H, W, 2]
        raise UsageError(first_line(error)) from None
    board = result["board"]
    report = {
        **board.summary(),
        "seconds": round(result["seconds"], 3),
        "ms_per_image": round(1000 * result["model_seconds"] / max(1, result["timed_images"]), 2),
        "model": str(args.model),
        "model_name": model.name,
        "data": args.data,
        "source": source.describe(),
        "input_size": list(input_size),
        "extra_sizes": [list(size) for size in args.extra_size],
        "tta": bool(args.tta),
        "upsampling": args.upsample,
        "limit": args.limit,
        "threshold": THRESHOLD,
        "boundary_tolerance": f"{100 * BOUNDARY_TOLERANCE_FRACTION:g}% of the image diagonal (DAVIS)",
        "units": "percent (0-100) except n, seconds, ms_per_image",
        "per_image": board.per_image(),
    }
    print(format_table(report))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomically(args.json, report)  # renamed into place: never half-written
        print(f"scores  {args.json}")
    if gallery is not None:
        height, width = input_size
        page = gallery.write(gallery_dir, title=f"{args.model.name} on {args.data} "
                                                f"({height}x{width}, {'flip TTA' if args.tta else 'no TTA'}, {args.upsample}): worst photos")
        report["gallery"] = str(page)
        print(f"gallery {page}")
    return report


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the table
    return run_command(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
