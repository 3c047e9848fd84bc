#!/usr/bin/env bash
# Full recipe of the embedded model models/tiny-synth (what `npm run train:tiny` runs): generate the synthetic
# benchmark splits, train on CPU in two stages (tower, then decoder on cached tower features; see
# tools/train/train_tiny.py), evaluate on the test split, export the layout. About 90 min on this 2-core machine (idle).
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
COMMON=(--train "$DATA/synth-train" --val "$DATA/synth-validation" --test "$DATA/synth-test" --out "$OUT" \
  --tower-steps 700 --seed 1 --threads "${THREADS:-2}" --checkpoint "$DATA/tiny-synth.ckpt" \
  --report "$OUT/train_report.json")
# decoder on all 12,000 scenes for 600 steps of a 1,500-step schedule, then re-planned to end at step 1,000 on the
# first 6,000 scenes with the answer-fact read-outs on (how the committed weights were made; see MODEL_CARD.md)
/usr/bin/python3 tools/train/train_tiny.py "${COMMON[@]}" --steps 1500 --stop-at 600 --facts-from 600 --eval-every 250 "$@"
/usr/bin/python3 tools/train/train_tiny.py "${COMMON[@]}" --steps 1000 --decoder-scenes 6000 --eval-every 200 \
  --test-questions 600 "$@"
