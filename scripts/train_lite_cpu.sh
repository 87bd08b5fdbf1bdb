#!/usr/bin/env bash
# Reproduces the shipped CPU-trained model, data to static/model/, on a 2-core machine (~2 h):
#
#   bash scripts/train_lite_cpu.sh
#
# Three stages (progressive resizing: most samples at 128 px where a step costs a third, then
# back to the 224 px the page runs at), then scripts/ship_model.py scores, writes the card and exports.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export TF_CPP_MIN_LOG_LEVEL=3
for stage in lite-cpu-1-224 lite-cpu-2-128 lite-cpu-3-224; do
  out=runs/$stage
  [ "$stage" = lite-cpu-1-224 ] && out=runs/lite-cpu   # the later configs start from runs/lite-cpu
  if [ -f "$out/summary.json" ]; then echo "$out done"; continue; fi
  if [ -f "$out/last.keras" ]; then
    "$PY" -m greenscreen.train --resume --out "$out"
  else
    "$PY" -m greenscreen.train --config "configs/$stage.json" --out "$out"
  fi
done
"$PY" scripts/ship_model.py --run runs/lite-cpu-3-224 --config configs/lite-cpu-3-224.json
