"""python bench/mask_quality.py --data ../shared/data/portraits/test --limit 20 [--frames 30] [--model-dir static/model] [--json runs/mask_quality.json]

Mask quality of the page's GPU compositing pipeline, measured in headless Chromium on the real page
modules (createSegmenter from /js/segmenter/index.js, buildPipeline from /js/compositor/webgl2/), on the CPU
(SwiftShader), one browser at a time:

  flicker   mean absolute change of the person mask between consecutive frames of a fake-webcam clip
            of a still person (one portrait, tiny noise and a 1-pixel jitter), every frame through the
            live model twice: as a photo (segment: the model's own map) and as a video frame
            (segmentForVideo: with the segmenter's temporal smoothing), each at model size and at full
            resolution after the joint bilateral upsampling. A still person should give a still mask:
            lower is better.
  boundary  boundary F-score (greenscreen.metrics.boundary_f_score, %) and IoU (%) at the photo's
            full resolution, mask thresholded at 0.5, with joint bilateral vs plain bilinear
            upsampling of the same model output, on --limit portraits of --data (images/ + masks/).

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

# In the page: our own pipeline on an offscreen WebGL2 canvas, fed by the page's segmenter.
PAGE_SETUP = """async () => {
    await window.greenscreen.ready;
    const {buildPipeline} = await import('/js/compositor/webgl2/buildPipeline.js');
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2', {preserveDrawingBuffer: true});
    if (!gl) throw new Error('no WebGL2 in this browser');
    let pipeline = null;
    let key = '';
    const meanAbsDiff = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]); return s / a.length; };
    window.__maskBench = {
        render(source, mask, width, height, settings) {
            const next = `${width}x${height}/${mask.width}x${mask.height}`;
            if (next !== key) {
                pipeline?.cleanUp();
                canvas.width = width; canvas.height = height;
                pipeline = buildPipeline({gl, frameSize: {width, height}, maskSize: {width: mask.width, height: mask.height},
                                          background: 'none', feather: 0, ...settings});
                key = next;
            }
            pipeline.update(settings);
            pipeline.render({source, mask});
            return pipeline;
        },
        meanAbsDiff,
        /** 1 bit per pixel (p >= 0.5), base64, row 0 = top. */
        packBits(values) {
            const bytes = new Uint8Array(Math.ceil(values.length / 8));
            for (let i = 0; i < values.length; i++) if (values[i] >= 0.5) bytes[i >> 3] |= 1 << (i & 7);
            let text = '';
            for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            return btoa(text);
        },
    };
    return window.greenscreen.segmenter.inputSize;
}"""

FLICKER = """async ({frames, smoothing}) => {
    const bench = window.__maskBench;
    const stream = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}});
    const video = document.createElement('video');
    video.muted = true; video.playsInline = true; video.srcObject = stream;
    await video.play();
    while (video.readyState < 2) await new Promise((r) => setTimeout(r, 20));
    const segmenter = window.greenscreen.segmenter;
    const previous = {};
    const sums = {model: 0, upsampled: 0, smoothed: 0, smoothedUpsampled: 0};
    let counted = 0;
    for (let i = 0; i < frames; i++) {
        const timestamp = await new Promise((r) => video.requestVideoFrameCallback((now) => r(now)));
        const plain = await segmenter.segment(video);
        const smoothed = await segmenter.segmentForVideo(video, timestamp, {smoothing});
        const upsample = (mask) => bench.render(video, mask, video.videoWidth, video.videoHeight, {upsampling: 'bilateral'}).readMask('upsampled');
        const now = {model: plain.data, upsampled: upsample(plain), smoothed: Float32Array.from(smoothed.data), smoothedUpsampled: upsample(smoothed)};
        if (i > 0) {
            for (const name of Object.keys(sums)) sums[name] += bench.meanAbsDiff(now[name], previous[name]);
            counted++;
        }
        Object.assign(previous, now);
    }
    stream.getTracks().forEach((t) => t.stop());
    return {pairs: counted, size: [video.videoWidth, video.videoHeight],
            ...Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / counted]))};
}"""

BOUNDARY = """async ({image}) => {
    const bench = window.__maskBench;
    const bytes = Uint8Array.from(atob(image), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes]));
    const segmenter = await window.greenscreen.segmenterFor('photo');
    const mask = await segmenter.segment(bitmap, {flip: false});
    const out = {width: bitmap.width, height: bitmap.height};
    for (const upsampling of ['bilateral', 'bilinear']) {
        const pipeline = bench.render(bitmap, mask, bitmap.width, bitmap.height, {upsampling});
        out[upsampling] = bench.packBits(pipeline.readMask('upsampled'));
    }
    bitmap.close();
    return out;
}"""


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
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--skip", choices=["flicker", "boundary"], action="append", default=[], help="leave a measurement out")
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
                page = browser.new_page()
                page.set_default_timeout(600_000)
                page.add_init_script(PIN_BACKEND.replace("BACKEND", args.backend))
                page.goto(server.url)
                results["model_input"] = page.evaluate(PAGE_SETUP)
                if "flicker" not in args.skip:
                    started = time.monotonic()
                    results["flicker"] = page.evaluate(FLICKER, {"frames": args.frames, "smoothing": args.smoothing})
                    results["flicker"]["smoothing"] = args.smoothing
                    results["flicker"]["seconds"] = round(time.monotonic() - started, 1)
                if "boundary" not in args.skip:
                    scores = {"bilateral": {"boundary_f": [], "iou": []}, "bilinear": {"boundary_f": [], "iou": []}}
                    for image_path, mask_path in pairs:
                        found = page.evaluate(BOUNDARY, {"image": base64.b64encode(image_path.read_bytes()).decode()})
                        truth = np.asarray(Image.open(mask_path).convert("L")) > 127
                        if truth.shape != (found["height"], found["width"]):
                            fail(f"{mask_path.name}: mask is {truth.shape[::-1]}, image decodes to {found['width']}x{found['height']}")
                        for mode, score in scores.items():
                            pred = unpack(found[mode], found["width"], found["height"])
                            score["boundary_f"].append(100 * boundary_f_score(pred, truth))
                            score["iou"].append(100 * iou(pred, truth))
                    results["boundary"] = {
                        mode: {"boundary_f": float(np.mean(s["boundary_f"])), "iou": float(np.mean(s["iou"])), "n": len(s["iou"])}
                        for mode, s in scores.items()
                    }
                browser.close()
        finally:
            stop()
    return results


def print_table(results: dict) -> None:
    model = ", ".join(f"{kind} {name or '?'}" for kind, name in results["model"].items())
    print(f"models: {model} ({results['model_dir']}), live input {results.get('model_input')}")
    if not results["shipped_model"]:
        print("note: not the shipped static/model: numbers are for this model only")
    flicker = results.get("flicker")
    if flicker:
        print(f"\nflicker: mean |mask(t) - mask(t-1)| on a still person, {flicker['pairs']} frame pairs, {flicker['size'][0]}x{flicker['size'][1]}")
        smoothing = flicker["smoothing"]
        print(f"  {'model output (model size)':<50} {flicker['model']:.5f}")
        print(f"  {'upsampled (joint bilateral, full size)':<50} {flicker['upsampled']:.5f}")
        print(f"  {f'temporal smoothing {smoothing} (model size)':<50} {flicker['smoothed']:.5f}")
        print(f"  {f'temporal smoothing {smoothing}, then upsampled':<50} {flicker['smoothedUpsampled']:.5f}")
        if flicker["upsampled"] > 0:
            print(f"  smoothing removes {100 * (1 - flicker['smoothedUpsampled'] / flicker['upsampled']):.0f} % of the flicker")
    boundary = results.get("boundary")
    if boundary:
        n = boundary["bilateral"]["n"]
        print(f"\nfull-resolution masks on {n} portraits (threshold 0.5)")
        print(f"  {'upsampling':<12} {'boundary F %':>13} {'IoU %':>8}")
        for mode in ("bilinear", "bilateral"):
            print(f"  {mode:<12} {boundary[mode]['boundary_f']:>13.2f} {boundary[mode]['iou']:>8.2f}")


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
