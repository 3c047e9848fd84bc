#!/usr/bin/env bash
# Full recipe of the embedded model models/tiny-synth (what `npm run train:tiny` runs): generate the synthetic
# benchmark splits, train on CPU in two stages (tower, then decoder on cached tower features; see
# tools/train/train_tiny.py), evaluate on the test split, export the layout. About 55 min on the 2 shared cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
DATA="${DATA:-.data}"
OUT="${OUT:-models/tiny-synth}"
CLI="node apps/cli/bin/prunebench.js bench synth --no-progress"
$CLI --out "$DATA/synth-train" --split train --scenes 12000 --seed 1 --questions-per-scene 6
$CLI --out "$DATA/synth-validation" --split validation --scenes 200 --seed 1 --questions-per-scene 6
$CLI --out "$DATA/synth-test" --split test
export OPENBLAS_NUM_THREADS=1
/usr/bin/python3 tools/train/train_tiny.py --train "$DATA/synth-train" --val "$DATA/synth-validation" \
  --test "$DATA/synth-test" --out "$OUT" --tower-steps 500 --steps 1500 --seed 1 --eval-every 250 \
  --test-questions 600 --checkpoint "$DATA/tiny-synth.ckpt" --report "$OUT/train_report.json" "$@"
