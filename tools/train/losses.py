"""Vision-side objectives that make the tower's signals behave like a CLIP tower's (see MODEL_CARD.md).

- patch alignment: each patch's CLIP-space embedding classifies which object description (or "background") it
  lies in, against text-encoder embeddings of all descriptions (CLIP relevance of patches to object words);
- question relevance: the question's text embedding, as a softmax over the image's patches, puts its mass on the
  patches of the objects the question names (what GridPrune / CDPruner read);
- presence: the CLS embedding, sigmoid-scored against every description, tells which objects are in the scene
  (a SigLIP-style image-text objective; forces CLS to gather object evidence);
- CLS attention mass: a light term pulling the last block's CLS attention onto object patches.
"""
import numpy as np
import torch
import torch.nn.functional as F

from data import Scene
from tokenizer import split_words


def singular(word: str) -> str:
    for suffix in ("es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def relevant_patch_mask(scene: Scene, question: str, vocab: dict[str, set[str]], obj_masks: list[np.ndarray],
                        targets: list[int] | None = None) -> np.ndarray | None:
    """Patches of the objects a question is about: the generator's `meta.targets` when given, else the objects its
    colour, shape and size words select; None when it is about nothing present (e.g. a 'no' existence question)."""
    if targets is not None:
        picked = [obj_masks[t] for t in targets if 0 <= t < len(obj_masks)]
        mask = np.any(picked, axis=0) if picked else None
        return mask if mask is not None and mask.any() else None
    words = set(split_words(question))
    words |= {singular(w) for w in words}
    named = {kind: words & vocab[kind] for kind in ("colour", "shape", "size")}
    if not named["colour"] and not named["shape"]:
        return None
    mask = None
    for o, obj_mask in zip(scene.objects, obj_masks):
        attrs = {"colour": o.colour, "shape": o.shape, "size": o.size}
        if all(not named[k] or attrs[k] in named[k] for k in attrs):
            mask = obj_mask.copy() if mask is None else mask | obj_mask
    return mask if mask is not None and mask.any() else None


def object_masks(scene: Scene, grid: int, patch: int) -> list[np.ndarray]:
    centres = np.arange(grid) * patch + patch / 2.0
    cx, cy = np.meshgrid(centres, centres)
    out = []
    for o in scene.objects:
        x1, y1, x2, y2 = o.box_px
        out.append(((cx >= x1) & (cx <= x2) & (cy >= y1) & (cy <= y2)).reshape(-1))
    return out


def patch_alignment_loss(clip_patch, desc_emb, labels, scale, background: int, background_weight: float = 0.3):
    logits = scale * F.normalize(clip_patch, dim=-1) @ F.normalize(desc_emb, dim=-1).T
    weights = torch.ones(desc_emb.shape[0])
    weights[background] = background_weight
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), weight=weights)


def presence_loss(clip_cls, desc_emb, present, scale, bias):
    logits = scale * F.normalize(clip_cls, dim=-1) @ F.normalize(desc_emb, dim=-1).T + bias
    return F.binary_cross_entropy_with_logits(logits, present)


def question_relevance_loss(clip_patch_rows, q_emb, masks, scale):
    """clip_patch_rows [Q,N,Dc] (the image of each question), q_emb [Q,Dc], masks bool [Q,N]."""
    logits = scale * torch.einsum("qnd,qd->qn", F.normalize(clip_patch_rows, dim=-1), F.normalize(q_emb, dim=-1))
    logp = logits.log_softmax(-1)
    return -(logp.masked_fill(~masks, -1e9).logsumexp(-1)).mean()


def cls_attention_loss(cls_att, object_mask):
    mass = (cls_att * object_mask).sum(-1)
    has = object_mask.any(-1)
    return -(mass[has] + 1e-6).log().mean() if has.any() else cls_att.sum() * 0


def lm_loss(logits, targets, coord_ids: torch.Tensor, sigma_steps: float = 2.0):
    """Next-token cross-entropy; box-coordinate targets get a Gaussian soft target over the neighbouring
    coordinate tokens, so near misses cost less than far ones (the tokens are otherwise unordered classes)."""
    logits = logits.reshape(-1, logits.shape[-1])
    targets = targets.reshape(-1)
    valid = targets != -100
    logits, targets = logits[valid], targets[valid]
    logp = logits.log_softmax(-1)
    lookup = torch.full((logits.shape[-1],), -1, dtype=torch.long)
    lookup[coord_ids] = torch.arange(len(coord_ids))
    rank = lookup[targets]
    is_coord = rank >= 0
    loss = -logp.gather(1, targets[:, None])[:, 0]
    if is_coord.any():
        steps = torch.arange(len(coord_ids), dtype=torch.float32)
        soft = (-(steps[None] - rank[is_coord, None].float()) ** 2 / (2 * sigma_steps ** 2)).softmax(-1)
        loss[is_coord] = -(soft * logp[is_coord][:, coord_ids]).sum(-1)
    return loss.mean()


def patch_box_loss(box_pred, box_target, on_object):
    """L1 between each object patch's predicted box (sigmoid, 0-1) and its object's box."""
    if not on_object.any():
        return box_pred.sum() * 0
    return (box_pred.sigmoid()[on_object] - box_target[on_object]).abs().mean()


