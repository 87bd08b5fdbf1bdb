"""What every data source looks like: a numbered list of (photo, person mask) pairs.

Concrete sources (`folders.MaskFolderSource`, `coco.CocoSource`) fill `items` and implement
`_load_item`; everything else (naming, describing, splitting) lives here once.
"""

from __future__ import annotations

import copy
import hashlib
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError


@dataclass(frozen=True)
class Item:
    """One pair: `name` is unique within its source (the image file name); `ref` is source-specific."""

    name: str
    ref: Any


class Source:
    """A sized collection of (image uint8 HxWx3, mask uint8 HxW {0,1}) pairs.

    problems: skipped items, one human-readable line each ("name: reason").
    """

    kind = "source"
    has_masks = True  # False: photos only (greenscreen.data.unlabeled), load() gives (photo, None)

    def __init__(self, path: str, items: list[Item], problems: list[str], subset: str | None = None):
        self.path = str(path)
        self.items = list(items)
        self.problems = list(problems)
        self.subset = subset

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path!r} subset={self.subset!r} n={len(self)}>"

    def name(self, i: int) -> str:
        return self.items[i].name

    def load(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(image uint8 HxWx3 RGB, mask uint8 HxW {0,1}) of the same height and width."""
        return self._load_item(self.items[i])

    def _load_item(self, item: Item) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def report_problems(self, limit: int = 10, stream=None) -> None:
        """One `warning:` line per skipped pair on stderr (the first `limit`), so no photo vanishes silently."""
        stream = stream or sys.stderr
        for problem in self.problems[:limit]:
            print(f"warning: skipped {problem} (in {self.path})", file=stream, flush=True)
        if len(self.problems) > limit:
            print(f"warning: ... and {len(self.problems) - limit} more skipped in {self.path} "
                  f"(python -m greenscreen.data check lists them all)", file=stream, flush=True)

    def skip(self, i: int, error: Exception) -> None:
        """Record and warn that pair i failed only once its pixels were read (e.g. a truncated JPEG)."""
        problem = f"{self.items[i].name}: {error}"
        if problem not in self.problems:
            self.problems.append(problem)
            print(f"warning: skipped {problem}", file=sys.stderr, flush=True)

    def describe(self) -> dict:
        """JSON-able facts for configs and model cards."""
        return {
            "kind": self.kind,
            "path": self.path,
            "subset": self.subset,
            "count": len(self),
            "skipped": len(self.problems),
        }

    def with_items(self, items: list[Item], subset: str | None) -> "Source":
        """A copy of this source restricted to `items` (shares the loader state)."""
        other = copy.copy(self)
        other.items = list(items)
        other.subset = subset
        return other

    def split(self, fraction: float, seed: int = 0) -> tuple["Source", "Source"]:
        """(rest, held_out): about `fraction` of the items held out, chosen by a hash of name and seed.

        Deterministic by name, so the same photo lands on the same side on every machine and
        whatever order the files were listed in.
        """
        if not 0.0 <= fraction <= 1.0:
            raise DataError(f"split fraction must be between 0 and 1, got {fraction}")
        ranked = sorted(self.items, key=lambda item: _stable_hash(f"{seed}:{item.name}"))
        n_held = int(round(fraction * len(ranked)))
        held_names = {item.name for item in ranked[:n_held]}
        rest = [item for item in self.items if item.name not in held_names]
        held = [item for item in self.items if item.name in held_names]
        base = self.subset or "all"
        return (
            self.with_items(rest, f"{base}-rest{fraction:g}@{seed}"),
            self.with_items(held, f"{base}-held{fraction:g}@{seed}"),
        )


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big")
