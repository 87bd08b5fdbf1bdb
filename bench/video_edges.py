"""python bench/video_edges.py [--data ../shared/data/video] [--model models/live.keras] [--smoothing 0.5] [--json F]

The mask edge on moving people, scored against the truth: the page's live video path mirrored in Python on
clips with a mask for every frame (../shared/data/video: CLIP/CLIP.mp4 + CLIP/masks/00000.png …). Each
frame is stretched to the model's input (greenscreen.contract.resize_image, as the page's frame
preparation), run through the model, smoothed in time as the page's segmenter does
(static/js/segmenter/smoothing.js uncertaintySmooth, at the model's size), then upsampled to the clip's
size three ways (greenscreen.upsample: bilinear, the page's joint bilateral and guided filters, each
held to the page by tests/test_upsample_parity.py) and thresholded at 0.5. Per frame: IoU, flicker
(pixels that flip while the truth does not), missed and trailing pixels, as bench/mask_quality.py's
video measure (its video_metrics). Prints one row per clip and upsampling.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from greenscreen.upsample import UPSAMPLING  # noqa: E402

_spec = importlib.util.spec_from_file_location("mask_quality", ROOT / "bench" / "mask_quality.py")
mask_quality = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mask_quality)

COLUMNS = (("IoU mean", "iou_mean"), ("frames < 80 %", "share_below_80"), ("flicker %", "flicker_mean"),
           ("missed %", "missed_mean"), ("trailing %", "trailing_mean"))


def uncertainty_smooth(previous: np.ndarray, current: np.ndarray, ratio: float) -> np.ndarray:
    """The page's temporal smoothing: mix the last map in where the new one is unsure (p near 0.5)."""
    p = np.clip(current, 0.0, 1.0)
    entropy = -(p * np.log2(np.maximum(p, 1e-6)) + (1 - p) * np.log2(np.maximum(1 - p, 1e-6)))
    certainty = 1.0 - entropy
    return current + (previous - current) * (1.0 - certainty ** 2) * ratio


def score_clip(model, clip: Path, smoothing: float, scratch: Path) -> dict:
    from PIL import Image

    from greenscreen.contract import resize_image
    from greenscreen.predict import _run, input_size_of
    from greenscreen.upsample import upsample_probability

    size = input_size_of(model)
    frames, masks = mask_quality.clip_frames(clip, scratch)
    truths = [np.asarray(Image.open(m).convert("L")) > 127 for m in masks]
    predictions: dict[str, list[np.ndarray]] = {mode: [] for mode in UPSAMPLING}
    previous = None
    for frame in frames:
        image = np.asarray(Image.open(frame).convert("RGB"))
        model_input = resize_image(image, size)
        current = _run(model, model_input[None])[0]
        smoothed = current if previous is None or smoothing == 0 else uncertainty_smooth(previous, current, smoothing)
        previous = smoothed
        for mode, found in predictions.items():
            found.append(upsample_probability(smoothed, image, mode, model_input=model_input) >= 0.5)
    return {mode: mask_quality.video_metrics(found, truths) for mode, found in predictions.items()}


def table(results: dict) -> str:
    return mask_quality.video_table(results, COLUMNS, label="upsampling", digits=2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    env = os.environ.get("GREENSCREEN_DATA")
    default_data = Path(env) / "video" if env else ROOT.parent / "shared" / "data" / "video"
    parser.add_argument("--data", type=Path, default=default_data, help="a folder of clip folders (default ../shared/data/video)")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "live.keras", help="the model (default models/live.keras)")
    parser.add_argument("--smoothing", type=float, default=mask_quality.DEFAULT_SMOOTHING, help="temporal smoothing 0-0.95 (default: the page's)")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    args = parser.parse_args(argv)
    clips = sorted(p for p in args.data.iterdir() if (p / "masks").is_dir()) if args.data.is_dir() else []
    if not clips:
        mask_quality.fail(f"no clip folders (CLIP.mp4 + masks/) in {args.data}")
    if not 0 <= args.smoothing <= 0.95:
        mask_quality.fail(f"--smoothing {args.smoothing} is outside 0-0.95")
    from greenscreen.cli_common import load_model_file

    model = load_model_file(args.model)
    results = {}
    with tempfile.TemporaryDirectory(prefix="video-edges-") as scratch:
        for clip in clips:
            results[clip.name] = score_clip(model, clip, args.smoothing, Path(scratch))
            print(f"{clip.name}: done", file=sys.stderr, flush=True)
    print(f"{args.model.name}, temporal smoothing {args.smoothing}; per frame at the clip's size "
          "(% of the person's area for flicker, missed, trailing):\n")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
