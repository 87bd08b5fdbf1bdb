"""python bench/browser_bench.py --data ../shared/data/portraits/test --json runs/bench.json [--markdown runs/bench.md] [--frames 100] [--limit-images K] [--model live|photo] [--model-dir DIR ...] [--backends webgl,wasm,wasm-single] [--wasm-threads 1,2] [--mediapipe gpu,cpu] [--mediapipe-variants general,landscape] [--profile]

Side-by-side browser benchmark: our segmenter (createSegmenter from /js/segmenter/index.js, exactly as the
page uses it, with the live or the photo model (--model), on the WebGL and WASM backends of TF.js) against MediaPipe Selfie Segmentation (general
256x256 and landscape 144x256, the npm legacy solution served at /vendor/selfie_segmentation/), in ONE
headless Chromium against the local Flask app, on the same photos and the same fake-webcam clip.

Per system, each on a fresh page in a fresh browser context (no shared cache, no shared GPU state):
  miou          mean per-image person IoU (%) on the mask folder: the mask comes back from the page,
                is upsampled bilinearly to the photo's size and thresholded at 0.5 (greenscreen.metrics.iou);
                ours uses flip test-time augmentation on photos like the page does (--no-tta: off)
  ms_median/p90 milliseconds per frame (photo in -> mask pixels in JS memory) over --frames frames after warm-up
  fps_webcam    frames per second segmenting a 640x480 fake camera (Chromium plays a y4m made with ffmpeg)
  first_mask_ms navigation start -> first mask (runtime + model download, compile, first inference)
  bytes         Resource Timing body sizes of that system's runtime and model files
  frame_path    ours only: ms per camera frame from source to composited canvas, the page's one frame
                path (one upload, one stretch, the mask left on the GPU) against two preparations
                (segmenter and compositor each upload and shrink the frame; the mask through the CPU)
  profile       --profile, ours on WASM: TF.js's time per op (tf.profile, one kernel at a time) per frame
Absolute times here come from a CPU and SwiftShader (WebGL on the CPU); compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `greenscreen` and `web` importable
    sys.path.insert(0, str(ROOT))

from greenscreen.data.errors import DataError  # noqa: E402
from greenscreen.data.folders import MaskFolderSource  # noqa: E402
from greenscreen.data.images import load_mask  # noqa: E402
from greenscreen.metrics import THRESHOLD, iou  # noqa: E402
from greenscreen.predict import resize_probability  # noqa: E402
from web.harness import chromium_args, find_chromium, panning_camera_clip, start_server  # noqa: E402

# ---------------------------------------------------------------- defaults (validated in parse_args)

DEFAULT_FRAMES = 100
WARMUP_FRAMES = 5
TIMING_IMAGES = 10  # the timed frames cycle over the first photos of the folder
DEFAULT_WEBCAM_SECONDS = 10.0
WEBCAM_WARMUP_FRAMES = 3
DEFAULT_FRAME_PATH_FRAMES = 30  # per way, alternating with the other way
FRAME_PATH_WARMUP_FRAMES = 3
# wasm: TF.js's threaded SIMD build with the page's thread count (or each of --wasm-threads);
# wasm-single: its single-threaded SIMD build (what a page that is not cross-origin isolated gets).
BACKEND_CHOICES = ("webgl", "wasm", "wasm-single")
MODEL_CHOICES = ("live", "photo")  # static/js/settings/config.js MODELS; each a folder under --model-dir
DEFAULT_MODEL = "live"
MEDIAPIPE_CHOICES = ("gpu", "cpu")  # gpu: its default on desktop (TFLite on WebGL); cpu: XNNPACK in WASM
MEDIAPIPE_VARIANTS = ("general", "landscape")  # its modelSelection 0 and 1: 256x256 and 144x256
DEFAULT_BACKENDS = "webgl,wasm,wasm-single"
PROFILE_RUNS = 10  # --profile: inferences profiled per system (cycling over the timing photos)
PROFILE_TOP = 15  # rows of the per-op table
DEFAULT_MEDIAPIPE = "gpu,cpu"
READY_TIMEOUT_S = 600  # SwiftShader on a busy machine: loading + compiling shaders can take minutes
CALL_TIMEOUT_S = 300  # one photo, or the whole timed run divided over its frames (see run_system)
BENCH_PAGE = "/bench/index.html"

class BenchError(Exception):
    """A one-line user-facing problem (missing tool, folder or model)."""


@dataclass(frozen=True)
class SystemSpec:
    name: str  # e.g. "ours-webgl", "mediapipe-general-gpu"
    family: str  # "ours" | "mediapipe"
    backend: str
    query: str  # the bench page's query string
    variant: str = ""  # mediapipe: "general" | "landscape"


@dataclass(frozen=True)
class OurModel:
    label: str  # "" for the one model of a run, else its folder's name (part of the system name)
    folder: Path  # holds model.json
    url: str | None  # /model/.../model.json when served from a copy; None: the page's own /model/<model>/


def our_models(model_dirs: list[Path], model: str = DEFAULT_MODEL) -> tuple[list[OurModel], Path | None]:
    """Each --model-dir as a model, and the folder to serve as /model/ (None: static/model).

    One folder holding live/ and photo/ is served as it is (the page's own /model/<model>/ URLs);
    otherwise every model folder (one holding model.json, or <model>/ under it) is served from a copy
    as /model/<label>/, its label being its folder's name.
    """
    if not model_dirs:
        return [OurModel("", ROOT / "static" / "model" / model, None)], None
    if len(model_dirs) == 1 and (model_dirs[0] / model / "model.json").is_file():
        return [OurModel("", (model_dirs[0] / model).resolve(), None)], model_dirs[0].resolve()
    found, labels = [], set()
    for given in model_dirs:
        folder = given if (given / "model.json").is_file() else given / model
        if not (folder / "model.json").is_file():
            raise BenchError(f"no model.json in {given} or {given / model}: "
                             f"export one with `python convert/export_tfjs.py --out {folder}`")
        label = given.resolve().name
        if label in MODEL_CHOICES:  # DIR/live given itself: DIR names the model better than "live"
            label = given.resolve().parent.name
        while label in labels:
            label += "_"
        labels.add(label)
        found.append(OurModel(label if len(model_dirs) > 1 else "", folder.resolve(), f"/model/{label}/model.json"))
    return found, None


def serve_copies(models: list[OurModel], root: Path) -> Path:
    """Copy each model served by URL into root/<label>/ (the server refuses symlinks out of its folder)."""
    for ours in models:
        if ours.url:
            shutil.copytree(ours.folder, root / ours.url.split("/")[2])
    return root


def system_specs(backends: list[str], mediapipe: list[str], model: str = DEFAULT_MODEL,
                 models: list[OurModel] | None = None, wasm_threads: list[int] | None = None,
                 mediapipe_variants=MEDIAPIPE_VARIANTS) -> list[SystemSpec]:
    specs = []
    for ours in models or [OurModel("", Path(), None)]:
        name = f"ours-{ours.label}" if ours.label else "ours"
        where = f"&modelUrl={ours.url}" if ours.url else ""
        for b in backends:
            if b == "wasm-single":
                specs.append(SystemSpec(f"{name}-wasm-single", "ours", "wasm",
                                        f"system=ours&backend=wasm&model={model}{where}&build=single"))
            elif b == "wasm" and wasm_threads:
                specs += [SystemSpec(f"{name}-wasm-{n}t", "ours", "wasm",
                                     f"system=ours&backend=wasm&model={model}{where}&threads={n}") for n in wasm_threads]
            else:
                specs.append(SystemSpec(f"{name}-{b}", "ours", b, f"system=ours&backend={b}&model={model}{where}"))
    for inference in mediapipe:
        for variant in mediapipe_variants:
            selection = MEDIAPIPE_VARIANTS.index(variant)
            cpu = "&cpu=1" if inference == "cpu" else ""
            backend = "wasm-cpu" if inference == "cpu" else "wasm+webgl"
            specs.append(
                SystemSpec(f"mediapipe-{variant}-{inference}", "mediapipe", backend,
                           f"system=mediapipe&model={selection}{cpu}", variant)
            )
    return specs


# ---------------------------------------------------------------- pure parts (unit-tested)


def percentile(values, q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, like numpy's default."""
    if len(values) == 0:
        raise ValueError("no values")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def time_stats(times_ms) -> dict:
    return {
        "ms_median": percentile(times_ms, 50),
        "ms_p90": percentile(times_ms, 90),
        "ms_mean": float(np.mean(times_ms)),
        "frames_timed": len(times_ms),
    }


def frame_path_stats(found: dict) -> dict:
    """Medians of the two ways (ms per frame) and what the one frame path saves, per frame pair."""
    one, two = found["onePath"], found["twoPreparations"]
    paired = [b - a for a, b in zip(one, two)]  # frames were taken in turns: each pair saw the same moment
    return {
        "one_path_ms_median": percentile(one, 50),
        "two_preparations_ms_median": percentile(two, 50),
        "saving_ms_median": percentile(paired, 50),
        "saving_ms_p10_p90": [percentile(paired, 10), percentile(paired, 90)],
        "frames_each": len(one),
        "size": [found["width"], found["height"]],
    }


def photo_path_stats(times_ms: list[float], sizes: list[tuple[int, int]], flip: bool) -> dict | None:
    """The scored photos' own times (photo in → mask in JS memory, as the page's photo path runs: ours with
    its flip pass and every extra input size of the card), without the first photo, which pays one-time
    costs (the flipped pass's first run). None with fewer than two photos."""
    if len(times_ms) < 2:
        return None
    widths, heights = zip(*sizes[1:])
    return {
        "ms_median": percentile(times_ms[1:], 50),
        "ms_p90": percentile(times_ms[1:], 90),
        "photos_timed": len(times_ms) - 1,
        "photo_size_median": [int(np.median(widths)), int(np.median(heights))],
        "flip": flip,
    }


def profile_table(found: dict, top: int = PROFILE_TOP) -> dict:
    """tf.profile's kernels over several runs -> ms per frame by op and by op + output shape (a layer)."""
    runs = found["runs"]
    by_op: dict[str, list[float]] = {}
    by_layer: dict[str, list[float]] = {}
    for kernel in found["kernels"]:
        if kernel["name"].endswith("__op"):
            continue  # an op's wrapper (e.g. fusedConv2d__op): its time is its inner kernel's, counted already
        ms = float(kernel["ms"] or 0.0)
        by_op.setdefault(kernel["name"], []).append(ms)
        shape = "x".join(str(d) for d in (kernel.get("outputShapes") or [[]])[0] or [])
        by_layer.setdefault(f"{kernel['name']} → {shape}", []).append(ms)
    total = sum(sum(v) for v in by_op.values()) / runs

    def rows(groups):
        table = [{"op": name, "ms_per_frame": sum(v) / runs, "calls_per_frame": len(v) / runs,
                  "share": (sum(v) / runs) / total if total else 0.0} for name, v in groups.items()]
        return sorted(table, key=lambda row: -row["ms_per_frame"])[:top]

    return {"kernel_ms_per_frame": total, "wall_ms_per_frame": found["wallMs"] / runs, "runs": runs,
            "by_op": rows(by_op), "by_layer": rows(by_layer)}


def is_model_file(path: str) -> bool:
    return path.startswith("/model/") or path.endswith((".tflite", ".binarypb"))


def download_bytes(resources: list[dict]) -> dict:
    """Sum the body sizes of a system's runtime and model files (/vendor/, /model/, /js/), not the bench page."""
    files, model, runtime = [], 0, 0
    for entry in resources:
        path = urlsplit(entry["url"]).path
        if not path.startswith(("/vendor/", "/model/", "/js/")):
            continue
        size = int(entry.get("encodedBodySize") or 0)
        files.append({"path": path, "bytes": size})
        if is_model_file(path):
            model += size
        else:
            runtime += size
    return {"bytes": model + runtime, "bytes_model": model, "bytes_runtime": runtime, "files": files}


def decode_mask(result: dict) -> np.ndarray:
    """The page's mask (base64 float32 probability or uint8 0-255) as a float32 HxW probability."""
    raw = base64.b64decode(result["data"])
    shape = (result["height"], result["width"])
    if result["dtype"] == "float32":
        return np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)
    if result["dtype"] == "uint8":
        return np.frombuffer(raw, dtype=np.uint8).reshape(shape).astype(np.float32) / 255.0
    raise ValueError(f"unknown mask dtype {result['dtype']!r}")


