"""python bench/second_person.py --size 320 models/photo.keras runs/a/tail.keras [--no-tta] [--mediapipe general] [--json F]

Does a model still see a second, smaller person beside and behind the main one? (a tail of the photo model
dropped them: bench/README.md, *The photo model: the mean of a constant-rate stage*). The composites are
greenscreen.second_person's: each validation portrait (--test-sets: portraits/test) with a COCO-120 person
pasted beside and behind its person. Per model: the share of the second person's visible pixels the mask keeps
(mean, and how many composites keep under half of them), the IoU of both people together, each compared
composite by composite with the first model (mean difference, 95% bootstrap interval). Maps as
bench/compare_models.py makes them.

--mediapipe general|landscape adds MediaPipe Selfie Segmentation's row: the composites are written as a mask
folder and bench/mediapipe_scores.py makes its maps in the venv of its own (--mediapipe-python, default
.venv-mediapipe/bin/python; see that script for the install).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.compare_models import add_models_and_size, check_models_and_size, passes_text  # noqa: E402
from bench.input_sizes import card_sets, paired, validation_sets  # noqa: E402
from greenscreen.second_person import DROPPED, build_composites, composite_scores, load_pairs  # noqa: E402


def score_models(per_model: dict) -> list[dict]:
    """One row per model: the summary, and the paired comparison with the first model."""
    reference = next(iter(per_model.values()))
    rows = []
    for model, scores in per_model.items():
        rows.append({"model": model, "n": len(scores["kept"]), "kept": float(scores["kept"].mean()),
                     "dropped": int((scores["kept"] < DROPPED).sum()), "iou": float(scores["iou"].mean()),
                     "kept_against_first": paired(scores["kept"], reference["kept"]),
                     "iou_against_first": paired(scores["iou"], reference["iou"])})
    return rows


def table(rows: list[dict]) -> str:
    def delta(d):
        return f"{d['mean']:+.2f} [{d['ci95'][0]:+.2f}, {d['ci95'][1]:+.2f}] ({d['better']}/{d['worse']})"

    lines = ["| model | second person kept % | dropped (< 50% kept) | both people IoU | kept Δ [95% CI] (+/−) | IoU Δ [95% CI] (+/−) |",
             "|---|---:|---:|---:|---:|---:|"]
    for index, row in enumerate(rows):
        deltas = ["(reference)"] * 2 if index == 0 else [delta(row["kept_against_first"]), delta(row["iou_against_first"])]
        lines.append(f"| {row['model']} | {row['kept']:.1f} | {row['dropped']} of {row['n']} | {row['iou']:.2f} | "
                     + " | ".join(deltas) + " |")
    return "\n".join(lines)


def write_mask_folder(composites, folder: Path) -> list[str]:
    """The composites as a mask folder (the mask: both people), for tools in another venv; their stems."""
    from PIL import Image

    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    stems = []
    for index, (photo, main_truth, visible) in enumerate(composites):
        stem = f"{index:04d}"
        Image.fromarray(photo).save(folder / "images" / f"{stem}.png")
        Image.fromarray(((main_truth | visible) * 255).astype(np.uint8)).save(folder / "masks" / f"{stem}.png")
        stems.append(stem)
    return stems


def mediapipe_maps(composites, model: str, python: Path) -> list[np.ndarray]:
    """MediaPipe Selfie Segmentation's person maps of the composites, made by bench/mediapipe_scores.py in `python`."""
    from PIL import Image

    from greenscreen.cli_common import UsageError

    if not Path(python).is_file():
        raise UsageError(f"--mediapipe needs MediaPipe's own venv: {python} not found (install it as "
                         "bench/mediapipe_scores.py says)")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        stems = write_mask_folder(composites, folder / "composites")
        done = subprocess.run([str(python), str(ROOT / "bench" / "mediapipe_scores.py"), "--data", str(folder / "composites"),
                               "--model", model, "--save-maps", str(folder / "maps")], capture_output=True, text=True)
        if done.returncode:
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            raise UsageError(f"bench/mediapipe_scores.py failed in {python}: {last}")
        return [np.asarray(Image.open(folder / "maps" / f"{stem}.png"), np.float32) / 255 for stem in stems]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    add_models_and_size(parser, "models (.keras); the first is the reference")
    parser.add_argument("--mediapipe", action="append", choices=["general", "landscape"], default=[],
                        help="add MediaPipe Selfie Segmentation's row (repeatable)")
    parser.add_argument("--mediapipe-python", type=Path, default=ROOT / ".venv-mediapipe" / "bin" / "python",
                        help="the Python of MediaPipe's venv (default .venv-mediapipe/bin/python)")
    args = parser.parse_args(argv)
    from greenscreen.cli_common import load_model_file, run_command
    from greenscreen.model import with_input_size
    from greenscreen.predict import person_probabilities

    def run() -> int:
        check_models_and_size(args, "give at least one model", fewest=1)
        sets = (card_sets if args.test_sets else validation_sets)(args.data)
        mains_name = "portraits/test" if args.test_sets else "held portraits"
        composites, left_out = build_composites(load_pairs(sets[mains_name]), load_pairs(sets["COCO-120"]))
        photos = [photo for photo, _, _ in composites]
        per_model = {}
        for path in args.models:
            model = load_model_file(path)
            maps = person_probabilities(with_input_size(model, (args.size, args.size)), photos, flip_tta=args.tta,
                                        fixed_batch=True, upsampling=args.upsample,
                                        extra_models=[with_input_size(model, (n, n)) for n in args.extra_size])
            per_model[str(path)] = composite_scores(maps, composites)
        for variant in args.mediapipe:
            per_model[f"mediapipe-selfie-{variant}"] = composite_scores(
                mediapipe_maps(composites, variant, args.mediapipe_python), composites)
        rows = score_models(per_model)
        print(f"{len(composites)} composites ({mains_name} + a COCO-120 person; {left_out} left out, the second "
              f"person hidden), at {passes_text(args)}; Δ: composite by "
              f"composite against {args.models[0]}, (composites +/− over 0.5 points)\n")
        print(table(rows))
        if args.json:
            args.json.write_text(json.dumps({"size": args.size, "extra_sizes": args.extra_size, "upsampling": args.upsample,
                                               "tta": args.tta, "left_out": left_out, "rows": rows}, indent=1))
        return 0

    return run_command(run)


if __name__ == "__main__":
    raise SystemExit(main())
