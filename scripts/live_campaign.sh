#!/usr/bin/env bash
# The live model's long distillation: a campaign of many sessions on the 2-core CPU (issue 16).
#
#   bash scripts/live_campaign.sh          # teacher maps (kept when present), then the long stage, resumed
#   bash scripts/live_campaign.sh save     # copy its records and checkpoints to models/campaign/ (commit them)
#
# The long stage (configs/live-long.json: tiramisu_lite0_live_deep_bilinear at 224 px, 60 x 100 steps of 12,
# one cosine cycle) starts from the layers it shares with the shipped live model and learns from the
# photo model's maps over every training photo, coco-unlabeled's box-guided ones included. SIGTERM stops
# it after its current step (last.keras is the last finished epoch) and the next call resumes it. runs/
# is not committed, so `save` keeps what a later session needs (config, state, log, best and last
# checkpoints) in models/campaign/live-long/, and a fresh checkout restores them from there first.
# Ship with:  greenscreen ship runs/live-long --name live --size 192
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export TF_CPP_MIN_LOG_LEVEL=3
STAGE=runs/live-long
KEEP=models/campaign/live-long

copy_run() {  # copy_run FROM TO: the records and checkpoints a resume and the model card need
  mkdir -p "$2"
  for file in config.json state.json log.csv summary.json best.keras last.keras; do
    if [ -f "$1/$file" ]; then cp -p "$1/$file" "$2/$file"; fi
  done
}

if [ "${1:-}" = save ]; then
  copy_run "$STAGE" "$KEEP"
  echo "saved $STAGE in $KEEP/: git add $KEEP && git commit"
  exit 0
fi
if [ ! -f "$STAGE/last.keras" ] && [ -f "$KEEP/last.keras" ]; then
  copy_run "$KEEP" "$STAGE"
  echo "restored $STAGE from $KEEP/"
fi
if [ -f "$STAGE/state.json" ] && "$PY" -c "import json, sys; s = json.load(open('$STAGE/state.json')); \
    c = json.load(open('$STAGE/config.json')); sys.exit(0 if s['epoch'] >= c['options']['epochs'] else 1)"; then
  echo "$STAGE has finished its epochs (shipped as models/live.keras on 2026-12-02): the next stage needs its"
  echo "own config and --out, with init_weights models/live.keras (then: greenscreen ship RUN --name live --size 192)"
  exit 0
fi
"$PY" -m greenscreen.teach --model models/photo.keras --config configs/live-long.json --out runs/teacher-photo
if [ -f "$STAGE/last.keras" ]; then
  "$PY" -m greenscreen.train --resume --out "$STAGE"
else
  "$PY" -m greenscreen.train --config configs/live-long.json --out "$STAGE"
fi
