"""Leaks, a lost WebGL context and the Canvas2D fallback with the frame path in its Worker (the page's
default): `pytest -m e2e tests/e2e/test_e2e_worker_robustness.py`.

tests/e2e/test_e2e_pipeline.py and test_e2e_long_session.py check the same on the main thread
(?framepath=main). Here TF.js and the compositor live in the Worker, on the OffscreenCanvas the page
handed over. The page's window.greenscreen.probe() gives tf.memory().numTensors and the
compositor's live GL objects from there; the Worker's own global `frameEngine` (engine/workerMain.js)
gives a test what window.greenscreen gives it on the main thread: the compositor, whose WebGL
context the test loses with WEBGL_lose_context as the main path's test does.
"""

from __future__ import annotations

import base64
import io
import time

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import PIN_BACKEND, open_app

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# skimage astronaut (512x512): the face, and a background corner (as in test_e2e_pipeline.py).
FACE = (slice(90, 160), slice(200, 260))
CORNER = (slice(0, 48), slice(464, 512))

WORKER_SCRIPT = "/js/engine/worker.js"
BACKGROUNDS = ["blur", "color", "none", "image:mountains", "image:beach"]
FRAMES_PER_SWITCH = 2  # a background switch every this many camera frames
SECONDS_PER_FRAME = 3  # a generous bound (measured: 0.35-0.6 s a frame on WASM on the 2-core box)
# The leak test's length: (background and source switches all told, camera frames). The default
# suite runs 24 and 30 (50-70 s on the busy 2-core box: each switch compiles a new pipeline on
# SwiftShader; a leak of one tensor or GL object a switch or a frame shows all the same);
# `make soak` (pytest -m soak) 100 and 100, as the main path's soak runs its full length.
LENGTHS = pytest.mark.parametrize(
    "switches, camera_frames",
    [pytest.param(24, 30, id="24-switches-30-frames"),
     pytest.param(100, 100, marks=pytest.mark.soak, id="100-switches-100-frames")],
)

NEW_PHOTO = """(before) => {
    if (document.getElementById('status-message').dataset.kind === 'error') return 'error';
    const g = window.greenscreen;
    return g.state.results > before && g.state.mode === 'photo' ? 'done' : null;
}"""

# In the Worker: resolves once the engine has a compositor other than the one noted before a switch.
NOTE_COMPOSITOR = "() => { self.__e2eCompositor = self.frameEngine.internals.compositor; }"
NEW_COMPOSITOR = """async (timeoutMs) => {
    const engine = self.frameEngine.internals;
    const deadline = performance.now() + timeoutMs;
    while (engine.compositor === self.__e2eCompositor) {
        if (performance.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
}"""

# In the Worker: the result canvas (the transferred OffscreenCanvas) as a PNG data URL.
RESULT_PNG = """async () => {
    const blob = await self.frameEngine.png();
    return blob && new FileReaderSync().readAsDataURL(blob);
}"""

# Prepended to worker.js: the canvas the page transfers (the 'init' call's) refuses WebGL, as the
# main path's fallback test makes the page's <canvas> refuse it; TF.js's own canvases keep theirs.
# The listener is added before workerMain.js sets onmessage, so it sees 'init' first.
NO_WEBGL_FOR_TRANSFERRED_CANVAS = """
(() => {
  const refused = new WeakSet();
  self.addEventListener('message', ({ data }) => {
    if (data && data.method === 'init') refused.add(data.args[0].canvas);
  });
  const original = OffscreenCanvas.prototype.getContext;
  OffscreenCanvas.prototype.getContext = function (type, ...rest) {
    if (refused.has(this) && (type === 'webgl2' || type === 'webgl')) return null;
    return original.call(this, type, ...rest);
  };
})();
"""


def frame_worker(app):
    """The Playwright Worker running the frame path (the WASM backend's threads are workers too)."""
    deadline = time.monotonic() + 30
    while True:
        found = [worker for worker in app.page.workers if worker.url.endswith(WORKER_SCRIPT)]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no frame path Worker among {[w.url for w in app.page.workers]}"
        time.sleep(0.1)


