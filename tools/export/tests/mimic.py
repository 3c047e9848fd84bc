"""Tiny torch modules with the attribute layout of the transformers classes the exporter reads.

They let the exporter's own logic (wrappers, ONNX export, the worker-order pipeline) be tested where transformers
is not installed. They mirror attribute NAMES only; whether the maths matches transformers is what
test_hf_tiny.py checks against the real classes on a machine that has them.
"""

from __future__ import annotations

from types import SimpleNamespace

import torch
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(1 + 0.1 * torch.randn(dim))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


class GeluMLP(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(torch.nn.functional.gelu(self.fc1(x)))


class GatedMLP(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down_proj(torch.nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


def _randomise_norms(module: nn.Module) -> None:
    for sub in module.modules():
        if isinstance(sub, nn.LayerNorm):
            with torch.no_grad():
                sub.weight.add_(0.1 * torch.randn_like(sub.weight))
                sub.bias.add_(0.1 * torch.randn_like(sub.bias))


class ClipLayer(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.self_attn = nn.Module()
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self.self_attn, name, nn.Linear(dim, dim))
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.mlp = GeluMLP(dim, 2 * dim)


class ClipVisionTransformer(nn.Module):
    def __init__(self, dim: int, layers: int, image_size: int, patch: int):
        super().__init__()
        grid = image_size // patch
        self.embeddings = nn.Module()
        self.embeddings.patch_embedding = nn.Conv2d(3, dim, patch, patch, bias=False)
        self.embeddings.class_embedding = nn.Parameter(torch.randn(dim))
        self.embeddings.position_embedding = nn.Embedding(grid * grid + 1, dim)
        self.pre_layrnorm = nn.LayerNorm(dim)
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([ClipLayer(dim) for _ in range(layers)])
        self.post_layernorm = nn.LayerNorm(dim)
        _randomise_norms(self)


class ClipTextTransformer(nn.Module):
    def __init__(self, dim: int, layers: int, vocab: int, max_len: int = 16):
        super().__init__()
        self.embeddings = nn.Module()
        self.embeddings.token_embedding = nn.Embedding(vocab, dim)
        self.embeddings.position_embedding = nn.Embedding(max_len, dim)
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([ClipLayer(dim) for _ in range(layers)])
        self.final_layer_norm = nn.LayerNorm(dim)
        _randomise_norms(self)


class InternLayer(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.attention = nn.Module()
        for name in ("q_proj", "k_proj", "v_proj", "projection_layer"):
            setattr(self.attention, name, nn.Linear(dim, dim))
        self.attention.q_norm, self.attention.k_norm = nn.Identity(), nn.Identity()
        self.layernorm_before, self.layernorm_after = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.mlp = GeluMLP(dim, 2 * dim)
        self.lambda_1 = nn.Parameter(0.5 + torch.rand(dim))
        self.lambda_2 = nn.Parameter(0.5 + torch.rand(dim))


class InternVisionModel(nn.Module):
    def __init__(self, dim: int, layers: int, image_size: int, patch: int):
        super().__init__()
        grid = image_size // patch
        self.embeddings = nn.Module()
        self.embeddings.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.embeddings.patch_embeddings = nn.Module()
        self.embeddings.patch_embeddings.projection = nn.Conv2d(3, dim, patch, patch)
        self.embeddings.position_embeddings = nn.Parameter(torch.randn(1, grid * grid + 1, dim))
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList([InternLayer(dim) for _ in range(layers)])
        self.layernorm = nn.Identity()
        _randomise_norms(self)


class DecoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, kv_heads: int, bias: bool):
        super().__init__()
        hd = dim // heads
        self.self_attn = nn.Module()
        self.self_attn.q_proj = nn.Linear(dim, heads * hd, bias=bias)
        self.self_attn.k_proj = nn.Linear(dim, kv_heads * hd, bias=bias)
        self.self_attn.v_proj = nn.Linear(dim, kv_heads * hd, bias=bias)
        self.self_attn.o_proj = nn.Linear(heads * hd, dim, bias=False)
        self.input_layernorm, self.post_attention_layernorm = RMSNorm(dim), RMSNorm(dim)
        self.mlp = GatedMLP(dim, 2 * dim)


class Rope(nn.Module):
    def __init__(self, head_dim: int, base: float = 10000.0):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / base ** (torch.arange(0, head_dim, 2).float() / head_dim))
        self.attention_scaling = 1.0
        self.rope_type = "default"


class DecoderStack(nn.Module):
    def __init__(self, dim, layers, heads, kv_heads, vocab, bias=False):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList([DecoderLayer(dim, heads, kv_heads, bias) for _ in range(layers)])
        self.norm = RMSNorm(dim)
        self.rotary_emb = Rope(dim // heads)


class Projector(nn.Module):
    def __init__(self, dim_in: int, dim_out: int, norm: bool = False):
        super().__init__()
        self.layer_norm = nn.LayerNorm(dim_in) if norm else nn.Identity()
        self.linear_1, self.linear_2 = nn.Linear(dim_in, dim_out), nn.Linear(dim_out, dim_out)

    def forward(self, x):
        return self.linear_2(torch.nn.functional.gelu(self.linear_1(self.layer_norm(x))))


def text_config(model_type="llama", dim=32, layers=4, heads=4, kv_heads=2, vocab=64):
    return SimpleNamespace(model_type=model_type, hidden_size=dim, num_hidden_layers=layers, num_attention_heads=heads,
                           num_key_value_heads=kv_heads, head_dim=dim // heads, vocab_size=vocab,
                           intermediate_size=2 * dim)


class MimicVLM(nn.Module):
    """LLaVA / LLaVA-NeXT / InternVL look-alike in the transformers >= 4.52 nesting (model.model.*, lm_head)."""

    def __init__(self, family: str, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        tc = text_config(model_type="qwen2" if family == "internvl-2.5" else "llama")
        self.model = nn.Module()
        if family == "internvl-2.5":
            vc = SimpleNamespace(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, image_size=[56, 56],
                                 patch_size=[14, 14])
            self.model.vision_tower = InternVisionModel(16, 2, 56, 14)
            self.model.multi_modal_projector = Projector(16 * 4, tc.hidden_size, norm=True)
            self.config = SimpleNamespace(model_type="internvl", vision_config=vc, text_config=tc, image_token_id=60,
                                          vision_feature_layer=-1, vision_feature_select_strategy="default",
                                          downsample_ratio=0.5)
        else:
            vc = SimpleNamespace(hidden_size=16, num_hidden_layers=3, num_attention_heads=2, image_size=56,
                                 patch_size=14)
            self.model.vision_tower = nn.Module()
            self.model.vision_tower.vision_model = ClipVisionTransformer(16, 3, 56, 14)
            self.model.multi_modal_projector = Projector(16, tc.hidden_size)
            self.config = SimpleNamespace(model_type="llava" if family == "llava-1.5" else "llava_next",
                                          vision_config=vc, text_config=tc, image_token_index=60,
                                          vision_feature_layer=-2, vision_feature_select_strategy="default")
            if family == "llava-next":
                self.model.image_newline = nn.Parameter(torch.randn(tc.hidden_size))
                self.config.image_grid_pinpoints = [[56, 112], [112, 56], [112, 112]]
        self.model.language_model = DecoderStack(tc.hidden_size, tc.num_hidden_layers, tc.num_attention_heads,
                                                 tc.num_key_value_heads, tc.vocab_size,
                                                 bias=family == "internvl-2.5")
        self.lm_head = nn.Linear(tc.hidden_size, tc.vocab_size, bias=False)
        self.eval()


class MimicClip(nn.Module):
    """The pieces of a CLIPModel the exporter reads."""

    def __init__(self, seed: int = 1, vocab: int = 50):
        super().__init__()
        torch.manual_seed(seed)
        self.vision_model = ClipVisionTransformer(16, 3, 56, 14)
        self.visual_projection = nn.Linear(16, 12, bias=False)
        self.text_model = ClipTextTransformer(16, 2, vocab)
        self.text_projection = nn.Linear(16, 12, bias=False)
        self.vocab = vocab
        self.eval()
