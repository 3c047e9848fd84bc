"""Transformer blocks re-expressed over the sub-modules of Hugging Face models.

Why not call the HF layers' own `forward`: their signatures and return types change between transformers releases
(positional masks, Cache objects, tuple vs tensor returns), their attention kernels may not expose probabilities,
and their mask builders do not trace to ONNX with dynamic lengths. Here each block only reads the HF sub-modules
(`q_proj`, `layer_norm1`, `mlp`, ...), whose names have been stable for years, and writes attention explicitly, so
the exported graph can return the attention rows and the KV cache the pruners need.
"""

from __future__ import annotations

import torch

NEG_INF = torch.finfo(torch.float32).min


def split_heads(x: torch.Tensor, num_heads: int, head_dim: int) -> torch.Tensor:
    """[B, T, H*hd] -> [B, H, T, hd]."""
    return x.reshape(x.shape[0], -1, num_heads, head_dim).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """[B, H, T, hd] -> [B, T, H*hd]."""
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], -1)


def attention_probs(q: torch.Tensor, k: torch.Tensor, scale: float, bias: torch.Tensor | None) -> torch.Tensor:
    """Post-softmax attention in float32 (fp16 graphs upcast here, as HF's eager path does for the softmax)."""
    scores = torch.matmul(q, k.transpose(-1, -2)).float() * scale
    if bias is not None:
        scores = scores + bias
    return torch.softmax(scores, dim=-1)


