"""Packing scenes into training batches.

One row per image: [BOS USER:] [visual tokens] [q1 a1] [q2 a2] ... Every question/answer segment sees the prefix and
the visual tokens and itself, never another segment (block mask), and its positions continue right after the image,
exactly as at inference; so one decoder pass over the 576 visual tokens trains on all the image's questions.
Visual tokens may be randomly dropped (same count per batch) with positions preserved or compacted, which teaches
the decoder to answer from pruned sequences the way the pruning pipeline will feed them.
"""
from dataclasses import dataclass

import numpy as np
import torch

from data import Scene
from tokenizer import BOS, EOS, PAD, WordTokenizer

PROMPT_PREFIX = "USER:"
ANSWER_CUE = " ASSISTANT:"
IGNORE = -100


@dataclass
class Batch:
    pixels: torch.Tensor | None  # uint8 [B,H,W,3] (None when the caller feeds cached tower features)
    keep: torch.Tensor          # int64 [B,n_keep] kept visual indices (sorted)
    prefix_ids: torch.Tensor    # int64 [B,P]
    text_ids: torch.Tensor      # int64 [B,S] all segments, padded
    targets: torch.Tensor       # int64 [B,P+n_keep+S] next-token targets (IGNORE elsewhere)
    position_ids: torch.Tensor  # int64 [B,P+n_keep+S]
    bias: torch.Tensor          # float [B,1,L,L] additive attention bias
    scene_index: list[int]
    # per row: (first answer-producing position, end position, question index in the scene) of each segment
    segments: list[list[tuple[int, int, int]]]


def encode_segment(tok: WordTokenizer, question: str, answer: str) -> tuple[list[int], list[int]]:
    return tok.encode(question + ANSWER_CUE), tok.encode(answer) + [EOS]


def prefix_ids(tok: WordTokenizer) -> list[int]:
    return [BOS] + tok.encode(PROMPT_PREFIX)


def make_batch(scenes: list[Scene], idx: list[int], images: np.ndarray | None, tok: WordTokenizer, grid_tokens: int,
               n_keep: int, compact: bool, rng: np.random.Generator, max_segments: int = 6,
               keep: np.ndarray | None = None) -> Batch:
    """keep: [B,n_keep] sorted visual indices to use instead of a uniform random draw."""
    pre = prefix_ids(tok)
    p = len(pre)
    rows = []
    for i in idx:
        qs = scenes[i].questions
        order = rng.permutation(len(qs))[:max_segments]
        rows.append([(*encode_segment(tok, qs[j].question, qs[j].answer), int(j)) for j in order])
    s_len = max(sum(len(q) + len(a) for q, a, _ in segs) for segs in rows)
    b, L = len(idx), p + n_keep + s_len
    if keep is None:
        keep = np.stack([np.sort(rng.choice(grid_tokens, n_keep, replace=False)) if n_keep < grid_tokens
                         else np.arange(grid_tokens) for _ in idx])
    text = np.full((b, s_len), PAD, dtype=np.int64)
    targets = np.full((b, L), IGNORE, dtype=np.int64)
    pos = np.zeros((b, L), dtype=np.int64)
    allowed = np.zeros((b, L, L), dtype=bool)
    ctx = p + n_keep
    allowed[:, :ctx, :ctx] = np.tril(np.ones((ctx, ctx), dtype=bool))
    text_start = p + (n_keep if compact else grid_tokens)
    spans: list[list[tuple[int, int, int]]] = []
    for r, segs in enumerate(rows):
        spans.append([])
        pos[r, :p] = np.arange(p)
        pos[r, p:ctx] = p + (np.arange(n_keep) if compact else keep[r])
        cur = 0
        for q, a, j in segs:
            seg = q + a
            start, n = ctx + cur, len(seg)
            text[r, cur:cur + n] = seg
            pos[r, start:start + n] = text_start + np.arange(n)
            allowed[r, start:start + n, :ctx] = True
            allowed[r, start:start + n, start:start + n] = np.tril(np.ones((n, n), dtype=bool))
            # position of the last question token predicts the first answer token, and so on
            targets[r, start + len(q) - 1:start + n - 1] = a
            spans[r].append((start + len(q) - 1, start + n - 1, j))
            cur += n
        for k in range(ctx + cur, L):
            allowed[r, k, k] = True
    bias = torch.from_numpy((~allowed).astype(np.float32) * -1e9)[:, None]
    pixels = None if images is None else torch.from_numpy(images[idx])
    return Batch(pixels, torch.from_numpy(keep), torch.tensor([pre] * b),
                 torch.from_numpy(text), torch.from_numpy(targets), torch.from_numpy(pos), bias, list(idx), spans)
