"""Shared pytest fixtures: the real data folder (skipped when absent) and a stand-in real photo.

The data lives outside the repo (../shared/data, or $GREENSCREEN_DATA) and is never copied in; tests
that need it use the `data_dir`/`portraits_test_dir` fixtures and are skipped on machines without it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def find_data_dir() -> Path | None:
    """$GREENSCREEN_DATA if set, else ../shared/data next to the repo; None when it does not exist."""
    candidate = Path(os.environ.get("GREENSCREEN_DATA") or REPO_ROOT.parent / "shared" / "data")
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def optional_data_dir() -> Path | None:
    """The real data folder, or None when absent (for tests that can use a stand-in)."""
    return find_data_dir()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real data folder; skips the test when it is absent."""
    found = find_data_dir()
    if found is None:
        pytest.skip("real data not found: set GREENSCREEN_DATA or provide ../shared/data")
    return found


@pytest.fixture(scope="session")
def portraits_test_dir(data_dir: Path) -> Path:
    """The portraits/test mask folder (images/*.jpg + masks/*.png); skips when absent."""
    folder = data_dir / "portraits" / "test"
    if not (folder / "images").is_dir() or not (folder / "masks").is_dir():
        pytest.skip(f"{folder} has no images/ and masks/")
    return folder


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """A real photo of a person (skimage's astronaut, 512x512 RGB uint8): the stand-in when data is absent."""
    skimage_data = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(skimage_data.astronaut())


@pytest.fixture(scope="session")
def astronaut_png(astronaut: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The astronaut saved as a PNG file."""
    from PIL import Image

    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    return path
