#!/usr/bin/env bash
# The live-model candidates (issue 16), each through the same short distillation (configs/live-candidate.json:
# 224 px, 4 x 100 steps of 12, ImageNet encoder trainable from stride 8, the photo model's maps as teacher),
# so their validation scores compare. Resumes like scripts/train_stages.sh; run the teacher first:
#
#   TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python -m greenscreen.teach --model models/photo.keras \
#       --config configs/live-candidate.json --out runs/teacher-photo
#   bash scripts/live_candidates.sh [PRESET ...]
#
# Then each runs/cand-PRESET/summary.json holds the best validation mIoU; bench/README.md has the table.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export TF_CPP_MIN_LOG_LEVEL=3
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(tiramisu_lite0_live tiramisu_lite0_live_bilinear tiramisu_lite0_live_deep tiramisu_lite0_live_wide)
for preset in "${presets[@]}"; do
  out=runs/cand-$preset
  if [ -f "$out/summary.json" ]; then echo "$out done"; continue; fi
  if [ -f "$out/last.keras" ]; then
    "$PY" -m greenscreen.train --resume --out "$out"
  else
    "$PY" -m greenscreen.train --config configs/live-candidate.json --preset "$preset" --out "$out"
  fi
done
