"""greenscreen ship RUN_DIR --name photo|live [--size N] [--data ../shared/data]

Turns a finished training run into a shipped model, in one step:
1. loads RUN_DIR/best.keras (re-targeted to --size if given),
2. scores it as the page uses it (greenscreen.evaluate: stretch, bilinear upsample; with and without
   flip TTA) on portraits/test and the 120 filter-passing COCO-person photos,
3. writes models/NAME.keras and models/NAME.card.json — the card is built here, once, from what the
   run folders recorded (every stage of the lineage: data, options, machine, minutes), the encoder's
   provenance and licence, and the scores,
4. exports static/model/NAME/ (TF.js graph model + the card for the page and for people).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

from greenscreen.cli_common import UsageError, import_keras, parse_size, run_command
from greenscreen.run_folder import RunFolder, RunFolderError, write_json_atomically

# Numbers we compare with, measured on the same photos (../shared/data/README.md) or published.
REFERENCES = {
    "portraits_test": {"mediapipe_selfie_general": 96.19, "mediapipe_selfie_landscape": 95.85},
    "coco_person_120": {"mediapipe_selfie_general": 72.30, "mediapipe_selfie_landscape": 70.41,
                        "writeup_2017_fc_densenet103": 84.6},
}
# What each model is judged by (issue targets); the card says where it stands.
TARGETS = {
    "photo": {"portraits_test": 96.7, "coco_person_120": 80.0, "tta": True},
    "live": {"portraits_test": 96.2, "coco_person_120": 72.3, "tta": False},
}
DATA_LICENCES = {
    "portraits": "Flickr portrait set (Shen et al., 'Automatic Portrait Segmentation for Image Stylization', 2016), "
                 "released for research use; photos under their Flickr licences",
    "coco-person": "COCO val2017 (Lin et al. 2014): annotations CC BY 4.0, each image under its Flickr licence",
    "coco-unlabeled": "COCO train2017 photos of people without masks (Lin et al. 2014), each under its Flickr "
                      "licence; used only through a teacher's maps",
    "ccp": "Clothing Co-Parsing (Yang, Luo and Lin, 'Clothing Co-Parsing by Joint Image Segmentation and "
           "Labeling', CVPR 2014), Apache-2.0",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="greenscreen ship", description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="training run folder (holds best.keras and config.json)")
    parser.add_argument("--name", required=True, choices=sorted(TARGETS), help="which shipped model this run becomes")
    parser.add_argument("--size", help="input size to ship at, N or HxW (default: the run's training size)")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder holding portraits/ and coco-person/ (default $GREENSCREEN_DATA or ../shared/data)")
    parser.add_argument("--description", help="one paragraph for the card (default: written from the run's records)")
    parser.add_argument("--no-export", action="store_true", help="write models/NAME.* only")
    parser.add_argument("--root", type=Path, default=None, help="project folder (default: this checkout)")
    return parser


def score(model, spec: str, flip_tta: bool) -> dict:
    from greenscreen.data import open_source
    from greenscreen.evaluate import evaluate

    result = evaluate(model, open_source(spec), flip_tta=flip_tta)
    summary = result["board"].summary()
    summary["ms_per_image_keras_cpu"] = 1000 * result["model_seconds"] / max(result["timed_images"], 1)
    return {key: round(value, 2) if isinstance(value, float) else value for key, value in summary.items()}


def stage_record(run: RunFolder) -> dict:
    """One training stage as the run folder recorded it."""
    config, state, options = run.config, run.state, run.options
    samples = config.get("steps_per_epoch", 0) * options.get("batch_size", 0)
    record = {
        "run": str(run.path),
        "preset": options.get("preset"),
        "input_size": options.get("size"),
        "epochs": state.get("epoch"),
        "best_epoch": state.get("best_epoch"),
        "best_val_miou": round(state.get("best_val_miou", -1), 2),
        "samples_per_epoch": samples,
        "samples_seen": samples * (state.get("epoch") or 0),
        "minutes": round(run.train_seconds() / 60, 1),
        "optimizer": f"{options.get('optimizer', 'rmsprop')}, lr {options.get('lr')}, {options.get('schedule')} "
                     f"schedule" + (f", warm-up {options['warmup_epochs']} epochs" if options.get("warmup_epochs") else ""),
        "batch_size": options.get("batch_size"),
        "loss": "pixel cross-entropy" + (f" + {options['dice_weight']} x soft Dice" if options.get("dice_weight") else "")
                + (f"; {options.get('teacher_weight', 0.5)} of the cross-entropy against a teacher's maps ({options['teacher']})"
                   if options.get("teacher") else ""),
        "encoder": ("ImageNet weights" if options.get("pretrained", True) else "random") + (
            f", frozen up to {'all' if options.get('freeze_encoder') == 'all' else 'stride ' + str(options['freeze_encoder'])}"
            if options.get("freeze_encoder") else ", trained (BatchNorm statistics frozen)"),
        "starts_from": options.get("init_weights") or "ImageNet encoder + fresh up path",
        "train": [{key: source.get(key) for key in ("path", "subset", "count", "weight")}
                  for source in config.get("data", {}).get("train", [])],
        "validation": [{key: source.get(key) for key in ("path", "subset", "count")}
                       for source in config.get("data", {}).get("val", [])],
        "hardware": config.get("environment", {}).get("hardware"),
        "keras": f"{config.get('environment', {}).get('keras')} ({config.get('environment', {}).get('backend')} backend)",
    }
    if options.get("mixed_precision"):
        record["precision"] = "mixed bfloat16"
    return record


def encoder_facts(preset_config: dict) -> dict | None:
    if not preset_config.get("encoder"):
        return None
    from greenscreen.encoders.weights import SOURCES

    source = SOURCES[preset_config["encoder"]]
    return {"name": preset_config["encoder"], "blocks_kept": preset_config.get("encoder_blocks"),
            "weights": source.reference, "package": source.package, "licence": source.licence}


def data_licences(stages: list[dict]) -> dict:
    used = " ".join(str(source.get("path")) for stage in stages for source in stage["train"] + stage["validation"])
    return {name: text for name, text in DATA_LICENCES.items() if name in used}


def describe(name: str, preset: str, encoder: dict | None, stages: list[dict]) -> str:
    hardware = sorted({stage["hardware"] for stage in stages if stage.get("hardware")})
    minutes = sum(stage["minutes"] for stage in stages)
    use = "uploaded photos (quality first; flip TTA)" if name == "photo" else "the webcam and video (real time)"
    down = (f"an ImageNet {encoder['name']} down path ({encoder['blocks_kept']} blocks, {encoder['licence']})"
            if encoder else "a down path trained from scratch")
    teacher = next((stage["loss"].split("against ")[1] for stage in stages if "teacher" in stage["loss"]), None)
    return (f"The {name} model: FC-DenseNet preset `{preset}` for {use}, with {down} and the Tiramisu's up path "
            f"(dense blocks, transition up, skip connections at each stride). Trained in {len(stages)} stage(s), "
            f"{minutes:.0f} minutes in all, on {'; '.join(hardware) or 'unrecorded hardware'}"
            + (f", distilled from {teacher}" if teacher else "") + ".")


def ship(args) -> int:
    from greenscreen.export import tfjs
    from greenscreen.model import count_flops, model_input_size, preset_config, with_input_size

    root = args.root or tfjs.ROOT
    run = RunFolder(args.run)
    if not run.best.is_file():
        raise UsageError(f"{run.best} does not exist: nothing to ship")
    try:
        lineage = run.lineage()
        stages = [stage_record(stage) for stage in lineage]
    except RunFolderError as error:
        raise UsageError(str(error)) from None
    data = args.data or Path(os.environ.get("GREENSCREEN_DATA", root.parent / "shared" / "data"))
    specs = {"portraits_test": data / "portraits" / "test", "coco_person_120": f"{data / 'coco-person'}:kept"}
    if not (data / "portraits" / "test").is_dir():
        raise UsageError(f"portraits/test not found under {data}: pass --data or set GREENSCREEN_DATA")

    keras = import_keras()
    model = keras.saving.load_model(run.best, compile=False)
    if args.size:
        model = with_input_size(model, parse_size(args.size, multiple=None))
    tta = TARGETS[args.name]["tta"]
    metrics = {}
    for key, spec in specs.items():
        print(f"scoring {spec} ...", flush=True)
        with_tta, without = score(model, str(spec), True), score(model, str(spec), False)
        shipped = with_tta if tta else without
        metrics[key] = {**shipped, "miou_with_flip_tta": with_tta["miou"], "miou_without_flip_tta": without["miou"],
                        "target": TARGETS[args.name][key], "reference": REFERENCES[key]}
        print(f"  mIoU {with_tta['miou']:.2f} with flip TTA, {without['miou']:.2f} without", flush=True)

    config = preset_config(model.name)
    encoder = encoder_facts(config)
    card = {
        "name": args.name,
        "description": args.description or describe(args.name, model.name, encoder, stages),
        "preset": model.name,
        "input_size": list(model_input_size(model)),
        "encoder": encoder,
        "training": {
            "minutes": round(sum(stage["minutes"] for stage in stages), 1),
            "samples_seen": sum(stage["samples_seen"] for stage in stages),
            "augmentation": "scale/aspect crops (half of them around the person), flip, small rotation, colour "
                            "jitter, gamma and low light, blur, sensor noise, JPEG softness",
            "stages": stages,
        },
        "data": {"test": "portraits/test (264) and the 120 filter-passing COCO-person photos: scored here, "
                         "never trained on; COCO-120 is also the validation set checkpoints were chosen on"},
        "licences": data_licences(stages),
        "metrics": {
            "how": "mean per-image person IoU at threshold 0.5 (percent), whole photo stretched to the input, "
                   f"bilinear upsampling to full size, {'flip TTA as the page does for photos' if tta else 'no TTA (as the page runs the webcam)'}; "
                   "greenscreen.evaluate",
            **metrics,
        },
        "flops_at_input_size": count_flops(model),
        "shipped": datetime.date.today().isoformat(),
    }
    models_dir = root / "models"
    models_dir.mkdir(exist_ok=True)
    temporary = models_dir / f".{args.name}.tmp.keras"
    model.save(temporary)
    os.replace(temporary, models_dir / f"{args.name}.keras")
    write_json_atomically(models_dir / f"{args.name}.card.json", card)
    print(f"wrote {models_dir / (args.name + '.keras')} and its card", flush=True)
    if args.no_export:
        return 0
    out = root / "static" / "model" / args.name
    files = tfjs.convert(models_dir / f"{args.name}.keras", out)
    print(f"exported {out} ({sum(size for _, size in files):,} bytes)", flush=True)
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return run_command(lambda: ship(args))


if __name__ == "__main__":
    sys.exit(main())
