"""An HTML page of the worst-scored photos: image | truth | prediction overlay | IoU.

    gallery = WorstGallery(k=24)
    gallery.offer(name, image, truth_mask, pred_mask, iou)   # for every photo; keeps the k lowest IoUs
    gallery.write("runs/eval_gallery", title="...")          # index.html + small JPEG thumbnails

Only thumbnails are kept in memory, so it can watch a whole data set go by.
"""

from __future__ import annotations

import heapq
import html
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

THUMBNAIL_SIDE = 256  # longer side of each thumbnail, px
JPEG_QUALITY = 85

# Overlay colours: truth in green; prediction errors coloured by kind.
TRUTH_COLOUR = (0, 200, 0)
HIT_COLOUR = (0, 200, 0)  # person in both
FALSE_PERSON_COLOUR = (230, 0, 0)  # predicted person, truth says background
MISSED_PERSON_COLOUR = (30, 90, 255)  # truth says person, prediction missed it
OVERLAY_ALPHA = 0.5


@dataclass
class _Entry:
    name: str
    iou: float
    image: Image.Image
    truth: Image.Image
    prediction: Image.Image


def _thumbnail_size(shape: tuple[int, ...]) -> tuple[int, int]:
    height, width = shape[:2]
    scale = min(1.0, THUMBNAIL_SIDE / max(height, width))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _tint(image: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    out = image.astype(np.float32)
    out[mask] = (1 - OVERLAY_ALPHA) * out[mask] + OVERLAY_ALPHA * np.asarray(colour, np.float32)
    return out


def overlays(image: np.ndarray, truth: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(truth overlay, prediction overlay) as uint8 HxWx3, same size as `image`."""
    truth, pred = truth.astype(bool), pred.astype(bool)
    truth_view = _tint(image, truth, TRUTH_COLOUR)
    pred_view = image.astype(np.float32)
    for mask, colour in (
        (pred & truth, HIT_COLOUR),
        (pred & ~truth, FALSE_PERSON_COLOUR),
        (~pred & truth, MISSED_PERSON_COLOUR),
    ):
        pred_view = _tint(pred_view, mask, colour)
    return truth_view.round().astype(np.uint8), pred_view.round().astype(np.uint8)


class WorstGallery:
    """Keeps thumbnails of the `k` photos with the lowest IoU seen so far."""

    def __init__(self, k: int = 24):
        self.k = k
        self._heap: list[tuple[float, int, _Entry]] = []  # (-iou, order, entry): the best of the kept on top
        self._order = itertools.count()

    def offer(self, name: str, image: np.ndarray, truth: np.ndarray, pred: np.ndarray, iou: float) -> None:
        if self.k <= 0:
            return
        if len(self._heap) >= self.k and iou >= -self._heap[0][0]:
            return  # not among the k worst: skip the thumbnail work
        size = _thumbnail_size(image.shape)
        small_image = np.asarray(Image.fromarray(image).resize(size, Image.BILINEAR))
        small_truth = np.asarray(Image.fromarray(truth.astype(np.uint8) * 255).resize(size, Image.NEAREST)) > 127
        small_pred = np.asarray(Image.fromarray(pred.astype(np.uint8) * 255).resize(size, Image.NEAREST)) > 127
        truth_view, pred_view = overlays(small_image, small_truth, small_pred)
        entry = _Entry(str(name), float(iou), Image.fromarray(small_image),
                       Image.fromarray(truth_view), Image.fromarray(pred_view))
        item = (-float(iou), next(self._order), entry)
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, item)
        else:
            heapq.heapreplace(self._heap, item)

    def entries(self) -> list[_Entry]:
        """Kept photos, worst first."""
        return [entry for _, _, entry in sorted(self._heap, key=lambda item: (-item[0], item[1]))]

    def write(self, folder: str | Path, title: str = "Worst images") -> Path:
        """Write index.html and its thumbnails into `folder`; returns the HTML path."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for rank, entry in enumerate(self.entries(), start=1):
            cells = []
            for kind, picture in (("image", entry.image), ("truth", entry.truth), ("prediction", entry.prediction)):
                file_name = f"{rank:03d}_{kind}.jpg"  # names from the data set may hold odd characters
                picture.save(folder / file_name, quality=JPEG_QUALITY)
                cells.append(f'<td><img src="{file_name}" alt="{kind}" loading="lazy"></td>')
            rows.append(
                f"<tr><td>{rank}</td><td>{html.escape(entry.name)}</td>{''.join(cells)}"
                f'<td class="iou">{100 * entry.iou:.1f}</td></tr>'
            )
        page = _PAGE.format(title=html.escape(title), rows="\n".join(rows), count=len(rows))
        path = folder / "index.html"
        path.write_text(page, encoding="utf-8")
        return path


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: 4px 8px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: middle; }}
td.iou {{ font-size: 1.3em; font-variant-numeric: tabular-nums; }}
img {{ display: block; max-width: 220px; max-height: 220px; }}
.key span {{ display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin: 0 0.3em 0 1em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="key">The {count} photos with the lowest person IoU, worst first. Prediction overlay:
<span style="background: rgb(0,200,0)"></span>person, correct
<span style="background: rgb(230,0,0)"></span>false person
<span style="background: rgb(30,90,255)"></span>missed person</p>
<table>
<tr><th>#</th><th>name</th><th>image</th><th>truth</th><th>prediction</th><th>IoU %</th></tr>
{rows}
</table>
</body>
</html>
"""
