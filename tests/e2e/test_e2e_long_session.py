"""A long session in headless Chromium: `pytest -m e2e tests/e2e/test_e2e_long_session.py` (short),
`make soak` (full length: `pytest -m soak`).

Run with -s to see the measured numbers. Each test is one body run at two lengths: the short one in
the default suite, the full one (marker `soak`) in `make soak`, with the same assertions.

1,000 webcam frames (150 in the default suite, from a 320x240 camera) keep tf.memory().numTensors exactly flat, the JS heap
within a stated bound and never two inferences at once; 100 background switches plus two rounds of
backend and source switches leave no tensor and no GL object behind (12 and one round, with the
light live model answering photos too, in the default suite).

The JS heap is read through the DevTools protocol (HeapProfiler.collectGarbage, then
Runtime.getHeapUsage): exact, after a full GC, and it needs no launch flag. performance.memory
without --enable-precise-memory-info is quantised and cached for minutes, so it cannot show growth.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import pytest

from tests.e2e.probes import SEGMENT_PROBE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The camera runs on the WASM backend here: SwiftShader's WebGL manages ~1 frame/s on this machine,
# WASM several. GREENSCREEN_E2E_LONG_FRAMES lowers (or raises) the soak's count.
SHORT_FRAMES = 150
LONG_FRAMES = int(os.environ.get("GREENSCREEN_E2E_LONG_FRAMES", "1000"))
# The short run's camera plays 320x240 frames (its own Chromium, tests/e2e/conftest.py): SwiftShader's
# full-size compositing took 220 of a frame's 370 ms at 640x480, and the run went over a minute. The
# soak keeps the 640x480 camera users have.
FRAME_COUNTS = pytest.mark.parametrize(
    "frames, opener",
    [pytest.param(SHORT_FRAMES, "open_small_camera_page", id=f"{SHORT_FRAMES}-frames"),
     pytest.param(LONG_FRAMES, "open_page", marks=pytest.mark.soak, id=f"{LONG_FRAMES}-frames")],
)
WARMUP_FRAMES = 10  # kernels and first allocations before the counts are read (WASM: no shaders to compile)
SECONDS_PER_FRAME_BUDGET = 3
# Heap growth allowed between warm-up and the end, each read after a forced GC. Measured on the
# 2-core dev box (WASM, 224x224 model, 640x480 fake camera): 1,009 frames in 256 s (3.9 fps),
# heap 10.1 -> 10.4 MB (+0.28 MB, peak 11.4 MB), tensors 263 throughout. The bound leaves room for
# V8's own caches on another machine, yet a per-frame leak of 16 KB would already break it.
HEAP_GROWTH_BOUND_MB = 16
HEAP_SAMPLE_S = 3  # how often the heap is read (after a GC) while it runs


@dataclass(frozen=True)
class Switching:
    backgrounds: int  # background switches through the page's select
    rounds: int  # backend webgl -> wasm -> webgl, then source photo -> camera -> photo, this many times
    server: str  # "light_server" (the live model answers photos too) or "server" (the shipped photo model)


SWITCHING = pytest.mark.parametrize(
    "length",
    [pytest.param(Switching(12, 1, "light_server"), id="12-switches"),
     pytest.param(Switching(100, 2, "server"), marks=pytest.mark.soak, id="100-switches")],
)

MODEL_READY = "(backend) => { const g = window.greenscreen; return g.state.model === 'ready' && g.state.backend === backend && !!g.segmenter; }"


def heap_used_mb(cdp) -> float:
    """The page's JS heap after a full garbage collection, in MB."""
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6


def switch_backend(app, backend: str) -> None:
    app.page.select_option("#backend-select", backend)
    app.wait_for(MODEL_READY, 300, f"the model on {backend}", backend)
    assert app.evaluate("() => tf.getBackend()") == backend


def choose_background(app, value: str) -> None:
    app.evaluate("() => { window.__e2eCompositor = window.greenscreen.compositor; }")
    app.page.select_option("#background-select", value)
    app.wait_for("() => window.greenscreen.compositor !== window.__e2eCompositor", 30, f"the {value} background")


