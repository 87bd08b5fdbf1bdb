"""Person-segmentation scores: IoU, pixel accuracy, boundary F (NumPy only).

    from greenscreen.metrics import ScoreBoard
    board = ScoreBoard()
    board.add("photo1", probability >= 0.5, truth_mask)
    board.summary()  # {"miou": 93.1, "dataset_iou": 94.0, "pixel_accuracy": 97.2, "boundary_f": 71.5, "n": 1}

Single-image functions return fractions in [0, 1]; `ScoreBoard.summary()` reports percent (0-100).
Masks are boolean HxW arrays (anything NumPy can turn into bool works: 0/1, 0/255).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

THRESHOLD = 0.5  # person probability at or above this counts as person (docs/model-contract.md)

# DAVIS (Perazzi et al. 2016, davis-2017 `f_boundary`) matches boundaries within 0.8% of the image
# diagonal; 384x512 portraits give ceil(0.008 * 640) = 6 px.
BOUNDARY_TOLERANCE_FRACTION = 0.008


def _as_bool(mask, name: str) -> np.ndarray:
    array = np.asarray(mask)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D mask, got shape {array.shape}")
    return array.astype(bool)


def _pair(pred, truth) -> tuple[np.ndarray, np.ndarray]:
    pred, truth = _as_bool(pred, "pred"), _as_bool(truth, "truth")
    if pred.shape != truth.shape:
        raise ValueError(f"pred {pred.shape} and truth {truth.shape} differ in size")
    return pred, truth


def _overlap(pred: np.ndarray, truth: np.ndarray) -> tuple[int, int, float]:
    """(intersection, union, IoU) of two boolean masks: the one place IoU is computed.
    An image with no person in either mask scores 1."""
    intersection = int(np.count_nonzero(pred & truth))
    union = int(np.count_nonzero(pred | truth))
    return intersection, union, intersection / union if union else 1.0


def iou(pred, truth) -> float:
    """Person intersection over union in [0, 1]; an image with no person in either mask scores 1."""
    return _overlap(*_pair(pred, truth))[2]


def pixel_accuracy(pred, truth) -> float:
    """Fraction of pixels labelled correctly (person or background)."""
    pred, truth = _pair(pred, truth)
    return np.count_nonzero(pred == truth) / pred.size


def boundary_tolerance(shape: tuple[int, int]) -> int:
    """The default boundary match distance in pixels for an image of `shape` (DAVIS rule)."""
    return max(1, math.ceil(BOUNDARY_TOLERANCE_FRACTION * math.hypot(shape[0], shape[1])))


def _shifted(mask: np.ndarray, dy: int, dx: int, fill: bool) -> np.ndarray:
    """mask moved by (dy, dx); uncovered cells take `fill`."""
    height, width = mask.shape
    out = np.full_like(mask, fill)
    out[max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
        mask[max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
    return out


def boundary(mask) -> np.ndarray:
    """Inner boundary: mask pixels with a 4-neighbour outside the mask.

    The image frame is not an edge: a person cut off by the bottom of the photo has no boundary there,
    so a correct cut-off does not inflate the score.
    """
    mask = _as_bool(mask, "mask")
    eroded = mask.copy()
    for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        eroded &= _shifted(mask, dy, dx, fill=True)
    return mask & ~eroded


def _dilate_disk(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation by a disk of `radius` pixels, as horizontal runs shifted row by row."""
    runs = [mask]  # runs[h]: mask dilated horizontally by [-h, h]
    for h in range(1, radius + 1):
        runs.append(runs[-1] | _shifted(mask, 0, h, False) | _shifted(mask, 0, -h, False))
    out = np.zeros_like(mask)
    for dy in range(-radius, radius + 1):
        out |= _shifted(runs[math.isqrt(radius * radius - dy * dy)], dy, 0, fill=False)
    return out


