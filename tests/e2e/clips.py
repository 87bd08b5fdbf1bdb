"""Video clips for the browser tests, made with ffmpeg from real pictures (no files committed).

A "moving portrait" is skimage's astronaut (a real photo of a person) sliding across a real
background photo (static/backgrounds/mountains.jpg) with a tone as sound, so the page has a person
to find, motion for the temporal path and a sound track to carry.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
BACKGROUND = REPO_ROOT / "static" / "backgrounds" / "mountains.jpg"

CODECS = {
    # container: (video codec args, audio codec args)
    "mp4": (["-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "2"], ["-c:a", "aac"]),
    "webm": (["-c:v", "libvpx", "-b:v", "800k"], ["-c:a", "libopus"]),
    # QuickTime keeps AAC's setup in a 'wave' box: such a .mov once exported silent
    "mov": (["-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "2"], ["-c:a", "aac"]),
}


def ffmpeg_path() -> str | None:
    return shutil.which("ffmpeg")


def run_ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_path(), "-loglevel", "error", "-y", *args], check=True, timeout=600)


def moving_portrait_clip(
    folder: Path,
    astronaut: np.ndarray,
    *,
    size: tuple[int, int] = (320, 240),
    seconds: float = 3,
    fps: int = 15,
    container: str = "mp4",
    audio: bool = True,
    name: str | None = None,
) -> Path:
    """The astronaut crossing the background, size (width, height), with a 440 Hz tone when `audio`."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    person = folder / "person.png"
    if not person.exists():
        Image.fromarray(astronaut).save(person)
    width, height = size
    portrait = height // 2 * 2  # the whole height: the live model is made for people filling the frame
    travel = max(0, width - portrait)
    clip = folder / (name or f"portrait-{width}x{height}-{seconds}s.{container}")
    video_args, audio_args = CODECS[container]
    graph = (
        f"[0:v]scale={width}:{height},setsar=1[bg];[1:v]scale={portrait}:{portrait}[p];"
        f"[bg][p]overlay=x='{travel}*t/{seconds}':y={height - portrait}:shortest=1,format=yuv420p[v]"
    )
    inputs = ["-loop", "1", "-i", str(BACKGROUND), "-loop", "1", "-i", str(person)]
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    maps = ["-map", "[v]"] + (["-map", "2:a", *audio_args] if audio else [])
    run_ffmpeg(*inputs, "-filter_complex", graph, *maps, "-t", str(seconds), "-r", str(fps), *video_args, str(clip))
    return clip


def sound_only_clip(folder: Path) -> Path:
    """A WebM holding only sound: the page must say it has no video track."""
    clip = folder / "sound-only.webm"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "libopus", str(clip))
    return clip


def zero_frame_clip(folder: Path) -> Path:
    """A WebM whose video track holds no frame (a 0-second clip; ffmpeg drops an empty MP4 track)."""
    clip = folder / "zero.webm"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-frames:v", "0", "-c:v", "libvpx", str(clip))
    return clip


def probe(path: Path) -> dict:
    """What ffmpeg finds in `path`: every frame decoded and counted. Raises if ffmpeg cannot decode it."""
    ffprobe = shutil.which("ffprobe")
    out = subprocess.run(
        [ffprobe, "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_type,codec_name,width,height,nb_read_frames:format=duration", "-of", "json", str(path)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    import json

    found = json.loads(out.stdout)
    streams = found.get("streams", [])
    video = next((s for s in streams if s["codec_type"] == "video"), None)
    audio = next((s for s in streams if s["codec_type"] == "audio"), None)
    # A full decode as well: errors in any frame fail here, not only in the headers.
    subprocess.run([ffmpeg_path(), "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"], check=True, timeout=600)
    return {
        "video": video and {"codec": video["codec_name"], "width": video["width"], "height": video["height"],
                            "frames": int(video.get("nb_read_frames", 0))},
        "audio": audio and {"codec": audio["codec_name"]},
        "duration": float(found.get("format", {}).get("duration", 0) or 0),
    }


def undecodable_codec_clip(folder: Path) -> Path:
    """A real MP4 in MPEG-4 Part 2 (mp4v), a codec WebCodecs does not decode in Chromium."""
    clip = folder / "old-camera.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=1", "-c:v", "mpeg4", str(clip))
    return clip


def colour_steps_clip(folder: Path, colours: tuple[str, ...] = ("red", "blue"), seconds_each: float = 1) -> Path:
    """A WebM of solid colours, `seconds_each` per colour (a background whose time is visible)."""
    clip = folder / f"steps-{'-'.join(colours)}.webm"
    inputs = [arg for colour in colours for arg in ("-f", "lavfi", "-i", f"color=c={colour}:s=320x240:r=15:d={seconds_each}")]
    graph = "".join(f"[{i}:v]" for i in range(len(colours))) + f"concat=n={len(colours)}:v=1:a=0[v]"
    run_ffmpeg(*inputs, "-filter_complex", graph, "-map", "[v]", "-c:v", "libvpx", "-b:v", "300k", str(clip))
    return clip


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The decoded frame of `path` at `seconds`, as an RGB array."""
    from PIL import Image

    still = path.with_name(f"{path.stem}-{seconds:.2f}.png")
    run_ffmpeg("-ss", f"{seconds:.3f}", "-i", str(path), "-frames:v", "1", str(still))
    return np.asarray(Image.open(still).convert("RGB"))
