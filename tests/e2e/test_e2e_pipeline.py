"""The WebGL2 compositing pipeline in headless Chromium: `pytest -m e2e tests/e2e/test_e2e_pipeline.py`.

Each GPU stage is run on a tiny known input and read back with gl.readPixels against its JS
reference (window.greenscreen.pipelineSelfTest()); then the real page: every background kind on a
photo, no GL object leaked over 100 background/source switches (20 in the default suite, 100 in
`make soak`), a lost WebGL context rebuilt while a captureStream() goes on, and the Canvas2D
fallback when the canvas has no WebGL2.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import PIN_BACKEND
from tests.e2e.probes import SELF_TEST_CASES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# skimage astronaut (512x512): the face, and a background corner.
FACE = (slice(90, 160), slice(200, 260))
CORNER = (slice(0, 48), slice(464, 512))
DEFAULT_COLOR = (0x1F, 0x8A, 0x4C)  # config.js DEFAULT_COMPOSITOR_CONFIG.color

READ_CANVAS = "() => document.getElementById('result').toDataURL('image/png')"

# Makes the result canvas refuse WebGL2 (as on a browser without it); TF.js's own canvas keeps it.
NO_WEBGL2_FOR_RESULT = """
const original = HTMLCanvasElement.prototype.getContext;
HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
  if (this.id === 'result' && (type === 'webgl2' || type === 'webgl')) return null;
  return original.call(this, type, ...rest);
};
"""


@pytest.fixture()
def app(shared_pages, server):
    """One page for the module (WebGL, the shipped photo model, loaded once); each test uploads its
    photo and picks its background itself."""
    return shared_pages.get(server)


def sure_background(probability: np.ndarray, margin: int = 8) -> np.ndarray:
    """Pixels the page's mask leaves fully uncovered (p below the default coverage ramp's 0.3),
    eroded by `margin` pixels so the edge-aware upsampling's shifts near the person do not count."""
    from numpy.lib.stride_tricks import sliding_window_view

    below = probability < 0.25
    padded = np.pad(below, margin, constant_values=True)  # outside the frame is not the person
    rows = sliding_window_view(padded, 2 * margin + 1, axis=1).all(axis=-1)
    return sliding_window_view(rows, 2 * margin + 1, axis=0).all(axis=-1)


def canvas_pixels(app) -> np.ndarray:
    """The #result canvas as an RGBA uint8 array (PNG round trip: straight, not premultiplied)."""
    url = app.evaluate(READ_CANVAS)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA"))


def choose_background(app, value: str) -> None:
    """Pick a background in the page's select and wait for the rebuilt compositor's first render."""
    app.evaluate("() => { window.__e2eCompositor = window.greenscreen.compositor; }")
    app.page.select_option("#background-select", value)
    app.wait_for(
        "() => window.greenscreen.compositor !== window.__e2eCompositor && window.greenscreen.compositor.settings.background",
        30,
        f"the {value} background",
    )


def test_every_gpu_stage_matches_its_reference(app):
    assert app.evaluate("() => window.greenscreen.compositorKind") == "webgl2"
    result = app.evaluate("() => window.greenscreen.pipelineSelfTest()")
    cases = {case["name"]: case for case in result["cases"]}
    failures = [f"{name}: max error {case['maxError']:.4f} > {case['tolerance']:.4f}" for name, case in cases.items() if not case["ok"]]
    assert failures == [], failures
    assert len(cases) == SELF_TEST_CASES, sorted(cases)
    # The model input is the Python resize to the byte (PIL bilinear) on the GPU too, and the mask
    # TF.js leaves on the GPU is read in its own layout.
    assert "stretch 13x7 to 5x9 like PIL" in cases and "upsample bilateral from the dense GPU mask layout" in cases
    # The joint bilateral filter puts the step edge closer to the frame's edge than bilinear does.
    bilateral = cases["upsample bilateral 4x4 to 8x8 step edge"]["errorToIdeal"]
    bilinear = cases["upsample bilinear 4x4 to 8x8 step edge"]["errorToIdeal"]
    assert bilateral < 0.6 * bilinear, f"bilateral {bilateral:.3f} vs bilinear {bilinear:.3f}"
    # So does the guided filter, which SwiftShader runs for real (it renders float targets). Less so on
    # this tiny mask: inside one colour it keeps the window's mean (0.15 for the 0 and 0.3 texels).
    assert result["formats"]["floatTargets"]
    for layout in ("values", "rows"):
        guided = cases[f"upsample guided 4x4 to 8x8 step edge ({layout} layout)"]
        assert guided["modeInUse"] == "guided"
        assert guided["errorToIdeal"] < 0.7 * bilinear, f"guided {guided['errorToIdeal']:.3f} vs bilinear {bilinear:.3f}"
    # The person-weighted blur keeps the red person out of the blue/green background.
    assert cases["person-weighted blur"]["redOnBackground"] < 0.05
    # The self-test's own GL objects are all gone.
    assert all(count == 0 for count in result["leaks"].values()), result["leaks"]
    assert app.console_errors == []