@FRAME_COUNTS
def test_webcam_frames_keep_memory_flat(fake_camera_y4m, request, server, frames, opener):
    app = request.getfixturevalue(opener)(server, backend="wasm")  # the camera on WASM from the start
    app.evaluate(SEGMENT_PROBE)
    cdp = app.page.context.new_cdp_session(app.page)
    cdp.send("HeapProfiler.enable")

    app.page.click("#webcam-start")
    app.wait_for("() => window.greenscreen.state.webcam === 'on'", 60, "the camera to start")
    app.wait_for(f"() => window.__e2eProbe.tensors.length >= {WARMUP_FRAMES}", 300, f"{WARMUP_FRAMES} warm-up frames")

    start = app.evaluate("() => window.__e2eProbe.tensors.length")
    frames_start = app.evaluate("() => window.greenscreen.stats.frames")
    heap_start = heap_used_mb(cdp)
    gl_start = app.evaluate("() => window.greenscreen.compositor.resources?.().live ?? null")
    started = time.monotonic()
    heap_samples = [heap_start]
    deadline = started + frames * SECONDS_PER_FRAME_BUDGET
    while app.evaluate("() => window.__e2eProbe.tensors.length") < start + frames:
        assert time.monotonic() < deadline, f"fewer than {frames} frames in {deadline - started:.0f} s: {app.status_text()!r}"
        time.sleep(HEAP_SAMPLE_S)
        heap_samples.append(heap_used_mb(cdp))
    elapsed = time.monotonic() - started
    heap_end = heap_used_mb(cdp)
    probe = app.evaluate("() => window.__e2eProbe")
    stats = app.evaluate("() => window.greenscreen.stats")
    gl_end = app.evaluate("() => window.greenscreen.compositor.resources?.().live ?? null")

    composited = stats["frames"] - frames_start
    watched = probe["tensors"][start:start + frames]
    growth = heap_end - heap_start
    size = app.evaluate("() => { const v = document.getElementById('webcam-video'); return `${v.videoWidth}x${v.videoHeight}`; }")
    print(
        f"\n{composited} {size} frames in {elapsed:.0f} s ({composited / elapsed:.1f} fps) on {app.evaluate('() => tf.getBackend()')}; "
        f"tensors {watched[0]}..{watched[-1]}; heap {heap_start:.1f} -> {heap_end:.1f} MB "
        f"(growth {growth:+.2f} MB, max {max(heap_samples):.1f} MB); GL live {gl_start} -> {gl_end}"
    )
    assert app.evaluate("() => tf.getBackend()") == "wasm"
    assert composited >= frames, f"only {composited} frames composited"
    assert max(watched) == min(watched), f"tf.memory().numTensors drifts over {frames} frames: {watched[:3]} … {watched[-3:]}"
    assert probe["maxInFlight"] == 1, f"{probe['maxInFlight']} inferences overlapped"
    assert probe["failures"] == 0
    assert growth <= HEAP_GROWTH_BOUND_MB, f"the JS heap grew {growth:.1f} MB over {frames} frames"
    assert gl_end == gl_start, f"live GL objects {gl_start} -> {gl_end}"

    app.page.click("#webcam-start")  # stop
    app.wait_for("() => window.greenscreen.state.webcam === 'off'", 30, "the camera to stop")
    assert app.console_errors == []


def resources(app) -> dict:
    return app.evaluate(
        "() => ({tensors: tf.memory().numTensors, gl: window.greenscreen.compositor.resources().live})"
    )


def camera_round(app) -> None:
    """Start the camera, let two frames through, stop it and wait for the last frame in flight."""
    frames = app.evaluate("() => window.greenscreen.stats.frames")
    app.page.click("#webcam-start")
    app.wait_for(f"() => window.greenscreen.stats.frames >= {frames + 2}", 300, "two camera frames")
    app.page.click("#webcam-start")  # stop
    # A frame still being segmented finishes after Stop: the page leaves camera mode once it has
    # (cameraFlow.js, after engine.stopFrames()).
    app.wait_for("() => window.greenscreen.state.webcam === 'off' && window.greenscreen.state.mode !== 'webcam'",
                 60, "the camera to stop and its last frame to finish")


@SWITCHING
def test_switching_leaks_nothing(fake_camera_y4m, open_page, request, astronaut_png, length):
    app = open_page(request.getfixturevalue(length.server))
    switches = length.backgrounds
    assert app.evaluate("() => window.greenscreen.compositorKind") == "webgl2"
    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    # One camera round before the baseline: the first camera frame on WebGL leaves one tensor behind
    # for good (measured: 263 -> 264, then flat over further rounds): a one-time cache, not a leak.
    camera_round(app)
    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    choose_background(app, "image:beach")
    before = resources(app)
    assert sum(before["gl"].values()) > 0, f"the photo is not composited on the GPU: {before}"
    created_before = app.evaluate("() => window.greenscreen.compositor.resources().counts.textures.created")

    # Background switches across every kind, each through the page's own select.
    kinds = ["blur", "color", "none", "image:beach"]
    for i in range(switches):
        choose_background(app, kinds[i % len(kinds)])
    assert resources(app) == before, f"after {switches} background switches: {resources(app)} vs {before}"

    # Backend webgl -> wasm -> webgl (twice in the soak): the model is disposed and reloaded each time.
    for backend in ["wasm", "webgl"] * length.rounds:
        switch_backend(app, backend)
    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    # Both models were reloaded on the new backend (the photo one had been loaded before).
    assert app.evaluate("() => { const s = window.greenscreen.segmenters; return [s.live.backend, s.photo.backend]; }") == ["webgl", "webgl"]
    assert resources(app) == before, f"after {2 * length.rounds} backend switches: {resources(app)} vs {before}"

    # Source photo -> camera -> photo (twice in the soak: the camera's 640x480 frames resize the pipeline).
    for _ in range(length.rounds):
        camera_round(app)
        assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    after = resources(app)
    made = app.evaluate("() => window.greenscreen.compositor.resources().counts.textures.created") - created_before
    print(f"\nbaseline {before}, after all switches {after}; textures created on the way: {made}")
    assert after == before, f"after background, backend and source switches: {after} vs {before}"
    assert made >= switches * before["gl"]["textures"] // 2, f"only {made} textures created: the switches did not rebuild"
    assert app.console_errors == []
