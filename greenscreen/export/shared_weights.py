"""A second graph of the same model at another input size, reading the main graph's weight shards.

The page's photo path runs the model at two sizes (multi-scale TTA). A graph converted at another size holds
the same weights; only a few int32 shape constants differ (a transposed convolution's output size, the final
resize's size). So its model.json keeps the main manifest (the same shard files: nothing more to download)
and adds one small shard with those constants under names of their own (`NAME@HxW`), renamed in its
topology too. It stays a plain TF.js graph model that tf.loadGraphModel reads as it is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from greenscreen.export.graph_folder import GraphFolderError, _stored_bytes


def _weight_bytes(folder: Path, manifest: list[dict]) -> list[tuple[dict, bytes]]:
    """Every weight of a manifest with its stored bytes, in order."""
    data = b"".join((folder / path).read_bytes() for group in manifest for path in group["paths"])
    found, offset = [], 0
    for spec in (spec for group in manifest for spec in group["weights"]):
        size = _stored_bytes(spec)
        found.append((spec, data[offset:offset + size]))
        offset += size
    return found


def _rename_nodes(topology: dict, renamed: dict[str, str]) -> None:
    """Rename nodes and every input that refers to them ("name", "name:1", "^name") in place."""
    def new_input(text: str) -> str:
        control = text.startswith("^")
        name, colon, port = text.lstrip("^").partition(":")
        return ("^" if control else "") + renamed.get(name, name) + colon + port

    graphs = [topology] + [function for function in topology.get("library", {}).get("function", [])]
    for graph in graphs:
        for node in graph.get("node", []) + graph.get("nodeDef", []):
            node["name"] = renamed.get(node["name"], node["name"])
            if "input" in node:
                node["input"] = [new_input(text) for text in node["input"]]


def share_weights(main_folder: Path, other_folder: Path, out: Path, size: tuple[int, int]) -> list[tuple[str, int]]:
    """Write out/model-HxW.json (+ size-HxW.bin) from the graph converted at `size` in `other_folder`, reading
    the shards of out's main model.json (`main_folder` holds them). Returns [(file, bytes)].

    Raises GraphFolderError when the two graphs hold different weights (not one model at two sizes), or when
    something other than an int32 constant differs."""
    main = json.loads((main_folder / "model.json").read_text())
    other = json.loads((other_folder / "model.json").read_text())
    main_weights = _weight_bytes(main_folder, main["weightsManifest"])
    other_weights = _weight_bytes(other_folder, other["weightsManifest"])
    if [spec for spec, _ in main_weights] != [spec for spec, _ in other_weights]:
        raise GraphFolderError(f"the graph at {size[0]}x{size[1]} has other weights than the main graph")
    tag = f"{size[0]}x{size[1]}"
    renamed, own_specs, own_bytes = {}, [], []
    for (spec, main_data), (_, other_data) in zip(main_weights, other_weights):
        if main_data == other_data:
            continue
        if spec["dtype"] != "int32" or math.prod(spec["shape"]) > 4:
            raise GraphFolderError(f"weight {spec['name']} differs at {tag}: only shape constants may")
        renamed[spec["name"]] = f"{spec['name']}@{tag}"
        own_specs.append({**spec, "name": renamed[spec["name"]]})
        own_bytes.append(other_data)
    _rename_nodes(other["modelTopology"], renamed)
    files = []
    manifest = [dict(group) for group in main["weightsManifest"]]
    if own_specs:
        shard = f"size-{tag}.bin"
        (out / shard).write_bytes(b"".join(own_bytes))
        manifest.append({"paths": [shard], "weights": own_specs})
        files.append((shard, (out / shard).stat().st_size))
    other["weightsManifest"] = manifest
    name = f"model-{tag}.json"
    (out / name).write_text(json.dumps(other, sort_keys=True, separators=(",", ":")))
    return [(name, (out / name).stat().st_size)] + files
