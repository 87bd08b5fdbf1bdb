"""COCO person data: the 2017 write-up's filter, one union person mask per image, and a COCO Source.

The filter (from the 2017 "background removal with deep learning" write-up that this project
follows) keeps images that contain people, only 1 or 2 of them, whose person pixels cover 20%-70%
of the image. Each dropped image gets exactly one reason, checked in this order:

    no_person        no person annotation at all
    too_many_people  a crowd annotation (see below) or more than `max_people` people
    too_few_people   fewer than `min_people` (only when min_people > 1)
    too_small        person pixels cover less than `min_cover` of the image
    too_large        person pixels cover more than `max_cover` of the image

Crowds: COCO marks a group of people it did not outline one by one with one `iscrowd=1` region.
Its pixels are person pixels, so they always belong to the mask. For the people count a crowd
means "many people": the write-up wanted images with one or two clearly visible people (the
selfie / portrait setting), and a crowd is by definition more than that, so such an image is
dropped as `too_many_people`. (Counting a crowd as one person would let street and stadium
scenes through the "1-2 people" rule.)

Cover is measured on the rasterised union mask (pixels, not the `area` field), with inclusive
bounds. Annotations are read with pycocotools, so any COCO instances file works; the person
category is the one named "person".
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import DataError
from .images import apply_orientation, exif_orientation, load_image
from .source import Item, Source

REASONS = ("no_person", "too_many_people", "too_few_people", "too_small", "too_large")
SUBSETS = ("kept", "dropped", "all")


@dataclass(frozen=True)
class CocoFilter:
    """The write-up's thresholds; defaults live here only."""

    min_people: int = 1
    max_people: int = 2
    min_cover: float = 0.2
    max_cover: float = 0.7

    def __post_init__(self):
        if not 1 <= self.min_people <= self.max_people:
            raise DataError(f"need 1 <= min_people <= max_people, got {self.min_people}, {self.max_people}")
        if not 0.0 <= self.min_cover <= self.max_cover <= 1.0:
            raise DataError(f"need 0 <= min_cover <= max_cover <= 1, got {self.min_cover}, {self.max_cover}")


@dataclass
class FilterResult:
    kept: list[dict] = field(default_factory=list)  # COCO image records, in file order
    dropped: dict[str, list[dict]] = field(default_factory=dict)  # reason -> image records
    reason_by_id: dict[int, str] = field(default_factory=dict)  # image id -> "kept" or a reason
    cover_by_id: dict[int, float] = field(default_factory=dict)

    def dropped_counts(self) -> dict[str, int]:
        return {reason: len(images) for reason, images in self.dropped.items()}


