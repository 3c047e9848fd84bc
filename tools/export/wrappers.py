"""torch.nn.Module wrappers whose forward is exactly one graph of docs/model-format.md (inputs/outputs in order)."""

from __future__ import annotations

import torch
from torch import nn

from .blocks import (
    causal_bias,
    clip_block,
    decoder_layer,
    internvit_block,
    pixel_shuffle,
    pool_to_token_grid,
    rope_cos_sin,
)


def blocks_to_run(feature_layer: int, num_layers: int) -> int:
    """HF `hidden_states[i]` is the input of block i (index 0 = embeddings): features at index i need i blocks."""
    index = feature_layer if feature_layer >= 0 else num_layers + 1 + feature_layer
    if not 1 <= index <= num_layers:
        raise ValueError(f"vision_feature_layer {feature_layer} is out of range for {num_layers} layers")
    return index


class ClipVisionGraph(nn.Module):
    """LLaVA vision tower: penultimate-layer patch features without CLS, CLS->patch attention of the block that
    produced them (heads averaged), and optionally CLIP joint-space patch embeddings (post-LN + visual projection
    of the same features, taken from a separate CLIP checkpoint because llava-hf towers ship no projection)."""

    def __init__(self, vision_model, feature_layer: int, num_heads: int, clip_post_layernorm=None, clip_projection=None):
        super().__init__()
        layers = vision_model.encoder.layers
        self.embeddings = vision_model.embeddings
        self.pre_layrnorm = vision_model.pre_layrnorm
        self.layers = nn.ModuleList(list(layers)[: blocks_to_run(feature_layer, len(layers))])
        self.num_heads = num_heads
        self.clip_post_layernorm = clip_post_layernorm
        self.clip_projection = clip_projection

    def forward(self, pixel_values: torch.Tensor):
        emb = self.embeddings
        patches = emb.patch_embedding(pixel_values.to(emb.patch_embedding.weight.dtype)).flatten(2).transpose(1, 2)
        cls = emb.class_embedding.reshape(1, 1, -1).expand(patches.shape[0], 1, patches.shape[2])
        h = torch.cat([cls, patches], dim=1) + emb.position_embedding.weight.unsqueeze(0)
        h = self.pre_layrnorm(h)
        probs = None
        for i, layer in enumerate(self.layers):
            h, probs = clip_block(layer, h, self.num_heads, want_attention=i == len(self.layers) - 1)
        patch_features = h[:, 1:]
        cls_attention = probs[:, :, 0, 1:].mean(dim=1).to(patch_features.dtype)
        if self.clip_projection is None:
            return patch_features, cls_attention
        clip_embeds = self.clip_projection(self.clip_post_layernorm(patch_features))
        return patch_features, cls_attention, clip_embeds


class InternVisionGraph(nn.Module):
    """InternVL vision tower: features of `vision_feature_layer` without CLS, pixel-shuffled (the layout's
    patch_features, so `projector` is exactly mlp1), and as saliency the mean attention each patch receives in the
    last block run (over heads and all queries), averaged over the s x s patches pixel shuffle merges."""

    def __init__(self, vision_tower, feature_layer: int, num_heads: int, grid: int, downsample_ratio: float):
        super().__init__()
        layers = vision_tower.encoder.layer
        run = blocks_to_run(feature_layer, len(layers))
        self.embeddings = vision_tower.embeddings
        self.layers = nn.ModuleList(list(layers)[:run])
        self.final_norm = vision_tower.layernorm if run == len(layers) else nn.Identity()
        self.num_heads = num_heads
        self.grid = grid
        self.ratio = downsample_ratio

    def forward(self, pixel_values: torch.Tensor):
        emb = self.embeddings
        conv = emb.patch_embeddings.projection
        patches = conv(pixel_values.to(conv.weight.dtype)).flatten(2).transpose(1, 2)
        cls = emb.cls_token.expand(patches.shape[0], 1, patches.shape[2])
        h = torch.cat([cls, patches], dim=1)
        if emb.position_embeddings is not None:
            h = h + emb.position_embeddings  # fixed input size: no interpolation needed
        probs = None
        for i, layer in enumerate(self.layers):
            h, probs = internvit_block(layer, h, self.num_heads, want_attention=i == len(self.layers) - 1)
        h = self.final_norm(h)
        patch = h[:, 1:].reshape(-1, self.grid, self.grid, h.shape[-1])
        shuffled = pixel_shuffle(patch, self.ratio)
        patch_features = shuffled.reshape(shuffled.shape[0], -1, shuffled.shape[-1])
        received = probs.mean(dim=(1, 2))[:, 1:]
        return patch_features, pool_to_token_grid(received, self.grid, self.ratio).to(patch_features.dtype)