def choose_photo(app, path) -> None:
    before = app.evaluate("() => window.greenscreen.state.results")
    app.page.set_input_files("#photo-input", str(path))
    assert app.wait_for(NEW_PHOTO, 180, f"the result of {path}", before) == "done", app.status_text()


def choose_background(app, worker, value: str) -> None:
    """Pick a background in the page's select; returns once the Worker has built its compositor."""
    worker.evaluate(NOTE_COMPOSITOR)
    app.evaluate(
        """(value) => {
            const select = document.getElementById('background-select');
            select.value = value;
            select.dispatchEvent(new Event('change'));
        }""",
        value,
    )
    assert worker.evaluate(NEW_COMPOSITOR, 30_000), f"the Worker built no compositor for {value}: {app.status_text()!r}"


def frames(app) -> int:
    return app.evaluate("() => window.greenscreen.stats.frames")


def start_camera(app) -> None:
    app.page.click("#webcam-start")
    app.wait_for("() => window.greenscreen.state.webcam === 'on'", 60, "the camera to start")


def stop_camera(app) -> None:
    """Stop the camera; the page waits for the Worker's last frame (stopFrames) before 'off'."""
    app.page.click("#webcam-start")
    app.wait_for("() => window.greenscreen.state.webcam === 'off' && window.greenscreen.state.mode !== 'webcam'", 60, "the camera to stop")


def camera_round(app, count: int) -> None:
    """Start the camera, wait for `count` frames drawn, stop it."""
    first = frames(app)
    start_camera(app)
    app.wait_for(f"() => window.greenscreen.stats.frames >= {first + count}", 120, f"{count} camera frames")
    stop_camera(app)


def resources(app) -> dict:
    """Tensors and live GL objects, read in the Worker (window.greenscreen.probe())."""
    found = app.evaluate("async () => window.greenscreen.probe()")
    return {"tensors": found["numTensors"], "gl": found["resources"]["live"]}


def textures_created(app) -> int:
    return app.evaluate("async () => (await window.greenscreen.probe()).resources.counts.textures.created")


def png_pixels(data_url: str, mode: str = "RGB") -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert(mode), dtype=np.int16)


@LENGTHS
def test_no_tensor_or_gl_object_leaks_in_the_worker_over_switches_and_frames(
    browser, light_server, fake_camera_y4m, astronaut_png, switches, camera_frames
):
    # WASM: the camera runs several frames a second here (SwiftShader's WebGL about one).
    app, context = open_app(browser, light_server, backend="wasm", where=None)
    try:
        assert app.evaluate("() => window.greenscreen.framePath") == "worker"
        worker = frame_worker(app)
        assert worker.evaluate("() => self.frameEngine.internals.compositor.kind") == "webgl2"
        choose_photo(app, astronaut_png)
        # One camera round before the baseline: the first frames' one-time allocations are no leak.
        camera_round(app, 3)
        choose_photo(app, astronaut_png)
        choose_background(app, worker, "image:beach")
        before = resources(app)
        assert before["tensors"] > 0 and sum(before["gl"].values()) > 0, before
        created_before = textures_created(app)
        total, switches = switches, 0

        # Camera frames, with a background switch every few frames (each rebuilds the pipeline the
        # next frame needs: a switch at every frame would leave the camera hardly any time).
        start_camera(app)
        first = frames(app)
        deadline = time.monotonic() + camera_frames * SECONDS_PER_FRAME
        while (drawn := frames(app) - first) < camera_frames:
            assert time.monotonic() < deadline, f"only {drawn} camera frames in {camera_frames * SECONDS_PER_FRAME} s"
            if drawn >= FRAMES_PER_SWITCH * switches:
                choose_background(app, worker, BACKGROUNDS[switches % len(BACKGROUNDS)])
                switches += 1
            else:
                time.sleep(0.05)
        stop_camera(app)
        during_camera = switches

        # Source switches: photo -> camera -> photo, twice.
        for _ in range(2):
            choose_photo(app, astronaut_png)
            camera_round(app, 2)
            switches += 2
        choose_photo(app, astronaut_png)
        switches += 1
        # The rest of the background switches on the photo.
        while switches < total - 2:
            choose_background(app, worker, BACKGROUNDS[switches % len(BACKGROUNDS)])
            switches += 1
        choose_background(app, worker, "image:mountains")
        choose_background(app, worker, "image:beach")  # the baseline's background again
        switches += 2

        after = resources(app)
        made = textures_created(app) - created_before
        print(f"\n{switches} switches ({during_camera} during {drawn} camera frames); baseline {before}, after {after}; textures created {made}")
        assert after["tensors"] == before["tensors"], f"tf.memory().numTensors in the Worker {before['tensors']} -> {after['tensors']}"
        assert after["gl"] == before["gl"], f"live GL objects in the Worker {before['gl']} -> {after['gl']}"
        # Every switch built a new pipeline (a photo's has 8 textures): the test did rebuild.
        assert made >= 4 * switches, f"only {made} textures created over {switches} switches"
        assert app.console_errors == []
    finally:
        context.close()


