"""A video file as the source, in headless Chromium: `pytest -m e2e tests/e2e/test_e2e_video.py`.

Clips are made here with ffmpeg (tests/e2e/clips.py: skimage's astronaut crossing a real
background, with a tone): choosing one shows its first frame swapped; #export-video downloads a
WebM that ffmpeg decodes, with every source frame, the source's size and an Opus sound track.
Bad files end as one clear line in #status; Cancel downloads nothing and gives memory back; a tab
frozen mid-export resumes into a whole file.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.e2e.clips import (
    colour_steps_clip,
    ffmpeg_path,
    frame_at,
    moving_portrait_clip,
    probe,
    sound_only_clip,
    undecodable_codec_clip,
    zero_frame_clip,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXPORT_TIMEOUT_S = 600
VIDEO_READY = """() => { const g = window.greenscreen; return g.state.mode === 'video' && !!g.lastMask && !document.getElementById('export-video').disabled; }"""
# Watch downloads from the page itself: a cancelled export must not start one.
WATCH_DOWNLOADS = """() => {
    window.__e2eDownloads = [];
    document.addEventListener('click', (event) => {
        const link = event.target.closest && event.target.closest('a[download]');
        if (link) window.__e2eDownloads.push(link.download);
    }, true);
}"""


@pytest.fixture()
def app(shared_pages, light_server):
    """One page for the module, on WASM (SwiftShader's software WebGL manages ~0.3 export frames/s
    here, WASM several), with the light live model answering photos too (the one photo here is
    about the Export button, not the photo model)."""
    return shared_pages.get(light_server, backend="wasm")


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory):
    if not ffmpeg_path():
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg): the tests make their clips with it")
    return tmp_path_factory.mktemp("clips")


def heap_used_mb(cdp) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6


def choose_video(app, path, timeout_s: float = 180) -> str:
    """Choose a file in #video-input; 'done' when its first frame is on screen, else 'error'."""
    app.evaluate("() => { document.getElementById('status-message').dataset.kind = 'e2e-waiting'; }")
    before = app.evaluate("() => window.greenscreen.state.results")  # a video shown before is not this one
    app.page.set_input_files("#video-input", str(path))
    return app.wait_for(
        f"""(before) => {{
            if (document.getElementById('status-message').dataset.kind === 'error') return 'error';
            return window.greenscreen.state.results > before && ({VIDEO_READY})() ? 'done' : null;
        }}""",
        timeout_s,
        f"the first frame of {path.name}",
        before,
    )


def export(app, folder, timeout_s: float = EXPORT_TIMEOUT_S):
    """Click #export-video and save the download; returns (path, suggested name)."""
    with app.page.expect_download(timeout=timeout_s * 1000) as info:
        app.page.click("#export-video")
    download = info.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path, download.suggested_filename


@pytest.mark.parametrize("container", ["mp4", "webm", "mov"])
def test_video_file_exports_every_frame_with_its_sound(app, astronaut, clip_folder, tmp_path, container):
    source = moving_portrait_clip(clip_folder, astronaut, container=container)
    expected = probe(source)
    assert choose_video(app, source) == "done", app.status_text()
    # the first frame, swapped: a person found, not everything
    coverage = app.evaluate("() => { const m = window.greenscreen.lastMask.data; let n = 0; for (const v of m) n += v > 0.5; return n / m.length; }")
    assert 0.03 < coverage < 0.9, f"person covers {coverage:.0%} of the first frame"
    tensors_before = app.evaluate("() => tf.memory().numTensors")
    uploads_before = app.evaluate("() => window.greenscreen.compositor.resources().uploads")

    path, name = export(app, tmp_path)
    # exported frames get the guided filter's edge
    assert app.evaluate("() => window.greenscreen.compositor.upsamplingInUse") == "guided"
    # the frame path: each exported frame goes to the GPU once, for the model and the compositor
    uploads = app.evaluate("() => window.greenscreen.compositor.resources().uploads") - uploads_before
    assert uploads == expected["video"]["frames"], f"{uploads} uploads for {expected['video']['frames']} frames"
    assert name.endswith(".webm") and name.startswith(source.stem), name
    found = probe(path)
    print(f"\n{container}: {app.page.inner_text('#status-message')}")
    assert found["video"]["frames"] == expected["video"]["frames"], (found, expected)
    assert (found["video"]["width"], found["video"]["height"]) == (expected["video"]["width"], expected["video"]["height"])
    assert found["video"]["codec"] in ("vp8", "vp9")
    assert found["audio"] and found["audio"]["codec"] == "opus", found
    assert abs(found["duration"] - expected["duration"]) < 0.25, (found["duration"], expected["duration"])
    assert app.evaluate("() => tf.memory().numTensors") == tensors_before
    assert app.evaluate("() => window.greenscreen.state.mode") == "video"
    assert app.network.problems(app.server.origin) == []
    # mp4box.js logs QuickTime boxes it does not parse with console.error, harmlessly: in a .mov,
    # udta's '©swr' (the encoder's name) and the 4 zero bytes that end a 'wave' box.
    unknown_box = "[BoxParser] Invalid box type"
    assert [e for e in app.console_errors if not (container == "mov" and unknown_box in e)] == []


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda folder: _text_file(folder), "could not be read as a video"),
        (sound_only_clip, "no video track"),
        (zero_frame_clip, "no video frame"),
        (undecodable_codec_clip, "cannot decode its mp4v"),
    ],
    ids=["not-a-video", "sound-only", "zero-frames", "codec-not-decodable"],
)
def test_bad_video_gives_a_clear_message_and_the_page_keeps_working(app, astronaut, clip_folder, make, expected):
    bad = make(clip_folder)
    assert choose_video(app, bad, timeout_s=60) == "error", app.status_text()
    message = app.page.inner_text("#status-message")
    assert bad.name in message and expected in message, message
    assert "\n" not in message.strip() and " at " not in message
    good = moving_portrait_clip(clip_folder, astronaut, seconds=1, name="good.mp4")
    assert choose_video(app, good) == "done", app.status_text()


