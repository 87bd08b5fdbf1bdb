"""A video background in the frame path's Worker: `pytest -m e2e tests/e2e/test_e2e_worker_background.py`.

The Worker has no <video>: the page plays the chosen background video and streams its frames there,
and an export decodes the background file in the Worker at the clip's time, as the main thread seeks
its <video>. With a background of solid colours changing over time, the camera's composited canvas
shows the colours change; an exported clip shows each colour at its own time, looping; choosing
another background stops the stream.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

from tests.e2e.clips import colour_steps_clip, ffmpeg_path, frame_at, moving_portrait_clip, probe
from tests.e2e.conftest import open_app

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# No white: the astronaut's suit is white. Pure colours a photo of a person hardly holds.
COLOURS = {"red": (255, 0, 0), "blue": (0, 0, 255), "lime": (0, 255, 0), "yellow": (255, 255, 0)}
CLOSE = 60  # summed |RGB| difference (VP8 and compositing blur pure colours a little)


@pytest.fixture()
def app(browser, server):
    loaded, context = open_app(browser, server, backend="wasm", where=None)  # no ?framepath: the Worker
    yield loaded
    context.close()


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory):
    if not ffmpeg_path():
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg): the tests make their clips with it")
    return tmp_path_factory.mktemp("background-clips")


def choose_background(app, clip) -> None:
    app.page.set_input_files("#background-input", str(clip))
    app.wait_for("() => (document.getElementById('status-message').textContent || '').includes('Background video')", 60, "the video background")
    said = app.page.inner_text("#status-message")
    assert "first frame" not in said and "still" not in said, said
    assert app.page.input_value("#background-select") == "image:user"


def background_colour(app) -> str | None:
    """The step colour covering most of the result canvas now (None when none covers 5 %)."""
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(app.page.locator("#result").screenshot())).convert("RGB"), dtype=np.int32)
    shares = {name: float((np.abs(pixels - rgb).sum(axis=2) < CLOSE).mean()) for name, rgb in COLOURS.items()}
    best = max(shares, key=shares.get)
    return best if shares[best] > 0.05 else None


def received(app) -> int:
    return app.evaluate("async () => (await window.greenscreen.probe()).backgroundFramesReceived")


def test_the_camera_shows_a_playing_video_background_and_switching_away_stops_its_stream(fake_camera_y4m, app, clip_folder, tmp_path):
    assert app.evaluate("() => window.greenscreen.framePath") == "worker"
    choose_background(app, colour_steps_clip(tmp_path, tuple(COLOURS), seconds_each=1))
    app.page.click("#webcam-start")
    app.wait_for("() => window.greenscreen.stats.frames >= 3", 300, "three camera frames")
    first = app.evaluate("() => window.greenscreen.probe()")

    seen, deadline = [], time.monotonic() + 90
    while len(set(seen) - {None}) < 3 and time.monotonic() < deadline:
        seen.append(background_colour(app))
        time.sleep(0.3)
    frames = app.evaluate("() => window.greenscreen.stats.frames")
    print(f"\nbackground colours seen over {len(seen)} looks ({frames} camera frames): {seen}")
    assert len(set(seen) - {None}) >= 3, f"the background does not play: {seen}"
    later = app.evaluate("() => window.greenscreen.probe()")
    assert later["numTensors"] == first["numTensors"]
    assert later["resources"]["live"] == first["resources"]["live"], "GL objects grew with the streamed background"
    assert later["backgroundFramesReceived"] > first["backgroundFramesReceived"]

    # another background: the page stops streaming, the Worker hears nothing more
    app.page.select_option("#background-select", "blur")
    app.wait_for("() => !window.greenscreen.userBackground.streaming", 30, "the stream to stop")
    time.sleep(0.5)  # a frame already on its way
    stopped_at = received(app)
    time.sleep(2)
    assert received(app) == stopped_at, "frames still stream after another background was chosen"
    # back to the video: it streams again
    app.page.select_option("#background-select", "image:user")
    app.wait_for(f"async () => (await window.greenscreen.probe()).backgroundFramesReceived > {stopped_at + 5}", 60, "the stream to resume")

    app.page.click("#webcam-start")
    app.wait_for("() => window.greenscreen.state.webcam === 'off'", 30, "the camera to stop")
    assert app.console_errors == []


def test_an_export_in_the_worker_shows_the_video_background_at_the_clip_time_looping(app, astronaut, clip_folder, tmp_path):
    # Background: four colours, 0.5 s each (2 s); the clip lasts 3 s, so the background loops once.
    # The export runs far slower than the clip, yet each step's middle shows that step's colour.
    choose_background(app, colour_steps_clip(tmp_path, tuple(COLOURS), seconds_each=0.5))
    source = moving_portrait_clip(clip_folder, astronaut, seconds=3, name="three-seconds.webm", container="webm", audio=False)
    before = app.evaluate("() => window.greenscreen.state.results")
    app.page.set_input_files("#video-input", str(source))
    app.wait_for(f"() => window.greenscreen.state.results > {before} && window.greenscreen.state.mode === 'video'", 300, "the video's first frame")
    with app.page.expect_download(timeout=600_000) as info:
        app.page.click("#export-video")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert probe(path)["video"]["frames"] == probe(source)["video"]["frames"]
    found = []
    for step in range(6):
        corner = frame_at(path, 0.25 + 0.5 * step)[4:40, -8:-2].reshape(-1, 3).mean(axis=0)  # background there
        found.append(min(COLOURS, key=lambda name: np.abs(np.subtract(COLOURS[name], corner)).sum()))
    expected = [*COLOURS, *list(COLOURS)[:2]]
    assert found == expected, f"background colours at 0.25 … 2.75 s: {found}"
    assert app.console_errors == []
