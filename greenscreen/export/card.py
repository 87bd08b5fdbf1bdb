"""Both model cards, built here and nowhere else.

1. The training card, models/NAME.card.json: `greenscreen ship` hands over what it measured and the
   run folders' records (`stage_record` per stage of the lineage); the references, targets, data
   licences and augmentation text it quotes live below.
2. The exported card, static/model/NAME/model-card.json (the page reads it) and MODEL_CARD.md
   (people read it): the converter computes the facts it can see (size, parameters, FLOPs, files,
   tensor names, conversion settings) and merges them over the training card beside the model.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from greenscreen.contract import CONTRACT  # docs/model-contract.md, written into every card

if TYPE_CHECKING:
    from greenscreen.run_folder import RunFolder

# ---------------------------------------------------------------- the training card (models/NAME.card.json)

# Numbers we compare with, measured on the same photos (../shared/data/README.md) or published.
REFERENCES = {
    "portraits_test": {"mediapipe_selfie_general": 96.19, "mediapipe_selfie_landscape": 95.85},
    "coco_person_120": {"mediapipe_selfie_general": 72.30, "mediapipe_selfie_landscape": 70.41,
                        "writeup_2017_fc_densenet103": 84.6},
}
# A second person pasted beside and behind each portraits/test photo's (greenscreen.second_person): the share of
# them MediaPipe's mask keeps (bench/second_person.py --test-sets --mediapipe general, 223 composites, 2026-12-05).
SECOND_PERSON_REFERENCES = {"mediapipe_selfie_general": 31.9}
SECOND_PERSON_HOW = ("a person cut from a COCO-120 photo pasted beside and behind each portraits/test photo's person "
                     "(45-70% of its height, at the left or right edge; greenscreen.second_person), the model run as "
                     "the page runs it: kept_percent, the share of the second person's visible pixels the mask keeps "
                     "(mean); dropped, composites keeping under half; both_people_iou, both people's mean IoU")
# What each model is judged by (issue targets); the card says where it stands.
# Each shipped model's targets, and how the page runs it: flip TTA, and extra input sizes whose maps are averaged
# in at the model's size (multi-scale TTA; bench/README.md, *input_sizes.py*). The exported folder then holds a
# graph per extra size (model-HxW.json) sharing the main graph's weight shards.
TARGETS = {
    "photo": {"portraits_test": 96.7, "coco_person_120": 80.0, "tta": True, "extra_sizes": [(256, 256)]},
    "live": {"portraits_test": 96.2, "coco_person_120": 72.3, "tta": False, "extra_sizes": []},
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
AUGMENTATION = ("scale/aspect crops (half of them around the person), flip, small rotation, colour jitter, "
                "gamma and low light, blur, sensor noise, JPEG softness")
TEST_DATA = ("portraits/test (264) and the 120 filter-passing COCO-person photos: scored here, never trained on; "
             "COCO-120 is also the validation set checkpoints were chosen on")


def teacher_record(folder: str) -> dict:
    """Which model made a distillation's maps, from the maps folder's teacher.json (greenscreen.teach): the
    file's name alone would not say, since models/photo.keras is replaced when a new photo model ships."""
    record = {"maps": folder}
    try:
        made = json.loads((Path(folder) / "teacher.json").read_text())
    except (OSError, ValueError):
        return record  # the maps are not on this machine: the folder's name is all there is
    return record | {key: made[key] for key in ("model", "model_name", "model_sha256", "flip_tta") if key in made}


def encoder_start(options: dict) -> str:
    """Where a stage's encoder weights came from: a stage that starts from a checkpoint takes its encoder too
    (it asks for no ImageNet weights then, "pretrained": false, since the checkpoint replaces them)."""
    if options.get("init_weights"):
        return "from the starting checkpoint"
    return "ImageNet weights" if options.get("pretrained", True) else "random"


def corrected_stage(stage: dict) -> dict:
    """A stage copied from an earlier card, its encoder wording fixed: cards before 2026-12-04 said "ImageNet
    weights" for every pretrained preset, also where the stage started from a checkpoint (whose encoder it took)."""
    start, encoder = str(stage.get("starts_from") or ""), str(stage.get("encoder") or "")
    if start.endswith(".keras") and encoder.startswith("ImageNet weights"):
        return {**stage, "encoder": "from the starting checkpoint" + encoder[len("ImageNet weights"):]}
    return stage


