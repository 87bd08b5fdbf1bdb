"""Fixtures for the browser tests: the real dev server in a thread and Debian's headless Chromium.

    pytest -m e2e                        # only these (slow: SwiftShader runs WebGL on the CPU)
    pytest -m "not e2e and not slow"     # the quick suite without them

Chromium is Debian's (`apt-get install chromium`), driven by Playwright's Python client; Playwright's
own browser download is never used. Tests are skipped with the reason when Chromium, Playwright,
ffmpeg (webcam tests) or the exported models (static/model/live/ and static/model/photo/) are missing.
GREENSCREEN_E2E_MODEL_DIR points the server at another folder holding live/ and photo/.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from web.harness import CAMERA_SIZE, Server, chromium_args, find_chromium, panning_camera_clip, start_server

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = REPO_ROOT / "static" / "model"

# SwiftShader runs WebGL on the CPU: one inference can take a second or more on a busy machine,
# and the first one also compiles every shader.
READY_TIMEOUT_S = 300
PHOTO_TIMEOUT_S = 180


# ---------------------------------------------------------------- the soak lane


def pytest_collection_modifyitems(config, items):
    """Soak tests (marker `soak`: the full-length runs) are left out unless -m names them.

    `make soak` runs `pytest -m soak`; `pytest`, `pytest -m e2e` and `make test` run the short
    versions only (each soak test is the same body as a short one, at full length).
    """
    if "soak" in (config.option.markexpr or ""):
        return  # -m chose for itself: "soak", "not soak", "e2e and soak", …
    soak = [item for item in items if item.get_closest_marker("soak")]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [item for item in items if not item.get_closest_marker("soak")]


# ---------------------------------------------------------------- server (web/harness.py starts it)


def model_dir() -> Path:
    return Path(os.environ.get("GREENSCREEN_E2E_MODEL_DIR") or DEFAULT_MODEL_DIR)


MODEL_KINDS = ("live", "photo")  # static/js/settings/config.js MODELS


@pytest.fixture(scope="session")
def server():
    """The app serving static/ with the shipped models; skips when one has not been exported."""
    folder = model_dir()
    for kind in MODEL_KINDS:
        if not (folder / kind / "model.json").is_file():
            pytest.skip(f"no exported {kind} model in {folder / kind}: run `python convert/export_tfjs.py`")
    handle, stop = start_server({"MODEL_DIR": folder})
    yield handle
    stop()


@pytest.fixture(scope="session")
def light_server(tmp_path_factory):
    """The app with the light live model in both folders: a photo runs the live model too.

    For tests about the page's wiring (errors, options, recording, stats, video files), not about the
    photo model: loading the 3.2 M-parameter photo model costs more than the test itself.
    """
    source = model_dir() / "live"
    if not (source / "model.json").is_file():
        pytest.skip(f"no exported live model in {source}: run `python convert/export_tfjs.py`")
    folder = tmp_path_factory.mktemp("light-models")
    for kind in MODEL_KINDS:
        shutil.copytree(source, folder / kind)
    handle, stop = start_server({"MODEL_DIR": folder})
    yield handle
    stop()


@pytest.fixture()
def server_without_model(tmp_path):
    """The app with MODEL_DIR pointing at an empty folder."""
    empty = tmp_path / "no-model"
    empty.mkdir()
    handle, stop = start_server({"MODEL_DIR": empty})
    yield handle
    stop()


# ---------------------------------------------------------------- fake camera


def camera_clip_of(tmp_path_factory, data: Path | None, astronaut, size) -> Path | None:
    """A y4m clip (`size`) of a real photo with a slow pan (frames differ); None without ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        return None
    folder = tmp_path_factory.mktemp("camera")
    still = folder / "person.png"
    photo_for_camera(data, astronaut).save(still)
    return panning_camera_clip(ffmpeg, still, folder / "camera.y4m", fps=15, size=size)


@pytest.fixture(scope="session")
def camera_clip(tmp_path_factory, optional_data_dir, astronaut) -> Path | None:
    """The fake camera's 640x480 clip; None without ffmpeg."""
    return camera_clip_of(tmp_path_factory, optional_data_dir, astronaut, CAMERA_SIZE)


