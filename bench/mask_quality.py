"""python bench/mask_quality.py --data ../shared/data/portraits/test --limit 20 [--frames 30] [--model-dir static/model] [--video ../shared/data/video/parkour ...] [--skip flicker|boundary] [--json runs/mask_quality.json]

Mask quality of the page's GPU compositing pipeline, measured in headless Chromium on the real page
modules (createSegmenter from /js/segmenter/index.js, buildPipeline from /js/compositor/webgl2/), on the CPU
(SwiftShader), one browser at a time:

  flicker   mean absolute change of the person mask between consecutive frames of a fake-webcam clip
            of a still person (one portrait, tiny noise and a 1-pixel jitter), every frame through the
            live model twice: as a photo (segment: the model's own map) and as a video frame
            (segmentForVideo: with the segmenter's temporal smoothing), each at model size and at full
            resolution after each edge-aware upsampling (guided filter, joint bilateral). A still person
            should give a still mask: lower is better.
  boundary  boundary F-score (greenscreen.metrics.boundary_f_score, %) and IoU (%) at the photo's
            full resolution, mask thresholded at 0.5, with the guided filter, joint bilateral and plain
            bilinear upsampling of the same model output, on --limit portraits of --data (images/ +
            masks/); and each way's compositing time (median of 5 renders at the photo's size, on
            this machine's WebGL: SwiftShader's CPU here, so a ratio, not a GPU's milliseconds).
  video     --video CLIP (repeatable; a folder with CLIP.mp4 and masks/00000.png …, e.g. the DAVIS clips
            in ../shared/data/video/): every frame through our live model's video path on WASM (the
            page's frame preparation, then segmentForVideo with the page's temporal smoothing; once
            without smoothing; once keeping only the main person; and once through the photo model, the
            page's slower export setting) next to MediaPipe general (CPU) frame by frame, on the benchmark
            page. Per frame at the clip's size (mask upsampled bilinearly, threshold 0.5): IoU (mean,
            minimum, share of frames below 80), flicker (pixels that flip while the truth does not, per
            frame, in % of the person's area), missed (false negatives: a limb that drops out) and
            trailing (false positives where the person was in the last 3 frames: a limb that lingers),
            each in % of the person's area, mean and worst frame.

Prints a table; --json writes the numbers. Needs Debian's chromium, ffmpeg (for the clip) and the
exported models (static/model/live/ and static/model/photo/, or --model-dir holding both).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from web.harness import chromium_args, find_chromium, start_server  # noqa: E402

DEFAULT_SMOOTHING = 0.5  # static/js/settings/config.js DEFAULT_VIDEO_CONFIG.smoothing

# The page's backend for the segmenter, set as a visitor's choice before it starts (else 'auto'
# would first measure WebGL against WASM).
PIN_BACKEND = "localStorage.setItem('greenscreen.settings.v1', JSON.stringify({backend: 'BACKEND'}))"

# The page side lives in static/bench/maskQuality.js (flicker, boundary) and static/bench/bench.js
# (video frames, ours and MediaPipe); these call into them.
PAGE_MODULE = "async (arg) => (await import('/bench/maskQuality.js')).NAME(arg)"
PAGE_SETUP = PAGE_MODULE.replace("NAME", "setup")
FLICKER = PAGE_MODULE.replace("NAME", "flicker")
BOUNDARY = PAGE_MODULE.replace("NAME", "boundary")

# Video clips: 24 frames/s (../shared/data/README.md); our video path and MediaPipe frame by frame.
UPSAMPLINGS = ("guided", "bilateral", "bilinear")  # the page's (upsampleStage.js UPSAMPLING_MODES)
EDGE_AWARE = ("guided", "bilateral")
VIDEO_FPS = 24
TRAIL_FRAMES = 3  # false positives where the person was in the last 3 frames (and is no more) "linger"
LOW_IOU = 80.0  # a frame below this is a visible failure
VIDEO_SYSTEMS = (
    # (name, bench page query, temporal smoothing or None)
    ("ours-wasm (smoothing)", "system=ours&backend=wasm&model=live", "smoothing"),
    ("ours-wasm (no smoothing)", "system=ours&backend=wasm&model=live", 0.0),
    # The page's "only the main person" setting: people behind the subject (an audience) become background.
    ("ours-wasm (smoothing, main person)", "system=ours&backend=wasm&model=live&mainPerson=1", "smoothing"),
    # The page's "export with the photo model" setting: a video through the photo model's video path.
    ("ours-wasm photo model (smoothing)", "system=ours&backend=wasm&model=photo", "smoothing"),
    ("ours-wasm photo model (smoothing, main person)", "system=ours&backend=wasm&model=photo&mainPerson=1", "smoothing"),
    ("mediapipe-general-cpu", "system=mediapipe&model=0&cpu=1", None),
)


def fail(message: str) -> None:
    print(f"mask_quality: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None, help="mask folder with images/ and masks/ (e.g. ../shared/data/portraits/test); $GREENSCREEN_DATA/portraits/test when omitted")
    parser.add_argument("--limit", type=int, default=20, help="portraits scored for the boundary F-score (default 20)")
    parser.add_argument("--frames", type=int, default=30, help="webcam frames for the flicker measurement (default 30)")
    parser.add_argument("--smoothing", type=float, default=DEFAULT_SMOOTHING, help=f"temporal smoothing 0-0.95 (default {DEFAULT_SMOOTHING}, the page's)")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "static" / "model",
                        help="folder holding the exported live/ and photo/ TF.js models (default static/model)")
    parser.add_argument("--backend", choices=["webgl", "wasm"], default="webgl", help="the segmenter's TF.js backend (default webgl)")
    parser.add_argument("--guided-radius", type=int, default=None, help="the guided filter's window radius in mask texels (default: the page's)")
    parser.add_argument("--guided-epsilon", type=float, default=None, help="the guided filter's ridge on colour variances (default: the page's)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--skip", choices=["flicker", "boundary"], action="append", default=[], help="leave a measurement out")
    parser.add_argument("--video", type=Path, action="append", default=[],
                        help="a clip folder (CLIP.mp4 + masks/NNNNN.png) to score frame by frame, ours vs MediaPipe; repeatable")
    args = parser.parse_args(argv)
    if args.data is None:
        env = os.environ.get("GREENSCREEN_DATA")
        args.data = Path(env) / "portraits" / "test" if env else ROOT.parent / "shared" / "data" / "portraits" / "test"
    for kind in ("live", "photo"):
        if not (args.model_dir / kind / "model.json").is_file():
            fail(f"no model.json in {args.model_dir / kind}: export one with "
                 f"`python convert/export_tfjs.py --out {args.model_dir / kind}` or pass --model-dir")
    if "boundary" not in args.skip and not ((args.data / "images").is_dir() and (args.data / "masks").is_dir()):
        fail(f"{args.data} has no images/ and masks/ folders (pass --data, or --skip boundary)")
    if args.limit < 1 or args.frames < 3:
        fail("--limit must be >= 1 and --frames >= 3")
    if not 0 <= args.smoothing <= 0.95:
        fail(f"--smoothing {args.smoothing} is outside 0-0.95")
    return args


def video_metrics(predictions: list[np.ndarray], truths: list[np.ndarray], trail: int = TRAIL_FRAMES) -> dict:
    """Per-frame scores of boolean masks against the truth (see the module docstring), summarised."""
    ious, flicker, missed, trailing, extra = [], [], [], [], []
    for t, (pred, truth) in enumerate(zip(predictions, truths)):
        area = max(int(truth.sum()), 1)
        union = int((pred | truth).sum())
        ious.append(100.0 * (pred & truth).sum() / union if union else 100.0)
        false_pos = pred & ~truth
        missed.append(100.0 * (truth & ~pred).sum() / area)
        extra.append(100.0 * false_pos.sum() / area)
        recent = np.zeros_like(truth)
        for before in truths[max(0, t - trail) : t]:
            recent |= before
        trailing.append(100.0 * (false_pos & recent).sum() / area)
        if t:
            unexplained = (pred != predictions[t - 1]) & (truth == truths[t - 1])
            flicker.append(100.0 * unexplained.sum() / area)
    ious = np.asarray(ious)
    return {
        "frames": len(ious),
        "iou_mean": float(ious.mean()),
        "iou_min": float(ious.min()),
        "iou_min_frame": int(ious.argmin()),
        "share_below_80": float(100.0 * (ious < LOW_IOU).mean()),
        "flicker_mean": float(np.mean(flicker)) if flicker else 0.0,
        "missed_mean": float(np.mean(missed)),
        "missed_max": float(np.max(missed)),
        "trailing_mean": float(np.mean(trailing)),
        "trailing_max": float(np.max(trailing)),
        "false_positive_mean": float(np.mean(extra)),
        "iou_per_frame": [round(float(v), 2) for v in ious],
    }


def clip_frames(clip: Path, scratch: Path) -> tuple[list[Path], list[Path]]:
    """The clip's frames decoded to PNGs (ffmpeg, every frame) and its masks, paired by index."""
    videos = sorted(clip.glob("*.mp4"))
    masks = sorted((clip / "masks").glob("*.png"))
    if len(videos) != 1 or not masks:
        fail(f"{clip} needs one .mp4 and masks/00000.png …")
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        fail("ffmpeg is not installed (apt-get install ffmpeg): needed to decode the clips")
    out = scratch / clip.name
    out.mkdir(parents=True)
    subprocess.run([ffmpeg, "-loglevel", "error", "-i", str(videos[0]), "-vsync", "0", str(out / "%05d.png")],
                   check=True, timeout=300)
    frames = sorted(out.glob("*.png"))
    if len(frames) != len(masks):
        fail(f"{videos[0].name} decodes to {len(frames)} frames but {clip / 'masks'} holds {len(masks)} masks")
    return frames, masks


