"""python -m greenscreen.teach --model models/photo.keras --config configs/live-cpu-1-160.json --out runs/teacher-photo

Writes a teacher model's person probability for every training photo, once, as 8-bit PNGs
(OUT/<source key>/<photo>.png, greenscreen.data.teacher), so a smaller student can be trained on
them with `python -m greenscreen.train --teacher OUT` (distillation). The photos are read as the
page reads them (whole photo stretched to the model's input, flip TTA unless --no-tta, bilinear
back to the photo's size). Photos that come with person boxes (coco-unlabeled's person_boxes.json) are
also read crop by crop, one crop around each person, and are background outside every box
(greenscreen.data.boxes). Maps that exist already are kept: an interrupted run continues. OUT/teacher.json
holds the teacher file's SHA-256 from the start, so maps of two teachers never mix in one folder: a run
with another model (a newly shipped models/photo.keras, say) is refused until OUT is removed. Several teach
processes may label different sources into one OUT side by side: each adds its own sources to teacher.json
(under a lock), which is complete when every source named in it is.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import sys
from pathlib import Path

from greenscreen.cli_common import UsageError, check_keras_file, file_sha256, load_model_file, run_command
from greenscreen.data import DataError, open_source


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m greenscreen.teach", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the teacher (.keras)")
    parser.add_argument("--data", action="append", default=[], metavar="SPEC",
                        help="photos to label: mask folder or COCO spec, as for training (repeatable)")
    parser.add_argument("--config", help="take the --train specs of this training config (weights are ignored)")
    parser.add_argument("--out", required=True, help="folder for the maps")
    parser.add_argument("--no-tta", dest="tta", action="store_false", help="skip the mirrored second pass")
    parser.add_argument("--batch-size", type=int, default=8)
    return parser


def data_specs(args) -> list[str]:
    from greenscreen.train import expand, parse_weighted

    specs = list(args.data)
    if args.config:
        try:
            config = json.loads(Path(args.config).read_text())
        except (OSError, ValueError) as error:
            raise UsageError(f"cannot read config {args.config}: {error}") from None
        specs += [parse_weighted(spec)[0] for spec in config.get("train", [])]
    if not specs:
        raise UsageError("no photos to label: give --data SPEC or --config FILE")
    return [expand(spec) for spec in specs]


def boxed_probability(model, image, boxes, tta: bool, pad_to: int = 0):
    """The teacher's map of a photo with person boxes: the whole photo, and a crop around each person."""
    return boxed_probabilities(model, [image], [boxes], tta, pad_to)[0]


def boxed_probabilities(model, images, boxes_of_each, tta: bool, pad_to: int = 0) -> list:
    """`boxed_probability` for several photos, their views (each photo and its crops) run together.

    pad_to: batches of exactly this many views, the last one padded, so the model sees one shape. Under JAX
    each new batch size is a new XLA compilation; padding each photo's few views to a batch of its own would
    instead spend most of the time moving padding (176 ms of host work a photo on the 2-core machine, 34 ms
    when 16 photos share batches), so photos share batches. On the CPU (pad_to 0) one batch holds exactly
    the views given.
    """
    from greenscreen.data.boxes import CROP_MARGIN, combine, region, usable
    from greenscreen.predict import person_probabilities

    layouts, views = [], []
    for image, boxes in zip(images, boxes_of_each):
        regions = [region(box, image.shape[:2], CROP_MARGIN) for box in usable(boxes, image.shape[:2])]
        layouts.append((len(views), regions, boxes))
        views += [image] + [image[top:bottom, left:right] for top, left, bottom, right in regions]
    if pad_to:
        maps = person_probabilities(model, views, flip_tta=tta, batch_size=pad_to, fixed_batch=True)
    else:
        maps = person_probabilities(model, views, flip_tta=tta, batch_size=len(views))
    return [combine(maps[first], list(zip(regions, maps[first + 1:first + 1 + len(regions)])), boxes)
            for first, regions, boxes in layouts]


def loaded(source, indices) -> tuple[list[str], list]:
    """(names, photos) of the indices that load; the others are skipped by name (source.skip)."""
    names, images = [], []
    for i in indices:
        try:
            image, _ = source.load(i)
        except DataError as error:
            source.skip(i, error)
            continue
        names.append(source.name(i))
        images.append(image)
    return names, images


def label(model, source, out: Path, tta: bool, batch_size: int) -> int:
    """Write the maps `source` lacks; returns how many were written."""
    from greenscreen.data.teacher import TeacherMaps
    from greenscreen.predict import person_probabilities

    maps = TeacherMaps(out, source)
    todo = set(maps.missing())
    indices = [i for i in range(len(source)) if source.name(i) in todo]
    if getattr(source, "boxes", None) is not None:
        return label_boxed(model, source, maps, indices, tta, batch_size)
    written = 0
    for start in range(0, len(indices), batch_size):
        names, images = loaded(source, indices[start:start + batch_size])
        if not images:
            continue
        for name, probability in zip(names, person_probabilities(model, images, flip_tta=tta,
                                                                 batch_size=batch_size, fixed_batch=True)):
            maps.save(name, probability)
            written += 1
        print(f"{source.path}: {min(start + batch_size, len(indices))}/{len(indices)}", flush=True)
    return written


