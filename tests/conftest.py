"""Shared pytest fixtures: the real data folder (skipped when absent), a stand-in real photo, and one
tiny trained run for the whole session.

The data lives outside the repo (../shared/data, or $GREENSCREEN_DATA) and is never copied in; tests
that need it use the `data_dir`/`portraits_test_dir` fixtures and are skipped on machines without it.
Tests that need *a* trained model (evaluate, teach, ship, skipping bad photos) share `tiny_run`; only
the tests about training itself (test_train*.py, the student in test_distill.py) train their own.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def find_data_dir() -> Path | None:
    """$GREENSCREEN_DATA if set, else ../shared/data next to the repo; None when it does not exist."""
    candidate = Path(os.environ.get("GREENSCREEN_DATA") or REPO_ROOT.parent / "shared" / "data")
    return candidate if candidate.is_dir() else None


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """The browser tests share one Chromium and its pages (tests/e2e/conftest.py), so under pytest-xdist
    (`make test`: -n 2 --dist loadgroup) they run in order in one worker while the other takes the rest."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("browser"))


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


@dataclass(frozen=True)
class TinyRun:
    """A finished training run: `path` holds best.keras, last.keras, config.json, state.json, log.csv."""

    path: Path
    data: Path  # the mask folder it trained and validated on: tests.synthetic.mixed_folder (6 good pairs)
    stderr: str  # what training wrote on stderr: a `warning:` line per skipped pair among it

    @property
    def model(self) -> Path:
        return self.path / "best.keras"


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> TinyRun:
    """One tiny trained run for the session: tiramisu_tiny at 32 px, one epoch, through `greenscreen.train`'s
    main on a folder with one of each skippable problem. Read it, never write into it."""
    from greenscreen import train
    from tests.synthetic import mixed_folder

    root = tmp_path_factory.mktemp("tiny_run")
    data = mixed_folder(root / "data")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        status = train.main(["--train", str(data), "--val", str(data), "--preset", "tiramisu_tiny", "--size", "32",
                             "--epochs", "1", "--batch-size", "4", "--workers", "0", "--preview-count", "2",
                             "--out", str(root / "run")])
    assert status == 0, stderr.getvalue()[-3000:]
    return TinyRun(root / "run", data, stderr.getvalue())


@pytest.fixture()
def validation_data(tmp_path: Path) -> Path:
    """A data folder with the benches' validation sets: portraits/train (its held tenth) and COCO-120."""
    from tests.synthetic import make_mask_folder
    from tests.test_ship import coco_folder

    data = tmp_path / "data"
    make_mask_folder(data / "portraits" / "train", count=20)
    coco_folder(data / "coco-person")
    return data
