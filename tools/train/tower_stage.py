"""Stage 1: train the vision tower and the text encoder alone, with dense per-patch supervision.

Why a separate stage: the decoder can only learn to *read* the image once the visual tokens already say what is
where. Trained jointly from scratch (the first tiny-synth), the tower never learned shape (shape answers stayed at
chance) and the decoder stayed near answer priors. Dense labels are cheap and plentiful (576 supervised patches per
image), so a few hundred tower-only steps make every object patch linearly name its object's colour, shape and size,
its object's box, and whether it is the object's centre patch (what counting reads), while the CLIP-style objectives
of losses.py keep the pruning signals meaningful (CLS attention on objects, patch/question relevance in a joint
space with the text encoder). The decoder stage then trains on frozen, cached tower features.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from data import Scene
from evaluate import normalise_pixels
from losses import (cls_attention_loss, object_masks, patch_alignment_loss, patch_box_loss, presence_loss,
                    question_relevance_loss, relevant_patch_mask)
from schedule import warmup_cosine

TOWER_LOSS_WEIGHTS = {"colour": 1.0, "shape": 1.0, "size": 0.5, "object_shape": 1.0, "object_size": 0.5,
                      "anchor": 0.5, "box": 2.0, "patch": 0.5, "presence": 0.3, "relevance": 0.3,
                      "cls_attention": 0.1}


class DenseHeads(nn.Module):
    """Training-only linear read-outs of the last block's patch features (not exported): a linear head forces the
    attribute to be linearly present in the features, which is what the projector and decoder attention read."""

    def __init__(self, width: int, n_colours: int, n_shapes: int, n_sizes: int):
        super().__init__()
        self.colour = nn.Linear(width, n_colours + 1)
        self.shape = nn.Linear(width, n_shapes + 1)
        self.size = nn.Linear(width, n_sizes + 1)
        self.anchor = nn.Linear(width, 1)

    def forward(self, pf: torch.Tensor) -> dict:
        return {"colour": self.colour(pf), "shape": self.shape(pf), "size": self.size(pf),
                "anchor": self.anchor(pf)[..., 0]}


class Attributes:
    """The closed attribute vocabularies of the synthetic scenes and per-scene dense labels."""

    def __init__(self, scenes: list[Scene]):
        self.colours = sorted({o.colour for s in scenes for o in s.objects})
        self.shapes = sorted({o.shape for s in scenes for o in s.objects})
        self.sizes = sorted({o.size for s in scenes for o in s.objects if o.size})
        self.descs = [f"{c} {s}" for c in self.colours for s in self.shapes] + ["background"]
        self.desc_index = {d: i for i, d in enumerate(self.descs)}
        self.background = len(self.descs) - 1
        self.vocab_sets = {"colour": set(self.colours), "shape": set(self.shapes), "size": set(self.sizes)}

    def dense_labels(self, scene: Scene, grid: int, patch: int, image_size: int) -> dict:
        """Per patch (row-major): description, colour, shape and size index of the smallest object whose box holds
        the patch centre (background = the class after the last), that object's box scaled to 0-1, and 1 on the
        patch holding each object's centre."""
        n = grid * grid
        out = {"desc": np.full(n, self.background, np.int64), "colour": np.full(n, len(self.colours), np.int64),
               "shape": np.full(n, len(self.shapes), np.int64), "size": np.full(n, len(self.sizes), np.int64),
               "box": np.zeros((n, 4), np.float32), "anchor": np.zeros(n, np.float32)}
        area = np.full(n, np.inf)
        for o, inside in zip(scene.objects, object_masks(scene, grid, patch)):
            x1, y1, x2, y2 = o.box_px
            a = (x2 - x1) * (y2 - y1)
            upd = inside & (a < area)
            out["desc"][upd] = self.desc_index.get(o.description, self.background)
            out["colour"][upd] = self.colours.index(o.colour)
            out["shape"][upd] = self.shapes.index(o.shape)
            if o.size in self.sizes:
                out["size"][upd] = self.sizes.index(o.size)
            out["box"][upd] = np.array(o.box_px, np.float32) / image_size
            area[upd] = a
            out["anchor"][object_anchor(o, grid, patch)] = 1.0
        return out


