"""python convert/export_tfjs.py [--model M.keras] [--out DIR] [--quantize {none,float16,uint8}] [--shard-mb 4] [--size HxW]
(also `greenscreen export ...`)

Convert trained Keras 3 greenscreen models into the TF.js graph models the page loads
(model.json + weight shards) and write each model card (model-card.json, MODEL_CARD.md).
Without --model: both shipped models, models/photo.keras -> static/model/photo/ and
models/live.keras -> static/model/live/. With --model M.keras: that one, to --out
(default static/model/<M's name>/).

Route: Keras `model.export()` -> SavedModel -> tensorflowjs' tf_saved_model converter
(TF.js 4.22 cannot read Keras-3 layers models; the graph route matches Keras to ~1e-6).
Each output folder is replaced atomically: a failed run leaves the previous one untouched.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from greenscreen.cli_common import UsageError, file_sha256, first_line, quiet_native_logs, size_argument
from greenscreen.cli_common import check_keras_file as cli_check_keras_file
from greenscreen.export.card import build_card, read_training_card, write_card
from greenscreen.export.shared_weights import share_weights
from greenscreen.export.graph_folder import (GraphFolderError, canonicalize_model_json, make_staging_folder,
                                             swap_into_place, verify_graph_model)


def project_root() -> Path:
    """The checkout this package runs from (a source or editable install), else the working directory."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").is_file() and (checkout / "static").is_dir() else Path.cwd()


ROOT = project_root()
SHIPPED_MODELS = ("photo", "live")  # models/NAME.keras -> static/model/NAME/
QUANTIZE_CHOICES = ("none", "float16", "uint8")
DEFAULT_QUANTIZE = "float16"  # halves the download; argmax agrees with float32 on >99.9% of pixels
DEFAULT_SHARD_MB = 4  # the tensorflowjs default; small enough for parallel fetches and caches


def model_path(name: str) -> Path:
    return ROOT / "models" / f"{name}.keras"


def export_folder(name: str) -> Path:
    return ROOT / "static" / "model" / name


class ConversionError(UsageError):
    """A user-facing, one-line reason why nothing was converted."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.model is None and args.out is not None:
        print("export_tfjs: error: --out needs --model (without --model both shipped models are exported)",
              file=sys.stderr)
        return 2
    jobs = ([(args.model, args.out or export_folder(args.model.stem))] if args.model is not None
            else [(model_path(name), export_folder(name)) for name in SHIPPED_MODELS])
    for source, out in jobs:
        try:
            files = convert(source, out, quantize=args.quantize, shard_mb=args.shard_mb, size=args.size)
        except ConversionError as exc:
            print(f"export_tfjs: error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("export_tfjs: interrupted; output left unchanged", file=sys.stderr)
            return 130
        width = max(len(name) for name, _ in files)
        for name, size in files:
            print(f"  {name:<{width}}  {size:>12,} bytes")
        print(f"  {'total':<{width}}  {sum(s for _, s in files):>12,} bytes  -> {_display_path(out)}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="export_tfjs.py", description=__doc__.split("\n\n")[1])
    parser.add_argument("--model", type=Path, default=None,
                        help="Keras 3 .keras file (default: models/photo.keras and models/live.keras)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder, replaced atomically (default static/model/<model name>/)")
    parser.add_argument("--quantize", choices=QUANTIZE_CHOICES, default=DEFAULT_QUANTIZE,
                        help=f"weight storage (default {DEFAULT_QUANTIZE})")
    parser.add_argument("--shard-mb", type=_positive_float, default=DEFAULT_SHARD_MB,
                        help=f"weight shard size in MB (default {DEFAULT_SHARD_MB})")
    parser.add_argument("--size", type=size_argument, default=None,
                        help="re-target the input size before export, HxW or N (multiples of the preset's stride)")
    return parser.parse_args(argv)


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
        trained = model  # before the folds: the extra sizes re-target this one
        model, batchnorm = _fold_batchnorm(model)
        model, graph_output = _fold_softmax(model)
    extra_sizes = [tuple(extra) for extra in training_card.get("extra_input_sizes", [])]

    staged = None
    try:
        staged = make_staging_folder(out)
        with quiet_tensorflow(), tempfile.TemporaryDirectory(prefix="greenscreen-export-") as tmp:
            saved_model = Path(tmp) / "saved_model"
            _run_step("Keras export to SavedModel", model.export, str(saved_model),
                      format="tf_saved_model", verbose=False)
            _run_step("tensorflowjs conversion", _convert_saved_model, saved_model, staged,
                      quantize, int(shard_mb * 1024 * 1024))
            canonicalize_model_json(staged / "model.json")
            files = verify_graph_model(staged)
            for extra in extra_sizes:
                files += _convert_extra_size(trained, extra, staged, Path(tmp), quantize, shard_mb)
        conversion = _conversion_facts(model_path, out, quantize, shard_mb, resized=size is not None)
        conversion["output"] = graph_output
        conversion["batchnorm"] = batchnorm
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


def _convert_extra_size(trained, size: tuple[int, int], staged: Path, tmp: Path, quantize: str,
                        shard_mb: float) -> list[tuple[str, int]]:
    """The same model at another input size as staged/model-HxW.json, reading model.json's shards
    (greenscreen.export.shared_weights): the page's photo path runs both sizes. Called inside quiet_tensorflow."""
    model = _with_input_size(trained, size)
    model, _ = _fold_batchnorm(model)
    model, _ = _fold_softmax(model)
    saved_model, converted = tmp / f"saved_model_{size[0]}x{size[1]}", tmp / f"tfjs_{size[0]}x{size[1]}"
    _run_step("Keras export to SavedModel", model.export, str(saved_model), format="tf_saved_model", verbose=False)
    _run_step("tensorflowjs conversion", _convert_saved_model, saved_model, converted, quantize,
              int(shard_mb * 1024 * 1024))
    verify_graph_model(converted)
    files = share_weights(staged, converted, staged, size)
    verify_graph_model(staged, files[0][0])
    return files


