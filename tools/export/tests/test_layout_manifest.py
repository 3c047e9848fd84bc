"""AnyRes layout, visual-token splicing, prompt template handling, signals and the content hash (numpy only)."""

from __future__ import annotations

import os
import tempfile
import unittest

import numpy as np

from tools.export.layout import (
    anyres_grid,
    anyres_view_count,
    select_best_resolution,
    splice_visual,
    stitch_anyres,
    unpad_bounds,
)
from tools.export.manifest import DEFAULT_PINPOINTS, Signals, content_hash, preprocess_block, split_chat_template


class AnyResTest(unittest.TestCase):
    def test_pinpoint_choice(self):
        # 640x480 (h=480): 672x672 keeps the full resolution (effective area capped at the image's own).
        self.assertEqual(select_best_resolution((480, 640), DEFAULT_PINPOINTS), (672, 672))
        # A wide image prefers the wide pinpoint; a tall one the tall pinpoint.
        self.assertEqual(select_best_resolution((300, 1000), DEFAULT_PINPOINTS), (336, 1008))
        self.assertEqual(select_best_resolution((1000, 300), DEFAULT_PINPOINTS), (1008, 336))
        # Ties on effective area go to the least wasted canvas.
        self.assertEqual(select_best_resolution((100, 100), [[672, 672], [336, 672]]), (336, 672))

    def test_view_count_and_token_count_for_640x480(self):
        self.assertEqual(anyres_grid((480, 640), DEFAULT_PINPOINTS, 336), (2, 2))
        self.assertEqual(anyres_view_count((480, 640), DEFAULT_PINPOINTS, 336), 5)
        views = np.zeros((5, 576, 3), np.float32)
        tokens = stitch_anyres(views, (480, 640), DEFAULT_PINPOINTS, 336, 24, np.ones(3, np.float32))
        # 48x48 stitched grid, 36 image rows remain after unpadding, each with a newline: 576 + 36 * 49.
        self.assertEqual(tokens.shape, (576 + 36 * 49, 3))

    def test_unpad_removes_symmetric_padding(self):
        self.assertEqual(unpad_bounds((480, 640), (48, 48)), (slice(6, 42), slice(0, 48)))
        self.assertEqual(unpad_bounds((640, 480), (48, 48)), (slice(0, 48), slice(6, 42)))

    def test_stitch_order_rows_then_newline(self):
        grid, dim = 2, 1
        pinpoints = [[2, 4]]
        views = np.arange(3 * grid * grid, dtype=np.float32).reshape(3, grid * grid, dim)
        tokens = stitch_anyres(views, (2, 4), pinpoints, 2, grid, np.full(dim, -1, np.float32))[:, 0]
        # base view, then row 0 of crop 0, row 0 of crop 1, newline, row 1 of crop 0, row 1 of crop 1, newline
        self.assertEqual(tokens.tolist(), [0, 1, 2, 3, 4, 5, 8, 9, -1, 6, 7, 10, 11, -1])

    def test_splice_visual_in_order_and_count_checked(self):
        ids = np.array([[1, 9, 9, 2, 9]])
        embeds = np.zeros((1, 5, 2), np.float32)
        out = splice_visual(embeds, ids, 9, np.array([[1, 1], [2, 2], [3, 3]], np.float32))
        self.assertEqual(out[0, :, 0].tolist(), [0, 1, 2, 0, 3])
        with self.assertRaises(ValueError):
            splice_visual(embeds, ids, 9, np.zeros((2, 2), np.float32))


class ManifestTest(unittest.TestCase):
    def test_signals_per_family(self):
        internvl = Signals(clip=False, family="internvl-2.5")
        self.assertFalse(internvl.provided()["clsAttention"])
        self.assertEqual(set(internvl.reasons()), {"clsAttention", "clipImageEmbeds", "clipTextEmbed"})
        llava = Signals(clip=False, family="llava-1.5")
        self.assertTrue(llava.provided()["clsAttention"])
        self.assertFalse(llava.provided()["clipTextEmbed"])
        self.assertIn("--clip-model", llava.reasons()["clipImageEmbeds"])
        self.assertEqual(Signals(clip=True, family="llava-next").reasons(), {})

    def test_preprocess_blocks(self):
        self.assertEqual(preprocess_block("llava-next", 336, [0] * 3, [1] * 3)["pinpoints"], DEFAULT_PINPOINTS)
        tiles = preprocess_block("internvl-2.5", 448, [0] * 3, [1] * 3, max_tiles=6)
        self.assertEqual((tiles["mode"], tiles["maxTiles"], tiles["thumbnail"]), ("tiles", 6, True))
        self.assertEqual(preprocess_block("llava-1.5", 336, [0] * 3, [1] * 3)["mode"], "pad-square")

    def test_chat_template_split(self):
        template, had_bos = split_chat_template("<s>[INST] <image>\n{question} [/INST]", "<image>", "<s>")
        self.assertEqual((template, had_bos), ("[INST] <image>\n{question} [/INST]", True))
        with self.assertRaises(ValueError):
            split_chat_template("USER: {question}", "<image>", "<s>")

    def test_content_hash_is_order_independent_and_content_sensitive(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in (("b.onnx", b"graph"), ("a.json", b"tok")):
                with open(os.path.join(tmp, name), "wb") as handle:
                    handle.write(data)
            first = content_hash(tmp, ["b.onnx", "a.json"])
            self.assertEqual(first, content_hash(tmp, ["a.json", "b.onnx"]))
            import hashlib

            self.assertEqual(first, "sha256:" + hashlib.sha256(b"tokgraph").hexdigest())
            with open(os.path.join(tmp, "b.onnx"), "wb") as handle:
                handle.write(b"graph2")
            self.assertNotEqual(first, content_hash(tmp, ["a.json", "b.onnx"]))


if __name__ == "__main__":
    unittest.main()