def stage_record(run: RunFolder) -> dict:
    """One training stage as the run folder recorded it."""
    config, state, options = run.config, run.state, run.options
    samples = config.get("steps_per_epoch", 0) * options.get("batch_size", 0)
    started = config.get("model", {}).get("started_from") or {}  # with its SHA-256 since 2026-12-04
    record = {
        "run": str(run.path),
        "preset": options.get("preset"),
        "input_size": options.get("size"),
        **({"validated_at": options["val_size"]} if options.get("val_size") not in (None, options.get("size")) else {}),
        "epochs": state.get("epoch"),
        "best_epoch": state.get("best_epoch"),
        "best_val_miou": round(state.get("best_val_miou", -1), 2),
        "samples_per_epoch": samples,
        "samples_seen": samples * (state.get("epoch") or 0),
        "minutes": round(run.train_seconds() / 60, 1),
        "optimizer": f"{options.get('optimizer', 'rmsprop')}, lr {options.get('lr')}, {options.get('schedule')} "
                     f"schedule" + (f", warm-up {options['warmup_epochs']} epochs" if options.get("warmup_epochs") else ""),
        "batch_size": options.get("batch_size"),
        **({"paste_people": f"{options['paste_people']} of the samples: a person from another training photo pasted "
                            "beside, behind or in front of the subject (greenscreen.data.paste)"
                            + ("; blended in: a feathered outline, colours pulled toward the sample's"
                               if options.get("paste_blend") else "")}
           if options.get("paste_people") else {}),
        "loss": "pixel cross-entropy" + (f" + {options['dice_weight']} x soft Dice" if options.get("dice_weight") else "")
                + (f"; {options.get('teacher_weight', 0.5)} of the cross-entropy against a teacher's maps ({options['teacher']})"
                   if options.get("teacher") else ""),
        "encoder": encoder_start(options) + (
            f", frozen up to {'all' if options.get('freeze_encoder') == 'all' else 'stride ' + str(options['freeze_encoder'])}"
            if options.get("freeze_encoder") else ", trained (BatchNorm statistics frozen)"),
        "starts_from": options.get("init_weights") or ("ImageNet encoder + fresh up path" if options.get("pretrained", True)
                                                       else "random weights"),
        **({"starts_from_sha256": started["sha256"]} if started.get("sha256") else {}),
        **({"teacher": teacher_record(options["teacher"])} if options.get("teacher") else {}),
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
            "context_blocks": preset_config.get("context_blocks", 0),
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
    if encoder and encoder.get("context_blocks"):
        down += (f", {encoder['context_blocks']} more block(s) at the next stride added to its deepest map as "
                 "context")
    # Every teacher in stage order: a later stage may have re-distilled from a newer model's maps.
    teachers = list(dict.fromkeys(stage["loss"].split("against ")[1] for stage in stages if "teacher" in stage["loss"]))
    return (f"The {name} model: FC-DenseNet preset `{preset}` for {use}, with {down} and the Tiramisu's up path "
            f"(dense blocks, transition up, skip connections at each stride). Trained in {len(stages)} stage(s), "
            f"{minutes:.0f} minutes in all, on {'; '.join(hardware) or 'unrecorded hardware'}"
            + (f", distilled from {', then '.join(teachers)}" if teachers else "") + ".")


def scored_metrics(name: str, key: str, with_tta: dict, without: dict, page: dict | None = None) -> dict:
    """The card's entry for one test set: the scores as the page runs model NAME (`page` when it adds extra
    sizes), the mIoUs with and without flip TTA at the model's own size, target, references."""
    shipped = page or (with_tta if TARGETS[name]["tta"] else without)
    return {**shipped, "miou_with_flip_tta": with_tta["miou"], "miou_without_flip_tta": without["miou"],
            "target": TARGETS[name][key], "reference": REFERENCES[key]}


def second_person_metrics(measured: dict) -> dict:
    """The card's `second_person` entry: greenscreen.second_person.measure's numbers, how, references."""
    return {**measured, "how": SECOND_PERSON_HOW, "reference": SECOND_PERSON_REFERENCES}


def page_passes_text(name: str) -> str:
    """How the page runs model NAME, in words: its flip and extra-size passes."""
    extra = "".join(f" and a pass at {h}x{w} averaged in at the input size" for h, w in TARGETS[name]["extra_sizes"])
    return ("flip TTA" + extra + " as the page does for photos") if TARGETS[name]["tta"] else \
        "no TTA (as the page runs the webcam)"


def training_card(*, name: str, preset: str, input_size: tuple[int, int], encoder: dict | None, stages: list[dict],
                  metrics: dict, flops: int | None, shipped: str, description: str | None = None,
                  averaged_from: list[str] | None = None) -> dict:
    """models/NAME.card.json: what the run folders recorded, the encoder's provenance and the scores.

    averaged_from: the checkpoints of a model soup (greenscreen.average), whose stages are all in `stages`."""
    how = ("mean per-image person IoU at threshold 0.5 (percent), whole photo stretched to the input, bilinear "
           "upsampling to full size, " + page_passes_text(name) + "; greenscreen.evaluate")
    extra_sizes = [list(size) for size in TARGETS[name]["extra_sizes"]]
    # A soup's checkpoints may have trained at several sizes: its stages say which.
    trained_size = stages[-1].get("input_size") if stages and not averaged_from else None
    if averaged_from:
        description = description or (describe(name, preset, encoder, stages) + f" Its weights are the element-wise "
                                       f"mean of {len(averaged_from)} checkpoints of these stages (a model soup).")
    return {
        "name": name,
        "description": description or describe(name, preset, encoder, stages),
        "preset": preset,
        "input_size": list(input_size),
        # Shipped at another size than its last stage trained at (ship --size): the same weights, re-targeted.
        **({"trained_input_size": list(trained_size)}
           if trained_size is not None and list(trained_size) != list(input_size) else {}),
        **({"extra_input_sizes": extra_sizes} if extra_sizes else {}),
        "encoder": encoder,
        "training": {
            "minutes": round(sum(stage["minutes"] for stage in stages), 1),
            "samples_seen": sum(stage["samples_seen"] for stage in stages),
            "augmentation": AUGMENTATION,
            "stages": stages,
            **({"averaged_from": list(averaged_from)} if averaged_from else {}),
        },
        "data": {"test": TEST_DATA},
        "licences": data_licences(stages),
        "metrics": {"how": how, **metrics},
        "flops_at_input_size": flops,
        "shipped": shipped,
    }


# ---------------------------------------------------------------- the exported card (model-card.json, MODEL_CARD.md)

CARD_JSON = "model-card.json"
CARD_MARKDOWN = "MODEL_CARD.md"

_TF_DTYPES = {"DT_FLOAT": "float32", "DT_INT32": "int32", "DT_BOOL": "bool", "DT_HALF": "float16"}

# Keys of the training card rendered in their own Markdown sections.
_DATA_KEYS = ("data", "datasets", "licence", "license", "licences", "licenses")
_COMPUTED_KEYS = ("name", "preset", "input_size", "params", "flops", "flops_counting",
                  "conversion", "files", "total_bytes", "inputs", "outputs", "contract")


def read_training_card(model_path: Path) -> tuple[dict, Path | None]:
    """The lead's `<stem>.card.json` beside the model, or ({}, None) when there is none.

    Raises ValueError with a one-line reason when it exists but is not a JSON object.
    """
    path = model_path.with_name(model_path.stem + ".card.json")
    if not path.is_file():
        return {}, None
    try:
        card = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} is not valid JSON: {exc}") from None
    if not isinstance(card, dict):
        raise ValueError(f"{path.name} must hold a JSON object")
    return card, path


