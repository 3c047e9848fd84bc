#!/usr/bin/env bash
# CI smoke test of the training pipeline: generate a handful of synthetic scenes, train a few steps, export into the
# prunebench layout, and replay the torch outputs through onnxruntime-node. Skips (exit 0, visible SKIP line) where
# Debian's torch is not importable. Run from anywhere: tools/train/smoke.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, onnx' >/dev/null 2>&1; then
  echo "SKIP tools/train smoke: $PY cannot import torch and onnx (install python3-torch python3-onnx)"
  exit 0
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
node apps/cli/bin/prunebench.js bench synth --out "$WORK/train" --split train --scenes 8 --seed 101 >/dev/null
node apps/cli/bin/prunebench.js bench synth --out "$WORK/test" --split test --scenes 2 --seed 103 >/dev/null
"$PY" tools/train/train_tiny.py --smoke --train "$WORK/train" --test "$WORK/test" --out "$WORK/model" \
  --parity "$WORK/parity.json" 2> >(grep -v -e TracerWarning -e '^  ' >&2)
node tools/modelkit/check_parity.mjs "$WORK/model" "$WORK/parity.json"
test -f "$WORK/model/model.json" && test -f "$WORK/model/tokenizer.json"
echo "OK tools/train smoke"
