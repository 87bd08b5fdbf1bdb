"""Photo flow in headless Chromium: `pytest -m e2e tests/e2e/test_e2e_photo.py`.

A real photo goes in through #photo-input; the page must find the person (checked against a true
mask for a portrait from ../shared/data, or hand-marked regions of skimage's astronaut), draw the
result at the photo's size, offer it as a PNG, and never send anything anywhere.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Person IoU of the thresholded browser mask against the true mask, per portrait. The shipped
# model scores well above this on portraits/test; a broken resize, channel order, flip or
# upsampling falls far below it.
PORTRAIT_MIN_IOU = 0.80
PORTRAIT_COUNT = 2
# The compositor's alpha (background "none") must follow the page's own mask.
ALPHA_MIN_IOU = 0.90

# Astronaut (512x512), which has no true mask: the face box (x0, y0, x1, y1) must be person, and the
# browser's mask must match what the photo model behind static/model/photo/ predicts for the same photo
# in Python (docs/model-contract.md), which catches a wrong resize, channel order, flip or upsampling
# whatever the model's quality.
ASTRONAUT_FACE = (190, 80, 265, 170)
KERAS_MODEL = Path(__file__).resolve().parents[2] / "models" / "photo.keras"
EXPORTED_CARD = Path(__file__).resolve().parents[2] / "static" / "model" / "photo" / "model-card.json"
PARITY_MIN_IOU = 0.90
# Mean |browser − Python| person probability over the photo: float16 weights and the GPU's arithmetic
# stay far below this; the photo path without its 256x256 pass differs by 0.023 on the astronaut.
PARITY_MAX_MEAN_DIFFERENCE = 0.004


@pytest.fixture()
def app(shared_pages, server):
    """One page for the module (WebGL, the shipped photo model, loaded once)."""
    return shared_pages.get(server)


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    union = np.logical_or(pred, truth).sum()
    return 1.0 if union == 0 else float(np.logical_and(pred, truth).sum() / union)


def mask_at(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """Person probability bilinearly upsampled to width x height (docs/model-contract.md)."""
    return np.asarray(Image.fromarray(mask, mode="F").resize((width, height), Image.BILINEAR))


def box_fraction(person: np.ndarray, box, scale: float = 1.0) -> float:
    x0, y0, x1, y1 = (round(v * scale) for v in box)
    return float(person[y0:y1, x0:x1].mean())


def photo_cases(data_dir_or_none, astronaut_png):
    cases = [("astronaut", astronaut_png, None)]
    if data_dir_or_none is not None:
        folder = data_dir_or_none / "portraits" / "test"
        for image in sorted((folder / "images").glob("*.jpg"))[:PORTRAIT_COUNT]:
            mask_path = folder / "masks" / f"{image.stem}.png"
            if mask_path.is_file():
                cases.append((f"portrait {image.stem}", image, np.asarray(Image.open(mask_path).convert("L")) > 127))
    return cases


def extra_sizes() -> list[list[int]]:
    """The photo path's extra input sizes, as the exported card gives them to the page."""
    return json.loads(EXPORTED_CARD.read_text()).get("extra_input_sizes", []) if EXPORTED_CARD.is_file() else []


def keras_person_probability(path) -> np.ndarray:
    """The Python reference: the same photo through models/photo.keras (flip TTA and the card's extra
    sizes, as the page), at the photo's size."""
    if not KERAS_MODEL.is_file():
        pytest.skip(f"{KERAS_MODEL} is missing: no Python reference for the browser's mask")
    import keras

    from greenscreen.model import with_input_size
    from greenscreen.predict import person_probability

    model = keras.saving.load_model(KERAS_MODEL, compile=False)
    extra_models = [with_input_size(model, tuple(size)) for size in extra_sizes()]
    return person_probability(model, np.asarray(Image.open(path).convert("RGB")), extra_models=extra_models)