def test_export_button_and_status_follow_what_is_on_stage(app, astronaut, astronaut_png, clip_folder):
    # The walkthrough's bugs: Export video stayed enabled after a failed video and under a photo
    # (then exported the earlier video); "Press Export video" stayed while exporting; the
    # background's message stayed after switching to blur.
    good = moving_portrait_clip(clip_folder, astronaut, seconds=1, name="good.mp4")
    assert choose_video(app, good) == "done", app.status_text()
    assert app.page.is_enabled("#export-video")
    assert choose_video(app, _text_file(clip_folder), timeout_s=60) == "error"
    assert not app.page.is_enabled("#export-video"), "Export video still on after a failed video"

    assert choose_video(app, good) == "done", app.status_text()
    app.evaluate(WATCH_DOWNLOADS)
    app.page.click("#export-video")
    app.wait_for("() => window.greenscreen.exporting", 30, "the export to start")
    message = app.page.inner_text("#status-message")
    assert "Press Export video" not in message and "Exporting good.mp4" in message, message
    app.page.click("#cancel-export")
    app.wait_for("() => !window.greenscreen.exporting", 60, "the export to stop")

    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    assert not app.page.is_enabled("#export-video"), "Export video still on while a photo is shown"

    app.evaluate(
        "async (bytes) => window.greenscreen.uploadBackground(new File([new Uint8Array(bytes)], 'mine.png', {type: 'image/png'}))",
        list(astronaut_png.read_bytes()),
    )
    assert "Background picture set" in app.page.inner_text("#status-message")
    app.page.select_option("#background-select", "blur")
    app.wait_for("() => window.greenscreen.compositor.settings.background === 'blur'", 30, "the blur background")
    assert "Background picture" not in app.page.inner_text("#status-message")
    assert app.evaluate("() => window.__e2eDownloads") == []


def test_a_video_exports_through_the_photo_model_when_asked(app, astronaut, clip_folder, tmp_path):
    # The setting is read when the preview and the export start; the photo model loads then. (This page's
    # photo folder holds the light live model: the test is about the wiring, bench/README about quality.)
    app.page.check("#export-photo-model-toggle")
    try:
        source = moving_portrait_clip(clip_folder, astronaut, seconds=1, name="photo-model.mp4")
        expected = probe(source)
        assert choose_video(app, source) == "done", app.status_text()
        assert app.evaluate("() => window.greenscreen.state.models.photo") == "ready"
        assert app.evaluate("() => window.greenscreen.lastMask.model") == "photo"
        with app.page.expect_download(timeout=EXPORT_TIMEOUT_S * 1000) as download:
            app.page.click("#export-video")
            app.wait_for("() => window.greenscreen.exporting", 30, "the export to start")
            assert not app.page.is_enabled("#export-photo-model-toggle"), "the model could change mid-export"
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert probe(path)["video"]["frames"] == expected["video"]["frames"]
        message = app.page.inner_text("#status-message")
        assert f"Exported {expected['video']['frames']} frames with the photo model" in message, message
        assert app.evaluate("() => window.greenscreen.state.resultModel") == "photo"
        assert app.page.is_enabled("#export-photo-model-toggle")
    finally:
        app.page.uncheck("#export-photo-model-toggle")
    assert app.evaluate("() => window.greenscreen.state.settings.videoExportModel") == "live"


def _text_file(folder):
    path = folder / "notes.mp4"
    path.write_text("these are my notes, not a video\n" * 20)
    return path


