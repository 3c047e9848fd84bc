"""Stage 2: train the projector and the decoder on frozen, cached tower features.

Each row is one image with all its questions (block mask, batches.py). Rows come in three kinds, drawn per step:
- object rows: only a short visual sequence (the objects' patches plus random others), so many rows fit a step and
  the decoder learns to read objects quickly;
- subset rows: a random 10-100% of the visual tokens, positions preserved or (sometimes) compacted, which is what
  pruned inference feeds it;
- full rows: all 576 tokens, the unpruned setting the quality bar is measured on.
The step's row count follows a token budget, so a step costs about the same whatever its kind.

Besides the answer loss, attention bootstrapping (losses.py) supervises the two hops a question needs: layer 0 lets
attribute words find their patches and the answer position gather the question's attribute words; layer 1 lets the
answer position attend to the question's target objects (with one head per object for relations, and a counting
head). Without these the first tiny-synth stayed at answer priors.
"""

import numpy as np
import torch
from torch import nn

from batches import encode_segment, make_batch
from losses import (AttentionRows, answer_attention_loss, count_attention_loss, lm_loss, object_masks,
                    question_gather_loss, relevant_patch_mask, role_attention_loss, singular, visual_lens_loss,
                    word_grounding_loss)
from schedule import warmup_cosine
from tower_stage import Attributes, object_anchor
from tiny_vlm import FOURIER_FREQUENCIES, fourier_code

DECODER_LOSS_WEIGHTS = {"lm": 1.0, "answer_attention": 0.5, "word_grounding": 0.3, "question_gather": 0.3,
                        "visual_lens": 0.3, "role_attention": 0.3, "count_attention": 0.3, "answer_facts": 2.0,
                        "value_geometry": 2.0, "coordinate_attention": 0.5, "coordinate_code": 2.0}
# layer-1 heads with a supervised job: 0-1 the question's target objects, 2-3 the first and second object of a
# relation question, 4 counting (see losses.py); head 5 is left free
ROLE_HEADS = (2, 3)
COUNT_HEAD = 4
# last-layer heads that each copy one box coordinate (x1, y1, x2, y2) at the position that emits it (see
# DecoderTrainer.coordinate_terms); heads 4-5 are left free
COORDINATE_HEADS = (0, 1, 2, 3)
TEXT_TOKENS_PER_ROW = 100  # prefix + six question/answer segments, for the token budget


class AnswerFacts(nn.Module):
    """Training-only linear read-outs of the decoder's last hidden state (not exported). Position-valued answers
    (box coordinates, left/above, counts) stayed at their priors for hundreds of steps: the token loss only says
    'wrong token', never 'closer', so the decoder got no gradient towards extracting a place from the visual tokens
    it already attends to. These regressions give that gradient: the coordinate a box position is about to emit,
    the centres of a relation's two objects, and the count."""

    def __init__(self, hidden: int, head_dim: int):
        super().__init__()
        self.coordinate = nn.Linear(hidden, 1)
        self.centres = nn.Linear(hidden, 4)
        self.count = nn.Linear(hidden, 1)
        # one hop earlier (see DecoderTrainer.value_geometry_terms): the box of the object that layer-1 heads 0-1 read,
        # and the centre of the object each role head (2, 3) reads, from those heads' outputs alone
        self.target_box = nn.Linear(2 * head_dim, 4)
        self.role_centre = nn.Linear(head_dim, 2)
        # the last layer's coordinate heads: the value and Fourier code of the coordinate each head copies, from
        # that head's output alone (one read-out shared by the four heads)
        self.coordinate_code = nn.Linear(head_dim, 1 + 2 * len(FOURIER_FREQUENCIES))


