#!/usr/bin/env bash
# The training photos sized for the live model, as mask folders under OUT (python -m greenscreen.data pack):
# portraits/train 320 px on the long side, ccp and COCO-person 256, coco-unlabeled's busy scenes 192 (the live
# model trains at 192-224), small enough to carry to a GPU machine (scripts/gpu/prepare_distil.sh tars them);
# CPU stages train on them too (scripts/live_campaign.sh, GREENSCREEN_DATA=OUT), so the maps a GPU call made
# over them serve here.
#
#   bash scripts/pack_data.sh /tmp/pack        # folders: portraits-train, data-ccp, coco-person-dropped, ...
#   SHARP=1 bash scripts/pack_data.sh /tmp/pack512   # the photos with masks at 512 px, quality 90, no
#                                              # coco-unlabeled (configs/live-cpu-distil-192-sharp.json: PACK=/tmp/pack512)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: scripts/pack_data.sh OUT}
DATA=${GREENSCREEN_DATA:-../shared/data}
PY=${PYTHON:-.venv/bin/python}
if [ "${SHARP:-0}" = 1 ]; then
  "$PY" -m greenscreen.data pack "$DATA/portraits/train" "$DATA/ccp" "$DATA/coco-person:dropped" \
      "$DATA/coco-person:kept" --out "$OUT" --max-side 512 --quality 90
  exit 0
fi
"$PY" -m greenscreen.data pack "$DATA/portraits/train" --out "$OUT" --max-side 320 --quality 80
"$PY" -m greenscreen.data pack "$DATA/ccp" "$DATA/coco-person:dropped" "$DATA/coco-person:kept" \
    --out "$OUT" --max-side 256 --quality 80
"$PY" -m greenscreen.data pack "$DATA/coco-unlabeled:unlabeled" --out "$OUT" --max-side 192 --quality 75
