"""The frame path in its Worker (the page's default): `pytest -m e2e tests/e2e/test_e2e_worker.py`.

The other browser tests run the same engine object on the main thread (?framepath=main), where they
can reach inside. Here the page runs as visitors get it: TF.js and the compositor live in a Worker
that draws the transferred canvas, and the page itself holds no TF.js. Everything is checked from
outside through window.greenscreen.probe(): a photo, camera frames (no tensor or GL object growth),
recording the transferred canvas, a video export (one upload per frame) and the GPU self-test.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.e2e.clips import moving_portrait_clip, probe as probe_media, ffmpeg_path
from tests.e2e.conftest import open_app
from tests.e2e.probes import SELF_TEST_CASES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NEW_RESULT = """(before) => {
    if (document.getElementById('status-message').dataset.kind === 'error') return 'error';
    const g = window.greenscreen;
    return g.state.results > before && ['photo', 'video'].includes(g.state.mode) ? 'done' : null;
}"""


@pytest.fixture()
def app(browser, server):
    loaded, context = open_app(browser, server, backend="wasm", where=None)  # no ?framepath: the default
    yield loaded
    context.close()


def choose(app, selector: str, path, timeout_s: float = 300) -> str:
    before = app.evaluate("() => window.greenscreen.state.results")
    app.page.set_input_files(selector, str(path))
    return app.wait_for(NEW_RESULT, timeout_s, f"the result of {path}", before)


def person_fraction(app) -> float:
    mask = app.evaluate("async () => (await window.greenscreen.probe({withMask: true})).mask")
    data = np.asarray(list(mask["data"].values()) if isinstance(mask["data"], dict) else mask["data"], dtype=np.float32)
    return float((data > 0.5).mean())


def test_the_page_runs_the_frame_path_in_a_worker(app, astronaut_png):
    assert app.evaluate("() => window.greenscreen.framePath") == "worker"
    assert "frame path: worker" in app.status_text()
    assert app.evaluate("() => typeof tf") == "undefined", "TF.js must not load on the page's main thread"
    assert choose(app, "#photo-input", astronaut_png) == "done", app.status_text()
    assert 0.1 < person_fraction(app) < 0.9
    photo = app.evaluate("() => window.greenscreen.stats.photo")
    assert abs(sum(v for k, v in photo.items() if k != "totalMs") - photo["totalMs"]) < 1, photo
    result = app.evaluate("() => window.greenscreen.probe()")
    assert result["mask"]["model"] == "photo" and result["compositorKind"] == "webgl2"
    self_test = app.evaluate("() => window.greenscreen.pipelineSelfTest()")
    failed = [case["name"] for case in self_test["cases"] if not case["ok"]]
    assert not failed and len(self_test["cases"]) == SELF_TEST_CASES, failed
    assert app.console_errors == []


def test_camera_frames_and_recording_in_a_worker_without_leaks(fake_camera_y4m, app, tmp_path):
    app.page.click("#webcam-start")
    app.wait_for("() => window.greenscreen.state.webcam === 'on'", 60, "the camera to start")
    app.wait_for("() => window.greenscreen.stats.frames >= 3", 300, "three camera frames")
    first = app.evaluate("() => window.greenscreen.probe()")
    frames = app.evaluate("() => window.greenscreen.stats.frames")
    app.wait_for(f"() => window.greenscreen.stats.frames >= {frames + 10}", 300, "ten more frames")
    later = app.evaluate("() => window.greenscreen.probe()")
    assert later["numTensors"] == first["numTensors"], (first["numTensors"], later["numTensors"])
    assert later["resources"]["live"] == first["resources"]["live"]
    line = app.page.inner_text("#stats")
    assert "fps · a frame every" in line and "model" in line and "the rest" in line, line

    # the transferred canvas still gives a stream to record
    app.wait_for("() => !document.getElementById('record').disabled", 10, "#record to be enabled")
    app.page.click("#record")
    app.wait_for("() => window.greenscreen.state.recording", 30, "the recording to start")
    time.sleep(3)
    with app.page.expect_download(timeout=60_000) as info:
        app.page.click("#record")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert probe_media(path)["video"]["frames"] >= 1

    app.page.click("#webcam-start")
    app.wait_for("() => window.greenscreen.state.webcam === 'off'", 30, "the camera to stop")
    assert app.evaluate("() => window.greenscreen.probe()")["mask"]["model"] == "live"  # the last frame, kept
    assert app.console_errors == []


def test_video_export_runs_in_the_worker_one_upload_a_frame(app, astronaut, tmp_path_factory):
    if not ffmpeg_path():
        pytest.skip("ffmpeg not installed: the test makes its clip with it")
    folder = tmp_path_factory.mktemp("worker-clips")
    source = moving_portrait_clip(folder, astronaut, seconds=1, name="worker.mp4")
    expected = probe_media(source)
    assert choose(app, "#video-input", source) == "done", app.status_text()
    before = app.evaluate("() => window.greenscreen.probe()")
    with app.page.expect_download(timeout=600_000) as info:
        app.page.click("#export-video")
    path = tmp_path_factory.mktemp("worker-out") / info.value.suggested_filename
    info.value.save_as(path)
    found = probe_media(path)
    assert found["video"]["frames"] == expected["video"]["frames"]
    assert found["audio"] and found["audio"]["codec"] == "opus"
    after = app.evaluate("() => window.greenscreen.probe()")
    assert after["resources"]["uploads"] - before["resources"]["uploads"] == expected["video"]["frames"]
    assert after["numTensors"] == before["numTensors"]
    assert app.console_errors == []


def test_a_photo_chosen_during_start_up_says_what_it_waits_for(browser, server, astronaut_png):
    # nothing cached: the page measures WASM against WebGL first, in the Worker
    app, context = open_app(browser, server, wait=False, backend=None, where=None)
    try:
        app.wait_for("() => !!window.greenscreen", 60, "the page's script")
        app.page.set_input_files("#photo-input", str(astronaut_png))
        said = app.wait_for(
            "() => { const t = document.getElementById('status-message').textContent; return t.includes('waits for') ? t : null; }",
            30,
            "the photo to say what it waits for",
        )
        assert "astronaut" in said or "photo" in said, said
        app.wait_for("() => window.greenscreen.state.results > 0", 300, "the photo's result")
        photo = app.evaluate("() => window.greenscreen.stats.photo")
        assert photo["waitMs"] > 0 and "waiting for the start-up" in app.page.inner_text("#stats"), photo
        assert abs(sum(v for k, v in photo.items() if k != "totalMs") - photo["totalMs"]) < 1, photo
    finally:
        context.close()