def signature_tensors(model_json: dict, side: str) -> list[dict]:
    """Input or output tensors ('inputs'/'outputs') from a graph model's signature."""
    tensors = []
    for key, spec in model_json.get("signature", {}).get(side, {}).items():
        dims = spec.get("tensorShape", {}).get("dim", [])
        tensors.append({
            "name": key,
            "tensor": spec.get("name", key),
            "dtype": _TF_DTYPES.get(spec.get("dtype"), spec.get("dtype")),
            "shape": [int(d.get("size", -1)) for d in dims],
        })
    return tensors


def build_card(*, training_card: dict, name: str, preset: str | None, input_size: tuple[int, int],
               params: int, flops: int | None, conversion: dict, files: list[tuple[str, int]],
               model_json: dict) -> dict:
    """Merge what the converter measured over the training card (measured facts win)."""
    card = dict(training_card)
    trained_size = card.get("input_size")
    if trained_size is not None and list(trained_size) != list(input_size):
        card["trained_input_size"] = trained_size  # --size re-targeted the export
    card.update({
        "name": training_card.get("name", name),
        "preset": preset if preset is not None else training_card.get("preset"),
        "input_size": [int(input_size[0]), int(input_size[1])],
        "params": int(params),
        "flops": None if flops is None else int(flops),
        "flops_counting": "per image, multiply and add counted as 2",
        "conversion": conversion,
        "files": [{"path": path, "bytes": size} for path, size in files],
        "total_bytes": sum(size for _, size in files),
        "inputs": signature_tensors(model_json, "inputs"),
        "outputs": signature_tensors(model_json, "outputs"),
        "contract": CONTRACT,
    })
    return card


