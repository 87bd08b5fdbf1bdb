"""python bench/input_sizes.py --model models/photo.keras --sizes 224,256,288,320 [--no-tta] [--combine 2] [--json F]

The same weights at other input sizes, and several sizes averaged (multi-scale TTA), on the validation sets:
is the size a model ships at the best one, and does a second scale pay for its time? Each size's person
maps are made once (greenscreen.predict: the contract's stretch, flip TTA unless --no-tta, bilinear to the
photo's size), then every single size and every combination up to --combine sizes is scored from them
(maps averaged, threshold 0.5): mean per-image IoU and the share of photos below 80 IoU per set, the mean
over all photos, and the relative model time (pixels against the model's own size). Each row is also
compared photo by photo with the model's own size: the mean difference with a 95% bootstrap interval, and
how many photos gained or lost more than half a point. A gap whose interval holds 0 is noise.

Default sets: the held-out tenth of portraits/train and the 120 filter-passing COCO-person photos under
$GREENSCREEN_DATA (or ../shared/data): choose by these, never by portraits/test (--test-sets reports it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GAIN = 0.5  # IoU points: a photo counts as better or worse beyond this
BOOTSTRAP_DRAWS = 5000


def validation_sets(data: Path) -> dict[str, str]:
    return {"held portraits": f"{data / 'portraits' / 'train'}:held0.1", "COCO-120": f"{data / 'coco-person'}:kept"}


def card_sets(data: Path) -> dict[str, str]:
    """The model cards' sets (portraits/test and COCO-120): to report a choice made on validation, not to make it."""
    return {"portraits/test": str(data / "portraits" / "test"), "COCO-120": f"{data / 'coco-person'}:kept"}


def size_list(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes wants whole numbers separated by commas, got {text!r}") from None
    if not sizes or any(size < 32 or size % 32 for size in sizes):
        raise argparse.ArgumentTypeError(f"every size must be a multiple of 32 (the model's deepest stride): {text!r}")
    return sizes


def combinations(sizes: list[int], most: int) -> list[tuple[int, ...]]:
    """Every single size, then every set of 2 … `most` sizes."""
    return [combo for count in range(1, min(most, len(sizes)) + 1) for combo in itertools.combinations(sizes, count)]


def relative_time(combo: tuple[int, ...], own: tuple[int, int]) -> float:
    """Model time against one pass at the model's own size (pixels: the convolutions scale with them)."""
    return sum(size * size for size in combo) / (own[0] * own[1])


def image_ious(maps_per_size: list[list[np.ndarray]], truths: list[np.ndarray]) -> np.ndarray:
    """Per-photo IoU (percent) of the averaged maps at threshold 0.5."""
    from greenscreen.metrics import THRESHOLD, iou

    return np.array([100 * iou(np.mean([maps[i].astype(np.float32) for maps in maps_per_size], axis=0) >= THRESHOLD,
                               truth) for i, truth in enumerate(truths)])


def paired(candidate: np.ndarray, reference: np.ndarray, seed: int = 0) -> dict:
    """candidate − reference, photo by photo: mean, 95% bootstrap interval, photos gained and lost."""
    difference = candidate - reference
    rng = np.random.default_rng(seed)
    means = rng.choice(difference, (BOOTSTRAP_DRAWS, len(difference))).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(difference.mean()), "ci95": [float(low), float(high)],
            "better": int((difference > GAIN).sum()), "worse": int((difference < -GAIN).sum())}


def summarise(ious: np.ndarray) -> dict:
    from greenscreen.metrics import FAILURE_IOU

    return {"miou": float(ious.mean()), "below_80": float(100 * (ious < 100 * FAILURE_IOU).mean()), "n": len(ious)}


def score_rows(maps: dict, truths: dict, combos: list[tuple[int, ...]], own: tuple[int, int]) -> list[dict]:
    """One row per combination: per set the summary and the paired comparison with the model's own size."""
    reference = {name: image_ious([maps[name][own[0]]], truths[name]) for name in truths}
    rows = []
    for combo in combos:
        row = {"sizes": list(combo), "relative_time": relative_time(combo, own), "sets": {}}
        pooled = []
        for name in truths:
            ious = image_ious([maps[name][size] for size in combo], truths[name])
            row["sets"][name] = {**summarise(ious), "against_own_size": paired(ious, reference[name])}
            pooled.append(ious)
        row["all"] = summarise(np.concatenate(pooled))
        rows.append(row)
    return rows


