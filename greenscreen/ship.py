"""greenscreen ship RUN_DIR|models/NAME.keras --name photo|live [--size N] [--data ../shared/data]

Turns a finished training run into a shipped model, in one step:
1. loads RUN_DIR/best.keras (re-targeted to --size if given); or a shipped model again (models/NAME.keras, with
   the card beside it: its run folders are gone, so its stages come from that card), e.g. at another --size,
2. scores it as the page uses it (greenscreen.evaluate: stretch, bilinear upsample; with and without
   flip TTA, and with the extra input sizes card.TARGETS gives the model: the photo model's 256x256 pass) on
   portraits/test and the 120 filter-passing COCO-person photos,
3. writes models/NAME.keras and models/NAME.card.json — the card (greenscreen.export.card, which owns
   both cards) is built once, from what the run folders recorded (every stage of the lineage: data,
   options, machine, minutes), the encoder's provenance and licence, and the scores,
4. exports static/model/NAME/ (TF.js graph model + the card for the page and for people).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

from greenscreen import second_person
from greenscreen.cli_common import UsageError, file_sha256, first_line, import_keras, run_command, size_argument
from greenscreen.export import card
from greenscreen.run_folder import RunFolder, RunFolderError, write_json_atomically


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="greenscreen ship", description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path,
                        help="training run folder (holds best.keras and config.json), or a shipped model "
                             "(models/NAME.keras with NAME.card.json beside it) to ship again")
    parser.add_argument("--name", required=True, choices=sorted(card.TARGETS),
                        help="which shipped model this run becomes")
    parser.add_argument("--size", type=size_argument, metavar="N|HxW",
                        help="input size to ship at, N or HxW (default: the run's training size)")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder holding portraits/ and coco-person/ (default $GREENSCREEN_DATA or ../shared/data)")
    parser.add_argument("--description", help="one paragraph for the card (default: written from the run's records)")
    parser.add_argument("--no-export", action="store_true", help="write models/NAME.* only")
    parser.add_argument("--root", type=Path, default=None, help="project folder (default: this checkout)")
    return parser


def score(model, spec: str, flip_tta: bool, extra_models=()) -> dict:
    from greenscreen.data import open_source
    from greenscreen.evaluate import evaluate

    result = evaluate(model, open_source(spec), flip_tta=flip_tta, extra_models=extra_models)
    summary = result["board"].summary()
    summary["ms_per_image_keras_cpu"] = 1000 * result["model_seconds"] / max(result["timed_images"], 1)
    return {key: round(value, 2) if isinstance(value, float) else value for key, value in summary.items()}


def lineage_stages(run: RunFolder) -> list[dict]:
    """Every stage that led to `run` (init_weights back to the first), as the card records it."""
    if not run.best.is_file():
        raise UsageError(f"{run.best} does not exist: nothing to ship")
    try:
        stages = [card.stage_record(stage) for stage in run.lineage()]
    except RunFolderError as error:
        raise UsageError(str(error)) from None
    return shipped_ancestry(stages[0]["starts_from"], {stage["run"] for stage in stages},
                            stages[0].get("starts_from_sha256")) + stages


def shipped_stages(model_path: Path) -> list[dict]:
    """The stages a shipped model's card recorded (models/NAME.card.json beside models/NAME.keras)."""
    if not model_path.is_file():
        raise UsageError(f"{model_path} does not exist: nothing to ship")
    model_card = model_path.with_suffix(".card.json")
    if not model_card.is_file():
        raise UsageError(f"{model_card} does not exist: ship the run folder the model came from instead")
    try:
        stages = json.loads(model_card.read_text()).get("training", {}).get("stages")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as error:
        raise UsageError(f"{model_card} is not a model card ({first_line(error)})") from None
    if not stages:
        raise UsageError(f"{model_card} records no training stages: ship the run folder the model came from instead")
    return [card.corrected_stage(stage) for stage in stages]


RUN_CHECKPOINTS = ("best.keras", "last.keras", "tail.keras")


def run_checkpoint_stages(path: Path) -> list[dict] | None:
    """A run folder's best, last or tail checkpoint: its lineage, the last stage saying which weights these are.
    None for any other file."""
    path = Path(path)
    if path.name not in RUN_CHECKPOINTS or not (path.parent / "config.json").is_file():
        return None
    run = RunFolder(path.parent)
    stages = lineage_stages(run)
    state = run.state
    tail = state.get("tail_epochs") or []
    weights = {"best.keras": f"best.keras: epoch {state.get('best_epoch')}, the best on validation",
               "last.keras": f"last.keras: epoch {state.get('epoch')}, the last",
               "tail.keras": f"tail.keras: the mean of epochs {tail[0]}-{tail[-1]} ({len(tail)} epochs)" if tail
               else "tail.keras: an average of its last epochs"}
    return stages[:-1] + [{**stages[-1], "weights": weights[path.name]}]


def weights_and_stages(path: Path) -> tuple[Path, list[dict]]:
    """What to ship and how it was trained: a run folder (its best.keras), one of its checkpoints (best, last,
    tail), or a shipped or averaged model with its card beside it; each with the stages behind it."""
    if path.suffix == ".keras":
        return path, run_checkpoint_stages(path) or shipped_stages(path)
    run = RunFolder(path)
    return run.best, lineage_stages(run)


