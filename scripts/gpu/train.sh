#!/usr/bin/env bash
# Run ON the GPU machine (JAX, no TensorFlow) from the repo root, with .pack/ and .whl/ carried:
#
#   bash scripts/gpu/train.sh configs/photo-gpu.json [MINUTES]       (or configs/live-gpu.json)
#
# Trains (or resumes) runs/<config name>/ for at most MINUTES (default 8: one device call is 10),
# then copies best.keras, state.json, log.csv, config.json and the latest preview into $OUT so
# they come back. Call it again to continue: pass the returned run folder back in with carry.
set -euo pipefail
CONFIG=${1:?usage: scripts/gpu/train.sh CONFIG.json [MINUTES]}
MINUTES=${2:-8}
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax GREENSCREEN_DATA=$PWD/.pack GREENSCREEN_CACHE=$PWD/.pack/weights \
       PYTHONUNBUFFERED=1
RUN=runs/$(basename "$CONFIG" .json)
if [ -f "$RUN/last.keras" ]; then resume=(--resume --out "$RUN"); else resume=(--config "$CONFIG" --out "$RUN"); fi
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv || true
timeout --signal=INT "$((MINUTES * 60))" python3 -m greenscreen.train "${resume[@]}" || true
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT/run"
cp "$RUN"/{best.keras,last.keras,state.json,log.csv,config.json,curves.png} "$OUT/run/" 2>/dev/null || true
ls "$RUN"/previews/*.jpg 2>/dev/null | tail -1 | xargs -r -I{} cp {} "$OUT/run/preview.jpg"
ls -la "$OUT/run"