class ProjectorGraph(nn.Module):
    def __init__(self, projector):
        super().__init__()
        self.projector = projector

    def forward(self, patch_features: torch.Tensor):
        return self.projector(patch_features)


class EmbedGraph(nn.Module):
    def __init__(self, embed_tokens):
        super().__init__()
        self.embed_tokens = embed_tokens

    def forward(self, input_ids: torch.Tensor):
        return self.embed_tokens(input_ids)


class ClipTextGraph(nn.Module):
    """CLIP text tower + text projection -> text_embeds [1, Dc] (not normalised), pooled at the EOS token."""

    def __init__(self, text_model, text_projection, num_heads: int, eos_token_id: int):
        super().__init__()
        self.embeddings = text_model.embeddings
        self.layers = text_model.encoder.layers
        self.final_layer_norm = text_model.final_layer_norm
        self.text_projection = text_projection
        self.num_heads = num_heads
        # Legacy CLIP configs say eos_token_id=2; their EOS (49407) is then the largest id in the sequence.
        self.pool_at_max_id = eos_token_id == 2
        self.eos_token_id = eos_token_id

    def forward(self, input_ids: torch.Tensor):
        emb = self.embeddings
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        h = emb.token_embedding(input_ids) + emb.position_embedding(positions)
        bias = causal_bias(torch.ones_like(input_ids), input_ids.shape[1])
        for layer in self.layers:
            h, _ = clip_block(layer, h, self.num_heads, bias=bias)
        h = self.final_layer_norm(h)
        ids = input_ids.to(torch.int32)
        marker = ids if self.pool_at_max_id else (ids == self.eos_token_id).to(torch.int32)
        pooled = h[torch.arange(h.shape[0], device=h.device), marker.argmax(dim=-1)]
        return self.text_projection(pooled)


class _DecoderPart(nn.Module):
    def __init__(self, language_model, rope, layer_range: range, dims):
        super().__init__()
        self.layers = nn.ModuleList([language_model.layers[i] for i in layer_range])
        self.first_layer = layer_range.start
        self.register_buffer("inv_freq", rope.inv_freq.detach().clone().float(), persistent=False)
        self.rope_scaling = float(rope.attention_scaling)
        self.dims = dims

    def run_layers(self, h, attention_mask, position_ids, past, want_last_attention: bool):
        cos, sin = rope_cos_sin(position_ids, self.inv_freq, self.rope_scaling, h.dtype)
        bias = causal_bias(attention_mask, h.shape[1])
        presents = []
        probs = keys = None
        for i, layer in enumerate(self.layers):
            past_k, past_v = past[2 * i], past[2 * i + 1]
            last = want_last_attention and i == len(self.layers) - 1
            h, keys, values, probs = decoder_layer(layer, h, cos, sin, bias, past_k, past_v, self.dims, last)
            presents += [keys, values]
        return h, presents, probs, keys


class DecoderHead(_DecoderPart):
    """Layers 0..K-1. Extra outputs at layer K-1: the last input token's attention row (heads averaged) and the
    L1 norm of the (post-RoPE, as cached) keys per position over all KV heads."""

    def __init__(self, language_model, rope, prune_layer: int, dims):
        super().__init__(language_model, rope, range(0, prune_layer), dims)

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        h, presents, probs, keys = self.run_layers(inputs_embeds, attention_mask, position_ids, past, True)
        last_token_attention = probs[:, :, -1, :].mean(dim=1).to(h.dtype)
        key_norms = keys.float().abs().sum(dim=(1, 3)).to(h.dtype)
        return (h, last_token_attention, key_norms, *presents)


class DecoderTail(_DecoderPart):
    """Layers K..L-1, final norm and LM head."""

    def __init__(self, language_model, rope, lm_head, prune_layer: int, dims):
        super().__init__(language_model, rope, range(prune_layer, len(language_model.layers)), dims)
        self.norm = language_model.norm
        self.lm_head = lm_head

    def forward(self, hidden_states, attention_mask, position_ids, *past):
        h, presents, _, _ = self.run_layers(hidden_states, attention_mask, position_ids, past, False)
        return (self.lm_head(self.norm(h)), *presents)
