"""Prompt derivation from a checkpoint's processor and tokenizer (stand-ins with the HF method names)."""

from __future__ import annotations

import contextlib
import io
import unittest
from types import SimpleNamespace

from tools.export.cli import derive_prompt, parse_args


class StubTokenizer:
    def __init__(self, bos, vocab):
        self.bos_token = bos
        self.bos_token_id = vocab.get(bos) if bos else None
        self.eos_token = next(iter(t for t in vocab if "end" in t or t == "</s>"))
        self.vocab, self.ids = vocab, {i: t for t, i in vocab.items()}

    def __call__(self, text):
        return SimpleNamespace(input_ids=([self.bos_token_id] if self.bos_token_id is not None else []) + [7])

    def convert_ids_to_tokens(self, ids):
        return [self.ids.get(i) for i in ids]


class StubProcessor:
    def __init__(self, rendered, image_token):
        self.rendered, self.image_token = rendered, image_token

    def apply_chat_template(self, messages, add_generation_prompt, tokenize):
        assert messages[0]["content"][1]["text"] == "{question}" and add_generation_prompt and not tokenize
        if self.rendered is None:
            raise ValueError("no chat template")
        return self.rendered


class DerivePromptTest(unittest.TestCase):
    def test_mistral_next_strips_literal_bos(self):
        tok = StubTokenizer("<s>", {"<s>": 1, "</s>": 2})
        proc = StubProcessor("<s>[INST] <image>\n{question} [/INST]", "<image>")
        prompt, _ = derive_prompt(proc, tok, "llava-next", "mistral", SimpleNamespace(eos_token_id=2), None, [])
        self.assertEqual(prompt.template, "[INST] <image>\n{question} [/INST]")
        self.assertEqual((prompt.image_token, prompt.add_bos, prompt.stop), ("<image>", True, ["</s>"]))

    def test_internvl_chatml_wraps_image_context(self):
        tok = StubTokenizer(None, {"<|im_end|>": 151645, "<|endoftext|>": 151643})
        proc = StubProcessor("<|im_start|>user\n<IMG_CONTEXT>\n{question}<|im_end|>\n<|im_start|>assistant\n",
                             "<IMG_CONTEXT>")
        prompt, rendered = derive_prompt(proc, tok, "internvl-2.5", "qwen2",
                                         SimpleNamespace(eos_token_id=[151645, 151643]), None, [])
        self.assertEqual(prompt.template,
                         "<|im_start|>user\n<img><IMG_CONTEXT></img>\n{question}<|im_end|>\n<|im_start|>assistant\n")
        self.assertFalse(prompt.add_bos)
        self.assertEqual(prompt.stop, ["<|im_end|>", "<|endoftext|>"])
        self.assertIn("<IMG_CONTEXT>\n", rendered)  # the processor expands the bare marker in parity runs

    def test_fallback_when_no_chat_template(self):
        notes = []
        tok = StubTokenizer("<s>", {"<s>": 1, "</s>": 2})
        prompt, _ = derive_prompt(StubProcessor(None, "<image>"), tok, "llava-next", "llama", None, None, notes)
        self.assertTrue(prompt.template.endswith("USER: <image>\n{question} ASSISTANT:"))
        self.assertTrue(prompt.add_bos)
        self.assertEqual(len(notes), 1)

    def test_cli_validates_arguments(self):
        args = parse_args(["--model-id-or-path", "m", "--out", "o"])
        self.assertEqual((args.dtype, args.prune_layer, args.max_tiles, args.family), ("fp16", 2, 12, None))
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            parse_args(["--model-id-or-path", "m", "--out", "o", "--prune-layer", "0"])


if __name__ == "__main__":
    unittest.main()
