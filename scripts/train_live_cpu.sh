#!/usr/bin/env bash
# Trains the live model (tiramisu_lite0_live: the first 8 blocks of ImageNet EfficientNet-Lite0 + a thin
# Tiramisu up path) on a 2-core CPU, distilled from the shipped photo model, resuming what was interrupted:
#
#   bash scripts/train_live_cpu.sh
#
# 0. python -m greenscreen.teach: the photo model's person probabilities for every training photo
#    (flip TTA), written once to runs/teacher-photo/;
# 1. 160 px, encoder frozen: the up path learns from masks and the teacher's soft maps (half each);
# 2. 224 px, the encoder trains from stride 8 on (BatchNorm statistics stay ImageNet's);
# 3. 224 px again, a fresh (lower) cosine cycle with every encoder block but the stem training.
# Then: greenscreen ship runs/live-cpu-3 --name live.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
TF_CPP_MIN_LOG_LEVEL=3 "$PY" -m greenscreen.teach --model models/photo.keras --config configs/live-cpu-1-160.json \
    --out runs/teacher-photo
bash scripts/train_stages.sh live-cpu 1-160 2-224 3-224
