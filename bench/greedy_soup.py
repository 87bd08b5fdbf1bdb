"""python bench/greedy_soup.py --size 192 --no-tta --out runs/soups/greedy.keras models/live.keras runs/a/tail.keras ...

Which checkpoints to average into the shipped model ("greedy soup", Wortsman et al. 2022): the first model
is the start; every other checkpoint is scored alone on the validation sets, then tried in order of that
score, and kept when the uniform mean of the kept ones plus it scores at least as well as without it (mean
IoU over all validation photos, as bench/compare_models.py scores them). The soup is written with
greenscreen.average (its card beside it) and compared photo by photo with the start. The choice is made on
the validation sets, so the kept soup's validation gain is a little optimistic: report the cards' sets
(compare_models.py --test-sets) only after choosing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.compare_models import add_models_and_size, check_models_and_size, passes_text, score_models, table  # noqa: E402
from bench.input_sizes import image_ious, make_maps, validation_sets  # noqa: E402


def soup_score(weight_lists: list, model, sets: dict, size: int, tta: bool, extra_sizes=(),
               upsampling: str = "bilinear") -> tuple[float, dict, dict]:
    """(mean IoU over every photo, maps, truths) of the uniform mean of `weight_lists` put into `model`, run at
    `size` (+ `extra_sizes`, as bench/compare_models.py runs models)."""
    from greenscreen.average import average_weights

    model.set_weights(average_weights(weight_lists) if len(weight_lists) > 1 else weight_lists[0])
    maps, truths = make_maps(model, sets, [size], tta, extra_sizes, upsampling)
    ious = np.concatenate([image_ious([maps[name][size]], truths[name]) for name in truths])
    return float(ious.mean()), {name: found[size] for name, found in maps.items()}, truths


def greedy(paths: list[Path], sets: dict, size: int, tta: bool, extra_sizes=(),
           upsampling: str = "bilinear") -> tuple[list[Path], list[dict], dict]:
    """(the kept checkpoints, one record per step, the start's and the soup's maps and truths)."""
    from greenscreen.cli_common import UsageError, load_model_file

    models = [load_model_file(path) for path in paths]
    if len({model.name for model in models}) != 1:
        raise UsageError(f"the checkpoints are different presets ({', '.join(sorted({m.name for m in models}))})")
    weights = [model.get_weights() for model in models]
    work = models[0]
    passes = (size, tta, extra_sizes, upsampling)
    alone = {path: soup_score([w], work, sets, *passes) for path, w in zip(paths, weights)}
    start_score, start_maps, truths = alone[paths[0]]
    steps = [{"checkpoint": str(paths[0]), "alone": start_score, "soup": start_score, "kept": True}]
    kept, best, best_maps = [0], start_score, start_maps
    for index in sorted(range(1, len(paths)), key=lambda i: -alone[paths[i]][0]):
        score, maps, _ = soup_score([weights[i] for i in kept + [index]], work, sets, *passes)
        keep = score >= best
        steps.append({"checkpoint": str(paths[index]), "alone": alone[paths[index]][0], "soup": score, "kept": keep})
        print(f"{paths[index]}: alone {alone[paths[index]][0]:.2f}, in the soup {score:.2f} "
              f"({'kept' if keep else 'left out'})", file=sys.stderr, flush=True)
        if keep:
            kept, best, best_maps = kept + [index], score, maps
    return [paths[i] for i in kept], steps, {"start": start_maps, "soup": best_maps, "truths": truths}


def steps_table(steps: list[dict]) -> str:
    lines = ["| checkpoint | alone | soup with it | kept |", "|---|---:|---:|---|"]
    lines += [f"| {s['checkpoint']} | {s['alone']:.2f} | {s['soup']:.2f} | {'yes' if s['kept'] else 'no'} |" for s in steps]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    add_models_and_size(parser, "the start (e.g. models/live.keras), then the candidates")
    parser.add_argument("--out", type=Path, required=True, help="the soup (.keras), with its card beside it")
    args = parser.parse_args(argv)
    from greenscreen import average
    from greenscreen.cli_common import UsageError, check_keras_file, run_command

    def run() -> int:
        check_models_and_size(args, "give the start and at least one checkpoint to try in it")
        if args.out.suffix != ".keras":
            raise UsageError(f"--out {args.out} must end in .keras")
        if args.test_sets:
            raise UsageError("--test-sets: a soup is chosen on the validation sets; report the cards' sets "
                             "afterwards with bench/compare_models.py --test-sets")
        for path in args.models:
            check_keras_file(path)
        kept, steps, maps = greedy(args.models, validation_sets(args.data), args.size, args.tta, args.extra_size,
                                   args.upsample)
        print(f"at {passes_text(args)}; mean IoU over every validation photo\n")
        print(steps_table(steps) + "\n")
        if len(kept) == 1:
            print(f"no checkpoint improves {args.models[0]}: no soup written")
            return 0
        average.main([str(args.out), *map(str, kept)])
        rows = score_models({str(args.models[0]): maps["start"], str(args.out): maps["soup"]}, maps["truths"])
        print("\n" + table(rows))
        return 0

    return run_command(run)


if __name__ == "__main__":
    raise SystemExit(main())