# The short camera session's clip (tests/e2e/test_e2e_long_session.py): the same pan at a quarter of
# the pixels. Its frames are composited at full size through SwiftShader, 220 of a frame's 370 ms at
# 640x480; what that test checks (tensors, heap, GL objects, one inference at a time) does not depend
# on the size, and the soak keeps 640x480.
SMALL_CAMERA_SIZE = (320, 240)


@pytest.fixture(scope="session")
def small_camera_clip(tmp_path_factory, optional_data_dir, astronaut) -> Path | None:
    """camera_clip at 320x240; None without ffmpeg."""
    return camera_clip_of(tmp_path_factory, optional_data_dir, astronaut, SMALL_CAMERA_SIZE)


@pytest.fixture(scope="session")
def fake_camera_y4m(camera_clip) -> Path:
    """The clip the fake camera plays; skips webcam tests without ffmpeg."""
    if camera_clip is None:
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg): needed for the fake camera clip")
    return camera_clip


def photo_for_camera(data: Path | None, astronaut: np.ndarray):
    """A portrait from the real data when present, else skimage's astronaut (a PIL image)."""
    from PIL import Image

    if data is not None:
        images = sorted((data / "portraits" / "test" / "images").glob("*.jpg"))
        if images:
            return Image.open(images[0]).convert("RGB")
    return Image.fromarray(astronaut)


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if not path:
        pytest.skip("chromium not installed (apt-get install chromium); browser tests need it")
    return path


@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver for the session (its sync API allows only one at a time)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) not installed")
    with sync_api.sync_playwright() as driver:
        yield driver


def launch_chromium(playwright, chromium_path: str, camera_clip: Path | None):
    return playwright.chromium.launch(executable_path=chromium_path, headless=True, args=chromium_args(camera_clip))


@pytest.fixture(scope="session")
def browser(playwright, chromium_path, camera_clip):
    launched = launch_chromium(playwright, chromium_path, camera_clip)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def small_camera_browser(playwright, chromium_path, small_camera_clip):
    """A second Chromium whose fake camera plays the 320x240 clip (a launch flag: one clip per browser)."""
    if small_camera_clip is None:
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg): needed for the fake camera clip")
    launched = launch_chromium(playwright, chromium_path, small_camera_clip)
    yield launched
    launched.close()


@dataclass
class NetworkLog:
    """Every request and WebSocket the page makes, to prove nothing leaves for another origin."""

    requests: list[dict] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)

    def record(self, request) -> None:
        self.requests.append(
            {"url": request.url, "method": request.method, "body": request.post_data_buffer, "type": request.resource_type}
        )

    def problems(self, origin: str) -> list[str]:
        found = [f"WebSocket to {url}" for url in self.websockets]
        for request in self.requests:
            url = request["url"]
            parts = urlsplit(url)
            if parts.scheme == "data":
                continue
            if parts.scheme == "blob":  # blob:http://127.0.0.1:PORT/uuid belongs to the page's origin
                inner = urlsplit(url[len("blob:"):])
                same_origin = f"{inner.scheme}://{inner.netloc}" == origin
            else:
                same_origin = f"{parts.scheme}://{parts.netloc}" == origin
            if not same_origin:
                found.append(f"request to another origin: {request['method']} {url}")
            if request["method"] not in ("GET", "HEAD"):
                found.append(f"{request['method']} {url}")
            if request["body"]:
                found.append(f"request with a {len(request['body'])}-byte body: {url}")
        return found