def score_mask(probability: np.ndarray, truth: np.ndarray) -> float:
    """Person IoU of a probability map against the truth mask: bilinear upsample, threshold 0.5."""
    full = resize_probability(probability, truth.shape)
    return iou(full >= THRESHOLD, truth.astype(bool))


RATIO_FIELDS = ("ms_median", "ms_p90", "fps_webcam", "first_mask_ms", "bytes")


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def ratio_table(systems: list[dict]) -> dict:
    """{"ours-webgl / mediapipe-general-gpu": {field: ours/theirs, ..., "miou_points": ours - theirs}}.

    Every working ours system against every working MediaPipe system; time ratios above 1 mean ours
    is slower, the fps ratio above 1 means ours is faster.
    """
    ok = [s for s in systems if not s.get("error")]
    ours = [s for s in ok if s["family"] == "ours"]
    theirs = [s for s in ok if s["family"] == "mediapipe"]
    table = {}
    for mine in ours:
        for other in theirs:
            row = {field: _ratio(mine.get(field), other.get(field)) for field in RATIO_FIELDS}
            row["miou_points"] = (
                None if mine.get("miou") is None or other.get("miou") is None else mine["miou"] - other["miou"]
            )
            table[f"{mine['name']} / {other['name']}"] = row
    return table


