"""A tiny LLaVA-style vision-language model whose parts map one-to-one onto the prunebench ONNX layout.

Vision tower (ViT with CLS) -> projector (MLP) -> Llama-style decoder split at layer K into head and tail, plus a
CLIP-style text encoder sharing a joint space with the tower's patch embeddings. Attention is written out
explicitly (no fused kernels) because the layout needs post-softmax attention rows and the ONNX export must trace.
"""
from dataclasses import dataclass, asdict
import math

import torch
from torch import nn
import torch.nn.functional as F


@dataclass
class TinyVlmConfig:
    image_size: int = 192
    patch_size: int = 8
    vision_width: int = 128
    vision_layers: int = 4
    vision_heads: int = 4
    vision_mlp: int = 256
    conv_stem: bool = True
    stem_blocks: int = 2
    clip_dim: int = 64
    text_width: int = 64
    text_layers: int = 1
    text_heads: int = 2
    text_max_length: int = 32
    hidden_size: int = 192
    num_layers: int = 4
    num_heads: int = 6
    num_kv_heads: int = 6
    intermediate_size: int = 384
    prune_layer: int = 2
    vocab_size: int = 512
    rope_theta: float = 10000.0
    rms_eps: float = 1e-5
    # explicit object geometry in the visual tokens and a structured read-out of box coordinates (see Projector and
    # TinyVlm.output_weight); off for checkpoints from before they existed
    geometry_tokens: bool = False
    coordinate_tokens: int = 0
    # how the projector reads each token's object box: "linear-absolute" (a frozen copy of the tower's stage-1 box
    # head; checkpoints from before the choice existed) or "mlp-relative" (GeometryHead)
    geometry_head: str = "linear-absolute"
    # the views the vision graph's batch holds (VIEW_BOXES): where each view's patches lie in the image, for the
    # patch positions; "next-2x2" is tiny-synth-next's base view plus 2x2 crops
    view_layout: str = "single"

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def patch_positions(self) -> bool:
        """Whether the vision graph's patch features end with each patch's centre (x, y in 0-1): what the
        projector's GeometryHead measures box sides from."""
        return self.geometry_tokens and self.geometry_head == "mlp-relative"

    @property
    def patch_feature_width(self) -> int:
        """Width of the vision graph's patch_features (the projector's input): the features, then the patch centre
        (x, y), then, with several views, the view's scale (see TinyVlm.encode_image)."""
        if not self.patch_positions:
            return self.vision_width
        return self.vision_width + (2 if self.view_layout == "single" else 3)

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    def to_dict(self) -> dict:
        return asdict(self)