def test_photo_with_every_background_kind(app, astronaut_png):
    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    # The mask edge comes from the guided filter (the pipeline's default).
    assert app.evaluate("() => window.greenscreen.compositor.upsamplingInUse") == "guided"
    photo = np.asarray(Image.open(astronaut_png).convert("RGB"), dtype=np.int16)
    probability = np.asarray(Image.fromarray(app.last_mask(), mode="F").resize((512, 512), Image.BILINEAR))
    mask = probability > 0.5
    # Sure background by the page's own mask (whatever the model): what each kind must replace.
    background = sure_background(probability)
    assert background.sum() > 5000, f"the model finds only {background.sum()} background pixels"

    for value in ["image:beach", "blur", "color", "none"]:
        choose_background(app, value)
        pixels = canvas_pixels(app)
        assert pixels.shape == (512, 512, 4), f"{value}: canvas is {pixels.shape}"
        rgb = pixels[..., :3].astype(np.int16)
        face = np.abs(rgb[FACE] - photo[FACE]).mean()
        assert face < 12, f"{value}: the face changed (mean difference {face:.1f})"
        if value == "color":
            worst = np.abs(rgb[background] - np.array(DEFAULT_COLOR)).max()
            assert worst <= 2, f"a background pixel is {worst} levels off the colour"
        elif value == "none":
            alpha = pixels[..., 3] > 127
            agreement = (alpha & mask).sum() / max((alpha | mask).sum(), 1)
            assert agreement > 0.9, f"alpha vs mask IoU {agreement:.3f}"
            assert pixels[..., 3][background].max() == 0, "the background is not transparent"
        else:
            assert (pixels[..., 3] == 255).all(), f"{value}: the result has transparent pixels"
        if value == "image:beach":
            change = np.abs(rgb[background] - photo[background]).mean()
            assert change > 20, f"the background still looks like the photo (mean difference {change:.1f})"
        if value == "blur":
            # Blurred: far less fine detail (neighbour differences) in the background than the photo has.
            inner = background[:, 1:] & background[:, :-1]
            detail = np.abs(np.diff(rgb, axis=1))[inner].mean()
            photo_detail = np.abs(np.diff(photo, axis=1))[inner].mean()
            assert detail < 0.5 * photo_detail, f"blur detail {detail:.2f} vs photo {photo_detail:.2f}"
    assert app.console_errors == []


@pytest.mark.parametrize("switches", [20, pytest.param(100, marks=pytest.mark.soak)])
def test_no_gl_objects_leak_over_background_and_source_switches(app, astronaut_png, switches):
    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    choose_background(app, "image:beach")
    before = app.evaluate("() => window.greenscreen.compositor.resources()")
    outcome = app.evaluate(
        """async (switches) => {
            const g = window.greenscreen;
            const select = document.getElementById('background-select');
            const kinds = ['blur', 'color', 'none', 'image:beach'];
            const other = document.createElement('canvas');
            const mask = g.lastMask;
            for (let i = 0; i < switches; i++) {
                const previous = g.compositor;
                select.value = kinds[i % kinds.length];
                select.dispatchEvent(new Event('change'));
                while (g.compositor === previous) await new Promise((r) => setTimeout(r, 5));
                // another source size: the pipeline rebuilds its size-bound textures
                other.width = 200 + (i % 7) * 13;
                other.height = 150 + (i % 5) * 11;
                other.getContext('2d').fillRect(0, 0, 10, 10);
                g.compositor.render(other, mask);
            }
            // back to the photo at its own size
            select.value = 'image:beach';
            const last = g.compositor;
            select.dispatchEvent(new Event('change'));
            while (g.compositor === last) await new Promise((r) => setTimeout(r, 5));
            return g.compositor.resources();
        }""",
        switches,
    )
    assert outcome["live"] == before["live"], f"live GL objects before {before['live']}, after {outcome['live']}"
    made = outcome["counts"]["textures"]["created"] - before["counts"]["textures"]["created"]
    assert made >= 2 * switches * 5, f"only {made} textures were created: the switches did not rebuild"
    assert app.console_errors == []


