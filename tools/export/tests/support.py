"""Shared helpers: visible skips for missing libraries, a minimal tokenizer, naive reference maths."""

from __future__ import annotations

import importlib.util
import json
import os
import unittest


def missing(*modules: str) -> str | None:
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    return f"SKIP: {', '.join(absent)} not importable here" if absent else None


def skip_unless(*modules: str):
    reason = missing(*modules)
    return unittest.skipIf(reason is not None, reason or "")


class WordTokenizer:
    """Stands in for a HF fast tokenizer where only `save_pretrained` is used: writes a valid WordLevel
    tokenizer.json (the @huggingface/tokenizers format)."""

    def __init__(self, vocab_size: int = 64):
        self.vocab = {f"w{i}": i for i in range(vocab_size)}

    def save_pretrained(self, directory: str, legacy_format: bool = False) -> None:
        data = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
                "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None, "decoder": None,
                "model": {"type": "WordLevel", "vocab": self.vocab, "unk_token": "w0"}}
        with open(os.path.join(directory, "tokenizer.json"), "w", encoding="utf-8") as handle:
            json.dump(data, handle)
