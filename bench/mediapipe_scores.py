"""python bench/mediapipe_scores.py --data SPEC [--data SPEC ...] [--json OUT]: MediaPipe's per-image scores.

Scores MediaPipe Selfie Segmentation (the `mediapipe` PyPI package's legacy solution; `--model general`
256x256, default, or `landscape` 144x256) on our mask folders and COCO sets with greenscreen.metrics,
exactly as `python -m greenscreen.evaluate` scores our models: the mask at the photo's size, threshold
0.5, mean per-image person IoU, and the share of photos below 80 IoU (the visible failures a mean hides).

MediaPipe needs NumPy 1 and the training venv has NumPy 2, so it runs from a venv of its own:

    python3 -m venv .venv-mediapipe
    .venv-mediapipe/bin/pip install mediapipe==0.10.21 pycocotools pillow
    .venv-mediapipe/bin/python bench/mediapipe_scores.py --data ../shared/data/portraits/test \
        --data ../shared/data/coco-person:kept --json runs/mediapipe-scores.json

(greenscreen.data and greenscreen.metrics need only NumPy, Pillow and, for COCO, pycocotools.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from greenscreen.data import DataError, open_source  # noqa: E402
from greenscreen.metrics import THRESHOLD, ScoreBoard  # noqa: E402

MODELS = {"general": 0, "landscape": 1}


def mediapipe_segmenter(model: str):
    """A function photo (uint8 HxWx3 RGB) -> person probability (float HxW), or SystemExit saying what to install."""
    try:
        import mediapipe as mp
    except ImportError:
        raise SystemExit("error: the mediapipe package is not installed here: see this script's docstring "
                         "(a venv of its own with mediapipe==0.10.21)") from None
    solution = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=MODELS[model])
    return lambda photo: solution.process(photo).segmentation_mask


def score(segment, source, limit: int | None = None, save_maps: Path | None = None) -> ScoreBoard:
    """Scores of `segment` on `source`; with `save_maps`, each probability map also as SAVE_MAPS/<name>.png
    (8-bit, 255 = 1.0) for benches in the training venv (bench/second_person.py --mediapipe)."""
    from PIL import Image

    board = ScoreBoard()
    if save_maps:
        save_maps.mkdir(parents=True, exist_ok=True)
    for i in range(len(source) if limit is None else min(limit, len(source))):
        try:
            photo, truth = source.load(i)
        except DataError as error:
            source.skip(i, error)
            continue
        probability = segment(photo)
        board.add(source.name(i), probability >= THRESHOLD, truth.astype(bool))
        if save_maps:
            level = np.clip(np.rint(np.asarray(probability, np.float32) * 255), 0, 255).astype(np.uint8)
            Image.fromarray(level).save(save_maps / f"{Path(source.name(i)).stem}.png")
    return board


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True, metavar="SPEC", help="mask folder or COCO spec")
    parser.add_argument("--model", choices=sorted(MODELS), default="general")
    parser.add_argument("--limit", type=int, help="only the first N photos of each set")
    parser.add_argument("--json", type=Path, help="write the summaries and per-image IoUs here")
    parser.add_argument("--save-maps", type=Path, metavar="DIR",
                        help="also write every probability map as DIR/<photo>.png (one --data only)")
    args = parser.parse_args(argv)
    if args.save_maps and len(args.data) > 1:
        raise SystemExit("error: --save-maps takes one --data set")
    try:
        sources = [open_source(spec) for spec in args.data]
    except DataError as error:
        raise SystemExit(f"error: {error}") from None
    segment = mediapipe_segmenter(args.model)
    report = {"system": f"mediapipe-selfie-{args.model}", "sets": {}}
    print(f"{'set':<48}{'n':>6}{'mIoU %':>9}{'< 80 IoU %':>12}")
    for spec, source in zip(args.data, sources):
        board = score(segment, source, args.limit, save_maps=args.save_maps)
        summary = board.summary()
        report["sets"][spec] = {"summary": summary, "per_image": board.per_image()}
        print(f"{spec:<48}{summary['n']:>6}{summary['miou']:>9.2f}{summary['failure_rate']:>12.1f}", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
