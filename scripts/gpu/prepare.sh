#!/usr/bin/env bash
# Run HERE (the CPU machine) before a GPU session: packs the training data and the Keras wheels
# into folders git ignores, so the device tool can carry them (64 MiB in all, repo included).
#
#   bash scripts/gpu/prepare.sh            # -> .pack/ (mask folders + ImageNet encoder weights) and .whl/
#
# Then, with the device tool: carry [".pack", ".whl"], command `bash scripts/gpu/train.sh CONFIG`.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${GREENSCREEN_DATA:-../shared/data}
PY=${PYTHON:-.venv/bin/python}
grep -qx '/.pack/' .git/info/exclude 2>/dev/null || echo '/.pack/' >> .git/info/exclude
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude

rm -rf .pack
# 320 px on the long side, JPEG q85: the four training/validation sets in ~45 MB.
"$PY" -m greenscreen.data pack "$DATA/portraits/train" "$DATA/coco-person:dropped" "$DATA/coco-person:kept" \
    "$DATA/ccp" --out .pack --max-side 320 --quality 85
# The encoder's ImageNet weights as NumPy arrays (the GPU host has no wheel and no TensorFlow):
# scripts/gpu/train.sh points GREENSCREEN_CACHE here.
mkdir -p .pack/weights
"$PY" -c "from greenscreen.encoders.weights import imagenet_weights, cached_path; imagenet_weights('efficientnet_lite0'); print(cached_path('efficientnet_lite0'))" \
    | xargs -I{} cp {} .pack/weights/

bash scripts/gpu/wheels.sh
du -sh .pack .whl
