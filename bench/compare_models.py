"""python bench/compare_models.py --size 192 --no-tta models/live.keras runs/a/best.keras runs/b/last.keras

Is a checkpoint better than what ships? Scores every model at one input size on the validation sets (the
held-out tenth of portraits/train and COCO-120; --test-sets reports the cards' sets instead, after a choice)
and compares each, photo by photo, with the first: the mean difference with a 95% bootstrap interval and
the photos that gained or lost more than half a point. A gap whose interval holds 0 is noise. Maps are
made as bench/input_sizes.py makes them (greenscreen.predict: the contract's stretch, flip TTA unless
--no-tta, bilinear back to the photo's size).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.input_sizes import add_scoring_options, card_sets, image_ious, make_maps, paired, summarise, validation_sets  # noqa: E402
from greenscreen.upsample import UPSAMPLING  # noqa: E402


def score_models(per_model_maps: dict, truths: dict) -> list[dict]:
    """One row per model: per set its summary and the paired comparison with the first model."""
    names = list(per_model_maps)
    ious = {model: {name: image_ious([maps[name]], truths[name]) for name in truths}
            for model, maps in per_model_maps.items()}
    reference = ious[names[0]]
    rows = []
    for model in names:
        row = {"model": model, "sets": {}}
        for name in truths:
            row["sets"][name] = {**summarise(ious[model][name]), "against_first": paired(ious[model][name], reference[name])}
        row["all"] = summarise(np.concatenate([ious[model][name] for name in truths]))
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    names = list(rows[0]["sets"])
    head = ["model"] + [f"{name} mIoU (< 80)" for name in names] + ["all"] + [f"{name} Δ [95% CI] (+/−)" for name in names]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for index, row in enumerate(rows):
        cells = [row["model"]] + [f"{row['sets'][n]['miou']:.2f} ({row['sets'][n]['below_80']:.1f}%)" for n in names]
        cells.append(f"{row['all']['miou']:.2f}")
        for n in names:
            d = row["sets"][n]["against_first"]
            cells.append("(reference)" if index == 0 else
                         f"{d['mean']:+.2f} [{d['ci95'][0]:+.2f}, {d['ci95'][1]:+.2f}] ({d['better']}/{d['worse']})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def add_models_and_size(parser: argparse.ArgumentParser, models_help: str) -> None:
    """The options this bench shares with bench/greedy_soup.py and bench/second_person.py: the models, the one
    size they run at."""
    parser.add_argument("models", type=Path, nargs="+", help=models_help)
    parser.add_argument("--size", type=int, required=True, help="input size every model runs at, e.g. 192")
    parser.add_argument("--extra-size", type=int, action="append", default=[], metavar="N",
                        help="another pass at this size averaged in at --size, as the page runs the photo model "
                             "(--extra-size 256; repeatable)")
    parser.add_argument("--upsample", choices=UPSAMPLING, default="bilinear",
                        help="the map to the photo's size: bilinear (the contract, default) or guided (the page's edge)")
    add_scoring_options(parser)


def check_models_and_size(args, too_few: str, fewest: int = 2) -> None:
    """UsageError for a size off the model's stride, or fewer than `fewest` models (`too_few` says what is missing)."""
    from greenscreen.cli_common import UsageError

    for size in [args.size, *args.extra_size]:
        if size < 32 or size % 32:
            raise UsageError(f"--size and --extra-size must be multiples of 32 (the model's deepest stride), got {size}")
    if len(args.models) < fewest:
        raise UsageError(too_few)


def passes_text(args) -> str:
    """How the models ran, in words: '320 px + 256 px, flip TTA, guided edge'."""
    return (" + ".join(f"{size} px" for size in [args.size, *args.extra_size]) + f", {'flip TTA' if args.tta else 'no TTA'}"
            + (f", {args.upsample} edge" if args.upsample != "bilinear" else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    add_models_and_size(parser, "models (.keras); the first is the reference")
    args = parser.parse_args(argv)
    from greenscreen.cli_common import load_model_file, run_command

    def run() -> int:
        check_models_and_size(args, "give the reference and at least one model to compare with it")
        sets = (card_sets if args.test_sets else validation_sets)(args.data)
        per_model, truths = {}, None
        for path in args.models:
            maps, truths = make_maps(load_model_file(path), sets, [args.size], args.tta, args.extra_size, args.upsample)
            per_model[str(path)] = {name: found[args.size] for name, found in maps.items()}
        rows = score_models(per_model, truths)
        print(f"at {passes_text(args)}; mean per-photo IoU (share below 80); "
              f"Δ: photo by photo against {args.models[0]}, (photos +/− over 0.5 points)\n")
        print(table(rows))
        if args.json:
            args.json.write_text(json.dumps({"size": args.size, "extra_sizes": args.extra_size, "upsampling": args.upsample,
                                               "tta": args.tta, "rows": rows}, indent=1))
        return 0

    return run_command(run)


if __name__ == "__main__":
    raise SystemExit(main())
