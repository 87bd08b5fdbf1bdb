"""Mask folders: `ROOT/images/<stem>.jpg|jpeg|png` paired with `ROOT/masks/<stem>.png`.

Opening a folder reads only file headers. Pairs that cannot be used are skipped and reported by
name in `problems` (never a crash): a photo without a mask, a mask without a photo, a photo and
mask of different sizes (after EXIF orientation), or a file that cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DataError
from .images import load_image, load_mask, oriented_size
from .source import Item, Source

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
MASK_SUFFIXES = (".png",)


def is_mask_folder(path: Path) -> bool:
    return (path / "images").is_dir() and (path / "masks").is_dir()


def _files_by_stem(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    return {
        path.stem: path
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith(".")
    }


class MaskFolderSource(Source):
    kind = "mask-folder"

    def __init__(self, root, check_sizes: bool = True):
        root = Path(root)
        if not is_mask_folder(root):
            raise DataError(f"not a mask folder (needs images/ and masks/): {root}")
        images = _files_by_stem(root / "images", IMAGE_SUFFIXES)
        masks = _files_by_stem(root / "masks", MASK_SUFFIXES)
        items, problems = [], []
        for stem in sorted(set(images) | set(masks)):
            image_path, mask_path = images.get(stem), masks.get(stem)
            if mask_path is None:
                problems.append(f"{image_path.name}: missing mask masks/{stem}.png")
                continue
            if image_path is None:
                problems.append(f"{mask_path.name}: missing image images/{stem}.jpg|png")
                continue
            if check_sizes:
                problem = _size_problem(image_path, mask_path)
                if problem:
                    problems.append(f"{image_path.name}: {problem}")
                    continue
            items.append(Item(image_path.name, (image_path, mask_path)))
        super().__init__(str(root), items, problems, subset=None)

    def _load_item(self, item: Item) -> tuple[np.ndarray, np.ndarray]:
        image_path, mask_path = item.ref
        image, mask = load_image(image_path), load_mask(mask_path)
        if image.shape[:2] != mask.shape:
            raise DataError(f"{image_path.name}: image {image.shape[1]}x{image.shape[0]} "
                            f"but mask {mask.shape[1]}x{mask.shape[0]}")
        return image, mask


def _size_problem(image_path: Path, mask_path: Path) -> str | None:
    try:
        image_size = oriented_size(image_path)
        mask_size = oriented_size(mask_path)
    except DataError as error:
        return f"unreadable ({error})"
    if image_size != mask_size:
        return (f"size mismatch: image {image_size[0]}x{image_size[1]}, "
                f"mask {mask_size[0]}x{mask_size[1]}")
    return None
