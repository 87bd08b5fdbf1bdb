#!/usr/bin/env bash
# One training stage, whatever state it is in: skipped when finished (summary.json), resumed when
# interrupted (last.keras), else started from its config:
#
#   bash scripts/run_stage.sh configs/photo-boxes.json runs/photo-boxes
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export TF_CPP_MIN_LOG_LEVEL=3
config=${1:?usage: scripts/run_stage.sh CONFIG OUT}
out=${2:?usage: scripts/run_stage.sh CONFIG OUT}
if [ -f "$out/summary.json" ]; then echo "$out done"; exit 0; fi
if [ -f "$out/last.keras" ]; then
  "$PY" -m greenscreen.train --resume --out "$out"
else
  "$PY" -m greenscreen.train --config "$config" --out "$out"
fi
