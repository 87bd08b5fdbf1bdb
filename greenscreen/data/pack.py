"""Write a compact mask-folder copy of any Source (used by `python -m greenscreen.data pack`).

Photos become JPEG (quality 90 by default) and masks 0/255 PNG, both shrunk so the longer side
is at most `max_side`; COCO subsets become plain mask folders, so a GPU host needs neither
pycocotools nor the original files. Photos without masks (`ROOT:unlabeled`) keep only their photos,
and their person boxes scaled with them. A `source.json` next to them records where they came from.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import DataError
from .source import Source


def pack_label(source: Source, used: set[str]) -> str:
    """A folder name telling where the copy came from, e.g. portraits-train or coco-person-dropped."""
    path = Path(source.path).resolve()
    if source.kind == "coco":
        root = path.parent.parent if path.parent.name == "annotations" else path.parent
        label = f"{root.name}-{source.subset}"
    else:
        label = f"{path.parent.name}-{path.name}" if path.parent.name else path.name
    label = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-") or "data"
    unique, n = label, 2
    while unique in used:
        unique, n = f"{label}-{n}", n + 1
    return unique


def _shrink_photo(image: np.ndarray, max_side: int) -> tuple[Image.Image, float]:
    """The photo with its longer side at most `max_side`, and the scale applied."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    photo = Image.fromarray(image)
    return (photo.resize(size, Image.Resampling.BILINEAR) if size != (width, height) else photo), scale


def _shrink_pair(image: np.ndarray, mask: np.ndarray, max_side: int):
    photo, _ = _shrink_photo(image, max_side)
    matte = Image.fromarray(mask * np.uint8(255))
    if photo.size != matte.size:
        matte = matte.resize(photo.size, Image.Resampling.BILINEAR).point(lambda v: 255 if v >= 128 else 0)
    return photo, matte


def pack_source(source: Source, out_dir, label: str, max_side: int = 320, quality: int = 90) -> int:
    """Copy every pair of `source` into OUT/label/{images,masks}; return how many were written.

    A source without masks (coco-unlabeled) gets OUT/label/images and, when it has person boxes,
    OUT/label/person_boxes.json in the shrunk photos' pixels."""
    with_masks = getattr(source, "has_masks", True)
    root = Path(out_dir) / label
    try:
        (root / "images").mkdir(parents=True, exist_ok=True)
        if with_masks:
            (root / "masks").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create {root}: {error}") from None
    stems: set[str] = set()
    scaled_boxes: dict[str, list] = {}
    written = 0
    for i in range(len(source)):
        stem = Path(source.name(i)).stem
        if stem in stems:
            raise DataError(f"two pairs named {stem} in {source.path}")
        stems.add(stem)
        try:
            pair = source.load(i)
        except DataError as error:  # e.g. a truncated JPEG whose header looked fine: skip it, by name
            source.skip(i, error)
            continue
        if not with_masks:
            photo, scale = _shrink_photo(pair[0], max_side)
            photo.save(root / "images" / f"{stem}.jpg", "JPEG", quality=quality, optimize=True)
            boxes = source.boxes_of(source.name(i)) if hasattr(source, "boxes_of") else None
            if boxes is not None:
                scaled_boxes[f"{stem}.jpg"] = [[round(v * scale, 2) for v in box] for box in boxes]
            written += 1
            continue
        photo, matte = _shrink_pair(*pair, max_side)
        photo.save(root / "images" / f"{stem}.jpg", "JPEG", quality=quality, optimize=True)
        matte.save(root / "masks" / f"{stem}.png", optimize=True)
        written += 1
    if not with_masks and getattr(source, "boxes", None) is not None:
        (root / "person_boxes.json").write_text(json.dumps({"boxes": scaled_boxes}) + "\n")
    facts = {"packed_from": source.describe(), "max_side": max_side, "jpeg_quality": quality,
             "count": written, "skipped_at_source": source.problems}
    (root / "source.json").write_text(json.dumps(facts, indent=2) + "\n")
    return written