def read_coco(annotations_path):
    """Load a COCO instances file with pycocotools (its progress prints are swallowed)."""
    from pycocotools.coco import COCO  # imported here so the rest of the package works without it

    path = Path(annotations_path)
    if not path.is_file():
        raise DataError(f"COCO annotations file not found: {path}")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO(os.fspath(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path.name} is not valid JSON: {error}") from None
    except (KeyError, TypeError, AssertionError, ValueError) as error:
        raise DataError(f"{path.name} is not a COCO instances file ({type(error).__name__}: {error})") from None
    if not isinstance(coco.dataset.get("images"), list):
        raise DataError(f"{path.name} is not a COCO instances file (no 'images' list)")
    for record in coco.dataset["images"]:  # the filter and the loader read these fields of every image
        if not isinstance(record, dict) or any(key not in record for key in ("id", "file_name", "height", "width")):
            raise DataError(f"{path.name} is not a COCO instances file (an image record without "
                            f"id, file_name, height and width: {str(record)[:80]})")
    return coco


def person_category_ids(coco) -> list[int]:
    ids = [c["id"] for c in coco.dataset.get("categories", []) if c.get("name") == "person"]
    return ids


def person_annotations(coco, image_id: int, category_ids: list[int]) -> list[dict]:
    if not category_ids:
        return []
    return coco.loadAnns(coco.getAnnIds(imgIds=[image_id], catIds=category_ids, iscrowd=None))


def _annotation_rle(annotation: dict, height: int, width: int):
    from pycocotools import mask as mask_utils

    segmentation = annotation.get("segmentation")
    if isinstance(segmentation, list):  # polygons; drop degenerate ones (fewer than 3 points)
        polygons = [p for p in segmentation if len(p) >= 6]
        if not polygons:
            return None
        return mask_utils.merge(mask_utils.frPyObjects(polygons, height, width))
    if isinstance(segmentation, dict):
        if isinstance(segmentation.get("counts"), list):  # uncompressed RLE (crowds)
            return mask_utils.frPyObjects(segmentation, height, width)
        return segmentation
    return None


def union_rle(annotations: list[dict], height: int, width: int):
    """One RLE of every person pixel (crowd regions included), or None when there are none."""
    from pycocotools import mask as mask_utils

    rles = [r for r in (_annotation_rle(a, height, width) for a in annotations) if r is not None]
    if not rles:
        return None
    return mask_utils.merge(rles, intersect=False) if len(rles) > 1 else rles[0]


def person_mask(annotations: list[dict], height: int, width: int) -> np.ndarray:
    """uint8 HxW {0,1}: the union of all person annotations of one image."""
    from pycocotools import mask as mask_utils

    rle = union_rle(annotations, height, width)
    if rle is None:
        return np.zeros((height, width), np.uint8)
    with warnings.catch_warnings():  # pycocotools' Cython decode trips a NumPy 2 copy= deprecation warning
        warnings.simplefilter("ignore", DeprecationWarning)
        return (mask_utils.decode(rle) > 0).astype(np.uint8)


def person_cover(annotations: list[dict], height: int, width: int) -> float:
    from pycocotools import mask as mask_utils

    rle = union_rle(annotations, height, width)
    return 0.0 if rle is None else float(mask_utils.area(rle)) / float(height * width)


def decide(annotations: list[dict], height: int, width: int, rules: CocoFilter) -> tuple[str, float]:
    """("kept" or the drop reason, person cover) for one image's person annotations."""
    if not annotations:
        return "no_person", 0.0
    cover = person_cover(annotations, height, width)
    people = sum(1 for a in annotations if not a.get("iscrowd", 0))
    if any(a.get("iscrowd", 0) for a in annotations) or people > rules.max_people:
        return "too_many_people", cover
    if people < rules.min_people:
        return "too_few_people", cover
    if cover < rules.min_cover:
        return "too_small", cover
    if cover > rules.max_cover:
        return "too_large", cover
    return "kept", cover


def filter_coco(coco, rules: CocoFilter = CocoFilter()) -> FilterResult:
    """Apply the filter to every image of a loaded COCO file (`read_coco`)."""
    category_ids = person_category_ids(coco)
    result = FilterResult()
    for image_id in coco.getImgIds():
        record = coco.imgs[image_id]
        annotations = person_annotations(coco, image_id, category_ids)
        reason, cover = decide(annotations, int(record["height"]), int(record["width"]), rules)
        result.reason_by_id[image_id] = reason
        result.cover_by_id[image_id] = cover
        if reason == "kept":
            result.kept.append(record)
        else:
            result.dropped.setdefault(reason, []).append(record)
    return result


def images_dir_for(annotations_path: Path) -> Path:
    """COCO layout: ROOT/annotations/x.json next to ROOT/images/."""
    return annotations_path.resolve().parent.parent / "images"


class CocoSource(Source):
    """COCO images with their union person mask; subset "kept" (filter-passing), "dropped" or "all"."""

    kind = "coco"

    def __init__(self, annotations_path, images_dir=None, subset: str = "kept", rules: CocoFilter = CocoFilter()):
        if subset not in SUBSETS:
            raise DataError(f"unknown COCO subset {subset!r}; choose one of {', '.join(SUBSETS)}")
        annotations_path = Path(annotations_path)
        images_dir = Path(images_dir) if images_dir else images_dir_for(annotations_path)
        if not images_dir.is_dir():
            raise DataError(f"COCO images folder not found: {images_dir}")
        coco = read_coco(annotations_path)
        result = filter_coco(coco, rules)
        self.filter_result = result
        self.rules = rules
        self.annotations_path = str(annotations_path)
        category_ids = person_category_ids(coco)
        items, problems = [], []
        for image_id in coco.getImgIds():
            reason = result.reason_by_id[image_id]
            if (subset == "kept") != (reason == "kept") and subset != "all":
                continue
            record = coco.imgs[image_id]
            image_path = images_dir / record["file_name"]
            if not image_path.is_file():
                problems.append(f"{record['file_name']}: missing image in {images_dir}")
                continue
            # Keep only what the mask needs, so items stay small and cheap to send to workers.
            segmentations = [
                {"segmentation": a["segmentation"], "iscrowd": a.get("iscrowd", 0)}
                for a in person_annotations(coco, image_id, category_ids)
            ]
            ref = (image_path, segmentations, int(record["height"]), int(record["width"]))
            items.append(Item(record["file_name"], ref))
        super().__init__(str(annotations_path), items, problems, subset=subset)

    def describe(self) -> dict:
        facts = super().describe()
        facts["filter"] = {
            "min_people": self.rules.min_people, "max_people": self.rules.max_people,
            "min_cover": self.rules.min_cover, "max_cover": self.rules.max_cover,
        }
        return facts

    def _load_item(self, item: Item) -> tuple[np.ndarray, np.ndarray]:
        image_path, annotations, height, width = item.ref
        # COCO annotations refer to the stored pixels, so orient photo and mask together.
        with Image.open(image_path) as header:
            orientation = exif_orientation(header)
        image = load_image(image_path, apply_exif=False)
        mask = person_mask(annotations, height, width)
        if mask.shape != image.shape[:2]:
            # The photo was resized after annotating: scale the mask with it.
            scaled = Image.fromarray(mask * 255).resize((image.shape[1], image.shape[0]), Image.Resampling.BILINEAR)
            mask = (np.asarray(scaled) >= 128).astype(np.uint8)
        if orientation != 1:
            image = np.asarray(apply_orientation(Image.fromarray(image), orientation))
            mask = np.asarray(apply_orientation(Image.fromarray(mask), orientation))
        return image, mask