@dataclass
class AppPage:
    """A loaded greenscreen page plus what it logged."""

    page: object
    server: Server
    network: NetworkLog
    console_errors: list[str]

    def evaluate(self, script: str, arg=None):
        return self.page.evaluate(script, arg)

    def status_text(self) -> str:
        return self.page.inner_text("#status")

    def wait_for(self, script: str, timeout_s: float, what: str, arg=None):
        """Poll `script` (a JS function) until it returns something truthy.

        Polls with page.evaluate on purpose: Playwright's wait_for_function compiles its predicate
        with eval(), which the server's CSP (no 'unsafe-eval') rightly refuses.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            value = self.page.evaluate(script, arg)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout_s:.0f} s waiting for {what}; #status: {self.status_text()!r}; "
                    f"console errors: {self.console_errors[-5:]}"
                )
            time.sleep(0.25)

    def wait_ready(self) -> str | None:
        """Wait for window.greenscreen.ready; returns None when it resolved, else the error message."""
        self.wait_for("() => !!(window.greenscreen && window.greenscreen.ready)", 60, "window.greenscreen")
        return self.page.evaluate(
            """(ms) => Promise.race([
                window.greenscreen.ready.then(() => null, (error) => String(error && error.message || error)),
                new Promise((resolve) => setTimeout(() => resolve('timeout'), ms)),
            ])""",
            READY_TIMEOUT_S * 1000,
        )

    def upload_photo(self, files, timeout_s: float = PHOTO_TIMEOUT_S) -> str:
        """Choose a file in #photo-input; returns 'done' or 'error' once the page has answered."""
        self.page.evaluate(
            """() => {
                window.__e2eMaskBefore = window.greenscreen.lastMask;
                document.getElementById('status-message').dataset.kind = 'e2e-waiting';
            }"""
        )
        self.page.set_input_files("#photo-input", files)
        return self.wait_for(
            """() => {
                if (document.getElementById('status-message').dataset.kind === 'error') return 'error';
                const g = window.greenscreen;
                if (g.lastMask && g.lastMask !== window.__e2eMaskBefore && g.state.mode === 'photo') return 'done';
                return null;
            }""",
            timeout_s,
            "the photo result",
        )

    def last_mask(self) -> np.ndarray:
        """window.greenscreen.lastMask as a float32 HxW array (person probability, model size)."""
        found = self.page.evaluate(
            "() => { const m = window.greenscreen.lastMask; return {width: m.width, height: m.height, data: Array.from(m.data)}; }"
        )
        return np.asarray(found["data"], dtype=np.float32).reshape(found["height"], found["width"])


# The page measures WebGL against WASM at start when the backend setting is 'auto' (its default).
# Tests start on WebGL as chosen by hand, unless they ask for the measurement (backend=None).
PIN_BACKEND = """(backend) => {
    const key = 'greenscreen.settings.v1';
    if (localStorage.getItem(key) === null) localStorage.setItem(key, JSON.stringify({backend}));
}"""


# Where the frame path runs (static/js/engine/host.js). Tests that reach inside the page (the live
# segmenter, the compositor, tf.memory(), the mask) run it on the main thread, where those objects
# live: the same engine object a Worker runs. tests/e2e/test_e2e_worker.py covers the Worker.
MAIN_THREAD = "main"


def open_app(
    browser, server: Server, wait: bool = True, backend: str | None = "webgl", where: str | None = MAIN_THREAD,
    query: str = "",
) -> tuple[AppPage, object]:
    """The page in a new context; `query` adds URL parameters (e.g. "threads=2") after ?framepath=."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    if backend:
        # runs before the page's scripts on every load; a setting the test changed stays changed
        context.add_init_script(f"({PIN_BACKEND})({backend!r})")
    page = context.new_page()
    page.set_default_timeout(PHOTO_TIMEOUT_S * 1000)
    network = NetworkLog()
    errors: list[str] = []
    page.on("request", network.record)
    page.on("websocket", lambda socket: network.websockets.append(socket.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    parameters = "&".join(part for part in (f"framepath={where}" if where else "", query) if part)
    page.goto(server.url + (f"?{parameters}" if parameters else ""))
    app = AppPage(page=page, server=server, network=network, console_errors=errors)
    if wait:
        failure = app.wait_ready()
        if failure:
            status = page.inner_text("#status")
            context.close()
            raise AssertionError(f"the page did not start: {failure}; #status: {status!r}; errors: {errors[-5:]}")
    return app, context


def page_opener(browser):
    """(opener, close_all): opener(server, wait=True, …) -> AppPage in a new context of `browser`."""
    contexts = []

    def opener(server: Server, wait: bool = True, backend: str | None = "webgl", where: str | None = MAIN_THREAD,
               query: str = "") -> AppPage:
        page, context = open_app(browser, server, wait=wait, backend=backend, where=where, query=query)
        contexts.append(context)
        return page

    def close_all() -> None:
        for context in contexts:
            context.close()

    return opener, close_all


@pytest.fixture()
def open_page(browser):
    """open_page(server, wait=True) -> AppPage for another server; its context closes after the test."""
    opener, close_all = page_opener(browser)
    yield opener
    close_all()


@pytest.fixture()
def open_small_camera_page(small_camera_browser):
    """open_page's twin in the Chromium whose camera plays 320x240 frames."""
    opener, close_all = page_opener(small_camera_browser)
    yield opener
    close_all()


