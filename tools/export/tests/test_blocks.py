"""Wrapper maths against independent textbook formulations, on look-alike modules (torch only)."""

from __future__ import annotations

import unittest

from .support import skip_unless

try:
    import torch
except ImportError:  # reported as a skip below
    torch = None


@skip_unless("torch")
class DecoderSplitTest(unittest.TestCase):
    def setUp(self):
        from tools.export.families import resolve_parts, text_dims
        from tools.export.wrappers import DecoderHead, DecoderTail

        from .mimic import MimicVLM

        self.model = MimicVLM("llava-1.5", seed=3)
        self.parts = resolve_parts(self.model, "llava-1.5")
        self.dims = text_dims(self.model.config.text_config)
        self.k = 2
        self.head = DecoderHead(self.parts.language_model, self.parts.rope, self.k, self.dims)
        self.tail = DecoderTail(self.parts.language_model, self.parts.rope, self.parts.lm_head, self.k, self.dims)
        torch.manual_seed(0)
        self.embeds = torch.randn(9, 32)

    def empty(self, layers):
        _, kv, hd = self.dims
        return [torch.zeros(1, kv, 0, hd) for _ in range(2 * layers)]

    def run_split(self, embeds, positions, head_past, tail_past):
        mask = torch.ones(1, head_past[0].shape[2] + embeds.shape[0], dtype=torch.long)
        pos = positions.unsqueeze(0)
        with torch.no_grad():
            hidden, last, norms, *head_present = self.head(embeds.unsqueeze(0), mask, pos, *head_past)
            logits, *tail_present = self.tail(hidden, mask, pos, *tail_past)
        return hidden[0], last[0], norms[0], head_present, logits[0], tail_present

    def naive(self, **kw):
        from .naive import decoder

        heads, kv, _ = self.dims
        with torch.no_grad():
            return decoder(self.parts.language_model, self.parts.lm_head, self.embeds, torch.arange(9), heads, kv, **kw)

    def test_prefill_matches_naive_and_signals(self):
        ref_logits, trace = self.naive()
        hidden, last, norms, _, logits, _ = self.run_split(self.embeds, torch.arange(9), self.empty(2), self.empty(2))
        torch.testing.assert_close(logits, ref_logits, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(hidden, trace[self.k]["input"], rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(last, trace[self.k - 1]["probs"][:, -1, :].mean(0), rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(norms, trace[self.k - 1]["keys"].abs().sum(dim=(1, 2)), rtol=1e-4, atol=1e-4)
        self.assertAlmostEqual(float(last.sum()), 1.0, places=5)

    def test_decode_with_both_caches_matches_full_sequence(self):
        ref_logits, _ = self.naive()
        _, _, _, head_cache, logits, tail_cache = self.run_split(self.embeds[:6], torch.arange(6), self.empty(2),
                                                                 self.empty(2))
        torch.testing.assert_close(logits, ref_logits[:6], rtol=1e-4, atol=1e-4)
        for t in range(6, 9):
            _, _, norms, head_cache, logits, tail_cache = self.run_split(self.embeds[t:t + 1], torch.tensor([t]),
                                                                         head_cache, tail_cache)
            torch.testing.assert_close(logits[0], ref_logits[t], rtol=1e-4, atol=1e-4)
            self.assertEqual(norms.shape[0], t + 1)

    def test_llm_layer_pruning_by_slicing_hidden_and_head_cache(self):
        """The worker's llm-layer stage: slice hidden_states and the head's presents with the kept indices, then
        run the tail; equals running layers >= K on the kept rows only, for both position policies."""
        kept = torch.tensor([0, 1, 4, 6, 7, 8])
        for policy, tail_positions in (("preserve", kept), ("compact", torch.arange(len(kept)))):
            with self.subTest(policy=policy):
                ref_logits, _ = self.naive(keep_from_layer=self.k, kept=kept, kept_positions=tail_positions)
                hidden, _, _, head_cache, _, _ = self.run_split(self.embeds, torch.arange(9), self.empty(2),
                                                                self.empty(2))
                mask = torch.ones(1, len(kept), dtype=torch.long)
                with torch.no_grad():
                    logits, *_ = self.tail(hidden[kept].unsqueeze(0), mask, tail_positions.unsqueeze(0),
                                           *self.empty(2))
                torch.testing.assert_close(logits[0], ref_logits, rtol=1e-4, atol=1e-4)
                self.assertEqual(head_cache[0][:, :, kept].shape[2], len(kept))


@skip_unless("torch")
class VisionTest(unittest.TestCase):
    def test_clip_tower_penultimate_features_cls_attention_and_clip_space(self):
        from tools.export.wrappers import ClipVisionGraph

        from .mimic import MimicClip, MimicVLM
        from .naive import clip_layer

        vm = MimicVLM("llava-1.5").model.vision_tower.vision_model
        clip = MimicClip()
        graph = ClipVisionGraph(vm, -2, 2, clip.vision_model.post_layernorm, clip.visual_projection)
        pixels = torch.randn(2, 3, 56, 56)
        with torch.no_grad():
            patch, cls_att, embeds = graph(pixels)
            for view in range(2):
                emb = vm.embeddings
                x = emb.patch_embedding(pixels[view:view + 1]).flatten(2)[0].T
                h = vm.pre_layrnorm(torch.cat([emb.class_embedding[None], x]) + emb.position_embedding.weight)
                for layer in vm.encoder.layers[:2]:  # hidden_states[-2] of 3 layers = after 2 blocks
                    h, probs = clip_layer(layer, h, 2)
                torch.testing.assert_close(patch[view], h[1:], rtol=1e-4, atol=1e-5)
                torch.testing.assert_close(cls_att[view], probs[:, 0, 1:].mean(0), rtol=1e-4, atol=1e-6)
                expected = clip.visual_projection(clip.vision_model.post_layernorm(h[1:]))
                torch.testing.assert_close(embeds[view], expected, rtol=1e-4, atol=1e-5)
        self.assertEqual(tuple(patch.shape), (2, 16, 16))

    def test_pixel_shuffle_channel_order(self):
        from tools.export.blocks import pixel_shuffle

        x = torch.randn(2, 4, 6, 3)
        out = pixel_shuffle(x, 0.5)
        self.assertEqual(tuple(out.shape), (2, 2, 3, 12))
        for r2 in range(2):
            for c2 in range(3):
                for m in range(2):
                    for k in range(2):
                        block = out[:, r2, c2, (m * 2 + k) * 3:(m * 2 + k + 1) * 3]
                        torch.testing.assert_close(block, x[:, 2 * r2 + m, 2 * c2 + k])

    def test_internvl_features_and_received_attention(self):
        from tools.export.blocks import pixel_shuffle
        from tools.export.wrappers import InternVisionGraph

        from .mimic import MimicVLM
        from .naive import intern_layer

        tower = MimicVLM("internvl-2.5").model.vision_tower
        graph = InternVisionGraph(tower, -1, 2, grid=4, downsample_ratio=0.5)
        pixels = torch.randn(3, 3, 56, 56)
        with torch.no_grad():
            patch, saliency = graph(pixels)
            emb = tower.embeddings
            x = emb.patch_embeddings.projection(pixels[1:2]).flatten(2)[0].T
            h = torch.cat([emb.cls_token[0], x]) + emb.position_embeddings[0]
            for layer in tower.encoder.layer:
                h, probs = intern_layer(layer, h, 2)
        expected = pixel_shuffle(h[1:].reshape(1, 4, 4, -1), 0.5).reshape(4, -1)
        torch.testing.assert_close(patch[1], expected, rtol=1e-4, atol=1e-5)
        received = probs.mean(dim=(0, 1))[1:].reshape(4, 4)
        pooled = torch.stack([received[r:r + 2, c:c + 2].mean() for r in (0, 2) for c in (0, 2)])
        torch.testing.assert_close(saliency[1], pooled, rtol=1e-4, atol=1e-6)

    def test_clip_text_tower_causal_and_pooled_at_eos(self):
        from tools.export.wrappers import ClipTextGraph

        from .mimic import MimicClip
        from .naive import clip_layer

        clip = MimicClip()
        graph = ClipTextGraph(clip.text_model, clip.text_projection, 2, eos_token_id=2)
        ids = torch.tensor([[47, 5, 9, 3, 49, 7]])  # 49 = largest id = EOS for legacy CLIP configs
        with torch.no_grad():
            got = graph(ids)
            tm = clip.text_model
            h = tm.embeddings.token_embedding(ids[0]) + tm.embeddings.position_embedding.weight[:6]
            for layer in tm.encoder.layers:
                h, _ = clip_layer(layer, h, 2, causal=True)
            expected = clip.text_projection(tm.final_layer_norm(h)[4])
        torch.testing.assert_close(got[0], expected, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