def measure_video(browser, origin: str, clips: list[Path], smoothing: float, scratch: Path) -> dict:
    """Every clip through each of VIDEO_SYSTEMS on a fresh bench page: {clip: {system: metrics}}."""
    from PIL import Image

    sys.path.insert(0, str(ROOT / "bench"))
    from browser_bench import decode_mask  # noqa: E402 - the bench page's mask format

    from greenscreen.predict import resize_probability

    decoded = {clip.name: clip_frames(clip, scratch) for clip in clips}
    truths = {name: [np.asarray(Image.open(m).convert("L")) > 127 for m in masks] for name, (_, masks) in decoded.items()}
    found: dict = {name: {} for name in decoded}
    for system, query, smooth in VIDEO_SYSTEMS:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(600_000)
        try:
            page.goto(f"{origin}/bench/index.html?{query}")
            page.wait_for_function("() => !!window.bench")
            info = page.evaluate("() => window.bench.ready")
            amount = smoothing if smooth == "smoothing" else smooth
            for name, (frames, _) in decoded.items():
                started = time.monotonic()
                predictions, times = [], []
                for i, frame in enumerate(frames):
                    result = page.evaluate(
                        "([b64, t, s, reset]) => window.bench.videoFrame(b64, 'image/png', t, s, reset)",
                        [base64.b64encode(frame.read_bytes()).decode("ascii"), i * 1000 / VIDEO_FPS, amount or 0, i == 0],
                    )
                    times.append(result["ms"])
                    height, width = truths[name][i].shape
                    predictions.append(resize_probability(decode_mask(result), (height, width)) >= 0.5)
                metrics = video_metrics(predictions, truths[name])
                metrics.update(smoothing=amount, ms_median=float(np.median(times)), backend=info.get("backend"),
                               wasm=info.get("wasm"), seconds=round(time.monotonic() - started, 1))
                found[name][system] = metrics
                print(f"  {name} / {system}: IoU {metrics['iou_mean']:.2f} (min {metrics['iou_min']:.1f}), "
                      f"flicker {metrics['flicker_mean']:.2f} %", file=sys.stderr, flush=True)
        finally:
            context.close()
    return found


