#!/usr/bin/env bash
# Runs the stages of a CPU recipe in order, each from configs/NAME-STAGE.json into runs/NAME-N
# (N = the stage's number), skipping finished stages and resuming an interrupted one:
#
#   bash scripts/train_stages.sh photo-cpu 1-160 2-224 3-320
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/train_stages.sh NAME STAGE...}
shift
for stage in "$@"; do
  bash scripts/run_stage.sh "configs/$name-$stage.json" "runs/$name-${stage%%-*}"
done
