#!/usr/bin/env bash
# Trains the photo model (tiramisu_lite0: ImageNet EfficientNet-Lite0 + the Tiramisu up path) on a
# 2-core CPU, resuming whatever stage was interrupted:
#
#   bash scripts/train_photo_cpu.sh
#
# 1. 160 px, encoder frozen (ImageNet features as they are): the up path learns fast, no encoder backward pass;
# 2. 224 px, the encoder trains from stride 8 on (stem and stride-2/4 blocks stay as ImageNet made them, which
#    also skips their costly high-resolution backward pass); BatchNorm statistics stay ImageNet's throughout;
# 3. 320 px, a short fine-tune at the size the page runs photos at.
# Then: greenscreen ship runs/photo-cpu-3 --name photo (scores, card, TF.js export).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/train_stages.sh photo-cpu 1-160 2-224 3-320