# In the Worker: lose the compositor's WebGL context as the main path's test loses the page canvas's
# (WEBGL_lose_context), wait for the event, and report the compositor while it is lost.
LOSE_CONTEXT = """async () => {
    const compositor = self.frameEngine.internals.compositor;
    const canvas = compositor.gl.canvas;  // the OffscreenCanvas the page transferred
    self.__e2eLose = compositor.gl.getExtension('WEBGL_lose_context');
    const lost = new Promise((resolve) => {
        canvas.addEventListener('webglcontextlost', () => resolve('lost'), {once: true});
        setTimeout(() => resolve('no webglcontextlost event within 30 s'), 30000);
    });
    self.__e2eLose.loseContext();
    const outcome = await lost;
    if (outcome !== 'lost') return {error: outcome};
    await new Promise((resolve) => setTimeout(resolve, 0));  // the handlers' preventDefault() is read after the dispatch
    return {lost: compositor.contextLost, readable: compositor.readMask('coverage'), same: compositor === self.frameEngine.internals.compositor};
}"""

# In the Worker: whether the mask on screen stayed on the GPU (TF.js computes in the compositor's context).
MASK_ON_GPU = "() => !!self.frameEngine.internals.lastMask?.gpu"

RESTORE_CONTEXT = """async () => {
    const compositor = self.frameEngine.internals.compositor;
    const canvas = compositor.gl.canvas;
    const restored = new Promise((resolve) => {
        canvas.addEventListener('webglcontextrestored', () => resolve('restored'), {once: true});
        setTimeout(() => resolve('no webglcontextrestored event within 30 s'), 30000);
    });
    self.__e2eLose.restoreContext();
    const outcome = await restored;
    if (outcome !== 'restored') return {error: outcome};
    await new Promise((resolve) => setTimeout(resolve, 50));
    return {lost: compositor.contextLost, losses: compositor.contextLosses, glLost: compositor.gl.isContextLost()};
}"""


