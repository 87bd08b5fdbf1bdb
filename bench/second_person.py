"""python bench/second_person.py --size 320 models/photo.keras runs/a/tail.keras [--no-tta] [--mediapipe general] [--json F]

Does a model still see a second, smaller person beside and behind the main one? The portrait masks call people
behind the subject background, so fine-tuning on them can teach a model to drop bystanders (a tail of the photo
model did: bench/README.md, *The photo model: the mean of a constant-rate stage*), and no mean IoU over
one-person photos shows it. Each composite is a validation portrait (its person the main one) with a person cut
out of a COCO-120 photo by its mask (greenscreen.data.paste.cut_out, as the --paste-people augmentation cuts
its donors), scaled to 45-70% of the portrait's height, at its left or right edge with the head 10-40% down from
the top (cut off by the bottom edge), behind the main person where they overlap. Both people are real and
labelled; the join is a hard cut. Per model: the share of the second person's visible pixels the mask keeps (mean, and how many composites keep
under half of them), the IoU of both people together, each compared composite by composite with the first
model (mean difference, 95% bootstrap interval). Maps as bench/compare_models.py makes them.

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

from bench.compare_models import add_models_and_size, check_models_and_size  # noqa: E402
from bench.input_sizes import card_sets, paired, validation_sets  # noqa: E402

HEIGHT_SHARES = (0.45, 0.7)  # the second person's height against the portrait's
TOP_SHARES = (0.1, 0.4)  # where their head is, down from the top
MOST_WIDTH = 0.45  # ... and their width at most this share of the portrait's
LEAST_VISIBLE = 0.01  # composites where less of the second person shows (share of the photo) are left out
DROPPED = 50.0  # a composite whose mask keeps less of the second person than this (percent) drops them
SEED = 0


def composite(main: np.ndarray, main_mask: np.ndarray, other: np.ndarray, other_mask: np.ndarray, *,
              side: str, height_share: float, top_share: float):
    """(photo, main person's truth, second person's visible truth): `other`'s person, cut by its mask and scaled
    to `height_share` of the photo's height (narrower when too wide), at the `side` ("left"/"right") edge with its
    top `top_share` of the height down, behind the main person; what falls below the photo is cut off."""
    from greenscreen.data.paste import cut_out

    height, width = main_mask.shape
    person, cut = cut_out(other, other_mask, height_share * height, MOST_WIDTH * width)
    size = (cut.shape[1], cut.shape[0])
    x = 0 if side == "left" else width - size[0]
    y = round(top_share * height)
    rows = min(size[1], height - y)
    window = (slice(y, y + rows), slice(x, x + size[0]))
    placed = np.zeros_like(main_mask, dtype=bool)
    placed[window] = cut[:rows]
    main_truth = main_mask.astype(bool)
    visible = placed & ~main_truth
    photo = main.copy()
    photo[window][visible[window]] = person[:rows][visible[window]]
    return photo, main_truth, visible


def build_composites(mains, others, seed: int = SEED):
    """[(photo, main truth, second person's visible truth)] for every main photo (the others taken in turn),
    leaving out those where too little of the second person shows; and how many were left out."""
    rng = np.random.default_rng(seed)
    made, left_out = [], 0
    for index, (image, mask) in enumerate(mains):
        other, other_mask = others[index % len(others)]
        share, top = float(rng.uniform(*HEIGHT_SHARES)), float(rng.uniform(*TOP_SHARES))
        photo, main_truth, visible = composite(image, np.asarray(mask) > 0, other, np.asarray(other_mask) > 0,
                                               side="left" if index % 2 == 0 else "right", height_share=share,
                                               top_share=top)
        if visible.mean() < LEAST_VISIBLE:
            left_out += 1
            continue
        made.append((photo, main_truth, visible))
    return made, left_out


def composite_scores(maps, composites) -> dict:
    """Per composite: the second person's share kept (percent) and both people's IoU (percent)."""
    from greenscreen.metrics import THRESHOLD, iou

    kept, both = [], []
    for probability, (_, main_truth, visible) in zip(maps, composites):
        person = np.asarray(probability) >= THRESHOLD
        kept.append(100.0 * (person & visible).sum() / visible.sum())
        both.append(100.0 * iou(person, main_truth | visible))
    return {"kept": np.array(kept), "iou": np.array(both)}


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


def load_pairs(spec: str) -> list:
    from greenscreen.evaluate import open_data

    source = open_data(spec)
    return [source.load(index) for index in range(len(source))]


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
            model = with_input_size(load_model_file(path), (args.size, args.size))
            maps = person_probabilities(model, photos, flip_tta=args.tta, fixed_batch=True)
            per_model[str(path)] = composite_scores(maps, composites)
        for variant in args.mediapipe:
            per_model[f"mediapipe-selfie-{variant}"] = composite_scores(
                mediapipe_maps(composites, variant, args.mediapipe_python), composites)
        rows = score_models(per_model)
        print(f"{len(composites)} composites ({mains_name} + a COCO-120 person; {left_out} left out, the second "
              f"person hidden), at {args.size} px, {'flip TTA' if args.tta else 'no TTA'}; Δ: composite by "
              f"composite against {args.models[0]}, (composites +/− over 0.5 points)\n")
        print(table(rows))
        if args.json:
            args.json.write_text(json.dumps({"size": args.size, "tta": args.tta, "left_out": left_out, "rows": rows}, indent=1))
        return 0

    return run_command(run)


if __name__ == "__main__":
    raise SystemExit(main())
