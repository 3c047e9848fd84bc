#!/usr/bin/env bash
# Scores an exported model through the real worker pipeline (prunebench eval) for every pruning method at one
# budget, one JSON summary per line. Usage: tools/train/worker_eval.sh MODEL_DIR BENCH_DIR KEEP OUT.jsonl [LIMIT]
set -euo pipefail
MODEL="$1"; BENCH="$2"; KEEP="$3"; OUT="$4"; LIMIT="${5:-1000}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
: > "$OUT"
node apps/cli/bin/prunebench.js eval --model "$MODEL" --bench "$BENCH" --method none --keep all --limit "$LIMIT" \
  --threads 1 --json >> "$OUT"
for method in random uniform fastervlm visionzip gridprune cdpruner divprune gprune fastv dart d2pruner; do
  node apps/cli/bin/prunebench.js eval --model "$MODEL" --bench "$BENCH" --method "$method" --keep "$KEEP" \
    --limit "$LIMIT" --threads 1 --seed 1 --json >> "$OUT" || echo "{\"method\":\"$method\",\"error\":true}" >> "$OUT"
done
