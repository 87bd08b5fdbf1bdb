"""Check a converted TF.js graph-model folder and swap it into place atomically.

The page must never see a half-written model, so the converter writes into a
temporary folder next to the destination, verifies it here, and only then
renames it over the old one.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

# Bytes per stored value, after quantization (the manifest names the stored dtype).
_DTYPE_BYTES = {"float32": 4, "int32": 4, "bool": 1, "float16": 2, "uint16": 2, "uint8": 1, "int8": 1}


class GraphFolderError(Exception):
    """The converted folder is not a complete graph model (one-line reason)."""


def canonicalize_model_json(path: Path) -> None:
    """Rewrite model.json with its keys sorted: the converter writes each node's attributes in an order
    that changes from run to run (the same graph, different bytes), so two exports of one model would
    differ. Lists (nodes, weights, shards) keep their order: it is meaningful."""
    spec = json.loads(path.read_text())
    path.write_text(json.dumps(spec, sort_keys=True, separators=(",", ":")))


def verify_graph_model(folder: Path, name: str = "model.json") -> list[tuple[str, int]]:
    """Raise GraphFolderError unless `folder` holds a loadable graph model `name`; return [(file, bytes)].

    Checks that the JSON parses, is a graph model with a topology, that every shard
    it references exists, and that the shards hold exactly the bytes the manifest declares.
    """
    model_json = folder / name
    try:
        spec = json.loads(model_json.read_text())
    except FileNotFoundError:
        raise GraphFolderError(f"the converter wrote no {name}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GraphFolderError(f"{name} does not parse: {exc}") from None
    if spec.get("format") != "graph-model" or "modelTopology" not in spec:
        raise GraphFolderError(f"{name} is not a TF.js graph model")

    files = [(name, model_json.stat().st_size)]
    for group in spec.get("weightsManifest", []):
        declared = sum(_stored_bytes(w) for w in group.get("weights", []))
        stored = 0
        for path in group.get("paths", []):
            shard = folder / path
            if not shard.is_file():
                raise GraphFolderError(f"{name} references a missing shard: {path}")
            files.append((path, shard.stat().st_size))
            stored += files[-1][1]
        if declared != stored:
            raise GraphFolderError(f"shards hold {stored} bytes but {name} declares {declared}")
    return files


def _stored_bytes(weight: dict) -> int:
    dtype = weight.get("quantization", {}).get("dtype", weight["dtype"])
    if dtype not in _DTYPE_BYTES:
        raise GraphFolderError(f"weight {weight.get('name')} has unexpected dtype {dtype}")
    return math.prod(weight["shape"]) * _DTYPE_BYTES[dtype]


def make_staging_folder(dest: Path) -> Path:
    """An empty folder beside `dest` (same filesystem, so the final rename is atomic)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{dest.name}.new-", dir=dest.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staged, 0o777 & ~umask)  # mkdtemp makes it private; the web server must read it
    return staged


def swap_into_place(staged: Path, dest: Path) -> None:
    """Replace `dest` by `staged`: old folder renamed away, new renamed in, old deleted."""
    if dest.exists() and not dest.is_dir():
        raise GraphFolderError(f"{dest} exists and is not a folder")
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.rmdir(old)  # only the unique name is wanted; rename needs it absent
        os.rename(dest, old)
    try:
        os.rename(staged, dest)
    except OSError:
        if old is not None:
            os.rename(old, dest)  # put the previous model back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