def write_card(card: dict, folder: Path) -> None:
    (folder / CARD_JSON).write_text(json.dumps(card, indent=2) + "\n")
    (folder / CARD_MARKDOWN).write_text(render_markdown(card))


def render_markdown(card: dict) -> str:
    """A short human version of the card."""
    h, w = card["input_size"]
    conv = card["conversion"]
    lines = [
        f"# Model card: {card['name']}",
        "",
        card.get("description")
        or "A person segmenter (FC-DenseNet, \"One Hundred Layers Tiramisu\") that runs in the "
           "browser with TensorFlow.js to swap the background of a photo or webcam frame.",
        "",
        "## What it is",
        "",
        f"- Architecture: FC-DenseNet, preset `{card.get('preset') or 'unknown'}`",
        f"- Input: float32 [N, {h}, {w}, 3] RGB, values 0-255; the whole image is stretched to "
        f"{h}x{w} (bilinear)",
        f"- Output: float32 {conv.get('output') or '[N, H, W, 2] softmax; channel 1 = person'}",
        *([f"- Graph: {conv['batchnorm']}"] if conv.get("batchnorm") else []),
        f"- Parameters: {card['params']:,}",
        f"- Compute: {_flops_text(card.get('flops'))} per image (multiply+add = 2 FLOPs)",
        f"- Download: {_bytes_text(card['total_bytes'])} ({_weights_text(conv['quantize'])} weights)",
        "",
        "## Training",
        "",
    ]
    training = card.get("training")
    lines += _bullets(training) if training else ["No training facts were supplied with the model."]
    lines += ["", "## How well", ""]
    metrics = card.get("metrics")
    lines += _bullets(metrics) if metrics else ["No measured metrics were supplied with the model."]
    data = {key: card[key] for key in _DATA_KEYS if key in card}
    if data:
        lines += ["", "## Data and licences", ""] + _bullets(data)
    other = {k: v for k, v in card.items()
             if k not in _COMPUTED_KEYS + _DATA_KEYS + ("training", "metrics", "description")}
    if other:
        lines += ["", "## Other facts", ""] + _bullets(other)
    return "\n".join(lines + _files_and_rebuild(card))


def _files_and_rebuild(card: dict) -> list[str]:
    """The card's last two sections: its files with their sizes, and the command that converts it again."""
    h, w = card["input_size"]
    conv = card["conversion"]
    return [
        "",
        "## Files",
        "",
        "| file | bytes |",
        "|---|---:|",
        *[f"| `{f['path']}` | {f['bytes']:,} |" for f in card["files"]],
        f"| total | {card['total_bytes']:,} |",
        "",
        "## How to rebuild",
        "",
        f"Converted with tensorflowjs {conv['tensorflowjs']} "
        f"(quantize {conv['quantize']}, shards of {conv['shard_mb']} MB) from "
        f"`{conv['source']['path']}` (sha256 `{conv['source']['sha256'][:12]}…`).",
        "",
        "```sh",
        f"python convert/export_tfjs.py --model {conv['source']['path']} --out {conv['out']} "
        f"--quantize {conv['quantize']} --shard-mb {conv['shard_mb']}"
        + (f" --size {h}x{w}" if conv.get("resized") else ""),
        "```",
        "",
    ]


def _bullets(value, depth: int = 0) -> list[str]:
    pad = "  " * depth
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item and not _is_flat_list(item):
                out.append(f"{pad}- {key}:")
                out += _bullets(item, depth + 1)
            else:
                out.append(f"{pad}- {key}: {_scalar_text(item)}")
        return out
    if isinstance(value, list) and not _is_flat_list(value):
        out = []
        for item in value:
            if isinstance(item, (dict, list)):
                sub = _bullets(item, depth + 1)
                out.append(f"{pad}- " + sub[0].lstrip(" -") if sub else f"{pad}-")
                out += sub[1:]
            else:
                out.append(f"{pad}- {_scalar_text(item)}")
        return out
    return [f"{pad}- {_scalar_text(value)}"]


def _is_flat_list(value) -> bool:
    return isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value)


def _scalar_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(_scalar_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _flops_text(flops: int | None) -> str:
    if flops is None:
        return "unknown FLOPs"
    for unit, scale in (("GFLOPs", 1e9), ("MFLOPs", 1e6)):
        if flops >= scale:
            return f"{flops / scale:.2f} {unit}"
    return f"{flops} FLOPs"


def _weights_text(quantize: str) -> str:
    return "float32" if quantize == "none" else f"{quantize}-quantized"


def _bytes_text(size: int) -> str:
    return f"{size / 2**20:.2f} MiB" if size >= 2**20 else f"{size / 2**10:.1f} KiB"
