"""Greedy decoding with (optionally pruned) visual tokens, scoring, and the pruning-signal comparison.

Decoding goes through the same head/tail modules that are exported (tools/modelkit/graphs.py), with a KV cache, so
what is measured here is what the ONNX graphs compute.
"""
import re
from collections import defaultdict

import numpy as np
import torch

from batches import ANSWER_CUE, prefix_ids
from graphs import DecoderSpan
from tokenizer import EOS, WordTokenizer

CLIP_MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073])
CLIP_STD = torch.tensor([0.26862954, 0.26130258, 0.27577711])
BOX_RE = re.compile(r"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]")


def normalise_pixels(pixels_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 [B,H,W,3] -> CLIP-normalised float [B,3,H,W]."""
    x = pixels_uint8.float() / 255.0
    return ((x - CLIP_MEAN) / CLIP_STD).permute(0, 3, 1, 2).contiguous()


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def score(prediction: str, sample: dict) -> float:
    """Own scorer for the training report (the product scores with packages/metrics)."""
    if sample["metric"] == "grounding-iou":
        m = BOX_RE.search(prediction)
        if not m:
            return 0.0
        box = sample["box"]
        if sample.get("boxScale", 1000) == "pixels":
            box = [v * 1000 / 192 for v in box]
        return float(iou([float(v) for v in m.groups()], box) >= 0.5)
    norm = lambda s: re.sub(r"[^a-z0-9 ]", "", str(s).lower()).strip()
    return float(norm(prediction) == norm(sample.get("answer", "")))


class Decoder:
    def __init__(self, model, tok: WordTokenizer, max_new_tokens: int = 16):
        self.model, self.tok, self.max_new = model, tok, max_new_tokens
        cfg = model.cfg
        self.head = DecoderSpan(model, 0, cfg.prune_layer)
        self.tail = DecoderSpan(model, cfg.prune_layer, cfg.num_layers)
        self.prefix = torch.tensor([prefix_ids(tok)])

    @torch.no_grad()
    def vision(self, pixels_uint8: torch.Tensor):
        pf, cls_att, clip_patch, _ = self.model.encode_image(normalise_pixels(pixels_uint8))
        return pf, cls_att, clip_patch

    @torch.no_grad()
    def text_embed(self, text: str) -> torch.Tensor:
        ids = self.tok.encode(text)[: self.model.cfg.text_max_length]
        return self.model.text(torch.tensor([ids]))[0]

    @torch.no_grad()
    def answer(self, patch_features: torch.Tensor, question: str, keep: torch.Tensor | None = None,
               compact: bool = False) -> str:
        """patch_features [1,Np,Dv] of one image; keep: sorted visual indices (None = all)."""
        return self.answer_visual(self.model.projector(patch_features)[0], question, keep, compact)

    @torch.no_grad()
    def answer_visual(self, visual: torch.Tensor, question: str, keep: torch.Tensor | None = None,
                      compact: bool = False) -> str:
        """visual [N,D]: the whole visual sequence in LLM space (any layout, newlines included)."""
        m, cfg = self.model, self.model.cfg
        n_grid = visual.shape[0]
        vis_pos = torch.arange(n_grid)
        if keep is not None:
            visual, vis_pos = visual[keep], vis_pos[keep]
        suffix = torch.tensor([self.tok.encode(question + ANSWER_CUE)])
        p = self.prefix.shape[1]
        x = torch.cat([m.embed_tokens(self.prefix)[0], visual, m.embed_tokens(suffix)[0]])[None]
        text_start = p + (visual.shape[0] if compact else n_grid)
        vis_positions = torch.arange(visual.shape[0]) if compact else vis_pos
        pos = torch.cat([torch.arange(p), p + vis_positions, text_start + torch.arange(suffix.shape[1])])[None]
        next_pos = int(pos[0, -1]) + 1
        past_h = [torch.zeros(1, cfg.num_kv_heads, 0, cfg.head_dim)] * (2 * cfg.prune_layer)
        past_t = [torch.zeros(1, cfg.num_kv_heads, 0, cfg.head_dim)] * (2 * (cfg.num_layers - cfg.prune_layer))
        out: list[int] = []
        for _ in range(self.max_new):
            total = x.shape[1] + (past_h[0].shape[2])
            mask = torch.ones(1, total, dtype=torch.int64)
            h = self.head(x, mask, pos, *past_h)
            t = self.tail(h[0], mask, pos, *past_t)
            past_h, past_t = list(h[3:]), list(t[1:])
            nxt = int(t[0][0, -1].argmax())
            if nxt == EOS:
                break
            out.append(nxt)
            x = m.embed_tokens(torch.tensor([[nxt]]))
            pos = torch.tensor([[next_pos]])
            next_pos += 1
        return self.tok.decode(out)


def keep_indices(method: str, k: int, cls_att: torch.Tensor, relevance: torch.Tensor,
                 rng: np.random.Generator) -> torch.Tensor | None:
    n = cls_att.shape[0]
    if method == "full":
        return None
    if method == "random":
        idx = rng.choice(n, k, replace=False)
    elif method == "cls-attention":
        idx = torch.topk(cls_att, k).indices.numpy()
    elif method == "clip-relevance":
        idx = torch.topk(relevance, k).indices.numpy()
    else:
        raise ValueError(f"unknown method {method}")
    return torch.from_numpy(np.sort(idx))


def evaluate(model, tok, scenes, images, methods=("full",), k: int = 64, max_questions: int | None = None,
             seed: int = 0) -> dict:
    """Accuracy per method and question category: {method: {category: acc, '_general': acc, '_all': acc}}."""
    model.eval()
    dec = Decoder(model, tok)
    rng = np.random.default_rng(seed)
    hits: dict = defaultdict(lambda: defaultdict(list))
    done = 0
    for i, sc in enumerate(scenes):
        pf, cls_att, clip_patch = dec.vision(torch.from_numpy(images[i:i + 1]))
        for q in sc.questions:
            if max_questions is not None and done >= max_questions:
                break
            t = dec.text_embed(q.question)
            rel = torch.nn.functional.cosine_similarity(clip_patch[0], t[None], dim=-1)
            for method in methods:
                keep = keep_indices(method, k, cls_att[0], rel, rng)
                pred = dec.answer(pf, q.question, keep)
                hits[method][q.category].append(score(pred, q.sample))
                hits[method]["_grounding" if q.metric == "grounding-iou" else "_general"].append(
                    score(pred, q.sample))
                hits[method]["_all"].append(score(pred, q.sample))
            done += 1
        if max_questions is not None and done >= max_questions:
            break
    return {m: {c: (float(np.mean(v)), len(v)) for c, v in sorted(cats.items())} for m, cats in hits.items()}
