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


# ------------------------------------------------------------------ partly bad data

# One of each problem a loader skips by name (a run goes on): not a photo, a mask of another size,
# a photo without its mask, a mask without its photo. A truncated JPEG fails only once its pixels are read.
MIXED_PROBLEMS = ("notaphoto.jpg", "mismatch.png", "nomask.png", "noimage.png")


def save_pair(root, stem, size=(48, 64), mask_size=None, seed=0):
    """images/STEM.png (dark noise, a bright block) + masks/STEM.png (the block), optionally of another size."""
    rng = np.random.default_rng(seed)
    height, width = size
    image = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
    mask = np.zeros(mask_size or size, np.uint8)
    mask[8:36, 10:34] = 255
    image[8:36, 10:34] = 200
    Image.fromarray(image).save(root / "images" / f"{stem}.png")
    Image.fromarray(mask).save(root / "masks" / f"{stem}.png")


def empty_mask_folder(root, good=0):
    """ROOT/images + ROOT/masks holding `good` pairs p00, p01, ..."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(good):
        save_pair(root, f"p{i:02d}", seed=i)
    return root


def truncated_jpeg(path, size=(48, 64)):
    """A JPEG whose header reads fine (so the folder scan accepts it) but whose pixels stop half-way."""
    rng = np.random.default_rng(7)
    Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(path, "JPEG", quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def mixed_folder(root, good=6):
    """`good` pairs p00.. and one of each MIXED_PROBLEMS, plus truncated.jpg: all must be named, none may stop a run."""
    empty_mask_folder(root, good=good)
    (root / "images" / "notaphoto.jpg").write_text("not a photo\n")
    Image.fromarray(np.zeros((48, 64), np.uint8)).save(root / "masks" / "notaphoto.png")
    save_pair(root, "mismatch", mask_size=(40, 64))
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(root / "images" / "nomask.png")
    Image.fromarray(np.zeros((48, 64), np.uint8)).save(root / "masks" / "noimage.png")
    truncated_jpeg(root / "images" / "truncated.jpg")
    Image.fromarray(np.zeros((48, 64), np.uint8)).save(root / "masks" / "truncated.png")
    return root


def coco_json(path, images, annotations):
    """A COCO annotations file with the one `person` category."""
    path.write_text(json.dumps({"images": images, "annotations": annotations,
                                "categories": [{"id": 1, "name": "person"}]}))