def averaged_from(path: Path) -> list[str] | None:
    """The checkpoints a model soup (greenscreen.average) was averaged from, as the card beside it says: the soup's
    own record, or a shipped soup's card (shipped again, it is still that soup)."""
    model_card = path.with_suffix(".card.json")
    if path.suffix != ".keras" or not model_card.is_file():
        return None
    record = json.loads(model_card.read_text())
    return record.get("averaged_from") or record.get("training", {}).get("averaged_from")


def shipped_ancestry(start: str, own_runs: set[str], start_sha256: str | None = None) -> list[dict]:
    """The stages behind a shipped model a run started from (models/NAME.keras), read from its card.

    Their run folders are gone (runs/ is not committed), but the card beside the model kept them: without
    this, a model refined from the shipped one would claim only its own last stage. When that card was
    written by shipping this same lineage earlier (a campaign shipped midway, then again), only the stages
    before our own runs are the ancestry. A start recorded with its SHA-256 that no longer matches the file
    (another model shipped over it since) has no card left to read: the stages before it are unknown."""
    model_card = Path(start).with_suffix(".card.json")
    if not model_card.is_file():
        return []
    if start_sha256 and (not Path(start).is_file() or file_sha256(start) != start_sha256):
        print(f"note: {start} is no longer the checkpoint this run started from (SHA-256 {start_sha256[:12]}): "
              "its card's stages are left out", file=sys.stderr)
        return []
    earlier = json.loads(model_card.read_text()).get("training", {}).get("stages", [])
    own = {os.path.normpath(run) for run in own_runs}
    cut = next((i for i, stage in enumerate(earlier) if os.path.normpath(stage.get("run", "")) in own), len(earlier))
    return [card.corrected_stage(stage) for stage in earlier[:cut]]


def scoring_sets(data: Path) -> dict[str, str]:
    """The card's two test sets under the data folder: portraits/test and the filter-passing COCO-person photos."""
    if not (data / "portraits" / "test").is_dir():
        raise UsageError(f"portraits/test not found under {data}: pass --data or set GREENSCREEN_DATA")
    return {"portraits_test": str(data / "portraits" / "test"), "coco_person_120": f"{data / 'coco-person'}:kept"}


def score_for_card(model, name: str, specs: dict[str, str]) -> dict:
    """Each test set scored with and without flip TTA, and as the page runs model NAME when that adds passes at
    other sizes (card.TARGETS); the card keeps the page's way."""
    from greenscreen.model import with_input_size

    extra_models = [with_input_size(model, size) for size in card.TARGETS[name]["extra_sizes"]]
    metrics = {}
    for key, spec in specs.items():
        print(f"scoring {spec} ...", flush=True)
        with_tta, without = score(model, spec, True), score(model, spec, False)
        page = score(model, spec, card.TARGETS[name]["tta"], extra_models) if extra_models else None
        metrics[key] = card.scored_metrics(name, key, with_tta, without, page)
        print(f"  mIoU {with_tta['miou']:.2f} with flip TTA, {without['miou']:.2f} without"
              + (f", {page['miou']:.2f} as the page runs it ({card.page_passes_text(name)})" if page else ""),
              flush=True)
    print("scoring a second person pasted beside the first ...", flush=True)
    measured = second_person.measure(model, specs["portraits_test"], specs["coco_person_120"],
                                     card.TARGETS[name]["tta"], extra_models)
    metrics["second_person"] = card.second_person_metrics(measured)
    print(f"  kept {measured.get('kept_percent', 0):.1f}% of the second person, {measured.get('dropped', 0)} of "
          f"{measured['composites']} composites under half", flush=True)
    return metrics


def save_shipped(model, model_card: dict, models_dir: Path, name: str, keep_model: bool = False) -> Path:
    """models/NAME.keras (renamed into place; kept as it is when `keep_model`: the shipped model shipped again
    at its own size, whose file need not change) and models/NAME.card.json."""
    models_dir.mkdir(exist_ok=True)
    if not keep_model:
        temporary = models_dir / f".{name}.tmp.keras"
        model.save(temporary)
        os.replace(temporary, models_dir / f"{name}.keras")
    write_json_atomically(models_dir / f"{name}.card.json", model_card)
    print(f"{'kept' if keep_model else 'wrote'} {models_dir / (name + '.keras')}, wrote its card", flush=True)
    return models_dir / f"{name}.keras"


def ship(args) -> int:
    from greenscreen.export import tfjs
    from greenscreen.model import count_flops, model_input_size, preset_config, with_input_size

    root = args.root or tfjs.ROOT
    weights, stages = weights_and_stages(args.run)
    specs = scoring_sets(args.data or Path(os.environ.get("GREENSCREEN_DATA", root.parent / "shared" / "data")))
    model = import_keras().saving.load_model(weights, compile=False)
    if args.size:
        model = with_input_size(model, args.size)
    model_card = card.training_card(
        name=args.name, preset=model.name, input_size=model_input_size(model),
        encoder=card.encoder_facts(preset_config(model.name)), stages=stages,
        metrics=score_for_card(model, args.name, specs), flops=count_flops(model),
        shipped=datetime.date.today().isoformat(), description=args.description,
        averaged_from=averaged_from(args.run))
    same_file = weights.resolve() == (root / "models" / f"{args.name}.keras").resolve() and not args.size
    saved = save_shipped(model, model_card, root / "models", args.name, keep_model=same_file)
    if args.no_export:
        return 0
    out = root / "static" / "model" / args.name
    files = tfjs.convert(saved, out)
    print(f"exported {out} ({sum(size for _, size in files):,} bytes)", flush=True)
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return run_command(lambda: ship(args))


if __name__ == "__main__":
    sys.exit(main())
