"""Independent textbook formulations used as references (complex-number RoPE, einsum attention, explicit masks)."""

from __future__ import annotations

import math

import torch


def rope_complex(x: torch.Tensor, positions: torch.Tensor, inv_freq: torch.Tensor) -> torch.Tensor:
    """x [T, H, hd]; pairs (i, i + hd/2) rotated by position * inv_freq[i] (transformers' half-split convention)."""
    half = x.shape[-1] // 2
    z = torch.complex(x[..., :half].double(), x[..., half:].double())
    theta = positions.double()[:, None] * inv_freq.double()[None, :]
    z = z * torch.polar(torch.ones_like(theta), theta)[:, None, :]
    return torch.cat([z.real, z.imag], dim=-1).to(x.dtype)


def attention(q, k, v, causal_offset: int | None):
    """q [T,H,hd], k/v [S,H,hd] -> (out [T,H*hd], probs [H,T,S]); query t sees keys s <= t + offset."""
    scores = torch.einsum("thd,shd->hts", q, k) / math.sqrt(q.shape[-1])
    if causal_offset is not None:
        t = torch.arange(q.shape[0])[:, None]
        s = torch.arange(k.shape[0])[None, :]
        scores = scores.masked_fill(s > t + causal_offset, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    return torch.einsum("hts,shd->thd", probs, v).reshape(q.shape[0], -1), probs


def decoder(stack, lm_head, embeds, positions, heads, kv_heads, keep_from_layer=None, kept=None, kept_positions=None):
    """Full-sequence decoder over [T, D] embeddings. With keep_from_layer=K, layers >= K run on `kept` rows only,
    at `kept_positions`. Returns logits and per-layer (input hidden, probs, post-RoPE keys)."""
    h = embeds
    inv_freq = stack.rotary_emb.inv_freq
    trace = []
    for index, layer in enumerate(stack.layers):
        if keep_from_layer is not None and index == keep_from_layer:
            h, positions = h[kept], kept_positions
        attn = layer.self_attn
        x = layer.input_layernorm(h)
        hd = x.shape[-1] // heads
        q = rope_complex(attn.q_proj(x).reshape(-1, heads, hd), positions, inv_freq)
        k = rope_complex(attn.k_proj(x).reshape(-1, kv_heads, hd), positions, inv_freq)
        v = attn.v_proj(x).reshape(-1, kv_heads, hd)
        groups = heads // kv_heads
        out, probs = attention(q, k.repeat_interleave(groups, 1), v.repeat_interleave(groups, 1), 0)
        trace.append({"input": h, "probs": probs, "keys": k})
        h = h + attn.o_proj(out)
        h = h + layer.mlp(layer.post_attention_layernorm(h))
    trace.append({"input": h})
    return lm_head(stack.norm(h)), trace


def clip_layer(layer, h, heads, causal: bool = False):
    a = layer.self_attn
    x = layer.layer_norm1(h)
    hd = x.shape[-1] // heads
    out, probs = attention(a.q_proj(x).reshape(-1, heads, hd), a.k_proj(x).reshape(-1, heads, hd),
                           a.v_proj(x).reshape(-1, heads, hd), 0 if causal else None)
    h = h + a.out_proj(out)
    return h + layer.mlp(layer.layer_norm2(h)), probs


def intern_layer(layer, h, heads):
    a = layer.attention
    x = layer.layernorm_before(h)
    hd = x.shape[-1] // heads
    out, probs = attention(a.q_proj(x).reshape(-1, heads, hd), a.k_proj(x).reshape(-1, heads, hd),
                           a.v_proj(x).reshape(-1, heads, hd), None)
    h = h + layer.lambda_1 * a.projection_layer(out)
    return h + layer.lambda_2 * layer.mlp(layer.layernorm_after(h)), probs

