"""Person boxes ([x, y, width, height] in pixels, COCO's form) as pixel regions, for a box-guided teacher.

A photo model that sees a busy scene whole (stretched to its input, as the page does) misses people who
are small in it: on coco-unlabeled it left a quarter of the person boxes covering 1% of the photo or more
entirely background. `greenscreen.teach` therefore also runs it on a crop around each such box, where the
person is large, and keeps the larger probability inside the box; outside every box it is background.
"""

from __future__ import annotations

import numpy as np

MIN_BOX_FRACTION = 0.005  # boxes smaller than this share of the photo get no crop of their own
CROP_MARGIN = 0.25  # context around a box in its crop, per side, as a share of the box's size
EDGE_MARGIN = 0.02  # a box's region grows this much per side (its edges are loose by a pixel or two)


def region(box, shape, margin: float = 0.0) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of `box` grown by `margin` of its size per side, inside `shape` (H, W)."""
    x, y, width, height = (float(v) for v in box)
    grow_x, grow_y = margin * width, margin * height
    top, left = max(0, int(np.floor(y - grow_y))), max(0, int(np.floor(x - grow_x)))
    bottom = min(shape[0], int(np.ceil(y + height + grow_y)))
    right = min(shape[1], int(np.ceil(x + width + grow_x)))
    return top, left, bottom, right


def usable(boxes, shape) -> list:
    """The boxes that cover at least MIN_BOX_FRACTION of the photo and have an area at all."""
    area = shape[0] * shape[1]
    return [box for box in boxes if box[2] > 0 and box[3] > 0 and box[2] * box[3] >= MIN_BOX_FRACTION * area]


def inside_any(boxes, shape) -> np.ndarray:
    """bool HxW: True inside any box (grown by EDGE_MARGIN)."""
    inside = np.zeros(shape, bool)
    for box in boxes:
        top, left, bottom, right = region(box, shape, EDGE_MARGIN)
        inside[top:bottom, left:right] = True
    return inside


def combine(whole: np.ndarray, crops: list[tuple[tuple[int, int, int, int], np.ndarray]], boxes) -> np.ndarray:
    """The teacher's map for a photo: the whole-photo map, raised inside each box to its crop's map
    (`crops`: (region of the crop, its map at that region's size) per box, same order as `usable` boxes),
    and zero outside every box."""
    result = whole.astype(np.float32).copy()
    for box, ((top, left, bottom, right), crop_map) in zip(usable(boxes, whole.shape), crops):
        b_top, b_left, b_bottom, b_right = region(box, whole.shape, EDGE_MARGIN)
        part = crop_map[b_top - top:b_bottom - top, b_left - left:b_right - left]
        np.maximum(result[b_top:b_bottom, b_left:b_right], part, out=result[b_top:b_bottom, b_left:b_right])
    result[~inside_any(boxes, whole.shape)] = 0.0
    return result