def small_init_(module: nn.Module, std: float = 0.02) -> None:
    """std-0.02 everywhere: N(0,1) embeddings drown the projected visual features at the decoder input."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=std)


# ----------------------------------------------------------------------------- vision tower

class VitBlock(nn.Module):
    def __init__(self, width: int, heads: int, mlp: int):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, mlp)
        self.fc2 = nn.Linear(mlp, width)

    def forward(self, x: torch.Tensor, attn_bias: torch.Tensor | None = None):
        b, n, w = x.shape
        hd = w // self.heads
        q, k, v = self.qkv(self.ln1(x)).reshape(b, n, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        scores = (q * (1.0 / math.sqrt(hd))) @ k.transpose(-1, -2)  # scale q, not the TxT scores (cheaper)
        if attn_bias is not None:
            scores = scores + attn_bias
        probs = scores.softmax(-1)
        x = x + self.out((probs @ v).transpose(1, 2).reshape(b, n, w))
        x = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return x, probs


def sincos_2d(grid: int, width: int) -> torch.Tensor:
    """[1, grid*grid, width] fixed sin-cos embedding of (row, col), half the channels each (MAE-style)."""
    quarter = width // 4
    omega = 1.0 / (100.0 ** (torch.arange(quarter, dtype=torch.float32) / quarter))
    coords = torch.arange(grid, dtype=torch.float32)
    rows, cols = torch.meshgrid(coords, coords, indexing="ij")
    parts = []
    for c in (rows.reshape(-1), cols.reshape(-1)):
        ang = c[:, None] * omega[None]
        parts += [ang.sin(), ang.cos()]
    emb = torch.cat(parts, dim=1)
    if emb.shape[1] < width:
        emb = torch.cat([emb, torch.zeros(emb.shape[0], width - emb.shape[1])], dim=1)
    return emb[None]


class ResidualConv(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, 1, 1)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.gelu(self.conv1(F.gelu(x))))


def conv_stem(width: int, patch: int, blocks: int) -> nn.Sequential:
    """Patch embedding as stride-2 3x3 convolutions (one per halving of the patch size) and `blocks` residual 3x3
    blocks on the token grid, instead of one linear patch projection. Why: the plain ViT patchify tower of the first
    tiny-synth never learned shape (object-patch shape accuracy 21% after 500 dense-supervised steps, chance 14%):
    inside a large object a patch sees flat colour, and a from-scratch ViT learns slowly to aggregate the outline.
    With two residual blocks each token's receptive field (79 px) spans the largest objects (38 px), so shape is
    local. Short probes (shape loss only, 150 steps, batch 16): object shape accuracy 52% with the plain strided stem,
    75% with the residual blocks (at a higher learning rate, so not a clean ablation); the full tower stage then
    reached 99% (MODEL_CARD.md)."""
    steps = int(math.log2(patch))
    assert 2 ** steps == patch, "conv stem needs a power-of-two patch size"
    chans = [3] + [max(16, width >> (steps - 1 - i)) for i in range(steps)]
    layers: list[nn.Module] = []
    for i in range(steps):
        layers.append(nn.Conv2d(chans[i], chans[i + 1], 3, 2, 1))
        if i < steps - 1:
            layers.append(nn.GELU())
    layers += [ResidualConv(width) for _ in range(blocks)]
    return nn.Sequential(*layers)


class VisionTower(nn.Module):
    def __init__(self, cfg: TinyVlmConfig):
        super().__init__()
        self.cfg = cfg
        self.patch = (conv_stem(cfg.vision_width, cfg.patch_size, cfg.stem_blocks) if cfg.conv_stem
                      else nn.Conv2d(3, cfg.vision_width, cfg.patch_size, cfg.patch_size))
        self.cls = nn.Parameter(torch.zeros(1, 1, cfg.vision_width))
        self.pos = nn.Parameter(torch.zeros(1, cfg.grid * cfg.grid + 1, cfg.vision_width))
        # fixed 2-D sin-cos positions on top of the learned ones: patches know where they are from step 0, which
        # localization answers and relation questions need (a zero-init learned table alone stayed flat for long)
        self.register_buffer("sincos", sincos_2d(cfg.grid, cfg.vision_width), persistent=False)
        self.pre_ln = nn.LayerNorm(cfg.vision_width)
        self.blocks = nn.ModuleList(
            [VitBlock(cfg.vision_width, cfg.vision_heads, cfg.vision_mlp) for _ in range(cfg.vision_layers)])
        self.post_ln = nn.LayerNorm(cfg.vision_width)
        self.visual_projection = nn.Linear(cfg.vision_width, cfg.clip_dim, bias=False)

    def forward(self, pixel_values: torch.Tensor):
        """Returns patch features (last block, no CLS), CLS->patch attention (last block, heads averaged),
        CLIP-space patch embeddings and the CLIP-space CLS embedding (both un-normalised)."""
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x + self.sincos], dim=1) + self.pos
        x = self.pre_ln(x)
        probs = None
        for block in self.blocks:
            x, probs = block(x)
        cls_attention = probs[:, :, 0, 1:].mean(1)
        projected = self.visual_projection(self.post_ln(x))
        return x[:, 1:], cls_attention, projected[:, 1:], projected[:, 0]


# ----------------------------------------------------------------------------- text encoder (CLIP-style)

class TextEncoder(nn.Module):
    """Tiny causal transformer; the embedding is read at the last real token (CLIP reads its EOT token)."""

    def __init__(self, cfg: TinyVlmConfig):
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab_size, cfg.text_width)
        self.pos = nn.Parameter(torch.zeros(1, cfg.text_max_length, cfg.text_width))
        self.blocks = nn.ModuleList(
            [VitBlock(cfg.text_width, cfg.text_heads, 2 * cfg.text_width) for _ in range(cfg.text_layers)])
        self.ln = nn.LayerNorm(cfg.text_width)
        self.text_projection = nn.Linear(cfg.text_width, cfg.clip_dim, bias=False)

    def forward(self, input_ids: torch.Tensor, lengths: torch.Tensor | None = None):
        t = input_ids.shape[1]
        x = self.embed(input_ids) + self.pos[:, :t]
        idx = torch.arange(t, device=input_ids.device)
        causal = (idx[None, :] > idx[:, None]).to(torch.float32) * -1e9
        for block in self.blocks:
            x, _ = block(x, causal)
        x = self.ln(x)
        if lengths is None:
            pooled = x[:, -1]
        else:
            pooled = x[torch.arange(x.shape[0], device=x.device), lengths - 1]
        return self.text_projection(pooled)


# ----------------------------------------------------------------------------- projector

# (x0, y0, scale) of each view of a layout in the image, in the order the vision graph's batch holds them:
# tiny-synth-next's base view, then its 2x2 crops of the 2x-upscaled image, row-major (finetune_next.views)
VIEW_BOXES = {"single": ((0.0, 0.0, 1.0),),
              "next-2x2": ((0.0, 0.0, 1.0), (0.0, 0.0, 0.5), (0.5, 0.0, 0.5), (0.0, 0.5, 0.5), (0.5, 0.5, 0.5))}

# frequencies (in half-turns over the 0-1 range) of the Fourier code shared by the visual tokens' geometry and the
# coordinate read-out: 1 tells the halves apart, 16 resolves ~1/32 of the image (an object's box to IoU well over 0.5)
FOURIER_FREQUENCIES = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)


def fourier_code(values: torch.Tensor) -> torch.Tensor:
    """[..., 2F]: sin and cos of pi * f * v for each frequency f; values in 0-1. Dot products of two codes are a
    sum of cos(pi f (v - w)), peaked at v = w: what makes 'emit the coordinate nearest v' a linear read-out."""
    freqs = torch.tensor(FOURIER_FREQUENCIES, dtype=values.dtype, device=values.device)
    angles = values[..., None] * (math.pi * freqs)
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class GeometryHead(nn.Module):
    """Each patch's object box from its features, FCOS-style: a GELU MLP gives the distances from the patch's own
    centre to the box's four sides, plus an objectness logit. The centre comes with the token (the last two values
    of its patch features, see TinyVlm.encode_image), so the projector stays a per-token function, as the layout
    requires (it runs on pruned and merged tokens too). Why not the tower's linear box head: reading *absolute*
    coordinates linearly out of features that mix content with position capped the box of an object, averaged over
    its patches, at IoU >= 0.5 for 69% of validation objects (45% of the small ones); a side distance is
    translation-invariant and small for small objects, and this head, fitted on the same frozen features, reaches
    ~99% (tools/train/geometry_stage.py; figures in MODEL_CARD.md)."""

    DISTANCE_SCALE = 0.1  # softplus(0) * 0.1 ~ 0.07 of the image: the typical half-size of an object

    def __init__(self, cfg: TinyVlmConfig, hidden: int = 256):
        super().__init__()
        self.fc1 = nn.Linear(cfg.vision_width, hidden)
        self.fc2 = nn.Linear(hidden, 5)

    def forward(self, patch_features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """patch_features [..., vision_width + 2 or 3] (features, the patch centre x, y in 0-1 of the image, and
        optionally the scale of the patch's view: a crop of half the image measures sides twice as long as they
        are in the image) -> (box [..., 4] as x1 y1 x2 y2 in 0-1 of the image, objectness logit [...])."""
        width = self.fc1.in_features
        features, centre = patch_features[..., :width], patch_features[..., width:width + 2]
        out = self.fc2(F.gelu(self.fc1(features)))
        sides = F.softplus(out[..., :4]) * self.DISTANCE_SCALE
        if patch_features.shape[-1] > width + 2:
            sides = sides * patch_features[..., width + 2:width + 3]
        return torch.cat([centre - sides[..., :2], centre + sides[..., 2:]], dim=-1), out[..., 4]


class Projector(nn.Module):
    """2-layer GELU MLP; with geometry_tokens, each visual token also carries its object's box, raw and
    Fourier-coded. Why: the first retrained tiny-synth put colour and shape through perfectly but never learned
    *where* (boxes 0%, relations at chance after 1,000 decoder steps), although the tower's features hold each
    patch's object box. Handing that geometry to the decoder in a form it can copy by attention makes localization
    and relations a gather-and-copy task. Everything stays in the projector graph, so the ONNX layout is unchanged
    and a pruned token takes its geometry with it.

    The box comes from a frozen copy of the tower's stage-1 linear box head ("linear-absolute") or from GeometryHead
    ("mlp-relative"), whose objectness also gates the code: background patches carry no object, and the box the head
    gives them is arbitrary, so without the gate whatever attention leaks onto them averages noise into the box a
    decoder head reads."""

    def __init__(self, cfg: TinyVlmConfig):
        super().__init__()
        self.fc1 = nn.Linear(cfg.vision_width, cfg.hidden_size)
        self.fc2 = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.geometry_tokens = cfg.geometry_tokens
        self.geometry_head = cfg.geometry_head
        if cfg.geometry_tokens:
            if cfg.geometry_head == "mlp-relative":
                self.box = GeometryHead(cfg)
            elif cfg.geometry_head == "linear-absolute":
                self.box = nn.Linear(cfg.vision_width, 4)
            else:
                raise ValueError(f"geometry_head: unknown {cfg.geometry_head!r}")
            self.geometry = nn.Linear(4 * (1 + 2 * len(FOURIER_FREQUENCIES)), cfg.hidden_size)

    def read_geometry(self, patch_features: torch.Tensor):
        """(box [..., 4] in 0-1 of the image, gate: [..., 1] objectness or 1.0) of each token."""
        if self.geometry_head == "mlp-relative":
            box, objectness = self.box(patch_features)
            return box, objectness.sigmoid()[..., None]
        return self.box(patch_features).sigmoid(), 1.0

    def forward(self, patch_features: torch.Tensor) -> torch.Tensor:
        out = self.fc2(F.gelu(self.fc1(patch_features[..., :self.fc1.in_features])))
        if self.geometry_tokens:
            box, gate = self.read_geometry(patch_features)
            code = torch.cat([box, fourier_code(box).flatten(-2)], dim=-1)
            out = out + self.geometry(gate * code)
        return out


# ----------------------------------------------------------------------------- Llama-style decoder

class RmsNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def rope_cos_sin(position_ids: torch.Tensor, head_dim: int, theta: float):
    """cos/sin [B,1,T,hd] from explicit position ids, so gapped (preserve) and renumbered (compact) both work."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32, device=position_ids.device)
                                / head_dim))
    freqs = position_ids.to(torch.float32)[..., None] * inv_freq
    emb = torch.cat([freqs, freqs], dim=-1)[:, None]
    return emb.cos(), emb.sin()


