"""Turn a user's data spec into a Source.

SPEC is `PATH[:SUBSET]`:
- a mask folder `ROOT` (`ROOT/images/` + `ROOT/masks/`);
- a COCO folder `ROOT` (`ROOT/images/` + `ROOT/annotations/*.json`, exactly one json);
- a COCO annotations file `ROOT/annotations/NAME.json` (images in `ROOT/images/`).
SUBSET is, for COCO, `kept` (default: the filter-passing images), `dropped` or `all`; for a mask
folder, `heldF` or `restF` (F a fraction, e.g. `held0.1`): the pairs `Source.split(F)` holds out or
keeps, chosen by a hash of each file name, so a config can validate on part of a folder and train on
the rest, the same photos on every machine. `ROOT:unlabeled` opens `ROOT/images/` alone (photos
without masks, greenscreen.data.unlabeled): only a teacher and training with its maps take it.
"""

from __future__ import annotations

import re
from pathlib import Path

from .coco import SUBSETS, CocoFilter, CocoSource
from .errors import DataError
from .folders import MaskFolderSource, is_mask_folder
from .source import Source
from .unlabeled import UNLABELED, UnlabeledSource, is_photo_folder


_SPLIT_SUBSET = re.compile(r"^(held|rest)(0?\.\d+)$")


def parse_spec(spec: str) -> tuple[Path, str | None]:
    """Split `PATH[:SUBSET]`; a colon that is part of an existing path is left alone."""
    path, subset = spec, None
    if ":" in spec and not Path(spec).exists():
        head, _, tail = spec.rpartition(":")
        if tail in SUBSETS or tail == UNLABELED or _SPLIT_SUBSET.match(tail):
            path, subset = head, tail
    return Path(path), subset


def _split_subset(source: Source, subset: str) -> Source:
    side, fraction = _SPLIT_SUBSET.match(subset).groups()
    rest, held = source.split(float(fraction))
    return held if side == "held" else rest


def open_source(spec: str, allow_empty: bool = False, rules: CocoFilter = CocoFilter(),
                allow_unlabeled: bool = False) -> Source:
    """Open a data spec; raise DataError (one line) for bad paths or, unless allowed, empty sources.

    allow_unlabeled: accept `ROOT:unlabeled` (photos without masks); scoring and validation never do.
    """
    path, subset = parse_spec(spec)
    if not path.exists():
        raise DataError(f"data not found: {path}")
    if subset == UNLABELED:
        if not allow_unlabeled:
            raise DataError(f"{spec} has no masks: only a teacher (python -m greenscreen.teach) and training "
                            "with its maps (--teacher DIR) can use photos without masks")
        if not is_photo_folder(path):
            raise DataError(f"{path} is not a photo folder (needs images/)")
        source = UnlabeledSource(path)
    elif path.is_file():
        if path.suffix.lower() != ".json":
            raise DataError(f"expected a folder or a COCO .json file: {path}")
        source = CocoSource(path, subset=subset or "kept", rules=rules)
    elif is_mask_folder(path):
        if subset is not None and not _SPLIT_SUBSET.match(subset):
            raise DataError(f"subset :{subset} only applies to COCO data, not the mask folder {path} "
                            "(a mask folder takes :heldF or :restF, e.g. :held0.1)")
        source = MaskFolderSource(path)
        if subset is not None:
            source = _split_subset(source, subset)
    elif (path / "annotations").is_dir() and (path / "images").is_dir():
        candidates = sorted((path / "annotations").glob("*.json"))
        if len(candidates) != 1:
            raise DataError(f"{path / 'annotations'} holds {len(candidates)} .json files; "
                            "name the one to use (PATH/annotations/NAME.json)")
        source = CocoSource(candidates[0], images_dir=path / "images", subset=subset or "kept", rules=rules)
    else:
        hint = f" (photos without masks: {path}:unlabeled, with a teacher)" if is_photo_folder(path) else ""
        raise DataError(f"{path} is neither a mask folder (images/ + masks/) nor a COCO folder "
                        f"(images/ + annotations/){hint}")
    if len(source) == 0 and not allow_empty:
        hint = f" ({len(source.problems)} skipped, first: {source.problems[0]})" if source.problems else ""
        raise DataError(f"no usable image/mask pairs in {spec}{hint}")
    return source
