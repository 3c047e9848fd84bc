"""Export a training checkpoint into the prunebench layout (and a parity file for check_parity.mjs).

  /usr/bin/python3 tools/train/export_checkpoint.py CKPT TOKENIZER_JSON OUT_DIR [--parity FILE] [--name NAME]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "modelkit")]

import torch  # noqa: E402

from export_layout import export_model  # noqa: E402
from tiny_vlm import load_checkpoint  # noqa: E402
from tokenizer import WordTokenizer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    ap.add_argument("tokenizer")
    ap.add_argument("out")
    ap.add_argument("--parity")
    ap.add_argument("--name", default="tiny-synth")
    args = ap.parse_args()
    tok = WordTokenizer.load(args.tokenizer)
    model = load_checkpoint(args.checkpoint, len(tok.vocab))
    export_model(model, tok, args.out, args.name, args.parity)
    print(f"exported {args.out}")


if __name__ == "__main__":
    main()