SYSTEM_KEYS = ("name", "family", "backend", "miou", "ms_median", "ms_p90", "fps_webcam", "first_mask_ms", "bytes")


def schema_problems(report: dict) -> list[str]:
    """What is missing or mistyped in a report (empty when it follows the documented schema)."""
    problems = []
    for key in ("systems", "environment", "ratios"):
        if key not in report:
            problems.append(f"missing top-level key {key!r}")
    for i, system in enumerate(report.get("systems", [])):
        for key in SYSTEM_KEYS:
            if key not in system:
                problems.append(f"systems[{i}] has no {key!r}")
        if system.get("error"):
            continue
        for key in ("miou", "ms_median", "ms_p90", "fps_webcam", "first_mask_ms"):
            value = system.get(key)
            if not isinstance(value, (int, float)) or value < 0:
                problems.append(f"systems[{i}].{key} is {value!r}, expected a number >= 0")
        if not isinstance(system.get("bytes"), int) or system["bytes"] <= 0:
            problems.append(f"systems[{i}].bytes is {system.get('bytes')!r}, expected a positive int")
    if not isinstance(report.get("ratios", {}), dict):
        problems.append("ratios is not an object")
    return problems


def backend_label(system: dict) -> str:
    """'wasm · 2 threads', 'wasm · single-threaded build', or the backend as it is."""
    wasm = (system.get("details") or {}).get("wasm")
    if system.get("backend") != "wasm" or not wasm:
        return system.get("backend", "?")
    if wasm.get("build") == "simd":
        return "wasm · single-threaded build"
    return f"wasm · {wasm['threads']} thread{'s' if wasm['threads'] != 1 else ''}"