def boundary_f_score(pred, truth, tolerance: int | None = None) -> float:
    """Boundary F-measure in [0, 1] (DAVIS 'F'): boundary pixels of each mask matched within `tolerance` px.

    precision = predicted boundary pixels near a true boundary, recall = the reverse.
    `tolerance=None` uses 0.8% of the image diagonal (`boundary_tolerance`).
    Neither mask has a boundary → 1; only one has → 0.
    """
    pred, truth = _pair(pred, truth)
    radius = boundary_tolerance(pred.shape) if tolerance is None else int(tolerance)
    if radius < 0:
        raise ValueError(f"tolerance must be >= 0 pixels, got {tolerance}")
    pred_edge, truth_edge = boundary(pred), boundary(truth)
    n_pred, n_truth = np.count_nonzero(pred_edge), np.count_nonzero(truth_edge)
    if n_pred == 0 and n_truth == 0:
        return 1.0
    if n_pred == 0 or n_truth == 0:
        return 0.0
    precision = np.count_nonzero(pred_edge & _dilate_disk(truth_edge, radius)) / n_pred
    recall = np.count_nonzero(truth_edge & _dilate_disk(pred_edge, radius)) / n_truth
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


@dataclass
class ImageScore:
    """One image's scores (fractions) plus the pixel counts the pooled scores need."""

    name: str
    iou: float
    pixel_accuracy: float
    boundary_f: float | None
    intersection: int
    union: int


FAILURE_IOU = 0.80  # below this a swapped background visibly loses or keeps a part of the person


class ScoreBoard:
    """Accumulates per-image scores; `summary()` gives the means in percent.

    miou: mean of per-image IoU. dataset_iou: all intersections / all unions (large people weigh more).
    pixel_accuracy and boundary_f: means over images. failure_rate: the share of images (percent) whose
    IoU is below FAILURE_IOU, the visible failures a mean hides (one lost astronaut among good portraits).

    boundary=False skips boundary F (it costs more than the rest; training's per-epoch score skips it)
    and reports it as None.
    """

    def __init__(self, boundary_tolerance: int | None = None, boundary: bool = True):
        self.boundary_tolerance = boundary_tolerance
        self.boundary = boundary
        self.images: list[ImageScore] = []

    def add(self, name: str, pred, truth) -> ImageScore:
        pred, truth = _pair(pred, truth)
        intersection, union, overlap = _overlap(pred, truth)
        score = ImageScore(
            name=str(name),
            iou=overlap,
            pixel_accuracy=pixel_accuracy(pred, truth),
            boundary_f=boundary_f_score(pred, truth, self.boundary_tolerance) if self.boundary else None,
            intersection=intersection,
            union=union,
        )
        self.images.append(score)
        return score

    def __len__(self) -> int:
        return len(self.images)

    def summary(self) -> dict:
        n = len(self.images)
        if n == 0:
            return {"miou": None, "dataset_iou": None, "pixel_accuracy": None, "boundary_f": None,
                    "failure_rate": None, "n": 0}
        union = sum(s.union for s in self.images)
        intersection = sum(s.intersection for s in self.images)
        return {
            "miou": 100 * float(np.mean([s.iou for s in self.images])),
            "dataset_iou": 100 * intersection / union if union else 100.0,
            "pixel_accuracy": 100 * float(np.mean([s.pixel_accuracy for s in self.images])),
            "boundary_f": 100 * float(np.mean([s.boundary_f for s in self.images])) if self.boundary else None,
            "failure_rate": 100 * sum(s.iou < FAILURE_IOU for s in self.images) / n,
            "n": n,
        }

    def per_image(self) -> list[dict]:
        """Per-image records, scores in percent (JSON-able)."""
        records = []
        for s in self.images:
            record = asdict(s)
            for key in ("iou", "pixel_accuracy", "boundary_f"):
                if record[key] is not None:
                    record[key] = round(100 * record[key], 4)
            records.append(record)
        return records

    def worst(self, k: int) -> list[ImageScore]:
        """The k images with the lowest IoU, worst first."""
        return sorted(self.images, key=lambda s: s.iou)[:k]
