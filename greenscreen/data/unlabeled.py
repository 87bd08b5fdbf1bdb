"""Photos of people without masks (`ROOT/images/*.jpg|png`, spec `ROOT:unlabeled`): material for a teacher.

Such a source has no hand-made mask to give, so `load` returns `(photo, None)`. It is usable where
no ground truth is needed: `python -m greenscreen.teach` labels it with a teacher's flip-TTA maps,
and training reads those maps as the target (`--teacher DIR`): the map thresholded at 0.5 stands
in for the mask and the map itself is the soft target. It is never a validation or test set.
`ROOT/person_boxes.json` (`{"boxes": {"NAME.jpg": [[x, y, w, h], ...]}}`), when present, guides the
teacher (greenscreen.data.boxes: a crop per person, background outside every box).
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import DataError
from .folders import IMAGE_SUFFIXES, _files_by_stem
from .images import load_image
from .source import Item, Source

UNLABELED = "unlabeled"


def is_photo_folder(path: Path) -> bool:
    return (path / "images").is_dir()


class UnlabeledSource(Source):
    kind = "photos-without-masks"
    has_masks = False

    def __init__(self, root):
        root = Path(root)
        if not is_photo_folder(root):
            raise DataError(f"not a photo folder (needs images/): {root}")
        images = _files_by_stem(root / "images", IMAGE_SUFFIXES)
        items = [Item(path.name, path) for _, path in sorted(images.items())]
        self.boxes = _read_boxes(root / "person_boxes.json")
        super().__init__(str(root), items, [], subset=UNLABELED)

    def boxes_of(self, name: str) -> list | None:
        """The photo's person boxes ([x, y, w, h]), or None when the folder has no person_boxes.json."""
        return None if self.boxes is None else list(self.boxes.get(name, []))

    def _load_item(self, item: Item):
        return load_image(item.ref), None

    def describe(self) -> dict:
        facts = super().describe()
        facts["masks"] = "none: a teacher's maps are the targets"
        if self.boxes is not None:
            facts["person_boxes"] = sum(len(boxes) for boxes in self.boxes.values())
        return facts


def _read_boxes(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        boxes = json.loads(path.read_text())["boxes"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"cannot read person boxes {path}: {error}") from None
    if not isinstance(boxes, dict):
        raise DataError(f"{path}: 'boxes' must map photo names to [[x, y, w, h], ...]")
    return boxes
