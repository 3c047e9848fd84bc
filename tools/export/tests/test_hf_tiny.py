"""Tiny random configurations of each family, built from config in code (no download), exported and checked for
parity against the real transformers classes. Needs torch, transformers, onnx and onnxruntime (Python); where any
is missing every test reports a visible SKIP with the reason."""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest

import numpy as np

from .support import WordTokenizer, missing

MISSING = missing("torch", "transformers", "onnx", "onnxruntime")
IMAGE_TOKEN = 100
TEXT = dict(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=256, bos_token_id=1, eos_token_id=2, pad_token_id=0)
CLIP_VISION = dict(model_type="clip_vision_model", hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                   num_attention_heads=4, image_size=56, patch_size=14, projection_dim=16)
PINPOINTS = [[56, 112], [112, 56], [112, 112]]


def build_model(family: str):
    import torch
    import transformers as tf

    if family == "llava-1.5":
        config = tf.LlavaConfig(vision_config=dict(CLIP_VISION), text_config=dict(TEXT, model_type="llama"),
                                image_token_index=IMAGE_TOKEN, vision_feature_layer=-2)
        cls = tf.LlavaForConditionalGeneration
    elif family == "llava-next":
        config = tf.LlavaNextConfig(vision_config=dict(CLIP_VISION), text_config=dict(TEXT, model_type="mistral"),
                                    image_token_index=IMAGE_TOKEN, vision_feature_layer=-2,
                                    image_grid_pinpoints=PINPOINTS)
        cls = tf.LlavaNextForConditionalGeneration
    else:
        vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      image_size=[56, 56], patch_size=[14, 14])
        config = tf.InternVLConfig(vision_config=vision, text_config=dict(TEXT, model_type="qwen2"),
                                   image_token_id=IMAGE_TOKEN, downsample_ratio=0.5)
        cls = tf.InternVLForConditionalGeneration
    torch.manual_seed(0)
    try:
        model = cls._from_config(config, attn_implementation="eager")
    except TypeError:
        config._attn_implementation = "eager"
        model = cls(config)
    with torch.no_grad():  # default init (std 0.02) gives near-uniform logits and greedy ties; widen it
        for param in model.parameters():
            if param.dim() >= 2:
                param.normal_(0.0, 0.15)
    return model.eval()


def build_clip():
    import torch
    import transformers as tf

    vision = {k: v for k, v in CLIP_VISION.items() if k != "model_type"}
    text = dict(vocab_size=99, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                max_position_embeddings=77, eos_token_id=2)
    torch.manual_seed(1)
    return tf.CLIPModel(tf.CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)).eval()


def tiny_inputs(family: str):
    from tools.export.parity import ParityInputs

    rng = np.random.default_rng(3)
    if family == "llava-next":
        views, visual, image_hw = 3, 16 + 2 * (8 + 1), (30, 100)
    elif family == "internvl-2.5":
        views, visual, image_hw = 3, 3 * 4, None
    else:
        views, visual, image_hw = 1, 16, None
    ids = [1, 5, 6] + ([98] if family == "internvl-2.5" else []) + [IMAGE_TOKEN] * visual
    ids += ([99] if family == "internvl-2.5" else []) + [7, 8, 9]
    pixels = rng.standard_normal((views, 3, 56, 56)).astype(np.float32)
    return ParityInputs(input_ids=np.array([ids], np.int64), pixel_values=pixels, image_hw=image_hw)