def test_a_lost_webgl_context_in_the_worker_is_rebuilt_and_the_camera_goes_on(browser, light_server, fake_camera_y4m):
    # TF.js on WebGL computes in the compositor's context (the GPU default): losing it takes both
    # the compositor and the model, and the engine reloads the model once the context is back.
    app, context = open_app(browser, light_server, backend="webgl", where=None)
    try:
        assert app.evaluate("() => window.greenscreen.framePath") == "worker"
        worker = frame_worker(app)
        assert worker.evaluate("() => [tf.getBackend(), self.frameEngine.internals.compositor.kind]") == ["webgl", "webgl2"]
        camera_round(app, 1)  # the baseline after the first frame's one-time allocations
        before = resources(app)
        start_camera(app)
        app.wait_for(f"() => window.greenscreen.stats.frames >= {frames(app) + 1}", 180, "a camera frame")
        app.evaluate("() => { window.__e2eStream = window.greenscreen.captureStream(10); }")
        assert worker.evaluate(MASK_ON_GPU), "the camera's masks should stay in the compositor's context"

        state = worker.evaluate(LOSE_CONTEXT)
        assert "error" not in state, state
        assert state == {"lost": True, "readable": None, "same": True}, state
        said = app.wait_for(
            "() => { const t = document.getElementById('status-message').textContent; return t.includes('GPU context was lost') ? t : null; }",
            30,
            "the status line to say the GPU context was lost",
        )
        # While lost, frames are skipped (no error, no frame drawn): the model waits for the context.
        stalled = frames(app)
        time.sleep(2)
        assert frames(app) == stalled, "frames were drawn on a lost context"
        assert app.evaluate("() => window.greenscreen.state.webcam") == "on"

        state = worker.evaluate(RESTORE_CONTEXT)
        assert state == {"lost": False, "losses": 1, "glLost": False}, state
        recovered = app.wait_for(
            "() => { const t = document.getElementById('status-message').textContent; return t.includes('Recovered from a lost GPU context') ? t : null; }",
            180,
            "the status line to say the model was restarted",
        )
        assert "webgl" in recovered and "1 so far" in recovered, recovered
        resumed = frames(app)
        app.wait_for(f"() => window.greenscreen.stats.frames >= {resumed + 2}", 180, "camera frames after the restore")
        # TF.js computes in the restored compositor context again (not a canvas of its own).
        assert worker.evaluate("() => tf.getBackend()") == "webgl" and worker.evaluate(MASK_ON_GPU)
        assert app.evaluate("() => window.__e2eStream.getVideoTracks()[0].readyState") == "live"
        pixels = png_pixels(worker.evaluate(RESULT_PNG))
        assert pixels.shape == (480, 640, 3) and pixels.std() > 20, f"the camera's result after the restore is blank ({pixels.std():.1f})"
        stop_camera(app)
        # The pipeline was rebuilt on the restored context at the same size, the models reloaded:
        # as many GL objects and tensors as before the loss.
        after = resources(app)
        print(f"\nwhile lost: {said!r}; after: {recovered!r}; before {before}, after {after}")
        assert after == before, f"after the recovery {after} vs {before}"
        assert app.console_errors == []
    finally:
        context.close()


def test_canvas2d_compositor_in_the_worker_without_webgl_on_the_transferred_canvas(browser, light_server, astronaut_png):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        # TF.js on WASM: the compositor is what this test is about, and WebGL would add ~15 s here.
        context.add_init_script(f"({PIN_BACKEND})('wasm')")

        def refuse_webgl(route):
            response = route.fetch()
            route.fulfill(response=response, body=NO_WEBGL_FOR_TRANSFERRED_CANVAS + response.text())

        context.route(f"**{WORKER_SCRIPT}", refuse_webgl)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(light_server.url)  # the default: the frame path in its Worker
        failure = page.evaluate("() => window.greenscreen.ready.then(() => null, (e) => String(e && e.message || e))")
        assert failure is None, failure
        assert page.evaluate("() => [window.greenscreen.framePath, window.greenscreen.compositorKind]") == ["worker", "canvas2d"]
        worker = next(w for w in page.workers if w.url.endswith(WORKER_SCRIPT))
        assert worker.evaluate("() => self.frameEngine.internals.compositor.kind") == "canvas2d"
        assert worker.evaluate("() => tf.getBackend()") == "wasm"

        page.set_input_files("#photo-input", str(astronaut_png))
        for _ in range(720):
            if page.evaluate("() => window.greenscreen.state.results > 0 && window.greenscreen.state.mode === 'photo'"):
                break
            page.wait_for_timeout(250)
        pixels = png_pixels(worker.evaluate(RESULT_PNG))
        photo = np.asarray(Image.open(astronaut_png).convert("RGB"), dtype=np.int16)
        assert pixels.shape == (512, 512, 3)
        assert np.abs(pixels[FACE] - photo[FACE]).mean() < 12, "the face changed"
        assert np.abs(pixels[CORNER] - photo[CORNER]).mean() > 8, "the background was not replaced"
        probe = page.evaluate("async () => window.greenscreen.probe()")
        assert probe["compositorKind"] == "canvas2d" and probe["mode"] == "photo" and probe["resources"] is None, probe
        assert errors == []
    finally:
        context.close()