def test_lost_context_is_rebuilt_and_the_stream_goes_on(open_page, server, astronaut_png):
    app = open_page(server)  # its own page: losing the context TF.js computes in is no state to hand on
    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    choose_background(app, "color")
    photo = np.asarray(Image.open(astronaut_png).convert("RGB"), dtype=np.int16)
    background = sure_background(np.asarray(Image.fromarray(app.last_mask(), mode="F").resize((512, 512), Image.BILINEAR)))
    before = app.evaluate("() => window.greenscreen.compositor.resources().live")
    state = app.evaluate(
        """async () => {
            const g = window.greenscreen;
            window.__e2eStream = g.captureStream(10);
            const canvas = document.getElementById('result');
            const lose = canvas.getContext('webgl2').getExtension('WEBGL_lose_context');
            const event = (name) => Promise.race([
                new Promise((r) => canvas.addEventListener(name, () => r(name), {once: true})),
                new Promise((r) => setTimeout(() => r(`no ${name} event within 30 s`), 30000)),
            ]);
            const lost = event('webglcontextlost');
            lose.loseContext();
            if (await lost !== 'webglcontextlost') return {error: await lost};
            // Chrome reads the handlers' preventDefault() only once the dispatch is over.
            await new Promise((r) => setTimeout(r, 0));
            const whileLost = {lost: g.compositor.contextLost, readable: g.compositor.readMask('coverage')};
            const restored = event('webglcontextrestored');
            lose.restoreContext();
            if (await restored !== 'webglcontextrestored') return {error: await restored};
            await new Promise((r) => setTimeout(r, 50));
            return {whileLost, lostAfter: g.compositor.contextLost, losses: g.compositor.contextLosses,
                    track: window.__e2eStream.getVideoTracks()[0].readyState};
        }"""
    )
    assert "error" not in state, state
    assert state["whileLost"] == {"lost": True, "readable": None}, state
    assert state["lostAfter"] is False and state["losses"] == 1
    assert state["track"] == "live"
    # The restored context redrew the photo result by itself.
    pixels = canvas_pixels(app)
    face = np.abs(pixels[..., :3].astype(np.int16)[FACE] - photo[FACE]).mean()
    assert face < 12, f"after the restore the face differs by {face:.1f}"
    assert np.abs(pixels[..., :3].astype(np.int16)[background] - np.array(DEFAULT_COLOR)).max() <= 2
    assert app.evaluate("() => window.greenscreen.compositor.resources().live") == before
    assert app.console_errors == []


def test_canvas2d_fallback_without_webgl2(browser, light_server, astronaut_png):
    # The light live model answers the photo (the fallback compositor is the point, not the photo model).
    server = light_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(f"({PIN_BACKEND})('webgl')")  # TF.js on WebGL, as a visitor chose
        context.add_init_script(NO_WEBGL2_FOR_RESULT)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(server.url + "?framepath=main")  # the page's own canvas, without WebGL2
        failure = page.evaluate("() => window.greenscreen.ready.then(() => null, (e) => String(e && e.message || e))")
        assert failure is None, failure
        assert page.evaluate("() => window.greenscreen.compositorKind") == "canvas2d"
        assert page.evaluate("() => tf.getBackend()") == "webgl", "TF.js keeps its own WebGL canvas"
        page.set_input_files("#photo-input", str(astronaut_png))
        for _ in range(720):
            if page.evaluate("() => window.greenscreen.state.mode === 'photo'"):
                break
            page.wait_for_timeout(250)
        url = page.evaluate(READ_CANVAS)
        pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"), dtype=np.int16)
        photo = np.asarray(Image.open(astronaut_png).convert("RGB"), dtype=np.int16)
        assert pixels.shape == (512, 512, 3)
        assert np.abs(pixels[FACE] - photo[FACE]).mean() < 12, "the face changed"
        assert np.abs(pixels[CORNER] - photo[CORNER]).mean() > 8, "the background was not replaced"
        assert errors == []
    finally:
        context.close()
