#!/usr/bin/env bash
# Run ON the GPU machine (JAX, no TensorFlow) from the repo root, with .pack/ and .whl/ carried
# (bash scripts/gpu/prepare_distil.sh made them here). One device call does the whole distillation, or
# two: where the maps outlast their share (~5.5 min for coco-unlabeled on an H200), the call ends with
# "teacher maps incomplete"; call again while the machine is warm and it trains on the finished maps.
#
#   bash scripts/gpu/distil_live.sh [SECONDS]          (default 540: a 600 s call, with room to copy)
#
# 1. the photo model (models/photo.keras) writes its flip-TTA maps over every training photo,
#    coco-unlabeled's busy scenes included (a crop per person box), into runs/teacher-photo-gpu;
# 2. the live model (models/live.keras) is distilled at 192 and at 224 px side by side, each run
#    sized by the measured data rate (scripts/gpu/epochs_for.py) so its cosine schedule ends in time;
# 3. each run folder and the maps come back as tar files in $OUT, with the logs.
set -uo pipefail
BUDGET=${1:-540}
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
left() { echo $((BUDGET - SECONDS)); }
# The maps let a CPU session distil further without the teacher's hours: in 15 MB parts (16 MiB a file).
send_maps() { tar -cf - -C runs teacher-photo-gpu | split -b 15M - "$OUT/teacher-maps.tar."; }
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax GREENSCREEN_DATA=/tmp/pack PYTHONUNBUFFERED=1 \
       TF_CPP_MIN_LOG_LEVEL=3 XLA_PYTHON_CLIENT_MEM_FRACTION=0.45
# The configs start from models/live.keras: the float16-stored copy stands in where models/ stayed behind.
mkdir -p models && for model in live photo; do [ -f models/$model.keras ] || cp .pack/models/$model.keras models/; done
mkdir -p /tmp/pack && tar -xzf .pack/data.tar.gz -C /tmp/pack || exit 1
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc; python3 -c "import jax, keras; print(jax.__version__, keras.__version__, jax.devices())"; } 2>&1 | tee "$OUT/machine.log"

echo "== teacher maps ($(left) s left)"
# One teach process per training source, side by side (the Python around each batch, not the GPU, is
# their bound); each writes its own source's maps into the one folder and adds the source to its
# teacher.json, which says complete once every source's maps are.
specs=$(python3 -c "import json; [print(s.rsplit('@', 1)[0]) for s in json.load(open('configs/live-gpu-distil-192.json'))['train']]")
teach_seconds=$(( $(left) - 300 )); pids=(); i=0
for spec in $specs; do
  XLA_PYTHON_CLIENT_MEM_FRACTION=0.15 timeout --signal=INT $teach_seconds python3 -m greenscreen.teach \
      --model models/photo.keras --data "$spec" --out runs/teacher-photo-gpu --batch-size 16 > /tmp/teach-$i.log 2>&1 &
  pids+=($!); i=$((i + 1)); sleep 1
done
failed=0; for pid in "${pids[@]}"; do wait $pid || failed=1; done
for log in /tmp/teach-*.log; do grep -v ": [0-9]*/[0-9]*" $log; done > "$OUT/teach.log"  # without progress lines
cat "$OUT/teach.log"
if [ $failed != 0 ]; then  # no training without every map; what was made still comes back
  echo "teacher maps incomplete"; send_maps; exit 1
fi

echo "== epochs ($(left) s left)"
train_seconds=$(( $(left) - 75 ))  # less the probe itself and the copying
for size in 192 224; do  # both at once: they will share the machine's cores while they train
  python3 scripts/gpu/epochs_for.py configs/live-gpu-distil-$size.json $train_seconds \
      > /tmp/epochs-$size 2>>"$OUT/machine.log" &
done
wait
tail -2 "$OUT/machine.log"

echo "== training ($(left) s left)"
for size in 192 224; do
  timeout --signal=INT $(( $(left) - 35 )) python3 -m greenscreen.train --config configs/live-gpu-distil-$size.json \
      --epochs "$(tail -1 /tmp/epochs-$size | grep -x '[0-9]*' || echo 20)" --out runs/live-gpu-distil-$size > "$OUT/train-$size.log" 2>&1 &
done
wait
for size in 192 224; do
  tail -4 "$OUT/train-$size.log"
  tar -cf "$OUT/live-gpu-distil-$size.tar" --exclude previews -C runs live-gpu-distil-$size
done
send_maps
ls -la "$OUT"