class DecoderTrainer:
    def __init__(self, model, tok, scenes, features: torch.Tensor, desc_labels: np.ndarray, attrs: Attributes,
                 coord_ids: torch.Tensor, args):
        self.model, self.tok, self.scenes, self.features = model, tok, scenes, features
        self.desc_labels, self.attrs, self.coord_ids, self.args = desc_labels, attrs, coord_ids, args
        cfg = model.cfg
        self.obj_masks = [object_masks(s, cfg.grid, cfg.patch_size) for s in scenes]
        self.anchors = [[object_anchor(o, cfg.grid, cfg.patch_size) for o in s.objects] for s in scenes]
        self.desc_words = torch.tensor([[tok.ids[w] for w in d.split()] if d != "background" else [0, 0]
                                        for d in attrs.descs])
        self.attribute_words = set(attrs.colours) | set(attrs.shapes) | set(attrs.sizes)
        if cfg.geometry_tokens:
            # the projector's box reading is frozen like the rest of the tower: a copy of the tower's stage-1 box
            # head, or the GeometryHead fitted on the cached features just before (geometry_stage.py)
            if cfg.geometry_head == "linear-absolute":
                model.projector.box.load_state_dict(model.box_head.state_dict())
            model.projector.box.requires_grad_(False)
        self.params = ([p for p in model.projector.parameters() if p.requires_grad]
                       + list(model.embed_tokens.parameters()) + list(model.layers.parameters())
                       + list(model.norm.parameters()) + list(model.lm_head.parameters())
                       + (list(model.coordinate_readout.parameters()) if cfg.coordinate_tokens else []))
        self.opt = torch.optim.AdamW(self.params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
        self.facts = AnswerFacts(cfg.hidden_size, cfg.head_dim)
        # its own optimiser, so checkpoints from before the read-outs existed still resume
        self.facts_opt = torch.optim.AdamW(self.facts.parameters(), lr=args.lr, weight_decay=0.0)
        self.coord_value = torch.full((cfg.vocab_size,), -1.0)
        self.coord_value[coord_ids] = torch.arange(len(coord_ids), dtype=torch.float32) / (len(coord_ids) - 1)
        self.step = 0
        self.rng = np.random.default_rng(args.seed + 1)

    def lr_at(self, step: int) -> float:
        # the extra steps continue on a longer cosine (train_tiny.py --extra-steps), as a run resumed with more --steps
        total = self.args.steps if step < self.args.steps else self.args.steps + self.args.extra_steps
        return warmup_cosine(step, total, self.args.lr, max_warmup=100)

    def draw_rows(self) -> tuple[str, int, int, bool]:
        """(kind, visual tokens per row, rows, compact positions) of the next step."""
        a, n_grid = self.args, self.features.shape[1]
        u = self.rng.random()
        if u < a.object_share:
            kind, n_keep, compact = "object", a.object_keep, bool(self.rng.random() < a.compact_prob)
        elif u < a.object_share + a.subset_share:
            kind = "subset"
            n_keep = int(self.rng.integers(int(a.min_keep * n_grid), n_grid))
            compact = bool(self.rng.random() < a.compact_prob)
        else:
            kind, n_keep, compact = "full", n_grid, False
        rows = int(np.clip(round(a.token_budget / (n_keep + TEXT_TOKENS_PER_ROW)), 2, a.max_rows))
        return kind, n_keep, rows, compact

    def object_keep(self, i: int, n_keep: int) -> np.ndarray:
        on_object = np.flatnonzero(self.desc_labels[i] != self.attrs.background)
        if len(on_object) > n_keep:
            on_object = self.rng.choice(on_object, n_keep, replace=False)
        rest = np.setdiff1d(np.arange(self.desc_labels.shape[1]), on_object)
        fill = self.rng.choice(rest, n_keep - len(on_object), replace=False)
        return np.sort(np.concatenate([on_object, fill]))

    def losses(self, idx: list[int], kind: str, n_keep: int, compact: bool) -> dict:
        m, cfg = self.model, self.model.cfg
        n_grid = self.features.shape[1]
        keep = np.stack([self.object_keep(i, n_keep) for i in idx]) if kind == "object" else None
        b = make_batch(self.scenes, idx, None, self.tok, n_grid, n_keep, compact, self.rng, keep=keep)
        visual = m.projector(self.features[idx].float())
        visual = torch.gather(visual, 1, b.keep[..., None].expand(-1, -1, visual.shape[-1]))
        x = torch.cat([m.embed_tokens(b.prefix_ids), visual, m.embed_tokens(b.text_ids)], dim=1)
        h0, probs = m.run_layers(x, b.position_ids, b.bias, 0, 1, keep_probs=True)
        last = cfg.num_layers - 1
        h_last_in, middle_probs = m.run_layers(h0, b.position_ids, b.bias, 1, last, keep_probs=True)
        h, last_probs = m.run_layers(h_last_in, b.position_ids, b.bias, last, cfg.num_layers, keep_probs=True)
        probs = probs + middle_probs + last_probs
        layer1_values = m.layers[1].v_proj(m.layers[1].input_norm(h0))
        last_values = m.layers[last].v_proj(m.layers[last].input_norm(h_last_in))
        out = {"lm": lm_loss(m.logits(h), b.targets, self.coord_ids)}
        final = m.norm(h)
        kept = b.keep.numpy()
        n_prefix = b.prefix_ids.shape[1]
        target_masks, role_masks, count_rows, fact_terms = [], [], [], []
        for r, i in enumerate(idx):
            sc, per_q = self.scenes[i], {}
            for first_answer, end, j in b.segments[r]:
                q = sc.questions[j]
                targets = q.sample.get("meta", {}).get("targets")
                mask = relevant_patch_mask(sc, q.question, self.attrs.vocab_sets, self.obj_masks[i], targets)
                per_q[j] = None if mask is None else mask[kept[r]]
                positions = list(range(first_answer, end))
                if q.category == "relation" and targets is not None and len(targets) == 2:
                    centres = torch.tensor([v / cfg.image_size for t in targets
                                            for v in self.centre(sc.objects[t].box_px)])
                    pred = self.facts.centres(final[r, first_answer]).sigmoid()
                    fact_terms.append((pred - centres).abs().mean())
                    for head, t in zip(ROLE_HEADS, targets):
                        role = self.obj_masks[i][t][kept[r]]
                        if role.any():
                            role_masks.append((r, positions, head, role))
                elif q.category == "count" and targets is not None:
                    pred = self.facts.count(final[r, first_answer]).sigmoid()[0]
                    fact_terms.append((pred - len(targets) / 8.0).abs())
                    centres = np.array(sorted(self.anchors[i][t] for t in targets), dtype=np.int64)
                    at = np.searchsorted(kept[r], centres)
                    present = (at < len(kept[r])) & (kept[r][np.minimum(at, len(kept[r]) - 1)] == centres)
                    count_rows.append((r, positions, at[present].tolist()))
            target_masks.append(per_q)
        coord_target = self.coord_value[b.targets.clamp(min=0)].masked_fill(b.targets < 0, -1.0)
        at_coord = coord_target >= 0
        if at_coord.any():
            pred = self.facts.coordinate(final[at_coord]).sigmoid()[:, 0]
            fact_terms.append((pred - coord_target[at_coord]).abs().mean())
        out["answer_facts"] = torch.stack(fact_terms).mean() if fact_terms else final.sum() * 0
        # layer 1: layer 0 is where the answer position first gathers the question's words, so only from layer 1 on
        # can its query say which object to look at
        answer_rows = [(r, p) for r in range(len(idx)) for first_answer, end, _ in b.segments[r]
                       for p in range(first_answer, end)]
        layer1 = AttentionRows(probs[1], answer_rows)
        out["value_geometry"] = self.value_geometry_terms(idx, b, layer1, layer1_values)
        out["answer_attention"] = answer_attention_loss(layer1, b, target_masks, n_prefix)
        out["role_attention"] = role_attention_loss(layer1, role_masks, n_prefix)
        out["count_attention"] = count_attention_loss(layer1, count_rows, n_prefix, COUNT_HEAD)
        word_masks, gather = self.word_masks(idx, b, kept)
        layer0 = AttentionRows(probs[0], answer_rows + [(r, p) for r, p, _ in word_masks])
        out["word_grounding"] = word_grounding_loss(layer0, b, word_masks, n_prefix)
        out["question_gather"] = question_gather_loss(layer0, gather)
        coordinate_rows = self.coordinate_rows(idx, b, target_masks, coord_target)
        last_rows = AttentionRows(probs[last], [(r, p) for r, positions, _, _ in coordinate_rows for p in positions])
        out["coordinate_attention"], out["coordinate_code"] = self.coordinate_terms(
            coordinate_rows, last_rows, last_values, n_prefix)
        labels_kept = torch.gather(torch.from_numpy(self.desc_labels[idx]), 1, b.keep)
        out["visual_lens"] = visual_lens_loss(m.logits(visual), labels_kept, self.desc_words, self.attrs.background)
        return out

    def value_geometry_terms(self, idx: list[int], b, layer1: AttentionRows, values: torch.Tensor) -> torch.Tensor:
        """L1 of where-read-outs from layer-1 head outputs at the answer positions: heads 0-1 (bootstrapped onto the
        question's target) -> that object's box, for every one-object question; role heads 2-3 -> the centre of
        the relation's first and second object. Why: with geometry in the visual tokens, the heads attended to
        the right patches (67% of their mass) but their value projections dropped the geometry (a probe of heads
        0-1's output read box coordinates no better than the prior), because the answer loss reaches them only
        through two more layers; this gives the value projections a gradient one hop away."""
        hd, size = self.model.cfg.head_dim, self.model.cfg.image_size
        preds, targets = [], []
        for r, i in enumerate(idx):
            sc = self.scenes[i]
            for first_answer, end, j in b.segments[r]:
                objects = sc.questions[j].sample.get("meta", {}).get("targets")
                # by target count, not category: a two-object count question also gets the role-head term (as the
                # committed model was trained; its role heads are only attention-supervised on relations)
                if not objects or len(objects) > 2:
                    continue
                att = layer1.get(r, range(first_answer, end))
                if len(objects) == 1:
                    read = torch.cat([att[:, 0] @ values[r, :, :hd], att[:, 1] @ values[r, :, hd:2 * hd]], dim=-1)
                    preds.append(self.facts.target_box(read).sigmoid())
                    box = torch.tensor(sc.objects[objects[0]].box_px, dtype=torch.float32) / size
                    targets.append(box.expand(len(read), 4))
                else:
                    for head, t in zip(ROLE_HEADS, objects):
                        read = att[:, head] @ values[r, :, head * hd:(head + 1) * hd]
                        preds.append(self.facts.role_centre(read).sigmoid())
                        centre = torch.tensor(self.centre(sc.objects[t].box_px), dtype=torch.float32) / size
                        targets.append(centre.expand(len(read), 2))
        if not preds:
            return values.sum() * 0
        return torch.cat([(p - t).abs().mean(-1) for p, t in zip(preds, targets)]).mean()

    def coordinate_rows(self, idx: list[int], b, target_masks, coord_target: torch.Tensor):
        """(row, the four positions that emit x1 y1 x2 y2, their target values in 0-1, the target object's mask over
        the kept visual tokens) for every box question in the batch whose target is still visible."""
        out = []
        for r, i in enumerate(idx):
            for first_answer, end, j in b.segments[r]:
                if self.scenes[i].questions[j].metric != "grounding-iou":
                    continue
                mask = target_masks[r].get(j)
                positions = [p for p in range(first_answer, end) if coord_target[r, p] >= 0][:4]
                if mask is None or not mask.any() or len(positions) < 4:
                    continue
                out.append((r, positions, coord_target[r, positions], mask))
        return out

    def coordinate_terms(self, rows, attention: AttentionRows, values: torch.Tensor, n_prefix: int):
        """Box answers through a copy, not a computation. After 1,500 steps the model's layer-1 heads read a right
        box for 86% of validation targets, yet only 48% came out of the coordinate tokens (median error 0.015 of
        the image against 0.003 read): every coordinate position gets all four coordinates of the object at once,
        and the last layers must pick one and rebuild its Fourier code. Here the last layer's head c attends to the
        target object only where coordinate c is emitted (and to the first token, a no-op, at the other three), and
        its output alone must hold that coordinate and its Fourier code, which the LM head's coordinate read-out
        maps to the coordinate tokens linearly: the selection is done by attention instead of by the MLPs. Trained
        from scratch with these terms, 83.8% come out of the same probe (median error 0.007), test boxes 81.7%
        (MODEL_CARD.md). Returns (attention loss, code loss)."""
        if not rows:
            return attention.zero, values.sum() * 0
        hd = self.model.cfg.head_dim
        attention_terms, code_terms = [], []
        for r, positions, target, mask in rows:
            att = attention.get(r, positions)  # [4 positions, heads, L]
            on_target = torch.from_numpy(mask)
            for c, head in enumerate(COORDINATE_HEADS):
                visual = att[c, head, n_prefix:n_prefix + len(mask)]
                attention_terms.append(-(visual[on_target].sum() + 1e-6).log())
                others = [k for k in range(4) if k != c]
                attention_terms.append(-(att[others, head, 0] + 1e-6).log().mean())
                read = att[c, head] @ values[r, :, head * hd:(head + 1) * hd]
                predicted = self.facts.coordinate_code(read)
                wanted = torch.cat([target[c:c + 1], fourier_code(target[c])])
                code_terms.append((predicted - wanted).abs().mean())
        return torch.stack(attention_terms).mean(), torch.stack(code_terms).mean()

    @staticmethod
    def centre(box_px) -> tuple[float, float]:
        return (box_px[0] + box_px[2]) / 2, (box_px[1] + box_px[3]) / 2

    def word_masks(self, idx: list[int], b, kept: np.ndarray):
        """(row, sequence position, kept-token mask) for every colour/shape word of every question in the batch,
        and (row, answer positions, attribute-word positions) per question."""
        vocab = self.tok.vocab
        colours, shapes = self.attrs.vocab_sets["colour"], self.attrs.vocab_sets["shape"]
        out, gather = [], []
        for r, i in enumerate(idx):
            sc = self.scenes[i]
            for first_answer, end, j in b.segments[r]:
                q_ids = encode_segment(self.tok, sc.questions[j].question, "")[0]
                start = first_answer - len(q_ids) + 1
                attr_pos = [start + k for k, t in enumerate(q_ids)
                            if singular(vocab[t]) in self.attribute_words or vocab[t] in self.attribute_words]
                if attr_pos:
                    gather.append((r, list(range(first_answer, end)), attr_pos))
                for k, t in enumerate(q_ids):
                    word = vocab[t]
                    if word in colours:
                        hit = [o.colour == word for o in sc.objects]
                    elif singular(word) in shapes or word in shapes:
                        hit = [o.shape in (word, singular(word)) for o in sc.objects]
                    else:
                        continue
                    picked = [mk for mk, h in zip(self.obj_masks[i], hit) if h]
                    if picked:
                        mask = np.any(picked, axis=0)[kept[r]]
                        if mask.any():
                            out.append((r, start + k, mask))
        return out, gather

    def train_step(self) -> dict:
        self.model.train()
        kind, n_keep, rows, compact = self.draw_rows()
        idx = sorted(self.rng.choice(len(self.scenes), rows, replace=False).tolist())
        for opt in (self.opt, self.facts_opt):
            for group in opt.param_groups:
                group["lr"] = self.lr_at(self.step)
        parts = self.losses(idx, kind, n_keep, compact)
        weights = dict(DECODER_LOSS_WEIGHTS)
        if self.step < self.args.facts_from:
            weights["answer_facts"] = 0.0
        total = sum(weights[k] * v for k, v in parts.items())
        self.opt.zero_grad(set_to_none=True)
        self.facts_opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.facts_opt.step()
        self.step += 1
        return {k: float(v) for k, v in parts.items()}

    def state(self) -> dict:
        return {"opt": self.opt.state_dict(), "step": self.step, "rng": self.rng.bit_generator.state,
                "facts": self.facts.state_dict(), "facts_opt": self.facts_opt.state_dict()}

    def load_state(self, st: dict) -> None:
        self.opt.load_state_dict(st["opt"])
        if "facts" in st:
            # checkpoints from before a read-out existed resume with it fresh (and the read-outs' optimiser reset)
            missing, _ = self.facts.load_state_dict(st["facts"], strict=False)
            if not missing:
                self.facts_opt.load_state_dict(st["facts_opt"])
        self.step = st["step"]
        self.rng.bit_generator.state = st["rng"]