def repeat_kv(x: torch.Tensor, groups: int) -> torch.Tensor:
    """[B,Hkv,L,hd] -> [B,Hkv*groups,L,hd] via expand+reshape (repeat_interleave exports badly with dynamic L)."""
    b, h, _, hd = x.shape
    return x[:, :, None].expand(-1, -1, groups, -1, -1).reshape(b, h * groups, -1, hd)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: TinyVlmConfig):
        super().__init__()
        self.cfg = cfg
        d, hd = cfg.hidden_size, cfg.head_dim
        self.input_norm = RmsNorm(d, cfg.rms_eps)
        self.q_proj = nn.Linear(d, cfg.num_heads * hd, bias=False)
        self.k_proj = nn.Linear(d, cfg.num_kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(d, cfg.num_kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(cfg.num_heads * hd, d, bias=False)
        self.post_norm = RmsNorm(d, cfg.rms_eps)
        self.gate_proj = nn.Linear(d, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(d, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, d, bias=False)

    def forward(self, x, cos, sin, bias, past_key=None, past_value=None):
        """bias: additive attention bias [B,1,T,P+T]. Returns (x, probs [B,H,T,P+T], key, value) with the key and
        value including the past (post-RoPE keys, as they sit in the cache)."""
        cfg = self.cfg
        b, t, _ = x.shape
        hd = cfg.head_dim
        h = self.input_norm(x)
        q = self.q_proj(h).view(b, t, cfg.num_heads, hd).transpose(1, 2)
        k = self.k_proj(h).view(b, t, cfg.num_kv_heads, hd).transpose(1, 2)
        v = self.v_proj(h).view(b, t, cfg.num_kv_heads, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_key is not None:
            k = torch.cat([past_key, k], dim=2)
            v = torch.cat([past_value, v], dim=2)
        groups = cfg.num_heads // cfg.num_kv_heads
        kk, vv = (repeat_kv(k, groups), repeat_kv(v, groups)) if groups > 1 else (k, v)
        scores = (q * (1.0 / math.sqrt(hd))) @ kk.transpose(-1, -2) + bias
        probs = scores.softmax(-1)
        attn = (probs @ vv).transpose(1, 2).reshape(b, t, cfg.num_heads * hd)
        x = x + self.o_proj(attn)
        h = self.post_norm(x)
        x = x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))
        return x, probs, k, v


def causal_bias(attention_mask: torch.Tensor, query_len: int | torch.Tensor) -> torch.Tensor:
    """Additive bias [B,1,T,P+T]: query i (the (P+i)-th position of the sequence) sees keys 0..P+i that the mask
    keeps. Causality follows sequence order, not position ids (those may have gaps)."""
    total = attention_mask.shape[1]
    k_idx = torch.arange(total, device=attention_mask.device)
    q_idx = torch.arange(query_len, device=attention_mask.device) + (total - query_len)
    allowed = (k_idx[None, :] <= q_idx[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
    return (~allowed).to(torch.float32) * -1e9


class TinyVlm(nn.Module):
    def __init__(self, cfg: TinyVlmConfig):
        super().__init__()
        self.cfg = cfg
        self.vision = VisionTower(cfg)
        self.text = TextEncoder(cfg)
        self.projector = Projector(cfg)
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.num_layers)])
        self.norm = RmsNorm(cfg.hidden_size, cfg.rms_eps)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        if cfg.coordinate_tokens:
            # the coordinate tokens' output rows are their free rows plus fourier_code(value) @ readout: every box
            # answer trains one shared read-out, and a hidden state holding the code of v scores the coordinates
            # nearest v highest (the free rows alone, 201 unordered classes, each rarely seen, stayed at the prior)
            self.register_buffer("coordinate_ids", torch.zeros(cfg.coordinate_tokens, dtype=torch.long))
            self.coordinate_readout = nn.Linear(cfg.hidden_size, 2 * len(FOURIER_FREQUENCIES), bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        # stage-1 auxiliary head (not exported itself): each patch regresses the box of the object it lies in, which
        # puts box geometry into the patch features; with geometry_tokens the projector holds a frozen copy
        self.box_head = nn.Linear(cfg.vision_width, 4)
        small_init_(self)

    def encode_image(self, pixel_values: torch.Tensor):
        """The vision graph: the tower's outputs, with the patch features extended where cfg.patch_positions by each
        patch's centre in the image (x, y in 0-1) and, with several views, its view's scale. The batch holds whole
        view sets in VIEW_BOXES order (tiny-synth-next's are always the base view and 2x2 crops). The tower itself
        (stage 1) never sees these values."""
        patch_features, cls_attention, clip_patch, clip_cls = self.vision(pixel_values)
        if self.cfg.patch_positions:
            grid, (n_batch, n_patches, width) = self.cfg.grid, patch_features.shape
            centres = (torch.arange(grid, dtype=torch.float32) + 0.5) / grid
            cy, cx = torch.meshgrid(centres, centres, indexing="ij")
            xy = torch.stack([cx.reshape(-1), cy.reshape(-1)], dim=-1)  # [grid^2, 2]
            boxes = torch.tensor(VIEW_BOXES[self.cfg.view_layout], dtype=torch.float32)  # [views, 3]
            where = boxes[:, None, :2] + boxes[:, None, 2:] * xy[None]  # [views, grid^2, 2]
            if len(boxes) > 1:
                where = torch.cat([where, boxes[:, None, 2:].expand(-1, n_patches, 1)], dim=-1)
            per_set = patch_features.reshape(-1, len(boxes), n_patches, width)
            where = where[None].expand(per_set.shape[0], -1, -1, -1).to(patch_features.dtype)
            patch_features = torch.cat([per_set, where], dim=-1).reshape(n_batch, n_patches, -1)
        return patch_features, cls_attention, clip_patch, clip_cls

    def run_layers(self, x, position_ids, bias, first: int, last: int, keep_probs: bool = False):
        """Training path: layers [first, last) with a full-sequence bias (may be block-structured). With
        keep_probs, also returns each layer's attention probabilities [B,H,L,L]."""
        cos, sin = rope_cos_sin(position_ids, self.cfg.head_dim, self.cfg.rope_theta)
        all_probs = []
        for layer in self.layers[first:last]:
            x, probs, _, _ = layer(x, cos, sin, bias)
            all_probs.append(probs)
        return (x, all_probs) if keep_probs else x

    def set_coordinate_tokens(self, ids: torch.Tensor) -> None:
        """The vocabulary ids of the coordinate tokens, in increasing value (0 ... 1000)."""
        self.coordinate_ids.copy_(ids)

    def output_weight(self) -> torch.Tensor:
        """The LM head's effective [vocab, hidden] matrix (what the exported tail graph holds as a constant)."""
        weight = self.lm_head.weight
        if not self.cfg.coordinate_tokens:
            return weight
        values = torch.linspace(0.0, 1.0, self.cfg.coordinate_tokens)
        structured = fourier_code(values) @ self.coordinate_readout.weight
        return weight.index_add(0, self.coordinate_ids, structured)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.linear(self.norm(hidden), self.output_weight())


@torch.no_grad()
def round_to_float16_(model: nn.Module) -> None:
    """Rounds every float parameter to the nearest float16 value (kept as float32): the weights the graphs store
    with float16 storage (export_layout.store_float16), so torch evaluation and the exported graphs agree."""
    for p in model.parameters():
        if p.dtype == torch.float32:
            p.copy_(p.half().float())


def load_checkpoint(path: str, vocab_size: int | None = None) -> TinyVlm:
    """A TinyVlm from a training checkpoint, with the architecture the checkpoint recorded (older checkpoints
    recorded none: they get the defaults with the vocabulary size of their embedding table)."""
    ck = torch.load(path)
    if "config" in ck:
        cfg = TinyVlmConfig(**ck["config"])
    else:
        cfg = TinyVlmConfig(vocab_size=vocab_size or ck["model"]["embed_tokens.weight"].shape[0])
    model = TinyVlm(cfg)
    model.load_state_dict(ck["model"])
    return model