def portraits(folder: Path, limit: int) -> list[tuple[Path, Path]]:
    pairs = []
    for image in sorted((folder / "images").glob("*.jpg")):
        mask = folder / "masks" / f"{image.stem}.png"
        if mask.is_file():
            pairs.append((image, mask))
        if len(pairs) == limit:
            break
    return pairs


def still_person_clip(photo: Path | None, folder: Path, frames: int) -> Path:
    """A 640x480 y4m of one portrait standing still: 1-pixel jitter and light sensor noise."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        fail("ffmpeg is not installed (apt-get install ffmpeg): needed for the fake camera clip")
    from PIL import Image

    still = folder / "still.png"
    if photo is None:
        from skimage import data as skimage_data

        Image.fromarray(skimage_data.astronaut()).save(still)
    else:
        Image.open(photo).convert("RGB").save(still)
    clip = folder / "still.y4m"
    seconds = max(2, frames // 15 + 2)
    jitter = "crop=640:480:x='2+mod(n,3)-1':y='2+mod(floor(n/3),3)-1'"
    command = [
        ffmpeg, "-loglevel", "error", "-y", "-loop", "1", "-i", str(still),
        "-vf", f"scale=644:484:force_original_aspect_ratio=increase,crop=644:484,{jitter},noise=alls=4:allf=t,format=yuv420p",
        "-t", str(seconds), "-r", "15", str(clip),
    ]
    subprocess.run(command, check=True, timeout=300)
    return clip


def unpack(bits: str, width: int, height: int) -> np.ndarray:
    packed = np.frombuffer(base64.b64decode(bits), dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little")[: width * height].reshape(height, width).astype(bool)


def measure(args) -> dict:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from greenscreen.metrics import boundary_f_score, iou

    chromium = find_chromium()
    if not chromium:
        fail("chromium is not installed (apt-get install chromium)")
    pairs = portraits(args.data, args.limit) if (args.data / "images").is_dir() else []
    cards = {kind: args.model_dir / kind / "model-card.json" for kind in ("live", "photo")}
    results: dict = {
        "model_dir": str(args.model_dir),
        "model": {kind: json.loads(path.read_text()).get("name") if path.is_file() else None for kind, path in cards.items()},
        "shipped_model": args.model_dir.resolve() == (ROOT / "static" / "model").resolve(),
    }
    with tempfile.TemporaryDirectory(prefix="mask-quality-") as scratch:
        clip = None
        if "flicker" not in args.skip:
            clip = still_person_clip(pairs[0][0] if pairs else None, Path(scratch), args.frames)
        server, stop = start_server({"MODEL_DIR": args.model_dir})
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=chromium_args(clip))
                if args.video:
                    results["video"] = measure_video(browser, server.origin, args.video, args.smoothing, Path(scratch))
                    results["video_note"] = ("DAVIS 2016 clips (CC BY-NC 4.0, Perazzi et al., CVPR 2016): bench only; "
                                             f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
                if "flicker" in args.skip and "boundary" in args.skip:
                    browser.close()
                    return results
                page = browser.new_page()
                page.set_default_timeout(600_000)
                page.add_init_script(PIN_BACKEND.replace("BACKEND", args.backend))
                page.goto(server.url + "?framepath=main")  # TF.js on the page, where these measures reach (issue 14: a Worker by default)
                results["model_input"] = page.evaluate(PAGE_SETUP, None)
                guided = {key: value for key, value in (("guidedRadius", args.guided_radius), ("guidedEpsilon", args.guided_epsilon))
                          if value is not None}
                results["guided_settings"] = guided or "the page's"
                if "flicker" not in args.skip:
                    started = time.monotonic()
                    results["flicker"] = page.evaluate(FLICKER, {"frames": args.frames, "smoothing": args.smoothing, "guided": guided})
                    results["flicker"]["smoothing"] = args.smoothing
                    results["flicker"]["seconds"] = round(time.monotonic() - started, 1)
                if "boundary" not in args.skip:
                    scores = {mode: {"boundary_f": [], "iou": [], "ms": []} for mode in UPSAMPLINGS}
                    for image_path, mask_path in pairs:
                        found = page.evaluate(BOUNDARY, {"image": base64.b64encode(image_path.read_bytes()).decode(), "guided": guided})
                        truth = np.asarray(Image.open(mask_path).convert("L")) > 127
                        if truth.shape != (found["height"], found["width"]):
                            fail(f"{mask_path.name}: mask is {truth.shape[::-1]}, image decodes to {found['width']}x{found['height']}")
                        for mode, score in scores.items():
                            if found["modeInUse"][mode] != mode:
                                fail(f"the pipeline ran {found['modeInUse'][mode]} when asked for {mode} (no float render targets?)")
                            score["ms"].append(found["ms"][mode])
                            pred = unpack(found[mode], found["width"], found["height"])
                            score["boundary_f"].append(100 * boundary_f_score(pred, truth))
                            score["iou"].append(100 * iou(pred, truth))
                    results["boundary"] = {
                        mode: {"boundary_f": float(np.mean(s["boundary_f"])), "iou": float(np.mean(s["iou"])),
                               "ms_median": float(np.median(s["ms"])), "n": len(s["iou"])}
                        for mode, s in scores.items()
                    }
                browser.close()
        finally:
            stop()
    return results


VIDEO_COLUMNS = (
    ("IoU mean", "iou_mean"), ("IoU min", "iou_min"), ("frames < 80 %", "share_below_80"),
    ("flicker %", "flicker_mean"), ("missed mean %", "missed_mean"), ("missed worst %", "missed_max"),
    ("trailing mean %", "trailing_mean"), ("trailing worst %", "trailing_max"), ("ms/frame", "ms_median"),
)


def video_table(video: dict, columns=VIDEO_COLUMNS, label: str = "system", digits: int = 1) -> str:
    """Markdown: one row per clip and `label` (system, upsampling…), the numbers side by side."""
    lines = [f"| clip | {label} | " + " | ".join(name for name, _ in columns) + " |",
             "|---|---|" + "---:|" * len(columns)]
    for clip, rows in video.items():
        for row, m in rows.items():
            lines.append(f"| {clip} ({m['frames']}) | {row} | " + " | ".join(f"{m[key]:.{digits}f}" for _, key in columns) + " |")
    return "\n".join(lines)


def print_table(results: dict) -> None:
    model = ", ".join(f"{kind} {name or '?'}" for kind, name in results["model"].items())
    print(f"models: {model} ({results['model_dir']}), live input {results.get('model_input')}, "
          f"guided filter settings {results.get('guided_settings', 'the page')}")
    if results.get("video"):
        print("\nvideo clips, per frame at the clip's size (% of the person's area for flicker, missed, trailing):\n")
        print(video_table(results["video"]))
        print(f"\n{results['video_note']}")
    if not results["shipped_model"]:
        print("note: not the shipped static/model: numbers are for this model only")
    flicker = results.get("flicker")
    if flicker:
        print(f"\nflicker: mean |mask(t) - mask(t-1)| on a still person, {flicker['pairs']} frame pairs, {flicker['size'][0]}x{flicker['size'][1]}")
        smoothing = flicker["smoothing"]
        print(f"  {'model output (model size)':<50} {flicker['model']:.5f}")
        for mode in EDGE_AWARE:
            print(f"  {f'upsampled ({mode}, full size)':<50} {flicker[f'upsampled.{mode}']:.5f}")
        print(f"  {f'temporal smoothing {smoothing} (model size)':<50} {flicker['smoothed']:.5f}")
        for mode in EDGE_AWARE:
            print(f"  {f'temporal smoothing {smoothing}, then {mode}':<50} {flicker[f'smoothedUpsampled.{mode}']:.5f}")
        for mode in EDGE_AWARE:
            if flicker[f"upsampled.{mode}"] > 0:
                removed = 100 * (1 - flicker[f"smoothedUpsampled.{mode}"] / flicker[f"upsampled.{mode}"])
                print(f"  smoothing removes {removed:.0f} % of the flicker ({mode})")
    boundary = results.get("boundary")
    if boundary:
        n = boundary["bilateral"]["n"]
        print(f"\nfull-resolution masks on {n} portraits (threshold 0.5); compositing ms on this machine's WebGL")
        print(f"  {'upsampling':<12} {'boundary F %':>13} {'IoU %':>8} {'ms':>8}")
        for mode in UPSAMPLINGS[::-1]:
            print(f"  {mode:<12} {boundary[mode]['boundary_f']:>13.2f} {boundary[mode]['iou']:>8.2f} {boundary[mode]['ms_median']:>8.1f}")


def main(argv=None) -> int:
    args = parse_args(argv)
    results = measure(args)
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