def object_anchor(o, grid: int, patch: int) -> int:
    """Row-major index of the patch holding the object's box centre (its 'centre patch')."""
    x1, y1, x2, y2 = o.box_px
    col = min(grid - 1, int((x1 + x2) / 2 // patch))
    row = min(grid - 1, int((y1 + y2) / 2 // patch))
    return row * grid + col


def stack_labels(per_scene: list[dict]) -> dict:
    return {k: np.stack([d[k] for d in per_scene]) for k in per_scene[0]}


class TowerTrainer:
    def __init__(self, model, tok, scenes, images, attrs: Attributes, args):
        self.model, self.tok, self.scenes, self.images, self.attrs, self.args = model, tok, scenes, images, attrs, args
        cfg = model.cfg
        self.labels = stack_labels([attrs.dense_labels(s, cfg.grid, cfg.patch_size, cfg.image_size) for s in scenes])
        self.obj_masks = [object_masks(s, cfg.grid, cfg.patch_size) for s in scenes]
        self.heads = DenseHeads(cfg.vision_width, len(attrs.colours), len(attrs.shapes), len(attrs.sizes))
        desc_ids = [tok.encode(d) for d in attrs.descs]
        width = max(len(d) for d in desc_ids)
        self.desc_ids = torch.tensor([d + [0] * (width - len(d)) for d in desc_ids])
        self.desc_len = torch.tensor([len(d) for d in desc_ids])
        self.presence_bias = nn.Parameter(torch.tensor(-4.0))
        self.params = (list(model.vision.parameters()) + list(model.text.parameters()) + [model.logit_scale]
                       + list(model.box_head.parameters()) + list(self.heads.parameters()) + [self.presence_bias])
        self.opt = torch.optim.AdamW(self.params, lr=args.tower_lr, weight_decay=0.01, betas=(0.9, 0.98))
        self.step = 0
        self.rng = np.random.default_rng(args.seed)

    def lr_at(self, step: int) -> float:
        return warmup_cosine(step, self.args.tower_steps, self.args.tower_lr, max_warmup=50)

    def losses(self, idx: list[int]) -> dict:
        m, attrs = self.model, self.attrs
        lab = {k: torch.from_numpy(v[idx]) for k, v in self.labels.items()}
        pf, cls_att, clip_patch, clip_cls = m.vision(normalise_pixels(torch.from_numpy(self.images[idx])))
        pred = self.heads(pf)
        on_object = lab["desc"] != attrs.background
        out = {}
        for kind, n_real in (("colour", len(attrs.colours)), ("shape", len(attrs.shapes)), ("size", len(attrs.sizes))):
            weights = torch.ones(n_real + 1)
            weights[n_real] = 0.2  # background dominates the patches; it must not dominate the gradient
            out[kind] = F.cross_entropy(pred[kind].reshape(-1, n_real + 1), lab[kind].reshape(-1), weight=weights)
        # the same heads on each object's mean patch feature: what a decoder head attending evenly over an object
        # reads; it trains much faster than the per-patch labels, whose interior patches only see flat colour
        pooled, shapes, sizes = [], [], []
        for r, i in enumerate(idx):
            masks = torch.from_numpy(np.stack(self.obj_masks[i])).float()
            pooled.append(masks @ pf[r] / masks.sum(1, keepdim=True).clamp(min=1))
            shapes += [attrs.shapes.index(o.shape) for o in self.scenes[i].objects]
            sizes += [attrs.sizes.index(o.size) if o.size in attrs.sizes else len(attrs.sizes)
                      for o in self.scenes[i].objects]
        pooled_pf = torch.cat(pooled)
        out["object_shape"] = F.cross_entropy(self.heads.shape(pooled_pf), torch.tensor(shapes))
        out["object_size"] = F.cross_entropy(self.heads.size(pooled_pf), torch.tensor(sizes))
        out["anchor"] = F.binary_cross_entropy_with_logits(pred["anchor"], lab["anchor"],
                                                           pos_weight=torch.tensor(20.0))
        out["box"] = patch_box_loss(m.box_head(pf), lab["box"], on_object)
        scale = m.logit_scale.exp().clamp(max=100)
        desc_emb = m.text(self.desc_ids, self.desc_len)
        out["patch"] = patch_alignment_loss(clip_patch, desc_emb, lab["desc"], scale, attrs.background)
        present = torch.zeros(len(idx), len(attrs.descs) - 1)
        for r, i in enumerate(idx):
            for o in self.scenes[i].objects:
                present[r, attrs.desc_index[o.description]] = 1.0
        out["presence"] = presence_loss(clip_cls, desc_emb[:-1], present, scale, self.presence_bias)
        out["cls_attention"] = cls_attention_loss(cls_att, on_object)
        rows, q_ids, masks = [], [], []
        for r, i in enumerate(idx):
            sc = self.scenes[i]
            for q in sc.questions:
                mask = relevant_patch_mask(sc, q.question, attrs.vocab_sets, self.obj_masks[i],
                                           q.sample.get("meta", {}).get("targets"))
                if mask is not None:
                    rows.append(r)
                    q_ids.append(self.tok.encode(q.question)[: m.cfg.text_max_length])
                    masks.append(mask)
        if rows:
            width = max(len(q) for q in q_ids)
            ids = torch.tensor([q + [0] * (width - len(q)) for q in q_ids])
            q_emb = m.text(ids, torch.tensor([len(q) for q in q_ids]))
            out["relevance"] = question_relevance_loss(clip_patch[rows], q_emb, torch.from_numpy(np.stack(masks)),
                                                       scale)
        return out

    def train_step(self) -> dict:
        self.model.train()
        idx = sorted(self.rng.choice(len(self.scenes), self.args.tower_batch, replace=False).tolist())
        for group in self.opt.param_groups:
            group["lr"] = self.lr_at(self.step)
        parts = self.losses(idx)
        total = sum(TOWER_LOSS_WEIGHTS[k] * v for k, v in parts.items())
        self.opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.step += 1
        return {k: float(v) for k, v in parts.items()}

    @torch.no_grad()
    def probe(self, scenes: list[Scene], images: np.ndarray) -> dict:
        """Held-out per-object-patch accuracy of the dense heads, and anchor recall at the object count."""
        self.model.eval()
        cfg, attrs = self.model.cfg, self.attrs
        hits: dict = {"colour": [], "shape": [], "size": [], "object_shape": [], "anchor_recall": [], "box_l1": []}
        for start in range(0, len(scenes), 16):
            chunk = scenes[start:start + 16]
            lab = stack_labels([attrs.dense_labels(s, cfg.grid, cfg.patch_size, cfg.image_size) for s in chunk])
            pf = self.model.vision(normalise_pixels(torch.from_numpy(images[start:start + 16])))[0]
            pred = self.heads(pf)
            on = lab["desc"] != attrs.background
            for kind in ("colour", "shape", "size"):
                hits[kind].append((pred[kind].argmax(-1).numpy() == lab[kind])[on])
            boxes = self.model.box_head(pf).sigmoid().numpy()
            hits["box_l1"].append(np.abs(boxes - lab["box"])[on].mean(-1))
            for r, sc in enumerate(chunk):
                masks = torch.from_numpy(np.stack(object_masks(sc, cfg.grid, cfg.patch_size))).float()
                pooled = masks @ pf[r] / masks.sum(1, keepdim=True).clamp(min=1)
                truth = np.array([attrs.shapes.index(o.shape) for o in sc.objects])
                hits["object_shape"].append(self.heads.shape(pooled).argmax(-1).numpy() == truth)
                k = len(sc.objects)
                top = np.argsort(-pred["anchor"][r].numpy())[:k]
                hits["anchor_recall"].append(np.array([lab["anchor"][r][top].sum() / max(1, k)]))
        return {k: round(float(np.concatenate(v).mean()), 4) for k, v in hits.items()}

    def state(self) -> dict:
        return {"heads": self.heads.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
                "presence_bias": self.presence_bias.data, "rng": self.rng.bit_generator.state}

    def load_state(self, st: dict) -> None:
        self.heads.load_state_dict(st["heads"])
        self.opt.load_state_dict(st["opt"])
        self.step = st["step"]
        self.presence_bias.data.copy_(st["presence_bias"])
        self.rng.bit_generator.state = st["rng"]


@torch.no_grad()
def cache_patch_features(model, images: np.ndarray, batch: int = 32, log=None) -> torch.Tensor:
    """Frozen-tower patch features of every training image as the vision graph gives them (TinyVlm.encode_image),
    float16 [N, grid^2, patch_feature_width] (the decoder stage reads these instead of re-running the tower at every
    step)."""
    model.eval()
    cfg = model.cfg
    out = torch.empty(len(images), cfg.grid * cfg.grid, cfg.patch_feature_width, dtype=torch.float16)
    t0 = time.time()
    for start in range(0, len(images), batch):
        pf = model.encode_image(normalise_pixels(torch.from_numpy(images[start:start + batch])))[0]
        out[start:start + batch] = pf.to(torch.float16)
        if log and (start // batch) % 50 == 0:
            log(f"caching tower features {start + len(pf)}/{len(images)} ({time.time() - t0:.0f}s)")
    return out
