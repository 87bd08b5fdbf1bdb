"""The evaluate CLI end to end on a tiny mask folder, and its gallery.

Its one-line errors are cases of the table in tests/test_cli_robustness.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from greenscreen.cli_common import UsageError, parse_size
from greenscreen.evaluate import main
from greenscreen.gallery import WorstGallery

PHOTO_SIZES = [(48, 64), (40, 40), (64, 48), (50, 70), (33, 45), (64, 64)]


def red_person_model(size=(32, 32)) -> keras.Model:
    """Person = strongly red pixel; built-in layers only, so it saves and loads as a plain .keras file."""
    inputs = keras.Input((*size, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    conv = keras.layers.Conv2D(2, 1)
    outputs = keras.layers.Softmax()(conv(x))
    kernel = np.zeros((1, 1, 3, 2), "float32")
    kernel[0, 0, 0, 1] = 20.0
    conv.set_weights([kernel, np.array([0.0, -10.0], "float32")])
    return keras.Model(inputs, outputs, name="red_person")


@pytest.fixture(scope="module")
def mask_folder(tmp_path_factory) -> Path:
    """images/*.png + masks/*.png: dark noise with a red rectangle 'person', the mask marking it."""
    root = tmp_path_factory.mktemp("maskfolder")
    (root / "images").mkdir()
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for i, (height, width) in enumerate(PHOTO_SIZES):
        image = rng.integers(0, 90, (height, width, 3), dtype=np.uint8)
        mask = np.zeros((height, width), np.uint8)
        top, left = rng.integers(0, height // 3), rng.integers(0, width // 3)
        mask[top:top + height // 2, left:left + width // 2] = 1
        image[mask == 1, 0] = 255
        Image.fromarray(image).save(root / "images" / f"photo{i}.png")
        Image.fromarray(mask * 255).save(root / "masks" / f"photo{i}.png")
    return root


@pytest.fixture(scope="module")
def red_model_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models") / "red.keras"
    red_person_model().save(path)
    return path


def test_end_to_end_writes_scores_and_gallery(mask_folder, red_model_path, tmp_path, capsys):
    out = tmp_path / "eval" / "scores.json"
    assert main(["--model", str(red_model_path), "--data", str(mask_folder), "--json", str(out)]) == 0

    report = json.loads(out.read_text())
    assert report["n"] == len(PHOTO_SIZES)
    # The red detector finds the red rectangles; only resize blur at the edges costs IoU.
    assert report["miou"] > 85
    assert 0 <= report["dataset_iou"] <= 100 and report["dataset_iou"] > 85
    assert report["pixel_accuracy"] > 90 and 0 <= report["boundary_f"] <= 100
    assert report["model"] == str(red_model_path) and report["data"] == str(mask_folder)
    assert report["input_size"] == [32, 32] and report["tta"] is True
    per_image = report["per_image"]
    assert sorted(Path(r["name"]).stem for r in per_image) == [f"photo{i}" for i in range(len(PHOTO_SIZES))]
    assert np.mean([r["iou"] for r in per_image]) == pytest.approx(report["miou"], abs=1e-3)

    printed = capsys.readouterr().out
    for row in ("miou", "dataset_iou", "pixel_accuracy", "boundary_f", "ms/image"):
        assert re.search(rf"^{re.escape(row)}\s+[\d.]+$", printed, re.MULTILINE), row

    page = out.parent / "scores_gallery" / "index.html"
    html = page.read_text()
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == 3 * len(PHOTO_SIZES)  # image | truth | prediction per photo
    for source in sources:
        assert not Path(source).is_absolute()
        with Image.open(page.parent / source) as thumbnail:
            assert thumbnail.format == "JPEG"


def test_limit_no_tta_and_gallery_folder(mask_folder, red_model_path, tmp_path):
    out, gallery = tmp_path / "scores.json", tmp_path / "worst"
    args = ["--model", str(red_model_path), "--data", str(mask_folder), "--json", str(out),
            "--gallery", str(gallery), "--no-tta", "--limit", "2", "--worst", "1"]
    assert main(args) == 0
    report = json.loads(out.read_text())
    assert report["n"] == 2 and report["tta"] is False and len(report["per_image"]) == 2
    worst = min(report["per_image"], key=lambda r: r["iou"])
    html = (gallery / "index.html").read_text()
    assert html.count("<img ") == 3 and worst["name"] in html


@pytest.mark.parametrize("edge_aware", ["guided", "bilateral"])
def test_edge_aware_upsampling_scores_the_mask_the_page_shows(mask_folder, red_model_path, tmp_path, capsys, edge_aware):
    # The red rectangles' edges are colour edges: the page's guided filter (and its bilateral fallback)
    # puts the mask's edge on them, where the bilinear map stays as blurry as the 32x32 output.
    scores = {}
    for mode in ("bilinear", edge_aware):
        out = tmp_path / f"{mode}.json"
        assert main(["--model", str(red_model_path), "--data", str(mask_folder), "--json", str(out),
                     "--worst", "0", "--upsample", mode]) == 0
        report = json.loads(out.read_text())
        assert report["upsampling"] == mode
        assert f"{mode} upsampling" in capsys.readouterr().out
        scores[mode] = report["miou"]
    assert scores[edge_aware] > scores["bilinear"] + 1


def test_size_runs_the_same_weights_at_another_input_size(mask_folder, tmp_path):
    from greenscreen.model import build_model

    path = tmp_path / "tiny.keras"
    build_model("tiramisu56", (32, 32)).save(path)
    out = tmp_path / "scores.json"
    assert main(["--model", str(path), "--data", str(mask_folder), "--size", "64x32",
                 "--limit", "2", "--json", str(out), "--worst", "0"]) == 0
    report = json.loads(out.read_text())
    assert report["input_size"] == [64, 32] and report["model_name"] == "tiramisu56"
    assert not (tmp_path / "scores_gallery").exists()

    # A second pass at another size averaged in (the photo path's multi-scale TTA), and one that won't build.
    assert main(["--model", str(path), "--data", str(mask_folder), "--extra-size", "64", "--limit", "2",
                 "--json", str(out), "--worst", "0"]) == 0
    report = json.loads(out.read_text())
    assert report["input_size"] == [32, 32] and report["extra_sizes"] == [[64, 64]]
    assert main(["--model", str(path), "--data", str(mask_folder), "--extra-size", "48", "--limit", "2"]) == 2


@pytest.mark.parametrize("text, expected", [("320", (320, 320)), ("256x320", (256, 320)), ("64X96", (64, 96))])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["50", "0", "abc", "32x", "32x32x32", "-32"])
def test_parse_size_rejects(text):
    with pytest.raises(UsageError):
        parse_size(text)


def test_parse_size_takes_the_presets_multiple():
    assert parse_size("144", multiple=16) == (144, 144)
    with pytest.raises(UsageError, match="multiples of 32"):
        parse_size("144", multiple=32)


def test_gallery_keeps_the_k_worst_worst_first(tmp_path):
    gallery = WorstGallery(k=3)
    image = np.zeros((20, 30, 3), np.uint8)
    truth = np.zeros((20, 30), bool)
    truth[5:15, 5:20] = True
    for name, score in [("a", 0.9), ("b", 0.2), ("c", 0.95), ("d", 0.5), ("e", 0.1), ("f", 0.7)]:
        gallery.offer(name, image, truth, ~truth, score)
    assert [(e.name, e.iou) for e in gallery.entries()] == [("e", 0.1), ("b", 0.2), ("d", 0.5)]
    page = gallery.write(tmp_path / "g", title="<worst>")
    html = page.read_text()
    assert "&lt;worst&gt;" in html
    assert html.index(">e<") < html.index(">b<") < html.index(">d<")
    assert sorted(p.name for p in page.parent.glob("*.jpg")) == sorted(
        f"{rank:03d}_{kind}.jpg" for rank in (1, 2, 3) for kind in ("image", "truth", "prediction"))


def test_gallery_prediction_overlay_colours_errors_by_kind():
    from greenscreen.gallery import FALSE_PERSON_COLOUR, MISSED_PERSON_COLOUR, overlays

    image = np.zeros((2, 2, 3), np.uint8)
    truth = np.array([[1, 1], [0, 0]], bool)
    pred = np.array([[1, 0], [1, 0]], bool)
    _, pred_view = overlays(image, truth, pred)
    assert pred_view[0, 1].argmax() == int(np.argmax(MISSED_PERSON_COLOUR))  # missed person: blue
    assert pred_view[1, 0].argmax() == int(np.argmax(FALSE_PERSON_COLOUR))  # false person: red
    assert pred_view[0, 0].argmax() == 1 and not pred_view[1, 1].any()  # hit: green; background untouched