@pytest.fixture()
def app(browser, server):
    """A fresh browser context (own storage) with the page loaded and its model ready."""
    loaded, context = open_app(browser, server)
    yield loaded
    context.close()


# What a test may leave behind on a shared page that the next one must not see: the controls a
# reset puts back by hand (through the page's own controls), and everything else (a reload).
PAGE_STATE = """() => {
    const g = window.greenscreen;
    return {settings: {...g.state.settings}, webcam: g.state.webcam, exporting: g.exporting,
            recording: !!g.state.recording, model: g.state.model, background: document.getElementById('background-select').value,
            userBackground: g.userBackground ? g.userBackground.kind : null};
}"""


class SharedPages:
    """Pages kept across tests: `get(server, backend=…)` opens one on first use and hands the same
    page to the next test after a cheap reset (logs cleared, camera or export stopped, the
    background and the main-person option put back through their controls). A page the last test
    left otherwise (another backend, an uploaded background, any other setting, a model not ready,
    a broken page) is closed and a new one opened: never a page that differs from a fresh one in
    what the page remembers."""

    def __init__(self, browser):
        self.browser = browser
        self.open: dict[tuple, tuple[AppPage, object, dict]] = {}

    def get(self, server: Server, backend: str = "webgl", where: str | None = MAIN_THREAD, fresh: bool = False) -> AppPage:
        """The shared page for (server, backend, where); `fresh`: a newly loaded one (then kept)."""
        key = (server.url, backend, where)
        if key in self.open and fresh:
            self.open.pop(key)[1].close()
        if key in self.open:
            app, context, as_loaded = self.open[key]
            try:
                if self._reset(app, as_loaded):
                    return app
            except Exception:  # a page the last test broke: open another
                pass
            context.close()
            del self.open[key]
        app, context = open_app(self.browser, server, backend=backend, where=where)
        self.open[key] = (app, context, app.evaluate(PAGE_STATE))
        return app

    @staticmethod
    def _reset(app: AppPage, fresh: dict) -> bool:
        """Put the page back as it was loaded (`fresh`: PAGE_STATE then); False when only a new page will do."""
        if app.page.is_closed():
            return False
        now = app.evaluate(PAGE_STATE)
        if now["exporting"]:
            app.evaluate("() => window.greenscreen.cancelExport()")
            app.wait_for("() => !window.greenscreen.exporting", 60, "the export to stop")
        if now["recording"] or now["webcam"] == "on":
            app.evaluate("() => window.greenscreen.stopWebcam()")
            app.wait_for("() => window.greenscreen.state.webcam === 'off' && !window.greenscreen.state.recording", 30, "the camera to stop")
        if now["model"] != "ready" or now["userBackground"] is not None:
            return False
        if now["settings"].get("mainPerson") != fresh["settings"].get("mainPerson"):
            app.page.set_checked("#main-person-toggle", fresh["settings"]["mainPerson"])
        if now["background"] != fresh["background"]:
            app.evaluate("() => { window.__e2eResetCompositor = window.greenscreen.compositor; }")
            app.page.select_option("#background-select", fresh["background"])
            app.wait_for("() => window.greenscreen.compositor !== window.__e2eResetCompositor", 30, "the background put back")
        if app.evaluate(PAGE_STATE)["settings"] != fresh["settings"]:
            return False
        app.console_errors.clear()
        app.network.requests.clear()
        app.network.websockets.clear()
        return True

    def close(self) -> None:
        for _, context, _ in self.open.values():
            context.close()
        self.open.clear()


@pytest.fixture(scope="session")
def shared_pages(browser):
    """SharedPages for the session: a test that needs no fresh page takes the one the tests before
    it used (same server, backend and frame path), with its models already loaded."""
    pages = SharedPages(browser)
    yield pages
    pages.close()