def table(rows: list[dict], own: tuple[int, int]) -> str:
    names = list(rows[0]["sets"])
    head = (["sizes", "time ×"] + [f"{name} mIoU (< 80)" for name in names] + ["all"]
            + [f"{name} Δ vs {own[0]} [95% CI] (+/−)" for name in names])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for row in rows:
        cells = [" + ".join(map(str, row["sizes"])), f"{row['relative_time']:.2f}"]
        cells += [f"{row['sets'][n]['miou']:.2f} ({row['sets'][n]['below_80']:.1f}%)" for n in names]
        cells.append(f"{row['all']['miou']:.2f}")
        for n in names:
            d = row["sets"][n]["against_own_size"]
            cells.append(f"{d['mean']:+.2f} [{d['ci95'][0]:+.2f}, {d['ci95'][1]:+.2f}] ({d['better']}/{d['worse']})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def make_maps(model, sets: dict[str, str], sizes: list[int], flip_tta: bool, extra_sizes=(),
              upsampling: str = "bilinear") -> tuple[dict, dict]:
    """{set: {size: [float16 map per photo]}} and {set: [truth per photo]}. `extra_sizes` add passes averaged in at
    each size before the map goes back to the photo's size by `upsampling`, as the page runs the photo model
    (greenscreen.predict.person_probabilities)."""
    from greenscreen.evaluate import open_data
    from greenscreen.model import with_input_size
    from greenscreen.predict import person_probabilities

    photos, truths = {}, {}
    for name, spec in sets.items():
        source = open_data(spec)
        pairs = [source.load(i) for i in range(len(source))]
        photos[name] = [image for image, _ in pairs]
        truths[name] = [np.asarray(truth).astype(bool) for _, truth in pairs]
    maps = {name: {} for name in sets}
    for size in sizes:
        sized = with_input_size(model, (size, size))
        extra_models = [with_input_size(model, (extra, extra)) for extra in extra_sizes]
        for name in sets:
            found = person_probabilities(sized, photos[name], flip_tta=flip_tta, fixed_batch=True,
                                         extra_models=extra_models, upsampling=upsampling)
            maps[name][size] = [probability.astype(np.float16) for probability in found]
        print(f"{size} px: done", file=sys.stderr, flush=True)
    return maps, truths


def add_scoring_options(parser: argparse.ArgumentParser) -> None:
    """The options this bench shares with bench/compare_models.py: TTA, where the sets are, which sets, --json."""
    env = os.environ.get("GREENSCREEN_DATA")
    data = Path(env) if env else ROOT.parent / "shared" / "data"
    parser.add_argument("--no-tta", dest="tta", action="store_false", help="no flipped pass (the live model's way)")
    parser.add_argument("--data", type=Path, default=data, help="the data folder (default $GREENSCREEN_DATA or ../shared/data)")
    parser.add_argument("--test-sets", action="store_true",
                        help="score portraits/test and COCO-120 (the cards' sets) instead: to report, never to choose")
    parser.add_argument("--json", type=Path, help="write the rows here")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--model", type=Path, required=True, help="a square model (.keras), e.g. models/photo.keras")
    parser.add_argument("--sizes", type=size_list, required=True, help="input sizes, e.g. 224,256,288,320")
    parser.add_argument("--combine", type=int, default=2, help="average up to this many sizes (default 2; 1 = none)")
    add_scoring_options(parser)
    args = parser.parse_args(argv)
    from greenscreen.cli_common import UsageError, load_model_file, run_command
    from greenscreen.predict import input_size_of

    def run() -> int:
        if args.combine < 1:
            raise UsageError("--combine must be 1 or more")
        model = load_model_file(args.model)
        own = input_size_of(model)
        if own[0] != own[1]:
            raise UsageError(f"{args.model} takes {own[0]}x{own[1]}: this bench compares square sizes")
        sizes = sorted(set(args.sizes) | {own[0]})
        sets = (card_sets if args.test_sets else validation_sets)(args.data)
        maps, truths = make_maps(model, sets, sizes, args.tta)
        rows = score_rows(maps, truths, combinations(sizes, args.combine), own)
        print(f"{args.model.name} (own size {own[0]}), {'flip TTA' if args.tta else 'no TTA'}; mean per-photo IoU, "
              "(share below 80); Δ: photo by photo against the own size, (photos +/− over 0.5 points)\n")
        print(table(rows, own))
        if args.json:
            args.json.write_text(json.dumps({"model": str(args.model), "tta": args.tta, "rows": rows}, indent=1))
        return 0

    return run_command(run)


if __name__ == "__main__":
    raise SystemExit(main())
