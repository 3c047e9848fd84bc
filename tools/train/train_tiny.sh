#!/usr/bin/env bash
# Full recipe of the embedded model models/tiny-synth (what `npm run train:tiny` runs): generate the synthetic
# benchmark splits, train on CPU in two stages (tower, then decoder on cached tower features; see
# tools/train/train_tiny.py), evaluate on the test split, export the layout. Under an hour on this 2-core machine
# (idle): see MODEL_CARD.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
DATA="${DATA:-.data}"
OUT="${OUT:-models/tiny-synth}"
CLI="node apps/cli/bin/prunebench.js bench synth --no-progress"
$CLI --out "$DATA/synth-train" --split train --scenes 12000 --seed 1 --questions-per-scene 6
$CLI --out "$DATA/synth-validation" --split validation --scenes 200 --seed 1 --questions-per-scene 6
$CLI --out "$DATA/synth-test" --split test
export OPENBLAS_NUM_THREADS=${THREADS:-2}
# stage 1: 500 tower steps; then the projector's geometry head (2,000 steps on cached features); stage 2: 1,400
# decoder steps on the tower features of the first 6,000 train scenes. Sized to finish in under an hour on this
# 2-core machine, idle; see MODEL_CARD.md for the time each part took.
# TOWER_FROM=CKPT takes stage 1 from an earlier run's checkpoint.
/usr/bin/python3 tools/train/train_tiny.py --train "$DATA/synth-train" --val "$DATA/synth-validation" \
  --test "$DATA/synth-test" --out "$OUT" --seed 1 --threads "${THREADS:-2}" --checkpoint "$DATA/tiny-synth.ckpt" \
  --report "$OUT/train_report.json" --tower-steps 500 --decoder-scenes 6000 --steps 1400 \
  --eval-every 700 --test-questions 600 ${TOWER_FROM:+--tower-from "$TOWER_FROM"} "$@"
