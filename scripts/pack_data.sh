#!/usr/bin/env bash
# The training photos sized for the live model, as mask folders under OUT (python -m greenscreen.data pack):
# portraits/train 320 px on the long side, ccp and COCO-person 256, coco-unlabeled's busy scenes 192 (the live
# model trains at 192-224), small enough to carry to a GPU machine (scripts/gpu/prepare_distil.sh tars them);
# CPU stages train on them too (scripts/live_campaign.sh, GREENSCREEN_DATA=OUT), so the maps a GPU call made
# over them serve here.
#
#   bash scripts/pack_data.sh /tmp/pack        # folders: portraits-train, data-ccp, coco-person-dropped, ...
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: scripts/pack_data.sh OUT}
DATA=${GREENSCREEN_DATA:-../shared/data}
PY=${PYTHON:-.venv/bin/python}
"$PY" -m greenscreen.data pack "$DATA/portraits/train" --out "$OUT" --max-side 320 --quality 80
"$PY" -m greenscreen.data pack "$DATA/ccp" "$DATA/coco-person:dropped" "$DATA/coco-person:kept" \
    --out "$OUT" --max-side 256 --quality 80
"$PY" -m greenscreen.data pack "$DATA/coco-unlabeled:unlabeled" --out "$OUT" --max-side 192 --quality 75
