"""python -m greenscreen.average OUT.keras A.keras B.keras [...]

A uniform "model soup": the element-wise mean of every weight (BatchNorm statistics included) of several
checkpoints of one preset, e.g. the best and last epochs of a campaign's stages, which share their start.
Averaging checkpoints of one basin often lands nearer its centre than any of them (Wortsman et al. 2022,
"Model soups"; Izmailov et al. 2018, SWA); whether it does here is measured with greenscreen.evaluate
(bench/README.md, *Inference-time levers*). The result takes the first checkpoint's input size.

OUT.card.json beside the result records where its weights came from: the checkpoints, and every training
stage behind them (a run folder's lineage, or the card beside a shipped model), so `greenscreen ship OUT.keras`
writes a card that says how the soup was trained. Checkpoints whose training is not on record give no card.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from greenscreen.cli_common import UsageError, check_keras_file, load_model_file, run_command


def average_weights(weight_lists: list[list[np.ndarray]]) -> list[np.ndarray]:
    """The element-wise mean of matching weight lists, each in its own dtype; ValueError when they do not match."""
    first = weight_lists[0]
    for n, weights in enumerate(weight_lists[1:], start=2):
        shapes = [w.shape for w in weights]
        if shapes != [w.shape for w in first]:
            raise ValueError(f"checkpoint {n} has other weights ({len(shapes)} arrays) than the first ({len(first)})")
    return [np.mean([weights[i].astype(np.float64) for weights in weight_lists], axis=0).astype(first[i].dtype)
            for i in range(len(first))]


def average_checkpoints(paths: list[Path], out: Path):
    """Load, check they are one preset, average, save to `out` (renamed into place); returns the model."""
    models = [load_model_file(path) for path in paths]
    presets = {model.name for model in models}
    if len(presets) != 1:
        raise UsageError(f"the checkpoints are different presets ({', '.join(sorted(presets))}): only one can be averaged")
    try:
        averaged = average_weights([model.get_weights() for model in models])
    except ValueError as error:
        raise UsageError(str(error)) from None
    model = models[0]
    model.set_weights(averaged)
    temporary = out.with_name(f".{out.stem}.tmp.keras")
    model.save(temporary)
    os.replace(temporary, out)
    return model


def checkpoint_stages(path: Path) -> list[dict] | None:
    """The training stages behind a checkpoint: its run folder's lineage (best, last or tail.keras of a run), or
    the stages of the card beside it (a shipped or averaged model); None when neither is on record."""
    from greenscreen.ship import run_checkpoint_stages, shipped_stages

    if (path.parent / "best.keras").is_file() and (stages := run_checkpoint_stages(path)) is not None:
        return stages
    if path.with_suffix(".card.json").is_file():
        return shipped_stages(path)
    return None


def soup_card(paths: list[Path]) -> dict | None:
    """OUT.card.json's content: the checkpoints and the union of their stages (each run once, in order)."""
    stages: dict[str, dict] = {}
    for path in paths:
        found = checkpoint_stages(path)
        if found is None:
            return None
        for stage in found:
            stages.setdefault(os.path.normpath(stage["run"]), stage)
    # With each file's fingerprint: a path such as models/live.keras names another model once a soup ships there.
    from greenscreen.cli_common import file_sha256

    return {"averaged_from": [f"{path} (SHA-256 {file_sha256(path)[:12]})" for path in paths],
            "training": {"stages": list(stages.values())}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m greenscreen.average", description=__doc__.split("\n\n")[1])
    parser.add_argument("out", type=Path, help="the averaged model (.keras)")
    parser.add_argument("checkpoints", type=Path, nargs="+", help="two or more checkpoints of one preset (.keras)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    def run() -> int:
        if len(args.checkpoints) < 2:
            raise UsageError("give two or more checkpoints to average")
        if args.out.suffix != ".keras":
            raise UsageError(f"{args.out} must end in .keras")
        for path in args.checkpoints:
            check_keras_file(path)
        model = average_checkpoints(args.checkpoints, args.out)
        print(f"wrote {args.out}: {model.name}, the mean of {len(args.checkpoints)} checkpoints")
        record, card_path = soup_card(args.checkpoints), args.out.with_suffix(".card.json")
        if record is None:
            card_path.unlink(missing_ok=True)
            print("no card: the training of some checkpoints is not on record (no run folder, no card beside)")
        else:
            card_path.write_text(json.dumps(record, indent=2) + "\n")
            print(f"wrote {card_path}: {len(record['training']['stages'])} training stages behind it")
        return 0

    return run_command(run)


if __name__ == "__main__":
    sys.exit(main())