def download_png(app, photo_path) -> Image.Image:
    """Click #download; the file is a PNG named after the photo (holiday.jpg -> holiday-greenscreen.png)."""
    with app.page.expect_download() as download_info:
        app.page.click("#download")
    name = download_info.value.suggested_filename
    assert name == f"{Path(photo_path).stem}-greenscreen.png", f"the download is called {name!r}"
    path = download_info.value.path()
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "the download is not a PNG"
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("case", range(1 + PORTRAIT_COUNT), ids=["astronaut"] + [f"portrait-{i}" for i in range(PORTRAIT_COUNT)])
def test_photo_is_segmented_composited_and_downloadable(app, astronaut_png, optional_data_dir, case):
    assert "webgl" in app.status_text(), "#status should name the backend"
    assert app.evaluate("() => tf.getBackend()") == "webgl"
    # Background "none" makes the download's alpha channel the composited mask.
    app.page.select_option("#background-select", "none")
    app.wait_for("() => window.greenscreen.compositor?.settings.background === 'none'", 30, "the none background")

    cases = photo_cases(optional_data_dir, astronaut_png)
    if case >= len(cases):
        pytest.skip("no portraits/test photo with a mask in the data folder")
    name, path, truth = cases[case]
    width, height = Image.open(path).size
    assert app.upload_photo(str(path)) == "done", f"{name}: {app.status_text()}"
    canvas = app.evaluate("() => [document.getElementById('result').width, document.getElementById('result').height]")
    assert canvas == [width, height], f"{name}: #result is {canvas}, the photo is {width}x{height}"

    probability = mask_at(app.last_mask(), width, height)
    person = probability > 0.5
    if truth is not None:
        score = iou(person, truth)
        assert score >= PORTRAIT_MIN_IOU, f"{name}: person IoU {score:.3f} < {PORTRAIT_MIN_IOU}"
    else:
        fraction = box_fraction(person, ASTRONAUT_FACE, width / 512)
        assert fraction >= 0.85, f"{name}: only {fraction:.0%} of the face is person"
        reference = keras_person_probability(path)
        agreement = iou(person, reference > 0.5)
        assert agreement >= PARITY_MIN_IOU, f"{name}: browser vs Keras mask IoU {agreement:.3f}"
        difference = float(np.abs(probability - reference).mean())
        assert difference < PARITY_MAX_MEAN_DIFFERENCE, f"{name}: browser vs Keras probability differs by {difference:.4f}"
        sizes = app.evaluate("() => window.greenscreen.segmenters.photo.photoSizes")
        card_size = json.loads(EXPORTED_CARD.read_text())["input_size"]
        assert sizes == [card_size] + extra_sizes(), f"the photo path ran {sizes}"

    # The model panel names the model that made this result: the photo model.
    assert app.evaluate("() => window.greenscreen.state.resultModel") == "photo"
    assert "photo model" in app.page.inner_text("#model-used"), app.page.inner_text("#model-used")

    png = download_png(app, path)
    assert png.size == (width, height), f"{name}: PNG is {png.size}, the photo is {width}x{height}"
    assert png.mode == "RGBA"
    alpha = np.asarray(png)[..., 3] > 127
    agreement = iou(alpha, person)
    assert agreement >= ALPHA_MIN_IOU, f"{name}: PNG alpha vs mask IoU {agreement:.3f}"
    # Where the person is, the photo's own pixels come through.
    photo = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
    inside = alpha & person
    difference = np.abs(np.asarray(png.convert("RGB"), dtype=np.int16) - photo)[inside].mean()
    assert difference < 12, f"{name}: person pixels differ from the photo by {difference:.1f} on average"

    assert app.network.problems(app.server.origin) == []
    assert app.console_errors == []


def test_result_keeps_size_with_a_background_picture(app, astronaut_png):
    # The default background (a picture) is scaled to cover the photo; the result stays photo-sized.
    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    png = download_png(app, astronaut_png)
    assert png.size == (512, 512)
    rgb = np.asarray(png.convert("RGB"), dtype=np.int16)
    photo = np.asarray(Image.open(astronaut_png).convert("RGB"), dtype=np.int16)
    # Where the page's own mask says background, the picture replaces the photo; the face is kept.
    background = mask_at(app.last_mask(), 512, 512) < 0.2
    assert background.mean() > 0.05, "the mask leaves no background to replace"
    replaced = np.abs(rgb - photo).mean(axis=-1)[background].mean()
    face = np.abs(rgb[90:160, 200:260] - photo[90:160, 200:260]).mean()
    assert replaced > 20, f"the background still looks like the photo (mean difference {replaced:.1f})"
    assert face < 12, f"the face was changed (mean difference {face:.1f})"
    assert app.network.problems(app.server.origin) == []
