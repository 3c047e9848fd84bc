"""Write the random-init fixture `fixtures/models/tiny-random-llava15/` (layout tests only; answers are noise).

Usage: /usr/bin/python3 tools/modelkit/make_fixture.py [--out DIR] [--parity FILE]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_layout import export_model  # noqa: E402
from tiny_vlm import TinyVlm, TinyVlmConfig  # noqa: E402
from tokenizer import WordTokenizer, build_vocab  # noqa: E402

FIXTURE_WORDS = ("user assistant is there a an the any in image of what colour color shape how many objects "
                 "red green blue yellow orange purple white black gray circle square triangle star cross "
                 "left right above below give box yes no").split()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="fixtures/models/tiny-random-llava15")
    ap.add_argument("--parity", default=None)
    args = ap.parse_args()
    torch.manual_seed(0)
    vocab = build_vocab(FIXTURE_WORDS)
    cfg = TinyVlmConfig(vision_width=32, vision_layers=2, vision_heads=2, vision_mlp=64, clip_dim=32,
                        text_width=32, text_layers=1, text_heads=2, hidden_size=64, num_layers=4, num_heads=4,
                        num_kv_heads=2, intermediate_size=128, prune_layer=2, vocab_size=len(vocab),
                        conv_stem=False)
    model = TinyVlm(cfg)
    export_model(model, WordTokenizer(vocab), args.out, "tiny-random-llava15", args.parity)
    print(f"wrote {args.out} (vocab {len(vocab)}, params {sum(p.numel() for p in model.parameters())})")


if __name__ == "__main__":
    main()
