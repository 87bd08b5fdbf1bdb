"""Small synthetic data the tests make themselves (no real photos needed)."""

import json

import numpy as np
from PIL import Image


def make_mask_folder(root, count=6, size=(48, 64)):
    """Photos of a bright 'person' block on a dark textured background, with matching masks."""
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(count):
        height, width = size
        image = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
        mask = np.zeros((height, width), np.uint8)
        top, left = rng.integers(4, 16), rng.integers(4, 24)
        mask[top: top + 28, left: left + 24] = 255
        image[mask > 0] = rng.integers(150, 255, 3, dtype=np.uint8)
        Image.fromarray(image).save(root / "images" / f"p{i:02d}.png")
        Image.fromarray(mask).save(root / "masks" / f"p{i:02d}.png")
    return root


def photo_folder(root, count=4):
    """A folder of photos with no masks/ (the coco-unlabeled layout, person boxes included)."""
    make_mask_folder(root, count=count)
    for mask in (root / "masks").iterdir():
        mask.unlink()
    (root / "masks").rmdir()
    boxes = {path.name: [[1, 2, 10, 20]] for path in (root / "images").iterdir()}
    (root / "person_boxes.json").write_text(json.dumps({"format": "xywh", "boxes": boxes}))
    return root