class AttentionRows:
    """The attention rows [H, L] of the query positions the attention losses read, gathered from one layer's
    probabilities [B,H,L,L] in a single indexing op. Why: slicing the probabilities per question made autograd build
    a full-size zero gradient for every slice (tens per step, 66 MB each for full rows), and backward took ~7x the
    forward pass."""

    def __init__(self, probs: torch.Tensor, wanted):
        pairs = sorted(set(wanted))
        self.index = {pair: i for i, pair in enumerate(pairs)}
        self.rows = probs[torch.tensor([r for r, _ in pairs], dtype=torch.long),
                          :, torch.tensor([p for _, p in pairs], dtype=torch.long)] if pairs else probs[:0, :, 0]
        self.zero = probs.sum() * 0

    def get(self, r: int, positions) -> torch.Tensor:
        """[P, H, L] for row r's query positions (each must have been wanted)."""
        return self.rows[torch.tensor([self.index[(r, p)] for p in positions], dtype=torch.long)]


def answer_attention_loss(rows: AttentionRows, batch, target_masks, n_prefix: int, heads: int = 2):
    """Bootstraps reading the image: for the positions that produce an answer, the first `heads` heads of the given
    layer should put their visual attention on the patches of the objects the question is about
    (target_masks[r][j]: bool over the kept visual tokens of row r for its question j, or None)."""
    terms = []
    n_keep = batch.keep.shape[1]
    for r, spans in enumerate(batch.segments):
        for start, end, j in spans:
            mask = target_masks[r].get(j)
            if mask is None or not mask.any():
                continue
            att = rows.get(r, range(start, end))[:, :heads, n_prefix:n_prefix + n_keep].mean(1)
            terms.append(-(att[:, torch.from_numpy(mask)].sum(-1) + 1e-6).log().mean())
    return torch.stack(terms).mean() if terms else rows.zero


def word_grounding_loss(rows: AttentionRows, batch, word_masks, n_prefix: int, heads: int = 2):
    """Gives the decoder its first hop for free: at layer 0 the position of a colour or shape word of the question
    (whose query is that word's own embedding) should put its visual attention, in `heads` heads, on the patches
    of the scene's objects with that attribute (word_masks: (row, position, bool mask over kept visual tokens))."""
    n_keep = batch.keep.shape[1]
    terms = []
    for r, pos, mask in word_masks:
        att = rows.get(r, [pos])[0, :heads, n_prefix:n_prefix + n_keep].mean(0)
        terms.append(-(att[torch.from_numpy(mask)].sum() + 1e-6).log())
    return torch.stack(terms).mean() if terms else rows.zero


def question_gather_loss(rows: AttentionRows, word_positions, heads: tuple[int, int] = (2, 3)):
    """The other hop: at layer 0 the answer-producing positions should gather, in two heads, the question's colour,
    shape and size words (word_positions: (row, answer positions, word positions)); layer 1 then has a query that
    knows which object to look up."""
    terms = []
    for r, answer_pos, words in word_positions:
        att = rows.get(r, answer_pos)[:, heads[0]:heads[1] + 1][:, :, words].sum(-1).mean(1)
        terms.append(-(att + 1e-6).log().mean())
    return torch.stack(terms).mean() if terms else rows.zero


def visual_lens_loss(lens_logits, labels_kept, desc_words, background: int):
    """Read through the LM head (final norm + lm_head), an object patch's visual token should already name its
    object's colour and shape words, so the decoder only has to route it to the answer (a 'logit lens' target).
    lens_logits [B,N,V]; labels_kept [B,N] description index per kept token; desc_words [C,2] word ids."""
    on_object = labels_kept != background
    if not on_object.any():
        return lens_logits.sum() * 0
    logp = lens_logits[on_object].log_softmax(-1)
    words = desc_words[labels_kept[on_object]]
    return -(logp.gather(1, words).mean(-1)).mean()


def role_attention_loss(rows: AttentionRows, role_masks, n_prefix: int):
    """Relation questions name two objects whose places must be compared, and an average over both (what
    answer_attention_loss asks of heads 0-1) loses which is which: one head each should look at the first and at the
    second object. role_masks: (row, answer positions, head, bool mask over kept visual tokens)."""
    terms = []
    for r, positions, head, mask in role_masks:
        n_keep = mask.shape[0]
        att = rows.get(r, positions)[:, head, n_prefix:n_prefix + n_keep]
        terms.append(-(att[:, torch.from_numpy(mask)].sum(-1) + 1e-6).log().mean())
    return torch.stack(terms).mean() if terms else rows.zero


def count_attention_loss(rows: AttentionRows, count_rows, n_prefix: int, head: int):
    """A counting circuit a small decoder finds slowly on its own: at the answer positions of a count question, one
    head spreads its attention evenly over the BOS token and the centre patch of each counted object, so the head
    reads k/(k+1) of an 'object centre' direction (the tower marks centre patches), which grows with the count k.
    count_rows: (row, answer positions, kept-token indices of the counted objects' centre patches)."""
    terms = []
    for r, positions, anchors in count_rows:
        keys = torch.tensor([0] + [n_prefix + a for a in anchors])
        logp = (rows.get(r, positions)[:, head] + 1e-6).log()
        terms.append(-logp[:, keys].mean(-1).mean())
    return torch.stack(terms).mean() if terms else rows.zero