def profile_markdown(system: dict) -> list[str]:
    prof = system["profile"]
    lines = [
        "",
        f"Where {system['name']}'s time goes ({backend_label(system)}; tf.profile over {prof['runs']} frames: "
        f"{prof['kernel_ms_per_frame']:.1f} ms of kernels a frame, {prof['wall_ms_per_frame']:.1f} ms profiled wall time):",
        "",
        "| op | ms/frame | share | calls/frame |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {r['op']} | {r['ms_per_frame']:.2f} | {100 * r['share']:.1f}% | {r['calls_per_frame']:.0f} |" for r in prof["by_op"]]
    lines += ["", "| op → output shape (the heaviest layers) | ms/frame | share | calls/frame |", "|---|---:|---:|---:|"]
    lines += [f"| {r['op']} | {r['ms_per_frame']:.2f} | {100 * r['share']:.1f}% | {r['calls_per_frame']:.0f} |" for r in prof["by_layer"][:10]]
    return lines


def _fmt(value, digits: int = 1, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.{digits}f}{suffix}"


def render_markdown(report: dict) -> str:
    env = report.get("environment", {})
    lines = [
        f"## Browser benchmark: {env.get('images_scored', '?')} photos of `{env.get('data', '?')}`",
        "",
        "| system | backend | mIoU % | ms/frame median | ms/frame p90 | webcam FPS (640×480) | first mask s | download MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report["systems"]:
        if s.get("error"):
            lines.append(f"| {s['name']} | {s['backend']} | failed: {s['error']} | | | | | |")
            continue
        lines.append(
            f"| {s['name']} | {backend_label(s)} | {_fmt(s['miou'], 2)} | {_fmt(s['ms_median'])} | {_fmt(s['ms_p90'])} "
            f"| {_fmt(s['fps_webcam'], 2)} | {_fmt(s['first_mask_ms'] / 1000, 2)} | {_fmt(s['bytes'] / 1e6, 2)} |"
        )
    if report.get("ratios"):
        lines += [
            "",
            "Ratios ours / MediaPipe (time and bytes: above 1 = ours slower or bigger; FPS: above 1 = ours faster):",
            "",
            "| pair | ms median | ms p90 | webcam FPS | first mask | bytes | mIoU Δ points |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for pair, row in report["ratios"].items():
            lines.append(
                f"| {pair} | {_fmt(row['ms_median'], 2, '×')} | {_fmt(row['ms_p90'], 2, '×')} "
                f"| {_fmt(row['fps_webcam'], 2, '×')} | {_fmt(row['first_mask_ms'], 2, '×')} "
                f"| {_fmt(row['bytes'], 2, '×')} | {_fmt(row['miou_points'], 2)} |"
            )
    photo_paths = [s for s in report["systems"] if s.get("photo_path") and not s.get("error")]
    if photo_paths:
        lines += [
            "",
            "Photo path (each scored photo in → mask in JS memory, the first photo left out; ours as the page"
            " runs a photo: with its flip pass when TTA is on and every extra input size of the model's card;"
            " MediaPipe: one pass):",
            "",
            "| system | photo ms median | photo ms p90 | photos | photo size (median) | flip pass |",
            "|---|---:|---:|---:|---|---|",
        ]
        for s in photo_paths:
            pp = s["photo_path"]
            lines.append(
                f"| {s['name']} | {_fmt(pp['ms_median'])} | {_fmt(pp['ms_p90'])} | {pp['photos_timed']} "
                f"| {pp['photo_size_median'][0]}×{pp['photo_size_median'][1]} | {'yes' if pp['flip'] else 'no'} |"
            )
    frame_paths = [s for s in report["systems"] if s.get("frame_path")]
    if frame_paths:
        lines += [
            "",
            "One frame path (ours; 640×480 camera frame → composited canvas, GPU finished; frames taken in turns):",
            "",
            "| system | one frame path ms | two preparations ms | saved per frame ms (median, p10–p90) |",
            "|---|---:|---:|---:|",
        ]
        for s in frame_paths:
            fp = s["frame_path"]
            low, high = fp["saving_ms_p10_p90"]
            lines.append(
                f"| {s['name']} | {_fmt(fp['one_path_ms_median'])} | {_fmt(fp['two_preparations_ms_median'])} "
                f"| {_fmt(fp['saving_ms_median'])} ({_fmt(low)}–{_fmt(high)}) |"
            )
    for s in report["systems"]:
        if s.get("profile"):
            lines += profile_markdown(s)
    lines += [
        "",
        "Note: measured in one headless Chromium"
        f" ({env.get('chromium', '?')}, WebGL renderer: {env.get('webgl_renderer', '?')}) on"
        f" {env.get('cpu_count', '?')} CPU cores ({env.get('cpu_model', '?')}), load average"
        f" {env.get('loadavg_start', '?')} at the start; crossOriginIsolated {env.get('cross_origin_isolated', '?')},"
        f" WASM threads {env.get('wasm_threads') or '?'}. WebGL runs on the CPU (SwiftShader) here, so the"
        " absolute times say little about a real GPU; compare the ratios, which were measured in the same"
        " run on the same frames. Each system ran on a fresh page in a fresh browser context. ms/frame ="
        " photo in → mask pixels in JS memory (ours: `segment()` without flip, the webcam path; MediaPipe:"
        " `send()` plus reading its mask back inside `onResults`). mIoU: mask upsampled to the photo's size,"
        f" threshold 0.5; ours {'with' if env.get('tta') else 'without'} flip test-time augmentation (the page's photo setting)."
        " MediaPipe gpu = its default TFLite-on-WebGL inference, cpu = `useCpuInference` (XNNPACK in WASM).",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- environment checks


def check_node_modules(node_modules: Path, families: set[str]) -> None:
    needed = []
    if "ours" in families:
        needed += ["@tensorflow/tfjs/dist/tf.es2017.min.js", "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js"]
    if "mediapipe" in families:
        needed += ["@mediapipe/selfie_segmentation/selfie_segmentation.js"]
    for relative in needed:
        if not (node_modules / relative).is_file():
            raise BenchError(f"{node_modules / relative} is missing: run `npm install` in {ROOT}")


def package_version(node_modules: Path, package: str) -> str | None:
    try:
        return json.loads((node_modules / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# ---------------------------------------------------------------- data, camera clip, server


def open_photos(data: Path) -> MaskFolderSource:
    try:
        source = MaskFolderSource(data)
    except DataError as error:
        raise BenchError(str(error)) from None
    if len(source) == 0:
        raise BenchError(f"no photo/mask pairs in {data} (images/<stem>.jpg|png + masks/<stem>.png)")
    return source


def camera_still(source, folder: Path) -> Path:
    """The first photo of the folder, else skimage's astronaut."""
    if len(source):
        return source.items[0].ref[0]
    from PIL import Image
    from skimage import data as skimage_data

    path = folder / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(path)
    return path


# ---------------------------------------------------------------- one system in the browser


def call(page, expression: str, arg=None, timeout_s: float = CALL_TIMEOUT_S):
    """page.evaluate of `window.bench.<expression>` (a promise), raced against a timeout in the page.

    (Playwright's wait_for_function compiles with eval(), which the server's CSP refuses.)
    """
    script = f"""async ([arg, ms]) => {{
        let timer;
        const limit = new Promise((_, reject) => {{ timer = setTimeout(() => reject(new Error('timed out after ' + ms / 1000 + ' s')), ms); }});
        try {{ return await Promise.race([(async () => {expression})(), limit]); }} finally {{ clearTimeout(timer); }}
    }}"""
    return page.evaluate(script, [arg, timeout_s * 1000])


def wait_for_bench(page, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not page.evaluate("() => !!window.bench"):
        if time.monotonic() > deadline:
            raise BenchError(f"the bench page did not start: #status {page.inner_text('#status')!r}")
        time.sleep(0.1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_system(browser, origin: str, spec: SystemSpec, photos, args) -> dict:
    """Measure one system on a fresh page; an error is recorded in the entry, never raised."""
    entry = {"name": spec.name, "family": spec.family, "backend": spec.backend, "variant": spec.variant,
             "miou": None, "ms_median": None, "ms_p90": None, "fps_webcam": None, "first_mask_ms": None,
             "bytes": None, "error": None, "loadavg_start": loadavg()}
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 800, "height": 700})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text[:300]) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(f"uncaught: {e}"[:300]))
    try:
        page.goto(f"{origin}{BENCH_PAGE}?{spec.query}")
        wait_for_bench(page)
        info = call(page, "window.bench.ready", timeout_s=READY_TIMEOUT_S)
        entry["first_mask_ms"] = info.pop("firstMaskMs")
        entry["backend"] = info.pop("backend")
        entry["details"] = info
        entry["cross_origin_isolated"] = info.get("crossOriginIsolated")
        entry["wasm_threads"] = (info.get("wasm") or {}).get("threads")
        log(f"  {spec.name}: first mask after {entry['first_mask_ms'] / 1000:.1f} s")

        flip = spec.family == "ours" and not args.no_tta
        scores, keep, photo_times, photo_sizes = [], [], [], []
        n = len(photos)
        for i in range(n):
            image_path, mask_path = photos.items[i].ref
            mime = "image/png" if image_path.suffix.lower() == ".png" else "image/jpeg"
            added = call(page, "window.bench.addImage(arg[0], arg[1])",
                         [base64.b64encode(image_path.read_bytes()).decode("ascii"), mime])
            result = call(page, "window.bench.segmentImage(arg[0], arg[1])", [added["id"], flip])
            truth = load_mask(mask_path)
            if truth.shape != (added["height"], added["width"]):
                raise BenchError(f"{image_path.name}: the browser decoded {added['width']}x{added['height']},"
                                 f" the mask is {truth.shape[1]}x{truth.shape[0]}")
            scores.append(score_mask(decode_mask(result), truth))
            photo_times.append(result["ms"])
            photo_sizes.append((added["width"], added["height"]))
            if len(keep) < TIMING_IMAGES:
                keep.append(added["id"])
            else:
                call(page, "window.bench.dropImage(arg)", added["id"])
            if (i + 1) % 20 == 0 or i + 1 == n:
                log(f"  {spec.name}: {i + 1}/{n} photos, mIoU so far {100 * np.mean(scores):.2f}")
        entry["miou"] = 100.0 * float(np.mean(scores))
        entry["images_scored"] = len(scores)
        entry["tta"] = flip
        entry["photo_path"] = photo_path_stats(photo_times, photo_sizes, flip)

        times = call(page, "window.bench.timeFrames(arg[0], arg[1], arg[2])", [keep, args.frames, WARMUP_FRAMES],
                     timeout_s=CALL_TIMEOUT_S * 2 + 30 * args.frames)
        entry.update(time_stats(times))
        entry["ms_all"] = [round(t, 2) for t in times]
        log(f"  {spec.name}: median {entry['ms_median']:.1f} ms, p90 {entry['ms_p90']:.1f} ms over {len(times)} frames")

        webcam = call(page, "window.bench.webcam(arg[0], arg[1])", [args.webcam_seconds, WEBCAM_WARMUP_FRAMES],
                      timeout_s=CALL_TIMEOUT_S + args.webcam_seconds)
        entry["fps_webcam"] = webcam["fps"]
        entry["webcam"] = webcam
        log(f"  {spec.name}: webcam {webcam['width']}x{webcam['height']} {webcam['fps']:.2f} fps ({webcam['frames']} frames)")

        if spec.family == "ours" and spec.backend == "wasm" and args.profile:
            found = call(page, "window.bench.profile(arg[0], arg[1])", [keep, PROFILE_RUNS],
                         timeout_s=CALL_TIMEOUT_S + 10 * PROFILE_RUNS)
            entry["profile"] = profile_table(found)
            top = entry["profile"]["by_op"][:3]
            log(f"  {spec.name}: profile " + ", ".join(f"{r['op']} {r['ms_per_frame']:.1f} ms" for r in top))

        if spec.family == "ours" and args.frame_path_frames:
            found = call(page, "window.bench.framePath(arg[0], arg[1])", [args.frame_path_frames, FRAME_PATH_WARMUP_FRAMES],
                         timeout_s=CALL_TIMEOUT_S + 60 * args.frame_path_frames)
            entry["frame_path"] = frame_path_stats(found)
            fp = entry["frame_path"]
            log(f"  {spec.name}: frame path {fp['one_path_ms_median']:.1f} ms vs two preparations "
                f"{fp['two_preparations_ms_median']:.1f} ms: saves {fp['saving_ms_median']:.1f} ms a frame")

        entry.update(download_bytes(page.evaluate("() => window.bench.resources()")))
        entry["csp_violations"] = page.evaluate("() => window.bench.violations")
    except Exception as error:  # noqa: BLE001 - one system failing must not lose the others' numbers
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        entry["error"] = message
        log(f"  {spec.name}: FAILED: {message}")
    finally:
        entry["console_errors"] = console_errors[-10:]
        entry["seconds"] = round(time.monotonic() - started, 1)
        context.close()
    return entry


# ---------------------------------------------------------------- main


def _choices_list(text: str, choices: tuple[str, ...], flag: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [item for item in items if item not in choices]
    if unknown:
        raise argparse.ArgumentTypeError(f"{flag}: unknown {', '.join(unknown)} (choose from {', '.join(choices)})")
    return list(dict.fromkeys(items))


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _thread_counts(text: str) -> list[int]:
    counts = [_positive_int(item) for item in text.split(",") if item.strip()]
    if not counts:
        raise argparse.ArgumentTypeError("--wasm-threads: give at least one count, e.g. 1,2")
    return list(dict.fromkeys(counts))


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].replace("\n", " "))
    parser.add_argument("--data", type=Path, default=os.environ.get("GREENSCREEN_DATA_TEST"),
                        help="mask folder (images/ + masks/), e.g. ../shared/data/portraits/test")
    parser.add_argument("--json", type=Path, required=True, help="where to write the JSON report")
    parser.add_argument("--markdown", type=Path, help="also write the Markdown table here")
    parser.add_argument("--frames", type=_positive_int, default=DEFAULT_FRAMES,
                        help=f"timed frames per system after {WARMUP_FRAMES} warm-up frames (default {DEFAULT_FRAMES})")
    parser.add_argument("--limit-images", type=_positive_int, help="score only the first K photos (quick runs)")
    parser.add_argument("--model", choices=MODEL_CHOICES, default=DEFAULT_MODEL,
                        help=f"which of our models to measure (default {DEFAULT_MODEL}: the one camera frames use)")
    parser.add_argument("--model-dir", type=Path, action="append", default=[],
                        help="an exported TF.js model folder (holding model.json) to measure, or one holding live/ and "
                             "photo/ (--model picks); repeat it to time several models in one run (default static/model)")
    parser.add_argument("--backends", default=DEFAULT_BACKENDS,
                        type=lambda t: _choices_list(t, BACKEND_CHOICES, "--backends"),
                        help=f"our TF.js backends, comma-separated from {','.join(BACKEND_CHOICES)} (default {DEFAULT_BACKENDS}; empty: none)")
    parser.add_argument("--mediapipe", default=DEFAULT_MEDIAPIPE,
                        type=lambda t: _choices_list(t, MEDIAPIPE_CHOICES, "--mediapipe"),
                        help="MediaPipe inference modes, comma-separated: gpu (its default, TFLite on WebGL), "
                             f"cpu (useCpuInference, XNNPACK) (default {DEFAULT_MEDIAPIPE}; empty: none)")
    parser.add_argument("--mediapipe-variants", default=",".join(MEDIAPIPE_VARIANTS),
                        type=lambda t: _choices_list(t, MEDIAPIPE_VARIANTS, "--mediapipe-variants"),
                        help="MediaPipe models, comma-separated: general (256x256), landscape (144x256) (default both)")
    parser.add_argument("--webcam-seconds", type=_positive_float, default=DEFAULT_WEBCAM_SECONDS,
                        help=f"how long to segment the fake camera per system (default {DEFAULT_WEBCAM_SECONDS:g})")
    parser.add_argument("--frame-path-frames", type=int, default=DEFAULT_FRAME_PATH_FRAMES,
                        help=f"ours: camera frames per way for the frame-path comparison (default {DEFAULT_FRAME_PATH_FRAMES}; 0: skip)")
    parser.add_argument("--no-tta", action="store_true", help="score ours without the page's flip test-time augmentation")
    parser.add_argument("--wasm-threads", type=_thread_counts, default=None,
                        help="ours on threaded WASM with each of these thread counts (e.g. 1,2,3) instead of the page's choice")
    parser.add_argument("--profile", action="store_true",
                        help=f"ours on WASM: TF.js's time per op over {PROFILE_RUNS} frames (tf.profile), in the report")
    args = parser.parse_args(argv)
    if args.data is None:
        parser.error("--data is required (a mask folder such as ../shared/data/portraits/test)")
    if not args.backends and not (args.mediapipe and args.mediapipe_variants):
        parser.error("nothing to measure: --backends and --mediapipe (or --mediapipe-variants) are empty")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render_markdown(report))
    return 0 if not any(s.get("error") for s in report["systems"]) else 1


def run(args) -> dict:
    began = time.monotonic()
    models, served = (our_models(args.model_dir, args.model) if args.backends else ([], None))
    specs = system_specs(args.backends, args.mediapipe, args.model, models, args.wasm_threads, args.mediapipe_variants)
    families = {spec.family for spec in specs}
    chromium = find_chromium()
    if not chromium:
        raise BenchError("chromium not found: install Debian's chromium (apt-get install chromium)")
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise BenchError("ffmpeg not found (apt-get install ffmpeg): it makes the fake-webcam clip")
    try:
        import playwright.sync_api  # noqa: F401 - used in _run_browser
    except ImportError:
        raise BenchError("playwright (python) is not installed in this environment") from None
    node_modules = ROOT / "node_modules"
    check_node_modules(node_modules, families)
    for ours in models:
        if not (ours.folder / "model.json").is_file():
            raise BenchError(f"no model.json in {ours.folder}: "
                             f"export one with `python convert/export_tfjs.py --out {ours.folder}` or pass --model-dir")
    photos = open_photos(args.data)
    if args.limit_images:
        photos.items = photos.items[: args.limit_images]

    environment = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "data": str(args.data),
        "images_scored": len(photos),
        "skipped_pairs": photos.problems,
        "frames": args.frames,
        "warmup_frames": WARMUP_FRAMES,
        "webcam_seconds": args.webcam_seconds,
        "tta": not args.no_tta,
        "threshold": THRESHOLD,
        "model": args.model,
        "model_dir": [str(ours.folder) for ours in models],
        "model_card": {ours.label or args.model: _model_card(ours.folder) for ours in models},
        "tfjs": package_version(node_modules, "@tensorflow/tfjs"),
        "mediapipe_selfie_segmentation": package_version(node_modules, "@mediapipe/selfie_segmentation"),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": loadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "bytes_note": "Resource Timing encodedBodySize (no compression by the dev server), fresh context per system",
    }
    systems = []
    with tempfile.TemporaryDirectory(prefix="greenscreen-bench-") as folder:
        if any(ours.url for ours in models):
            served = serve_copies(models, Path(folder) / "models")
        server, stop = start_server({"MODEL_DIR": served} if served else None)
        try:
            _run_browser(args, specs, photos, chromium, ffmpeg, server.origin, folder, environment, systems)
        finally:
            stop()
    environment["wasm_threads"] = {s["name"]: s.get("wasm_threads") for s in systems if s.get("wasm_threads")}
    environment["loadavg_end"] = loadavg()
    environment["seconds_total"] = round(time.monotonic() - began, 1)
    report = write_reports(args, systems, environment)
    log(f"wrote {args.json}" + (f" and {args.markdown}" if args.markdown else "") +
        f" in {environment['seconds_total'] / 60:.1f} min")
    return report


