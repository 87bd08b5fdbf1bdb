"""The page in headless Chromium, for the browser tests (tests/e2e) and the benchmarks (bench/).

    from web.harness import chromium_args, find_chromium, panning_camera_clip, start_server
    server, stop = start_server({"MODEL_DIR": folder})        # the real app on a free loopback port
    browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True,
                                         args=chromium_args(camera_clip=clip))

One place for what both need: Debian's Chromium (Playwright's own browser download is never used),
the flags that make every run alike (WebGL2 on SwiftShader, a camera that plays a file), the dev
server in a thread, and the fake camera's clip (a real photo panning in a small circle).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from web import create_app

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

CHROMIUM_ARGS = (
    "--no-sandbox",  # tests and benchmarks may run as root (containers, CI)
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--mute-audio",
    # WebGL2 on the CPU, the same in every environment (headless has no GPU here).
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    # Camera: accept the permission prompt and play a file instead of a device.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
)

CAMERA_SIZE = (640, 480)
CAMERA_PAN_SECONDS = 3  # the fake camera clip loops after this long


def find_chromium() -> str | None:
    """Path of an installed Chromium (apt-get install chromium), or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_args(camera_clip: Path | None = None) -> list[str]:
    """The launch flags; with `camera_clip` (a .y4m) the fake camera plays it instead of a test pattern."""
    return [*CHROMIUM_ARGS, *([f"--use-file-for-fake-video-capture={camera_clip}"] if camera_clip else [])]


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT/
    origin: str  # http://127.0.0.1:PORT
    model_dir: Path | None  # what /model/ serves (None: static/model)


def start_server(config: dict | None = None) -> tuple[Server, Callable[[], None]]:
    """The real Flask app (create_app(config)) on a free loopback port in a daemon thread; returns (server, stop)."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the output
    config = dict(config or {})
    http = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="greenscreen-server", daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{http.port}"

    def stop() -> None:
        http.shutdown()
        http.server_close()
        thread.join(timeout=10)

    model_dir = Path(config["MODEL_DIR"]) if config.get("MODEL_DIR") else None
    return Server(url=origin + "/", origin=origin, model_dir=model_dir), stop


def panning_camera_clip(
    ffmpeg: str, still: Path, out: Path, fps: int = 15, seconds: int = CAMERA_PAN_SECONDS, size: tuple[int, int] = CAMERA_SIZE
) -> Path:
    """A y4m of `still` (640x480 unless `size`) drifting in a small circle (consecutive frames differ), looped by Chromium.

    Raises RuntimeError with ffmpeg's own message when it fails.
    """
    width, height = size
    scale = width / CAMERA_SIZE[0]  # the same pan at any size: the 640x480 crop of a 720x540 frame, scaled
    pan = (f"crop={width}:{height}:x='{40 * scale:g}+{30 * scale:g}*sin(2*PI*t/{seconds})'"
           f":y='{30 * scale:g}+{25 * scale:g}*cos(2*PI*t/{seconds})'")
    command = [ffmpeg, "-loglevel", "error", "-y", "-loop", "1", "-i", str(still),
               "-vf", f"scale={round(720 * scale)}:{round(540 * scale)},{pan},format=yuv420p", "-t", str(seconds), "-r", str(fps), str(out)]
    try:
        subprocess.run(command, check=True, timeout=300, capture_output=True)
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"ffmpeg could not make the camera clip: {error.stderr.decode(errors='replace').strip()}") from None
    return out