@unittest.skipIf(MISSING is not None, MISSING or "")
class HfTinyParityTest(unittest.TestCase):
    def export_and_check(self, family: str, dtype_name: str = "fp32", device: str = "cpu", provider: str = "cpu",
                         with_clip: bool = False):
        import torch

        from tools.export.onnx_export import ClipParts
        from tools.export.parity_cli import check_parity
        from tools.export.pipeline import ExportOptions, PromptInfo, clip_tower_drift, export_folder
        from tools.export.families import resolve_parts

        dtype = torch.float16 if dtype_name == "fp16" else torch.float32
        model = build_model(family).to(device, dtype)
        clip = drift = None
        if with_clip:
            clip_model = build_clip().to(device, dtype)
            cfg = clip_model.config.text_config
            clip = ClipParts(clip_model.vision_model.post_layernorm, clip_model.visual_projection,
                             clip_model.text_model, clip_model.text_projection, cfg.num_attention_heads,
                             int(cfg.eos_token_id), cfg.vocab_size)
            drift = clip_tower_drift(resolve_parts(model, family), clip_model.vision_model)
        out = tempfile.mkdtemp(prefix=f"pb-hf-{family}-")
        self.addCleanup(shutil.rmtree, out, True)
        options = ExportOptions(out_dir=out, family=family, name=f"tiny-{family}", dtype=dtype, prune_layer=2)
        prompt = PromptInfo("USER: <image>\n{question} ASSISTANT:", "<image>", True, ["</s>"])
        manifest = export_folder(model, WordTokenizer(128), prompt, options, clip=clip,
                                 clip_tokenizer=WordTokenizer(99) if clip else None, clip_drift=drift,
                                 device=torch.device(device))
        report = check_parity(model, family, tiny_inputs(family), out, manifest, provider, 6, set())
        self.assertTrue(report["ok"], report)
        self.assertTrue(report["sameAnswer"] or report["tieAtDivergence"], report)
        return model, clip, out, manifest

    def test_llava_15_fp32_with_clip_space_and_text_encoder(self):
        import onnxruntime as ort
        import torch

        model, clip, out, manifest = self.export_and_check("llava-1.5", with_clip=True)
        self.assertTrue(manifest["signals"]["clipImageEmbeds"])
        pixels = tiny_inputs("llava-1.5").pixel_values
        vision = ort.InferenceSession(os.path.join(out, "vision.onnx"), providers=["CPUExecutionProvider"])
        _, _, embeds = vision.run(None, {"pixel_values": pixels})
        with torch.no_grad():
            hidden = model.vision_tower(torch.from_numpy(pixels), output_hidden_states=True).hidden_states[-2]
            want = clip.visual_projection(clip.post_layernorm(hidden[:, 1:])).numpy()
        np.testing.assert_allclose(embeds, want, rtol=1e-3, atol=1e-4)
        ids = np.array([[5, 17, 40, 98]], np.int64)  # 98 = largest id = EOS under the legacy eos_token_id=2
        text = ort.InferenceSession(os.path.join(out, "text_encoder.onnx"), providers=["CPUExecutionProvider"])
        got = text.run(None, {"input_ids": ids})[0]
        with torch.no_grad():
            pooled = clip.text_model(input_ids=torch.from_numpy(ids)).pooler_output
            np.testing.assert_allclose(got, clip.text_projection(pooled).numpy(), rtol=1e-3, atol=1e-4)

    def test_llava_next_fp32(self):
        _, _, out, manifest = self.export_and_check("llava-next")
        self.assertEqual(manifest["preprocess"]["pinpoints"], PINPOINTS)
        self.assertTrue(os.path.exists(os.path.join(out, "image_newline.bin")))

    def test_internvl_fp32(self):
        _, _, _, manifest = self.export_and_check("internvl-2.5")
        self.assertEqual(manifest["vision"]["attentionSignal"], "mean-received")

    def test_fp16_on_cuda(self):
        import onnxruntime as ort
        import torch

        if not torch.cuda.is_available() or "CUDAExecutionProvider" not in ort.get_available_providers():
            self.skipTest("SKIP: fp16 parity needs CUDA for torch and onnxruntime's CUDAExecutionProvider")
        for family in ("llava-1.5", "llava-next", "internvl-2.5"):
            with self.subTest(family=family):
                self.export_and_check(family, "fp16", "cuda", "cuda")


if __name__ == "__main__":
    unittest.main()
