"""Export look-alike models of each family, then run the folder in the worker's order with onnxruntime-node (the
worker's runtime) and compare with the same wrappers run in torch: names, dynamic shapes (prefill with P=0, decode
with P>0, any number of views), model.json, contentHash."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unittest

import numpy as np

from .ort_node import unavailable_reason
from .support import WordTokenizer, missing

TORCH_ONNX = missing("torch", "onnx")
NODE = unavailable_reason()


class TorchSession:
    """onnxruntime-shaped session that runs the wrapper module a graph was exported from."""

    def __init__(self, spec):
        self.spec = spec

    def get_outputs(self):
        from types import SimpleNamespace

        return [SimpleNamespace(name=n) for n in self.spec.output_names]

    def run(self, _names, feeds):
        import torch

        args = [torch.from_numpy(np.ascontiguousarray(feeds[n])) for n in self.spec.input_names]
        with torch.no_grad():
            outputs = self.spec.module(*args)
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        return [o.numpy() for o in outputs]


def parity_inputs(family: str):
    from tools.export.parity import ParityInputs

    rng = np.random.default_rng(7)
    if family == "llava-next":
        views, visual, image_hw = 3, 16 + 2 * (8 + 1), (30, 100)  # base + 1x2 crops, 2 rows kept after unpad
    elif family == "internvl-2.5":
        views, visual, image_hw = 3, 3 * 4, None
    else:
        views, visual, image_hw = 1, 16, None
    ids = np.array([[1, 5] + [60] * visual + [7, 8, 9]], dtype=np.int64)
    pixels = rng.standard_normal((views, 3, 56, 56)).astype(np.float32)
    return ParityInputs(input_ids=ids, pixel_values=pixels, image_hw=image_hw)


@unittest.skipIf(TORCH_ONNX is not None, TORCH_ONNX or "")
class ExportMimicTest(unittest.TestCase):
    def export(self, family: str, clip: bool):
        import torch

        from tools.export.onnx_export import ClipParts
        from tools.export.pipeline import ExportOptions, PromptInfo, export_folder

        from .mimic import MimicClip, MimicVLM

        model = MimicVLM(family)
        clip_parts = None
        if clip:
            c = MimicClip()
            clip_parts = ClipParts(c.vision_model.post_layernorm, c.visual_projection, c.text_model, c.text_projection,
                                   text_heads=2, eos_token_id=2, vocab_size=c.vocab)
        out = tempfile.mkdtemp(prefix="pb-export-")
        self.addCleanup(shutil.rmtree, out, True)
        prompt = PromptInfo("USER: <image>\n{question} ASSISTANT:", "<image>", True, ["</s>"])
        options = ExportOptions(out_dir=out, family=family, name=f"mimic-{family}", dtype=torch.float32)
        manifest = export_folder(model, WordTokenizer(), prompt, options, clip=clip_parts,
                                 clip_tokenizer=WordTokenizer(50) if clip else None, device=torch.device("cpu"))
        return model, clip_parts, out, manifest

    def test_folder_contents_and_manifest(self):
        from tools.export.manifest import content_hash

        for family in ("llava-1.5", "llava-next", "internvl-2.5"):
            with self.subTest(family=family):
                _, _, out, manifest = self.export(family, clip=family != "internvl-2.5")
                with open(os.path.join(out, "model.json"), encoding="utf-8") as handle:
                    self.assertEqual(json.load(handle), manifest)
                for file in manifest["graphs"].values():
                    self.assertTrue(os.path.exists(os.path.join(out, file)), file)
                expected = {"vision", "projector", "embedTokens", "decoderHead", "decoderTail"}
                if family != "internvl-2.5":
                    expected.add("textEncoder")
                self.assertEqual(set(manifest["graphs"]), expected)
                self.assertEqual(manifest["family"], family)
                hashed = [f for f in os.listdir(out) if f.endswith((".onnx", ".onnx.data", "tokenizer.json", ".bin"))]
                self.assertEqual(manifest["contentHash"], content_hash(out, hashed))
                if family == "llava-next":
                    newline = np.fromfile(os.path.join(out, "image_newline.bin"), dtype="<f4")
                    self.assertEqual(newline.shape, (32,))
                if family == "internvl-2.5":
                    self.assertFalse(manifest["signals"]["clipTextEmbed"])
                    self.assertIn("clipTextEmbed", manifest["unavailableSignals"])
                    self.assertEqual(manifest["vision"]["grid"], 2)
                    self.assertEqual(manifest["vision"]["hiddenSize"], 64)

    def test_decoder_graph_names_follow_the_layout(self):
        import onnx

        _, _, out, _ = self.export("llava-1.5", clip=False)
        head = onnx.load(os.path.join(out, "decoder_head.onnx"))
        tail = onnx.load(os.path.join(out, "decoder_tail.onnx"))
        self.assertEqual([i.name for i in head.graph.input][:3], ["inputs_embeds", "attention_mask", "position_ids"])
        self.assertEqual([i.name for i in tail.graph.input][3:5], ["past_key_values.2.key", "past_key_values.2.value"])
        self.assertEqual([o.name for o in tail.graph.output][-1], "present.3.value")
        self.assertGreaterEqual(max(op.version for op in head.opset_import if op.domain in ("", "ai.onnx")), 17)

    @unittest.skipIf(NODE is not None, f"SKIP: {NODE}")
    def test_worker_order_pipeline_onnxruntime_node_matches_torch(self):
        import torch

        from tools.export.families import resolve_parts
        from tools.export.onnx_export import build_specs
        from tools.export.parity import compare, onnx_pipeline

        from .ort_node import NodeBridge

        bridge = NodeBridge()
        self.addCleanup(bridge.close)
        for family in ("llava-1.5", "llava-next", "internvl-2.5"):
            with self.subTest(family=family):
                model, clip, out, manifest = self.export(family, clip=family == "llava-1.5")
                specs = {s.file: s for s in build_specs(resolve_parts(model, family), 2, torch.float32,
                                                        torch.device("cpu"), clip)}
                inputs = parity_inputs(family)
                reference = onnx_pipeline(out, inputs, 5, set(), "cpu",
                                          session_factory=lambda path, _p: TorchSession(specs[os.path.basename(path)]))
                exported = onnx_pipeline(out, inputs, 5, set(), "cpu", session_factory=bridge.session)
                report = compare(reference, exported, "float32")
                self.assertTrue(report["ok"], report)
                self.assertEqual(len(exported["tokens"]), 5)
                self.assertEqual(exported["last_token_attention"].shape[1], inputs.input_ids.shape[1])
                if family == "llava-1.5":
                    ids = np.array([[3, 9, 4, 49]], dtype=np.int64)
                    got = bridge.session(os.path.join(out, "text_encoder.onnx")).run(None, {"input_ids": ids})[0]
                    want = TorchSession(specs["text_encoder.onnx"]).run(None, {"input_ids": ids})[0]
                    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
                    self.assertEqual(got.shape, (1, 12))


if __name__ == "__main__":
    unittest.main()
