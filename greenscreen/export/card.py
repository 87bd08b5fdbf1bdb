"""The model card: what the page reads (model-card.json) and what people read (MODEL_CARD.md).

The converter computes the facts it can see (size, parameters, FLOPs, files, tensor
names, conversion settings) and merges them over the training card the lead ships
next to the model (`<model stem>.card.json`: training facts, metrics, data licences).
"""
from __future__ import annotations

import json
from pathlib import Path

from greenscreen.contract import CONTRACT  # docs/model-contract.md, written into every card

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
        "- Output: float32 [N, H, W, 2] softmax; channel 1 = person",
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
    lines += [
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
        f"Converted on {conv['date']} with tensorflowjs {conv['tensorflowjs']} "
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
    return "\n".join(lines)


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