def test_too_large_video_is_refused_before_any_work(app):
    # A File that claims 600 MB: the page must answer from its size alone, without reading it.
    result = app.evaluate(
        """async () => {
            const file = new File([new Uint8Array(16)], 'huge.mp4', {type: 'video/mp4'});
            Object.defineProperty(file, 'size', {value: 600 * 1024 * 1024});
            let reads = 0;
            const slice = file.slice.bind(file);
            file.slice = (...args) => { reads++; return slice(...args); };
            await window.greenscreen.processVideo(file).catch(() => {});
            return {reads, message: document.getElementById('status-message').textContent, mode: window.greenscreen.state.mode};
        }"""
    )
    assert result["reads"] == 0, "the file was read although it is over the limit"
    assert "huge.mp4" in result["message"] and "up to 500 MB" in result["message"], result
    assert result["mode"] != "video"


def test_cancel_mid_export_saves_nothing_and_gives_memory_back(app, astronaut, clip_folder):
    source = moving_portrait_clip(clip_folder, astronaut, seconds=8, name="long.mp4")
    assert choose_video(app, source) == "done", app.status_text()
    app.evaluate(WATCH_DOWNLOADS)
    cdp = app.page.context.new_cdp_session(app.page)
    cdp.send("HeapProfiler.enable")
    tensors_before = app.evaluate("() => tf.memory().numTensors")
    heap_before = heap_used_mb(cdp)

    app.page.click("#export-video")
    app.wait_for("() => Number(document.getElementById('export-progress').value) > 0.1", 300, "10 % of the export")
    assert app.page.is_visible("#cancel-export")
    app.page.click("#cancel-export")
    app.wait_for("() => !window.greenscreen.exporting", 60, "the export to stop")
    time.sleep(1)
    assert app.evaluate("() => window.__e2eDownloads") == []
    assert "cancelled" in app.page.inner_text("#status-message")
    assert app.evaluate("() => tf.memory().numTensors") == tensors_before
    growth = heap_used_mb(cdp) - heap_before
    print(f"\nheap after a cancelled export: {growth:+.2f} MB")
    assert growth < 4, f"the JS heap kept {growth:.1f} MB after the cancelled export"
    assert not app.page.is_visible("#cancel-export")
    assert app.page.is_enabled("#export-video")


def test_a_frozen_tab_resumes_the_export_into_a_whole_file(app, astronaut, clip_folder, tmp_path):
    # A hidden tab may be frozen by the browser: the export pauses and resumes, never a broken file.
    source = moving_portrait_clip(clip_folder, astronaut, seconds=3, name="freeze.webm", container="webm")
    expected = probe(source)
    assert choose_video(app, source) == "done", app.status_text()
    cdp = app.page.context.new_cdp_session(app.page)
    with app.page.expect_download(timeout=EXPORT_TIMEOUT_S * 1000) as info:
        app.page.click("#export-video")
        app.wait_for("() => Number(document.getElementById('export-progress').value) > 0.2", 300, "20 % of the export")
        cdp.send("Page.setWebLifecycleState", {"state": "frozen"})
        time.sleep(3)
        cdp.send("Page.setWebLifecycleState", {"state": "active"})
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    found = probe(path)
    assert found["video"]["frames"] == expected["video"]["frames"]


COLOURS = {"red": (255, 0, 0), "blue": (0, 0, 255), "lime": (0, 255, 0), "white": (255, 255, 255)}


def test_a_video_background_follows_the_exported_clock(app, astronaut, clip_folder, tmp_path):
    # Background: four colours, 0.5 s each. The export takes far longer than the clip, yet at each
    # step's middle the background must show that step's colour: the source's time, not the wall's.
    background = colour_steps_clip(clip_folder, tuple(COLOURS), seconds_each=0.5)
    app.evaluate("async (bytes) => window.greenscreen.uploadBackground(new File([new Uint8Array(bytes)], 'steps.webm', {type: 'video/webm'}))", list(background.read_bytes()))
    assert app.evaluate("() => (window.greenscreen.userBackground || {}).kind") == "video", app.status_text()
    source = moving_portrait_clip(clip_folder, astronaut, seconds=2, name="short.webm", container="webm", audio=False)
    assert choose_video(app, source) == "done", app.status_text()
    path, _ = export(app, tmp_path)
    found = []
    for step in range(len(COLOURS)):
        corner = frame_at(path, 0.25 + 0.5 * step)[4:40, -8:-2].reshape(-1, 3).mean(axis=0)  # background there
        found.append(min(COLOURS, key=lambda name: np.abs(np.subtract(COLOURS[name], corner)).sum()))
    assert found == list(COLOURS), f"background colours at 0.25, 0.75, 1.25, 1.75 s: {found}"
