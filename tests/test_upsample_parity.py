"""The page's mask upsampling, Python against JavaScript: `pytest tests/test_upsample_parity.py`.

`python -m greenscreen.evaluate --upsample bilateral|guided` claims to score the mask the page shows.
That holds only while greenscreen.upsample computes what the page's references do (jointBilateralUpsample
and guidedUpsample in static/js/compositor/selftest/reference.js, which the browser self-test holds the
GPU stage to), with the page's default settings. The guided filter is also held to its window-by-window
definition.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from greenscreen import upsample
from greenscreen.contract import resize_image, resize_probability

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "tests" / "parity_scripts" / "upsample.mjs"
PAGE_SETTINGS = REPO_ROOT / "static" / "js" / "compositor" / "webgl2" / "settings.js"
PAGE_STAGE = REPO_ROOT / "static" / "js" / "compositor" / "webgl2" / "upsampleStage.js"

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def upsample_in_js(mask, guide_low, guide, tmp_path: Path, mode="bilateral", **settings):
    files = {}
    for name, array in (("mask", mask), ("guideLow", guide_low), ("guide", guide)):
        files[name] = str(tmp_path / f"{name}.f32")
        Path(files[name]).write_bytes(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    names = {"radius": "radius", "sigma_space": "sigmaSpace", "sigma_color": "sigmaColor", "epsilon": "epsilon"}
    spec = {**files, "mode": mode, "maskWidth": mask.shape[1], "maskHeight": mask.shape[0], "width": guide.shape[1],
            "height": guide.shape[0], **{names[key]: value for key, value in settings.items()}}
    (tmp_path / "in.json").write_text(json.dumps(spec))
    subprocess.run(["node", str(SCRIPT), str(tmp_path / "in.json"), str(tmp_path / "out.f32")],
                   check=True, capture_output=True, timeout=120)
    return np.frombuffer((tmp_path / "out.f32").read_bytes(), dtype=np.float32).reshape(guide.shape[:2])


def soft_disc(size: tuple[int, int], seed: int) -> np.ndarray:
    """A blurry person-like blob with noise: a map with soft edges and values across 0..1."""
    height, width = size
    yy, xx = np.mgrid[0:height, 0:width]
    distance = np.hypot((yy - height * 0.55) / height, (xx - width * 0.5) / width)
    blob = 1 / (1 + np.exp((distance - 0.3) * 25))
    noise = np.random.default_rng(seed).normal(0, 0.05, size)
    return np.clip(blob + noise, 0, 1).astype(np.float32)


@needs_node
@pytest.mark.parametrize("photo_shape, map_shape, settings", [
    ((61, 47), (16, 12), {}),  # the page's defaults, odd sizes both ways
    ((40, 90), (24, 24), {"radius": 3, "sigma_space": 1.5, "sigma_color": 0.2}),  # aspect changes
    ((20, 20), (20, 20), {"radius": 1, "sigma_space": 0.5, "sigma_color": 0.05}),  # same size
])
def test_python_upsampling_matches_the_page_reference(photo_shape, map_shape, settings, tmp_path):
    rng = np.random.default_rng(sum(photo_shape))
    photo = rng.integers(0, 256, (*photo_shape, 3), dtype=np.uint8)
    mask = soft_disc(map_shape, seed=3)
    guide_low = resize_image(photo, map_shape) / 255.0
    guide = photo.astype(np.float32) / 255.0
    expected = upsample_in_js(mask, guide_low, guide, tmp_path, **settings)
    got = upsample.joint_bilateral_upsample(mask, guide_low, guide, **settings)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4


@needs_node
@pytest.mark.parametrize("photo_shape, map_shape, settings", [
    ((61, 47), (16, 12), {}),  # the page's defaults, odd sizes both ways
    ((40, 90), (24, 24), {"radius": 2, "epsilon": 1e-2}),  # aspect changes
    ((20, 20), (20, 20), {"radius": 1, "epsilon": 1e-4}),  # same size
])
def test_python_guided_filter_matches_the_page_reference(photo_shape, map_shape, settings, tmp_path):
    rng = np.random.default_rng(sum(photo_shape) + 1)
    photo = rng.integers(0, 256, (*photo_shape, 3), dtype=np.uint8)
    mask = soft_disc(map_shape, seed=4)
    guide_low = resize_image(photo, map_shape) / 255.0
    guide = photo.astype(np.float32) / 255.0
    expected = upsample_in_js(mask, guide_low, guide, tmp_path, mode="guided", **settings)
    got = upsample.guided_upsample(mask, guide_low, guide, **settings)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4


def test_python_defaults_are_the_pages():
    settings = PAGE_SETTINGS.read_text()

    def page_value(name: str) -> float:
        found = re.search(rf"^\s*{name}:\s*([0-9.e-]+)\s*,", settings, re.MULTILINE)
        assert found, f"{name} not found in {PAGE_SETTINGS.name}"
        return float(found.group(1))

    assert re.search(r"^\s*upsampling:\s*'guided'", settings, re.MULTILINE), "the page no longer uses the guided filter"
    assert page_value("bilateralRadius") == upsample.BILATERAL_RADIUS
    assert page_value("sigmaSpace") == upsample.BILATERAL_SIGMA_SPACE
    assert page_value("sigmaColor") == upsample.BILATERAL_SIGMA_COLOR
    assert page_value("guidedRadius") == upsample.GUIDED_RADIUS
    assert page_value("guidedEpsilon") == upsample.GUIDED_EPSILON
    fallback = re.search(r"BILATERAL_FALLBACK_WEIGHT\s*=\s*([0-9.e-]+)", PAGE_STAGE.read_text())
    assert fallback and float(fallback.group(1)) == upsample.BILATERAL_FALLBACK_WEIGHT


def test_a_flat_photo_gives_the_bilinear_map():
    # With no colour edges every tap's colour weight is 1: a spatial blur of the map, close to bilinear
    # on a smooth map, and exactly the map's value where the map is constant.
    photo = np.full((50, 40, 3), 128, dtype=np.uint8)
    constant = np.full((10, 8), 0.7, dtype=np.float32)
    assert np.allclose(upsample.upsample_probability(constant, photo, "bilateral"), 0.7, atol=1e-6)


@pytest.mark.parametrize("mode", ["bilateral", "guided"])
def test_the_mask_edge_follows_the_photo_edge(mode):
    # A photo whose left 21 columns are dark and the rest bright, and a coarse map whose edge falls a few
    # pixels off: bilinear keeps the map's blurry edge, the edge-aware map snaps to the photo's edge.
    photo = np.zeros((64, 64, 3), dtype=np.uint8)
    photo[:, 21:] = 230
    probability = np.zeros((8, 8), dtype=np.float32)
    probability[:, 3:] = 1.0  # the person starts at column 24 at full size, three pixels right of the edge
    truth = np.zeros((64, 64), dtype=bool)
    truth[:, 21:] = True
    bilinear = upsample.upsample_probability(probability, photo, "bilinear") >= 0.5
    edge_aware = upsample.upsample_probability(probability, photo, mode) >= 0.5
    assert np.count_nonzero(bilinear != truth) >= 64
    assert np.count_nonzero(edge_aware != truth) < np.count_nonzero(bilinear != truth) // 4


def test_bilinear_is_the_contract_resize(astronaut):
    probability = soft_disc((24, 24), seed=1)
    assert np.array_equal(upsample.upsample_probability(probability, astronaut, "bilinear"),
                          resize_probability(probability, astronaut.shape[:2]))


def test_unknown_mode_and_mismatched_guide_are_named():
    photo = np.zeros((10, 10, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="bilinear, bilateral"):
        upsample.upsample_probability(np.zeros((4, 4), np.float32), photo, "bicubic")
    with pytest.raises(ValueError, match="guide_low"):
        upsample.joint_bilateral_upsample(np.zeros((4, 4), np.float32), np.zeros((5, 4, 3)), np.zeros((10, 10, 3)))


def slow_guided_filter(p, guide_low, radius, epsilon):
    """He et al.'s guided filter written out window by window (the yardstick for the vectorised one)."""
    height, width = p.shape
    a = np.zeros((height, width, 3))
    b = np.zeros((height, width))
    for y in range(height):
        for x in range(width):
            window = (slice(max(y - radius, 0), y + radius + 1), slice(max(x - radius, 0), x + radius + 1))
            colours = guide_low[window].reshape(-1, 3).astype(np.float64)
            values = p[window].reshape(-1).astype(np.float64)
            mean_colour, mean_value = colours.mean(0), values.mean()
            covariance = (colours - mean_colour).T @ (colours - mean_colour) / len(values) + epsilon * np.eye(3)
            a[y, x] = np.linalg.solve(covariance, (colours - mean_colour).T @ (values - mean_value) / len(values))
            b[y, x] = mean_value - a[y, x] @ mean_colour

    def window_mean(field):
        return np.stack([np.mean(field[max(y - radius, 0):y + radius + 1, max(x - radius, 0):x + radius + 1], axis=(0, 1))
                         for y in range(height) for x in range(width)]).reshape(field.shape)
    return window_mean(a), window_mean(b)


def test_guided_filter_matches_the_window_by_window_definition():
    rng = np.random.default_rng(5)
    photo = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    p = soft_disc((9, 11), seed=2)
    guide = photo.astype(np.float32) / 255.0
    a, b = slow_guided_filter(p, guide, radius=2, epsilon=1e-2)
    expected = np.clip(np.einsum("ijk,ijk->ij", a, guide) + b, 0, 1)  # same size: no upsampling
    got = upsample.guided_upsample(p, guide, guide, radius=2, epsilon=1e-2)
    assert np.abs(got - expected).max() < 1e-4