def label_boxed(model, source, maps, indices, tta: bool, batch_size: int) -> int:
    """`label` for a source with person boxes: each photo with its crops; under JAX `batch_size` photos at a
    time share fixed-size batches of views, on the CPU one photo at a time."""
    pad_to = batch_size if fixed_shapes() else 0
    group = batch_size if pad_to else 1
    written = 0
    for start in range(0, len(indices), group):
        names, images = loaded(source, indices[start:start + group])
        if not images:
            continue
        found = boxed_probabilities(model, images, [source.boxes_of(name) for name in names], tta, pad_to)
        for name, probability in zip(names, found):
            maps.save(name, probability)
            written += 1
        done = min(start + group, len(indices))
        if done % batch_size < group or done == len(indices):
            print(f"{source.path}: {done}/{len(indices)} (with a crop per person box)", flush=True)
    return written


def fixed_shapes() -> bool:
    """True where each new input shape costs a compilation (the JAX backend: the GPU route)."""
    import keras

    return keras.backend.backend() == "jax"


def check_same_teacher(out: Path, teacher: dict) -> None:
    """UsageError when OUT holds maps of another teacher (or of one not recorded): they must not mix."""
    record = out / "teacher.json"
    if not record.is_file():
        if out.is_dir() and any(path.name != ".teacher.lock" for path in out.iterdir()):
            raise UsageError(f"{out} holds files but no teacher.json: its maps are of an unknown teacher; "
                             f"remove {out} or choose another --out")
        return
    try:
        before = json.loads(record.read_text())
    except ValueError as error:
        raise UsageError(f"cannot read {record}: {error}; remove {out} or choose another --out") from None
    if (before.get("model_sha256"), before.get("flip_tta")) != (teacher["model_sha256"], teacher["flip_tta"]):
        raise UsageError(f"the maps in {out} were made by another teacher ({before.get('model')}, SHA-256 "
                         f"{(before.get('model_sha256') or 'not recorded')[:12]}, flip TTA {before.get('flip_tta')}) "
                         f"than {teacher['model']} ({teacher['model_sha256'][:12]}, flip TTA {teacher['flip_tta']}): "
                         f"remove {out} or choose another --out")


@contextlib.contextmanager
def record_lock(out: Path):
    """Only one teach process at a time reads and rewrites OUT/teacher.json."""
    with open(out / ".teacher.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_record(out: Path, teacher: dict, described: list[dict], complete: bool) -> None:
    """Adds this run's sources (each marked complete or not) to OUT/teacher.json, keeping the sources that
    other runs into the same folder recorded; the folder is complete when every source in it is."""
    record_path = out / "teacher.json"
    with record_lock(out):
        try:
            before = json.loads(record_path.read_text())
        except (OSError, ValueError):
            before = {}
        ours = {(entry["path"], entry.get("subset")) for entry in described}
        kept = [{"complete": before.get("complete", False)} | entry for entry in before.get("data", [])
                if (entry.get("path"), entry.get("subset")) not in ours]  # records from before this merge: folder-wide flag
        data = kept + [entry | {"complete": complete} for entry in described]
        record = teacher | {"data": data, "complete": all(entry["complete"] for entry in data)}
        partial = record_path.with_suffix(".json.partial")
        partial.write_text(json.dumps(record, indent=2) + "\n")
        partial.replace(record_path)  # a reader never sees half a file


def run(args) -> int:
    specs = data_specs(args)
    sources = [open_source(spec, allow_unlabeled=True) for spec in specs]  # DataError: one line, before the model loads
    check_keras_file(args.model)
    out = Path(args.out)
    teacher = {"model": str(args.model), "model_sha256": file_sha256(args.model), "flip_tta": args.tta}
    check_same_teacher(out, teacher)
    model = load_model_file(args.model)
    out.mkdir(parents=True, exist_ok=True)
    teacher["model_name"] = model.name
    write_record(out, teacher, [source.describe() for source in sources], complete=False)
    for source in sources:
        written = label(model, source, out, args.tta, args.batch_size)
        print(f"{source.path}: {written} new maps, {len(source)} in all", flush=True)
    # Described again: with the photos skipped on the way.
    write_record(out, teacher, [source.describe() for source in sources], complete=True)
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return run_command(lambda: run(args),
                       interrupted="interrupted (the maps written so far are kept; run again to continue)")


if __name__ == "__main__":
    sys.exit(main())
