"""python convert/export_tfjs.py [--model models/greenscreen.keras] [--out static/model] [--quantize {none,float16,uint8}] [--shard-mb 4] [--size HxW]

Convert a trained Keras 3 greenscreen model into the TF.js graph model the page loads
(model.json + weight shards) and write its model card (model-card.json, MODEL_CARD.md).

Route: Keras `model.export()` -> SavedModel -> tensorflowjs' tf_saved_model converter
(TF.js 4.22 cannot read Keras-3 layers models; the graph route matches Keras to ~1e-6).
The output folder is replaced atomically: a failed run leaves the previous one untouched.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `convert` and `greenscreen` importable
    sys.path.insert(0, str(ROOT))

from convert.card import build_card, read_training_card, write_card  # noqa: E402
from convert.graph_folder import (  # noqa: E402
    GraphFolderError, make_staging_folder, swap_into_place, verify_graph_model)

# Anchored at the repo so the defaults work from any working directory.
DEFAULT_MODEL = ROOT / "models" / "greenscreen.keras"
DEFAULT_OUT = ROOT / "static" / "model"
QUANTIZE_CHOICES = ("none", "float16", "uint8")
DEFAULT_QUANTIZE = "float16"  # halves the download; argmax agrees with float32 on >99.9% of pixels
DEFAULT_SHARD_MB = 4  # the tensorflowjs default; small enough for parallel fetches and caches
SIZE_MULTIPLE = 32  # five 2x poolings in the FC-DenseNet (docs/model-contract.md)


class ConversionError(Exception):
    """A user-facing, one-line reason why nothing was converted."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        files = convert(args.model, args.out, quantize=args.quantize, shard_mb=args.shard_mb,
                        size=args.size)
    except ConversionError as exc:
        print(f"export_tfjs: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("export_tfjs: interrupted; output left unchanged", file=sys.stderr)
        return 130
    width = max(len(name) for name, _ in files)
    for name, size in files:
        print(f"  {name:<{width}}  {size:>12,} bytes")
    print(f"  {'total':<{width}}  {sum(s for _, s in files):>12,} bytes  -> {_display_path(args.out)}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                        help="Keras 3 .keras file (default models/greenscreen.keras)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder, replaced atomically (default static/model)")
    parser.add_argument("--quantize", choices=QUANTIZE_CHOICES, default=DEFAULT_QUANTIZE,
                        help=f"weight storage (default {DEFAULT_QUANTIZE})")
    parser.add_argument("--shard-mb", type=_positive_float, default=DEFAULT_SHARD_MB,
                        help=f"weight shard size in MB (default {DEFAULT_SHARD_MB})")
    parser.add_argument("--size", type=parse_size, default=None,
                        help="re-target the input size before export, HxW or N (multiples of 32)")
    return parser.parse_args(argv)


def parse_size(text: str) -> tuple[int, int]:
    """'HxW' or 'N' -> (H, W), both positive multiples of 32."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?", text)
    if not match:
        raise argparse.ArgumentTypeError(f"size must look like 256x256 or 256, got {text!r}")
    h, w = int(match[1]), int(match[2] or match[1])
    if h <= 0 or w <= 0 or h % SIZE_MULTIPLE or w % SIZE_MULTIPLE:
        raise argparse.ArgumentTypeError(
            f"size {h}x{w} must be positive multiples of {SIZE_MULTIPLE}")
    return h, w


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def convert(model_path: Path, out: Path, *, quantize: str = DEFAULT_QUANTIZE,
            shard_mb: float = DEFAULT_SHARD_MB, size: tuple[int, int] | None = None
            ) -> list[tuple[str, int]]:
    """Convert `model_path` into the graph-model folder `out`; return [(file, bytes)]."""
    check_keras_file(model_path)
    try:
        training_card, _ = read_training_card(model_path)
    except ValueError as exc:
        raise ConversionError(str(exc)) from None
    if out.exists() and not out.is_dir():
        raise ConversionError(f"--out {out} exists and is not a folder")

    with quiet_tensorflow():
        keras = _import_keras()
        model = load_model(keras, model_path)
        if size is not None:
            model = _with_input_size(model, size)
        input_size = check_contract(model)

    staged = None
    try:
        staged = make_staging_folder(out)
        with quiet_tensorflow(), tempfile.TemporaryDirectory(prefix="greenscreen-export-") as tmp:
            saved_model = Path(tmp) / "saved_model"
            _run_step("Keras export to SavedModel", model.export, str(saved_model),
                      format="tf_saved_model", verbose=False)
            _run_step("tensorflowjs conversion", _convert_saved_model, saved_model, staged,
                      quantize, int(shard_mb * 1024 * 1024))
        files = verify_graph_model(staged)
        conversion = _conversion_facts(model_path, out, quantize, shard_mb, resized=size is not None)
        preset, flops = _preset_and_flops(model)
        card = build_card(training_card=training_card, name=model_path.stem, preset=preset,
                          input_size=input_size, params=model.count_params(), flops=flops,
                          conversion=conversion, files=files,
                          model_json=json.loads((staged / "model.json").read_text()))
        write_card(card, staged)
        swap_into_place(staged, out)
    except GraphFolderError as exc:
        raise ConversionError(f"conversion produced a broken model: {exc}") from None
    except OSError as exc:
        raise ConversionError(f"could not write {out}: {exc}") from None
    finally:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)  # gone already when the swap succeeded
    return files + [(name, (out / name).stat().st_size) for name in ("model-card.json", "MODEL_CARD.md")]


def check_keras_file(path: Path) -> None:
    """Cheap checks before the slow TensorFlow import: a .keras file is a zip with a config."""
    if not path.exists():
        hint = " (train one with greenscreen.train, or pass --model)" if path == DEFAULT_MODEL else ""
        raise ConversionError(f"model file not found: {_display_path(path)}{hint}")
    if not path.is_file():
        raise ConversionError(f"model path is not a file: {path}")
    if path.suffix != ".keras":
        raise ConversionError(f"{path} is not a Keras 3 .keras file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise ConversionError(f"{path} is not a Keras model file (not a .keras zip archive)") from None
    if "config.json" not in names:
        raise ConversionError(f"{path} is not a Keras model file (no config.json inside)")


def load_model(keras, path: Path):
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many kinds; the user needs one line, not a trace
        raise ConversionError(f"{path} could not be loaded as a Keras model: {_first_line(exc)}") from None
    if not isinstance(model, keras.Model):
        raise ConversionError(f"{path} holds a {type(model).__name__}, not a Keras model")
    return model


def check_contract(model) -> tuple[int, int]:
    """(H, W) when the model takes [N,H,W,3] and returns [N,H,W,2] (docs/model-contract.md)."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ConversionError(f"model must have one input and one output, has "
                              f"{len(model.inputs)} and {len(model.outputs)}")
    in_shape = tuple(model.inputs[0].shape)
    out_shape = tuple(model.outputs[0].shape)
    if len(in_shape) != 4 or in_shape[3] != 3:
        raise ConversionError(f"model input must be [N,H,W,3], is {_shape_text(in_shape)}")
    h, w = in_shape[1:3]
    if h is None or w is None:
        raise ConversionError("model input has no fixed size; pass --size HxW")
    if len(out_shape) != 4 or tuple(out_shape[1:]) != (h, w, 2):
        raise ConversionError(f"model output must be [N,{h},{w},2] for input "
                              f"{_shape_text(in_shape)}, is {_shape_text(out_shape)}")
    return int(h), int(w)


def _shape_text(shape) -> str:
    return "[" + ",".join("N" if d is None else str(d) for d in shape) + "]"


def _with_input_size(model, size: tuple[int, int]):
    from greenscreen.model import with_input_size
    try:
        return with_input_size(model, size)
    except Exception as exc:
        raise ConversionError(f"could not re-target the model to {size[0]}x{size[1]}: "
                              f"{_first_line(exc)}") from None


def _preset_and_flops(model) -> tuple[str | None, int | None]:
    try:
        from greenscreen.model import PRESETS, count_flops
    except ImportError:  # a foreign model still converts; its card just lacks these
        return None, None
    preset = model.name if model.name in PRESETS else None
    try:
        flops = count_flops(model)
    except Exception:
        flops = None
    return preset, flops


def _convert_saved_model(saved_model: Path, out: Path, quantize: str, shard_bytes: int) -> None:
    from tensorflowjs.converters import tf_saved_model_conversion_v2 as tfjs_conversion
    dtype_map = None if quantize == "none" else {quantize: True}  # True = every weight
    tfjs_conversion.convert_tf_saved_model(
        str(saved_model), str(out), signature_def="serving_default", saved_model_tags="serve",
        quantization_dtype_map=dtype_map, weight_shard_size_bytes=shard_bytes)


def _run_step(what: str, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        raise ConversionError(f"{what} failed: {_first_line(exc)}") from None


def _conversion_facts(model_path: Path, out: Path, quantize: str, shard_mb: float,
                      *, resized: bool) -> dict:
    import keras
    import tensorflow as tf
    import tensorflowjs
    return {
        "quantize": quantize,
        "shard_mb": int(shard_mb) if float(shard_mb).is_integer() else shard_mb,
        "tensorflowjs": tensorflowjs.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "source": {"path": _display_path(model_path), "bytes": model_path.stat().st_size,
                   "sha256": _sha256(model_path)},
        "out": _display_path(out),
        "resized": resized,
        "format": "tfjs graph model (tf.loadGraphModel)",
    }


def _display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _import_keras():
    # The converter needs TensorFlow's SavedModel export, whatever backend training used.
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import keras
    return keras


@contextlib.contextmanager
def quiet_tensorflow():
    """Silence TensorFlow's C++ logs, absl, Python warnings and tensorflowjs' prints.

    Some native logs are written before absl is initialised, so the environment
    variable alone is not enough: file descriptors 1 and 2 are pointed at /dev/null.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                from absl import logging as absl_logging
                absl_logging.set_verbosity(absl_logging.ERROR)
            except ImportError:
                pass
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


if __name__ == "__main__":
    sys.exit(main())
