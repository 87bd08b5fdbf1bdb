"""A teacher's person probabilities for the training photos, written once and read as soft targets.

    maps = TeacherMaps(Path("runs/teacher-photo"), source)   # DIR/<source key>/<photo name>.png
    soft = maps.load(source.name(i))                          # uint8 HxW, 0..255 = probability

Distillation (Hinton et al. 2015) trains the small live model on the photo model's probabilities as
well as on the hand-made masks: soft edges say where the big model is unsure, and the teacher labels
every person it sees. Running the teacher once per photo (`python -m greenscreen.teach`) instead of
once per augmented sample keeps it out of the training step; the maps go through the same crop as
the photo (greenscreen.data.augment.warp_soft).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import DataError
from .source import Source


def source_key(source: Source) -> str:
    """A folder name for a source's maps: readable, and unique per data location on this machine."""
    path = Path(source.path).resolve()
    digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:8]
    readable = "-".join(part for part in path.parts[-2:] if part not in ("/", "")).replace(".", "_")
    return f"{readable}-{digest}"


def map_file_name(photo_name: str) -> str:
    return f"{Path(photo_name).stem}.png"


class TeacherMaps:
    def __init__(self, root, source: Source):
        self.folder = Path(root) / source_key(source)
        self.source = source

    def exists(self) -> bool:
        return self.folder.is_dir()

    def missing(self) -> list[str]:
        """Photo names of the source that have no map (empty when the teacher has seen them all)."""
        return [item.name for item in self.source.items if not (self.folder / map_file_name(item.name)).is_file()]

    def load(self, photo_name: str, size: tuple[int, int]) -> np.ndarray:
        """uint8 HxW probability map for the photo, at the photo's (H, W)."""
        path = self.folder / map_file_name(photo_name)
        try:
            with Image.open(path) as picture:
                soft = np.asarray(picture.convert("L"))
        except (OSError, ValueError) as error:
            raise DataError(f"teacher map {path} is unreadable: {error}") from None
        if soft.shape != tuple(size):
            raise DataError(f"teacher map {path} is {soft.shape[1]}x{soft.shape[0]}, its photo "
                            f"{size[1]}x{size[0]}: rerun python -m greenscreen.teach")
        return soft

    def save(self, photo_name: str, probability: np.ndarray) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / map_file_name(photo_name)
        temporary = path.with_name(f".{path.name}.tmp.png")
        Image.fromarray(np.round(np.clip(probability, 0, 1) * 255).astype(np.uint8)).save(temporary)
        temporary.replace(path)
