#!/usr/bin/env bash
# Run HERE before the GPU call of scripts/gpu/distil_live.sh: packs what it needs into folders git ignores.
#
#   bash scripts/gpu/prepare_distil.sh     # -> .pack/data.tar.gz, .pack/models/{photo,live}.keras, .whl/
#
# The device tool carries at most 64 MiB, the repository's tracked files included, so the photos are
# sized for the live model (scripts/pack_data.sh: portraits 320 px on the long side, ccp and COCO 256,
# coco-unlabeled's busy scenes 192: the live model sees 192-224), one tar file, and the two models'
# weights are stored as float16 (scripts/gpu/half_keras.py; the page runs float16 weights too). The
# models/ and static/model/ folders (about 55 MB of shipped and campaign models) do not fit beside them:
# move them out of the checkout for the call and back after it (docs/gpu-training.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${GREENSCREEN_DATA:-../shared/data}
PY=${PYTHON:-.venv/bin/python}
for ignored in /.pack/ /.whl/; do grep -qx "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >> .git/info/exclude; done

rm -rf .pack /tmp/greenscreen-pack && mkdir -p .pack/models
GREENSCREEN_DATA=$DATA PYTHON=$PY bash scripts/pack_data.sh /tmp/greenscreen-pack
tar -C /tmp/greenscreen-pack -cf - . | gzip -1 > .pack/data.tar.gz  # gzip: the tar headers and padding, not the JPEGs
rm -rf /tmp/greenscreen-pack
"$PY" scripts/gpu/half_keras.py models/photo.keras .pack/models/photo.keras
"$PY" scripts/gpu/half_keras.py models/live.keras .pack/models/live.keras

bash scripts/gpu/wheels.sh
du -sb .pack .whl
