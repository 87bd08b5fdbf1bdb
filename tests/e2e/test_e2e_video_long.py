"""A long video export keeps memory flat: `pytest -m e2e tests/e2e/test_e2e_video_long.py -s` (150
frames, the default suite), `make soak` (1,000 frames: `pytest -m soak`), one test body for both.

A 160×120 clip of 1,000 frames (40 s at 25 fps, with sound; 6 s in the default suite) is exported
on WASM. After warm-up, tf.memory().numTensors is the same after every frame, and the JS heap (read
after a forced GC through the DevTools protocol, as in test_e2e_long_session.py) grows by less than
the bound. The exported WebM holds every frame. GREENSCREEN_E2E_EXPORT_FRAMES changes the soak's count.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.e2e.clips import ffmpeg_path, moving_portrait_clip, probe

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHORT_FRAMES = 150
LONG_FRAMES = int(os.environ.get("GREENSCREEN_E2E_EXPORT_FRAMES", "1000"))
FPS = 25
WARMUP_FRAMES = 20
SECONDS_PER_FRAME_BUDGET = 1.5
# Heap growth allowed from before the export to after it (both after a full GC). The export keeps
# per frame only the encoded chunk (in the muxer's ArrayBuffer, outside the JS heap) and a few
# numbers; a leak of 16 KB a frame would already break this bound.
HEAP_GROWTH_BOUND_MB = 16
HEAP_SAMPLE_S = 3  # how often the heap is read (after a GC) while it runs

VIDEO_PROBE = """() => {
    const segmenter = window.greenscreen.segmenter;
    const original = segmenter.segmentForVideo;
    const probe = {tensors: [], inFlight: 0, maxInFlight: 0};
    segmenter.segmentForVideo = async (...args) => {
        probe.inFlight++;
        probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
        try { return await original(...args); }
        finally { probe.inFlight--; probe.tensors.push(tf.memory().numTensors); }
    };
    window.__e2eVideoProbe = probe;
}"""


def heap_used_mb(cdp) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6


@pytest.mark.parametrize(
    "frames",
    [pytest.param(SHORT_FRAMES, id=f"{SHORT_FRAMES}-frames"),
     pytest.param(LONG_FRAMES, marks=pytest.mark.soak, id=f"{LONG_FRAMES}-frames")],
)
def test_long_export_keeps_memory_flat(open_page, server, astronaut, tmp_path_factory, tmp_path, frames):
    if not ffmpeg_path():
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg)")
    clip = moving_portrait_clip(
        tmp_path_factory.mktemp("long"), astronaut, size=(160, 120), seconds=frames / FPS, fps=FPS, container="webm"
    )
    app = open_page(server, backend="wasm")
    assert app.evaluate("() => tf.getBackend()") == "wasm"
    app.page.set_input_files("#video-input", str(clip))
    app.wait_for("() => window.greenscreen.state.mode === 'video' && !document.getElementById('export-video').disabled", 300, "the video")
    app.evaluate(VIDEO_PROBE)
    cdp = app.page.context.new_cdp_session(app.page)
    cdp.send("HeapProfiler.enable")
    heap_before = heap_used_mb(cdp)
    samples = [heap_before]

    started = time.monotonic()
    with app.page.expect_download(timeout=frames * SECONDS_PER_FRAME_BUDGET * 1000) as info:
        app.page.click("#export-video")
        while app.evaluate("() => window.greenscreen.exporting"):
            time.sleep(HEAP_SAMPLE_S)
            samples.append(heap_used_mb(cdp))
    elapsed = time.monotonic() - started
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    heap_after = heap_used_mb(cdp)
    probe_data = app.evaluate("() => window.__e2eVideoProbe")
    watched = probe_data["tensors"][WARMUP_FRAMES:]
    found = probe(path)
    growth = heap_after - heap_before
    print(
        f"\n{frames} frames of 160x120 exported in {elapsed:.0f} s ({frames / elapsed:.1f} frames/s) on WASM; "
        f"tensors {min(watched)}..{max(watched)} over {len(watched)} frames after warm-up; "
        f"heap {heap_before:.1f} -> {heap_after:.1f} MB (growth {growth:+.2f} MB, peak {max(samples):.1f} MB); "
        f"{app.page.inner_text('#status-message')}"
    )
    assert found["video"]["frames"] == frames
    assert (found["video"]["width"], found["video"]["height"]) == (160, 120)
    assert len(probe_data["tensors"]) == frames
    assert max(watched) == min(watched), f"numTensors drifts: {watched[:3]} … {watched[-3:]}"
    assert probe_data["maxInFlight"] == 1
    assert growth <= HEAP_GROWTH_BOUND_MB, f"the JS heap grew {growth:.1f} MB over {frames} frames"
    assert app.console_errors == []
