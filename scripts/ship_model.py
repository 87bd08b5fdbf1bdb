"""Turn a finished training run into the shipped model: score it, write the card, export to TF.js.

    python scripts/ship_model.py --run runs/lite-cpu [--name greenscreen] [--size 224] [--data ../shared/data]

1. loads `RUN/best.keras` (optionally re-targeted to --size),
2. scores it as the page does (stretch resize, flip TTA, full-size bilinear upsample) on
   portraits/test and the 120 filter-passing COCO-person photos, with and without TTA,
3. writes `models/NAME.keras` and `models/NAME.card.json` (training facts from the run folder,
   measured metrics, the reference numbers we compare with),
4. runs `convert/export_tfjs.py` so `static/model/` holds the TF.js model and its card.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Published/measured numbers we compare with (../shared/data/README.md, the 2017 write-up).
REFERENCES = {
    "portraits_test": {"mediapipe_general": 96.19, "mediapipe_landscape": 95.85},
    "coco_person_120": {"mediapipe_general": 72.30, "mediapipe_landscape": 70.41,
                        "writeup_2017_fc_densenet103": 84.6},
}
LICENCES = {
    "portraits": "Flickr portrait set (Shen et al. 2016), released for research use; photos under their Flickr licences",
    "coco-person": "COCO val2017 annotations CC BY 4.0; each image under its Flickr licence",
}


def score(model, spec: str, flip_tta: bool) -> dict:
    from greenscreen.data import open_source
    from greenscreen.evaluate import evaluate

    source = open_source(spec)
    result = evaluate(model, source, flip_tta=flip_tta)
    summary = result["board"].summary()
    summary["ms_per_image_keras_cpu"] = round(1000 * result["model_seconds"] / max(result["timed_images"], 1), 1)
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in summary.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, help="training run folder (holds best.keras, config.json)")
    parser.add_argument("--name", default="greenscreen", help="models/NAME.keras")
    parser.add_argument("--size", help="export input size HxW (default: the training size)")
    parser.add_argument("--data", default=os.environ.get("GREENSCREEN_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--config", help="the hyperparameter file the run was trained from (recorded in the card)")
    parser.add_argument("--description", default=None)
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args(argv)

    import keras

    from greenscreen.model import count_flops, model_input_size, with_input_size
    from greenscreen.train import parse_size

    run = Path(args.run)
    config = json.loads((run / "config.json").read_text())
    summary = json.loads((run / "summary.json").read_text()) if (run / "summary.json").is_file() else {}
    state = json.loads((run / "state.json").read_text())
    # Runs started before train_seconds was recorded: the run folder's file times tell.
    train_seconds = state.get("train_seconds") or summary.get("train_seconds") or (
        (run / "last.keras").stat().st_mtime - (run / "config.json").stat().st_mtime)
    model = keras.saving.load_model(run / "best.keras", compile=False)
    if args.size:
        model = with_input_size(model, parse_size(args.size))
    data = Path(args.data)

    metrics = {}
    for key, spec in (("portraits_test", data / "portraits" / "test"), ("coco_person_120", f"{data / 'coco-person'}:kept")):
        print(f"scoring {spec} ...", flush=True)
        with_tta = score(model, str(spec), flip_tta=True)
        without = score(model, str(spec), flip_tta=False)
        metrics[key] = {**with_tta, "miou_without_flip_tta": without["miou"],
                        "reference": REFERENCES[key]}
        print(f"  mIoU {with_tta['miou']:.2f} (no TTA {without['miou']:.2f})", flush=True)

    options = config["options"]
    card = {
        "name": args.name,
        "description": args.description or (
            f"FC-DenseNet `{model.name}` person segmenter for in-browser background swap. "
            f"Trained on a CPU ({config['environment']['hardware']}) for {state['epoch']} short epochs: "
            "a CPU-budget model, not yet the GPU-trained photo model."
        ),
        "preset": model.name,
        "input_size": list(model_input_size(model)),
        "training": {
            "run": str(run),
            "epochs": state["epoch"],
            "best_epoch": state.get("best_epoch"),
            "samples_per_epoch": config["steps_per_epoch"] * options["batch_size"],
            "train_time_minutes": round(train_seconds / 60, 1),
            "hardware": config["environment"]["hardware"],
            "keras": f"{config['environment']['keras']} ({config['environment']['backend']} backend)",
            "trained_input_size": options["size"],
            "optimizer": f"RMSProp, lr {options['lr']}, {options['schedule']} decay x{options['lr_decay']} per epoch",
            "loss": "pixel cross-entropy" + (f" + {options['dice_weight']} x soft Dice" if options["dice_weight"] else ""),
            "batch_size": options["batch_size"],
            "augmentation": "scale/aspect crops (person-aware), flip, rotation, colour jitter, gamma/low light, blur, noise",
            "hyperparameters": args.config or "see the run's config.json 'options'",
            "best_val_miou_at_training_size": round(state["best_val_miou"], 2),
        },
        "data": {
            "train": config["data"]["train"],
            "validation": config["data"]["val"],
            "test": "portraits/test (264) for this card only; never trained or tuned on",
        },
        "licences": LICENCES,
        "metrics": {
            "how": "mean per-image person IoU at threshold 0.5 (percent), full-size bilinear upsampling, "
                   "flip TTA as the page does for photos; python -m greenscreen.evaluate",
            **metrics,
        },
        "flops_at_input_size": count_flops(model),
        "shipped": datetime.date.today().isoformat(),
    }
    models_dir = ROOT / "models"
    models_dir.mkdir(exist_ok=True)
    model.save(models_dir / f"{args.name}.keras")
    (models_dir / f"{args.name}.card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {models_dir / (args.name + '.keras')} and its card", flush=True)
    if args.no_export:
        return 0
    return subprocess.call([sys.executable, str(ROOT / "convert" / "export_tfjs.py"),
                            "--model", str(models_dir / f"{args.name}.keras")])


if __name__ == "__main__":
    sys.exit(main())
