"""Thin nn.Module wrappers, one per ONNX graph of the prunebench layout, with exactly its inputs and outputs."""
import torch
from torch import nn

from tiny_vlm import TinyVlm, causal_bias, rope_cos_sin


class VisionGraph(nn.Module):
    def __init__(self, model: TinyVlm):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        patch_features, cls_attention, clip_image_embeds, _ = self.model.encode_image(pixel_values)
        return patch_features, cls_attention, clip_image_embeds


class ProjectorGraph(nn.Module):
    def __init__(self, model: TinyVlm):
        super().__init__()
        self.projector = model.projector

    def forward(self, patch_features):
        return self.projector(patch_features)


class TextEncoderGraph(nn.Module):
    def __init__(self, model: TinyVlm):
        super().__init__()
        self.text = model.text

    def forward(self, input_ids):
        return self.text(input_ids)


class EmbedGraph(nn.Module):
    def __init__(self, model: TinyVlm):
        super().__init__()
        self.embed = model.embed_tokens

    def forward(self, input_ids):
        return self.embed(input_ids)


class DecoderSpan(nn.Module):
    """Layers [first, last) with a KV cache. The head (first == 0) also reports layer last-1's last-token attention
    row and key L1 norms; the tail (last == L) applies the final norm and the LM head."""

    def __init__(self, model: TinyVlm, first: int, last: int):
        super().__init__()
        self.cfg = model.cfg
        self.layers = model.layers[first:last]
        self.is_head = first == 0
        self.is_tail = last == model.cfg.num_layers
        self.norm = model.norm
        # the effective output matrix as one constant, so the graph is a plain MatMul whatever the training-time
        # parameterisation (TinyVlm.output_weight)
        self.register_buffer("output_weight", model.output_weight().detach().clone(), persistent=False)

    def forward(self, x, attention_mask, position_ids, *past):
        cos, sin = rope_cos_sin(position_ids, self.cfg.head_dim, self.cfg.rope_theta)
        bias = causal_bias(attention_mask, x.shape[1])
        presents = []
        probs = key = None
        for i, layer in enumerate(self.layers):
            x, probs, key, value = layer(x, cos, sin, bias, past[2 * i], past[2 * i + 1])
            presents += [key, value]
        if self.is_head:
            last_token_attention = probs[:, :, -1, :].mean(1)
            key_norms = key.abs().sum(-1).sum(1)
            return (x, last_token_attention, key_norms, *presents)
        return (torch.nn.functional.linear(self.norm(x), self.output_weight), *presents)