def attend(probs: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return torch.matmul(probs.to(v.dtype), v)


def clip_block(layer, h: torch.Tensor, num_heads: int, bias: torch.Tensor | None = None, want_attention: bool = False):
    """One CLIP encoder layer (pre-LN): returns (hidden, attention probs [B,H,T,T] or None)."""
    attn = layer.self_attn
    head_dim = h.shape[-1] // num_heads
    x = layer.layer_norm1(h)
    q = split_heads(attn.q_proj(x), num_heads, head_dim)
    k = split_heads(attn.k_proj(x), num_heads, head_dim)
    v = split_heads(attn.v_proj(x), num_heads, head_dim)
    probs = attention_probs(q, k, head_dim**-0.5, bias)
    h = h + attn.out_proj(merge_heads(attend(probs, v)))
    h = h + layer.mlp(layer.layer_norm2(h))
    return h, (probs if want_attention else None)


def internvit_block(layer, h: torch.Tensor, num_heads: int, want_attention: bool = False):
    """One InternViT layer: norm before and after attention, layer-scale factors lambda_1 / lambda_2."""
    attn = layer.attention
    head_dim = h.shape[-1] // num_heads
    x = layer.layernorm_before(h)
    q = split_heads(attn.q_norm(attn.q_proj(x)), num_heads, head_dim)
    k = split_heads(attn.k_norm(attn.k_proj(x)), num_heads, head_dim)
    v = split_heads(attn.v_proj(x), num_heads, head_dim)
    probs = attention_probs(q, k, head_dim**-0.5, None)
    h = h + layer.lambda_1 * attn.projection_layer(merge_heads(attend(probs, v)))
    h = h + layer.lambda_2 * layer.mlp(layer.layernorm_after(h))
    return h, (probs if want_attention else None)


def causal_bias(attention_mask: torch.Tensor, q_len: int) -> torch.Tensor:
    """Additive float32 bias [B,1,T,P+T]: query i (sequence index P+i) sees key j iff j <= P+i and mask[j] == 1.

    P+T is the mask's length (the layout feeds a mask over past and new tokens). Causality is by sequence index,
    never by position id, so kept tokens with gapped RoPE positions (`preserve` policy) still attend causally.
    """
    kv_len = attention_mask.shape[-1]
    key_index = torch.arange(kv_len, device=attention_mask.device)
    query_index = torch.arange(q_len, device=attention_mask.device) + (kv_len - q_len)
    allowed = key_index.unsqueeze(0) <= query_index.unsqueeze(1)
    allowed = allowed.unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(1)
    zero = torch.zeros((), dtype=torch.float32, device=attention_mask.device)
    neg = torch.full((), NEG_INF, dtype=torch.float32, device=attention_mask.device)
    return torch.where(allowed, zero, neg)


def rope_cos_sin(position_ids: torch.Tensor, inv_freq: torch.Tensor, scaling: float, dtype: torch.dtype):
    """cos/sin [B,T,hd] from explicit position ids (computed in float32, then cast, like HF)."""
    freqs = position_ids.unsqueeze(-1).float() * inv_freq.float().reshape(1, 1, -1)
    emb = torch.cat([freqs, freqs], dim=-1)
    return (emb.cos() * scaling).to(dtype), (emb.sin() * scaling).to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    return x * cos.unsqueeze(1) + rotate_half(x) * sin.unsqueeze(1)


def repeat_kv(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Grouped-query attention: [B,Hkv,S,hd] -> [B,Hkv*groups,S,hd]."""
    if groups == 1:
        return x
    b, hkv, _, hd = x.shape
    return x.unsqueeze(2).expand(b, hkv, groups, x.shape[2], hd).reshape(b, hkv * groups, -1, hd)


def decoder_layer(layer, h, cos, sin, bias, past_k, past_v, dims, want_attention: bool = False):
    """One Llama / Mistral / Qwen2 decoder layer with an explicit KV cache.

    Returns (hidden, keys [B,Hkv,P+T,hd] post-RoPE, values, attention probs [B,H,T,P+T] or None).
    `dims` = (num_heads, num_kv_heads, head_dim).
    """
    num_heads, num_kv, head_dim = dims
    attn = layer.self_attn
    x = layer.input_layernorm(h)
    b = x.shape[0]
    q = attn.q_proj(x).reshape(b, -1, num_heads, head_dim)
    k = attn.k_proj(x).reshape(b, -1, num_kv, head_dim)
    v = attn.v_proj(x).reshape(b, -1, num_kv, head_dim).transpose(1, 2)
    if hasattr(attn, "q_norm"):  # per-head q/k norm (Qwen3-style language models)
        q, k = attn.q_norm(q), attn.k_norm(k)
    q = apply_rope(q.transpose(1, 2), cos, sin)
    k = apply_rope(k.transpose(1, 2), cos, sin)
    keys = torch.cat([past_k, k], dim=2)
    values = torch.cat([past_v, v], dim=2)
    groups = num_heads // num_kv
    probs = attention_probs(q, repeat_kv(keys, groups), head_dim**-0.5, bias)
    out = merge_heads(attend(probs, repeat_kv(values, groups)))
    h = h + attn.o_proj(out)
    h = h + layer.mlp(layer.post_attention_layernorm(h))
    return h, keys, values, (probs if want_attention else None)


def pixel_shuffle(x: torch.Tensor, ratio: float) -> torch.Tensor:
    """InternVL's space-to-depth on a [V, R, C, D] grid -> [V, R*ratio, C*ratio, D/ratio^2].

    Channel order matters (mlp1 was trained on it): output (r2, c2) holds, channel block by channel block,
    input (2*r2 + m, 2*c2 + k) at block m*s + k (s = 1/ratio), the order transformers' InternVLModel.pixel_shuffle
    produces (first s columns are merged into channels, then s rows).
    """
    s = int(round(1 / ratio))
    _, rows, cols, dim = x.shape
    x = x.reshape(-1, rows, cols // s, dim * s)
    x = x.permute(0, 2, 1, 3)
    x = x.reshape(-1, cols // s, rows // s, dim * s * s)
    return x.permute(0, 2, 1, 3)


def pool_to_token_grid(scores: torch.Tensor, grid: int, ratio: float) -> torch.Tensor:
    """Average a per-patch score [V, grid*grid] over the s x s blocks pixel shuffle merges -> [V, (grid/s)^2]."""
    s = int(round(1 / ratio))
    g = grid // s
    return scores.reshape(-1, g, s, g, s).mean(dim=(2, 4)).reshape(-1, g * g)
