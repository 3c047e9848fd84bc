#!/usr/bin/env sh
# Tests of tools/export. Uses a Python that has torch when one exists (Debian's /usr/bin/python3 here); parts that
# need torch, transformers, onnxruntime or node report a visible SKIP with the reason and still exit 0.
set -eu
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import torch" >/dev/null 2>&1; then
      PYTHON="$candidate"
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  PYTHON=python3
  echo "tools/export: SKIP torch-based tests (no Python with torch found); running the numpy-only ones"
fi
if ! "$PYTHON" -c "import numpy" >/dev/null 2>&1; then
  echo "tools/export: SKIP all tests ($PYTHON has no numpy)"
  exit 0
fi
exec "$PYTHON" -W ignore -m unittest discover -s tools/export/tests -t . -v
