"""The resize rule, Python against JavaScript: `pytest tests/test_stretch_parity.py`.

The model sees every photo and frame stretched to its input size (docs/model-contract.md). Python
does it with greenscreen.contract.resize_image, the page with static/js/frame/stretch.js (the CPU
version of what its GPU frame preparation computes). Both must give the same bytes, or the model
would see other pixels in the browser than in training and evaluation.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from greenscreen.contract import resize_image

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "tests" / "parity_scripts" / "stretch.mjs"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def stretch_in_js(image: np.ndarray, size: tuple[int, int], tmp_path: Path) -> np.ndarray:
    """The page's stretch of a uint8 HxWx3 image to `size` (H, W), run in Node."""
    height, width = size
    source, target = tmp_path / "in.rgb", tmp_path / "out.rgb"
    source.write_bytes(np.ascontiguousarray(image, dtype=np.uint8).tobytes())
    subprocess.run(["node", str(SCRIPT), str(source), str(image.shape[1]), str(image.shape[0]), str(width), str(height),
                    str(target)], check=True, capture_output=True, timeout=120)
    return np.frombuffer(target.read_bytes(), dtype=np.uint8).reshape(height, width, 3)


def noise(height: int, width: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    "shape, size",
    [
        ((480, 640), (224, 224)),  # a webcam frame into a square model: shrink, aspect changes
        ((1080, 1920), (256, 256)),  # a big frame: wide filter
        ((37, 50), (160, 224)),  # a tiny picture grown
        ((224, 300), (224, 224)),  # one axis only
        ((333, 517), (224, 160)),  # odd sizes both ways
    ],
)
def test_javascript_stretch_gives_the_python_bytes(shape, size, tmp_path):
    image = noise(*shape, seed=shape[0] * 7 + shape[1])
    expected = resize_image(image, size)
    got = stretch_in_js(image, size, tmp_path).astype(np.float32)
    assert got.shape == expected.shape
    differing = int(np.count_nonzero(got != expected))
    assert differing == 0, f"{differing} of {got.size} values differ (max {np.abs(got - expected).max()})"


def test_a_real_photo_too(astronaut, tmp_path):
    expected = resize_image(astronaut, (224, 160))
    got = stretch_in_js(astronaut, (224, 160), tmp_path).astype(np.float32)
    assert np.array_equal(got, expected)
    # and not a trivially equal case: the stretch changed the picture
    assert got.shape != astronaut.shape