def check_keras_file(path: Path) -> None:
    """Cheap checks before the slow TensorFlow import: a .keras file is a zip with a config."""
    if not path.exists() and path.parent == ROOT / "models":
        raise ConversionError(f"model file not found: {_display_path(path)} (train one with greenscreen.train "
                              "and ship it with greenscreen ship, or pass --model)")
    try:
        cli_check_keras_file(path)
    except UsageError as error:
        raise ConversionError(str(error)) from None


def load_model(keras, path: Path):
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many kinds; the user needs one line, not a trace
        raise ConversionError(f"{path} could not be loaded as a Keras model: {first_line(exc)}") from None
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


def _fold_batchnorm(model):
    """(model to export, what was done): `model` without BatchNormalization layers
    (greenscreen.export.batchnorm_fold), checked against the original on a random image: fewer, fused
    kernels in the browser for the same map."""
    from greenscreen.export.batchnorm_fold import (BATCHNORM_FOLD_TOLERANCE, fold_error, fold_summary,
                                                   without_batchnorm)

    folded = without_batchnorm(model)
    if folded is None:
        return model, "kept as trained (not a functional model, or no BatchNormalization layer)"
    _check_fold("the BatchNormalization layers", "output", fold_error(model, folded), BATCHNORM_FOLD_TOLERANCE)
    return folded, fold_summary(model)


def _fold_softmax(model):
    """(model to export, what its output is): the one-channel person probability when the head folds
    (greenscreen.export.person_output), checked against the softmax on a random image; else the model as is."""
    from greenscreen.export.person_output import FOLD_TOLERANCE, fold_error, person_probability_model

    folded = person_probability_model(model)
    if folded is None:
        return model, "softmax [N, H, W, 2] as trained; channel 1 = person"
    _check_fold("the softmax into one channel", "person map", fold_error(model, folded), FOLD_TOLERANCE,
                ": the model's head is not what the exporter expects")
    return folded, ("person probability [N, H, W, 1]: the two-class softmax folded at export into "
                    "sigmoid(z_person - z_background), the same map without the background channel")


def _check_fold(what: str, output: str, error: float, tolerance: float, why: str = "") -> None:
    """Refuse an export whose fold changed the model's output by more than `tolerance`."""
    if not error <= tolerance:
        raise ConversionError(f"folding {what} changed the {output} by {error:.2e} (allowed {tolerance:.0e}){why}")


def _shape_text(shape) -> str:
    return "[" + ",".join("N" if d is None else str(d) for d in shape) + "]"


def _with_input_size(model, size: tuple[int, int]):
    from greenscreen.model import with_input_size
    try:
        return with_input_size(model, size)
    except Exception as exc:
        raise ConversionError(f"could not re-target the model to {size[0]}x{size[1]}: "
                              f"{first_line(exc)}") from None


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
        raise ConversionError(f"{what} failed: {first_line(exc)}") from None


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
        "source": {"path": _display_path(model_path), "bytes": model_path.stat().st_size,
                   "sha256": file_sha256(model_path)},
        "out": _display_path(out),
        "resized": resized,
        "format": "tfjs graph model (tf.loadGraphModel)",
    }


def _display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _import_keras():
    # The converter needs TensorFlow's SavedModel export, whatever backend training used.
    os.environ["KERAS_BACKEND"] = "tensorflow"
    # tensorflowjs imports TensorFlow Decision Forests, whose welcome banner takes any stdout that is not
    # a terminal (pytest's capture, a pipe) for a notebook and imports IPython, which is not installed.
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    import keras
    return keras


def quiet_tensorflow():
    """TensorFlow's C++ logs, absl, warnings and tensorflowjs' own prints kept off both streams."""
    return quiet_native_logs(stdout=True)


if __name__ == "__main__":
    sys.exit(main())
