#!/usr/bin/env bash
# Runs the stages of a CPU recipe in order, each from configs/NAME-STAGE.json into runs/NAME-N
# (N = the stage's number), skipping finished stages and resuming an interrupted one:
#
#   bash scripts/train_stages.sh photo-cpu 1-160 2-224 3-320
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export TF_CPP_MIN_LOG_LEVEL=3
name=${1:?usage: scripts/train_stages.sh NAME STAGE...}
shift
for stage in "$@"; do
  out=runs/$name-${stage%%-*}
  if [ -f "$out/summary.json" ]; then echo "$out done"; continue; fi
  if [ -f "$out/last.keras" ]; then
    "$PY" -m greenscreen.train --resume --out "$out"
  else
    "$PY" -m greenscreen.train --config "configs/$name-$stage.json" --out "$out"
  fi
done