def _run_browser(args, specs, photos, chromium: str, ffmpeg: str, origin: str, folder: str,
                 environment: dict, systems: list[dict]) -> None:
    """One Chromium for every system; appends to `systems`, rewriting the reports after each."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        clip = panning_camera_clip(ffmpeg, camera_still(photos, Path(folder)), Path(folder) / "camera.y4m", fps=30)
    except RuntimeError as error:
        raise BenchError(str(error)) from None
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=chromium_args(clip))
        except PlaywrightError as error:
            raise BenchError(f"chromium did not start: {str(error).splitlines()[0]}") from None
        try:
            environment["chromium"] = browser.version
            environment["webgl_renderer"], environment["cross_origin_isolated"] = _page_facts(browser, origin)
            for spec in specs:
                log(f"{spec.name} ({len(photos)} photos, {args.frames} frames)")
                systems.append(run_system(browser, origin, spec, photos, args))
                # Written after every system, so a long run that is stopped keeps what it measured.
                write_reports(args, systems, {**environment, "partial": True})
        finally:
            browser.close()


def write_reports(args, systems: list[dict], environment: dict) -> dict:
    report = {"systems": systems, "environment": environment, "ratios": ratio_table(systems)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(render_markdown(report))
    return report


def _model_card(folder: Path) -> dict | None:
    try:
        card = json.loads((folder / "model-card.json").read_text())
    except (OSError, ValueError):
        return None
    return {key: card.get(key) for key in ("name", "preset", "input_size", "params", "flops") if key in card}


def _page_facts(browser, origin: str) -> tuple[str | None, bool | None]:
    """The WebGL renderer and whether the bench page is cross-origin isolated (threaded WASM)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{origin}/bench/index.html?system=none")
        wait_for_bench(page)
        return page.evaluate("() => window.bench.glRenderer()"), page.evaluate("() => globalThis.crossOriginIsolated")
    except Exception:  # noqa: BLE001 - a description only
        return None, None
    finally:
        context.close()


if __name__ == "__main__":
    sys.exit(main())
