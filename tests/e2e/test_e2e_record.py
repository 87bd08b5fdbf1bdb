"""Recording the swapped camera: `pytest -m e2e tests/e2e/test_e2e_record.py`.

#record works while the fake camera runs; stopping it downloads a WebM that ffmpeg decodes, with
a sound track (Chromium's fake microphone, or silence). The camera ending mid-recording still gives
a whole file; without MediaRecorder the button is disabled and says why.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.clips import probe

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RECORD_SECONDS = 3


@pytest.fixture()
def app(shared_pages, server):
    """One page for the module, on WASM: a few camera frames a second here, where software WebGL
    manages one in three. Between tests the camera is stopped (SharedPages)."""
    return shared_pages.get(server, backend="wasm")


def start_camera(app) -> None:
    frames = app.evaluate("() => window.greenscreen.stats.frames")  # the shared page counts on from the last test
    app.page.click("#webcam-start")
    app.wait_for("() => window.greenscreen.state.webcam === 'on'", 60, "the camera to start")
    app.wait_for(f"() => window.greenscreen.stats.frames >= {frames + 2}", 300, "two camera frames")
    app.wait_for("() => !document.getElementById('record').disabled", 10, "#record to be enabled")


def test_record_and_stop_downloads_a_webm(fake_camera_y4m, app, tmp_path):
    assert app.page.is_disabled("#record"), "#record must wait for the camera"
    start_camera(app)
    app.page.click("#record")
    app.wait_for("() => window.greenscreen.state.recording", 30, "the recording to start")
    time.sleep(RECORD_SECONDS)
    timer = app.page.inner_text("#record-timer")
    assert timer.startswith("●") and timer != "● 0:00", timer
    with app.page.expect_download(timeout=60_000) as info:
        app.page.click("#record")
    assert info.value.suggested_filename.endswith(".webm")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    found = probe(path)
    assert (found["video"]["width"], found["video"]["height"]) == (640, 480)
    # one frame per composited camera frame (a canvas stream carries a frame when the canvas is drawn)
    assert found["video"]["frames"] >= 2, found
    assert found["audio"] is not None, "the clip must carry sound (microphone or silence)"
    assert app.evaluate("() => window.greenscreen.state.webcam") == "on"
    assert app.network.problems(app.server.origin) == []


def test_camera_ending_mid_recording_still_gives_a_file(fake_camera_y4m, app, tmp_path):
    start_camera(app)
    app.page.click("#record")
    app.wait_for("() => window.greenscreen.state.recording", 30, "the recording to start")
    time.sleep(2)
    with app.page.expect_download(timeout=60_000) as info:
        # the camera is unplugged: its track ends (stop() alone fires no 'ended', so dispatch it)
        app.evaluate(
            """() => { const t = document.getElementById('webcam-video').srcObject.getVideoTracks()[0];
                       t.stop(); t.dispatchEvent(new Event('ended')); }"""
        )
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert probe(path)["video"]["frames"] >= 1
    assert "recording ended" in app.page.inner_text("#status-message")
    assert app.page.is_disabled("#record")


def test_record_is_disabled_with_the_reason_without_mediarecorder(browser, server):
    context = browser.new_context()
    try:
        context.add_init_script("delete window.MediaRecorder;")
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_selector("#record", state="attached")
        time.sleep(1)
        assert page.is_disabled("#record")
        assert "MediaRecorder" in (page.get_attribute("#record", "title") or "")
    finally:
        context.close()
