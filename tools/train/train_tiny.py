"""Train the embedded tiny VLM on the synthetic benchmark and export it into the prunebench ONNX layout.

Run by Debian's /usr/bin/python3 (python3-torch, python3-onnx). Deterministic given --seed and the data.
  /usr/bin/python3 tools/train/train_tiny.py --train DIR --val DIR --test DIR --out models/tiny-synth
  /usr/bin/python3 tools/train/train_tiny.py --smoke --train DIR --out /tmp/smoke   (a few steps, for CI)
"""
import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "modelkit")]

import numpy as np  # noqa: E402
import torch  # noqa: E402

from batches import encode_segment, make_batch, patch_labels  # noqa: E402
from data import load_images, read_benchmark, vocabulary_words  # noqa: E402
from evaluate import evaluate, normalise_pixels  # noqa: E402
from export_layout import export_model  # noqa: E402
from losses import (answer_attention_loss, cls_attention_loss, lm_loss, patch_box_loss, singular,
                    question_gather_loss, visual_lens_loss, word_grounding_loss, object_masks, patch_alignment_loss, presence_loss,  # noqa: E402
                    question_relevance_loss, relevant_patch_mask)
from tiny_vlm import TinyVlm, TinyVlmConfig  # noqa: E402
from tokenizer import COORD_STEP, WordTokenizer, build_vocab  # noqa: E402

LOSS_WEIGHTS = {"lm": 1.0, "patch": 0.5, "presence": 0.3, "relevance": 0.3, "cls_attention": 0.1, "box": 2.0,
                "answer_attention": 0.5, "word_grounding": 0.5, "question_gather": 0.5,
                "visual_lens": 0.5}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", required=True, nargs="+", help="benchmark folder(s) of the train split")
    ap.add_argument("--val", help="benchmark folder of the validation split (periodic eval)")
    ap.add_argument("--test", help="benchmark folder of the test split (final eval for the model card)")
    ap.add_argument("--out", required=True, help="model folder to export into")
    ap.add_argument("--name", default="tiny-synth")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="1 beats 2 when the 2 cores are shared (BLAS threads spin)")
    ap.add_argument("--drop-prob", type=float, default=0.5, help="share of batches with random visual-token drop")
    ap.add_argument("--min-keep", type=float, default=0.2, help="smallest kept share of visual tokens when dropping")
    ap.add_argument("--compact-prob", type=float, default=0.25, help="share of dropped batches with compact positions")
    ap.add_argument("--object-phase", type=float, default=0.35,
                    help="share of steps (at the start) that see only object patches plus random fill")
    ap.add_argument("--object-keep", type=int, default=128, help="visual tokens per row in the object phase")
    ap.add_argument("--checkpoint", help="checkpoint file (saved every --ckpt-every steps, resumed if present)")
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--eval-questions", type=int, default=150)
    ap.add_argument("--test-questions", type=int, default=600)
    ap.add_argument("--report", help="JSON file for the training report (default: <out>/train_report.json)")
    ap.add_argument("--smoke", action="store_true", help="a few steps on a handful of scenes, tiny eval")
    ap.add_argument("--parity", help="also write torch reference outputs for tools/modelkit/check_parity.mjs")
    return ap.parse_args(argv)


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


class Trainer:
    def __init__(self, args, scenes, images, tok, cfg):
        self.args, self.scenes, self.images, self.tok, self.cfg = args, scenes, images, tok, cfg
        colours = sorted({o.colour for s in scenes for o in s.objects})
        shapes = sorted({o.shape for s in scenes for o in s.objects})
        self.vocab_sets = {"colour": set(colours), "shape": set(shapes),
                           "size": {o.size for s in scenes for o in s.objects if o.size}}
        self.descs = [f"{c} {s}" for c in colours for s in shapes] + ["background"]
        self.desc_index = {d: i for i, d in enumerate(self.descs)}
        self.desc_words = torch.tensor([[tok.ids[w] for w in d.split()] if d != "background" else [0, 0]
                                        for d in self.descs])
        self.attribute_words = set(colours) | set(shapes) | {o.size for s in scenes for o in s.objects if o.size}
        self.background = len(self.descs) - 1
        desc_ids = [tok.encode(d) for d in self.descs]
        width = max(len(d) for d in desc_ids)
        self.desc_ids = torch.tensor([d + [0] * (width - len(d)) for d in desc_ids])
        self.desc_len = torch.tensor([len(d) for d in desc_ids])
        g, p = cfg.grid, cfg.patch_size
        per_scene = [patch_labels(s, g, p, self.desc_index, self.background, cfg.image_size) for s in scenes]
        self.labels = np.stack([lab for lab, _ in per_scene])
        self.boxes = np.stack([box for _, box in per_scene])
        self.obj_masks = [object_masks(s, g, p) for s in scenes]
        self.coord_ids = torch.tensor([tok.ids[f"##{v}"] for v in range(0, 1001, COORD_STEP)])
        self.model = TinyVlm(cfg)
        self.presence_bias = torch.nn.Parameter(torch.tensor(-4.0))
        params = list(self.model.parameters()) + [self.presence_bias]
        self.opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
        self.step = 0
        self.rng = np.random.default_rng(args.seed)

    def lr_at(self, step: int) -> float:
        warm = max(1, min(100, self.args.steps // 10))
        if step < warm:
            return self.args.lr * (step + 1) / warm
        t = (step - warm) / max(1, self.args.steps - warm)
        return self.args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    def losses(self, idx: list[int]) -> dict:
        m, cfg, a = self.model, self.cfg, self.args
        n_grid = cfg.grid * cfg.grid
        n_keep, compact, keep = n_grid, False, None
        if self.step < a.object_phase * a.steps:
            # curriculum: short sequences of the objects' patches plus random others, so the decoder learns to read
            # the image quickly (a full 576-token start stayed at answer priors for hundreds of steps)
            n_keep = a.object_keep
            keep = np.stack([self.object_keep(i, n_keep) for i in idx])
            compact = bool(self.rng.random() < a.compact_prob)
        elif self.rng.random() < a.drop_prob:
            n_keep = int(self.rng.integers(int(a.min_keep * n_grid), n_grid))
            compact = bool(self.rng.random() < a.compact_prob)
        b = make_batch(self.scenes, idx, self.images, self.tok, n_grid, n_keep, compact, self.rng, keep=keep)
        pf, cls_att, clip_patch, clip_cls = m.vision(normalise_pixels(b.pixels))
        visual = m.projector(pf)
        visual = torch.gather(visual, 1, b.keep[..., None].expand(-1, -1, visual.shape[-1]))
        x = torch.cat([m.embed_tokens(b.prefix_ids), visual, m.embed_tokens(b.text_ids)], dim=1)
        h, probs = m.run_layers(x, b.position_ids, b.bias, 0, cfg.num_layers, keep_probs=True)
        logits = m.logits(h)
        out = {"lm": lm_loss(logits, b.targets, self.coord_ids)}
        scale = m.logit_scale.exp().clamp(max=100)
        desc_emb = m.text(self.desc_ids, self.desc_len)
        labels = torch.from_numpy(self.labels[idx])
        out["patch"] = patch_alignment_loss(clip_patch, desc_emb, labels, scale, self.background)
        present = torch.zeros(len(idx), len(self.descs) - 1)
        for r, i in enumerate(idx):
            for o in self.scenes[i].objects:
                present[r, self.desc_index[o.description]] = 1.0
        out["presence"] = presence_loss(clip_cls, desc_emb[:-1], present, scale, self.presence_bias)
        out["cls_attention"] = cls_attention_loss(cls_att, labels != self.background)
        out["box"] = patch_box_loss(m.box_head(pf), torch.from_numpy(self.boxes[idx]), labels != self.background)
        keep = b.keep.numpy()
        target_masks = []
        for r, i in enumerate(idx):
            sc, per_q = self.scenes[i], {}
            for r_seg in b.segments[r]:
                q = sc.questions[r_seg[2]]
                mask = relevant_patch_mask(sc, q.question, self.vocab_sets, self.obj_masks[i],
                                           q.sample.get("meta", {}).get("targets"))
                per_q[r_seg[2]] = None if mask is None else mask[keep[r]]
            target_masks.append(per_q)
        # layer 1: layer 0 is where the answer position first gathers the question's words, so only from layer 1 on
        # can its query say which object to look at
        out["answer_attention"] = answer_attention_loss(probs[1], b, target_masks, b.prefix_ids.shape[1])
        word_masks, gather = self.word_masks(idx, b, keep)
        out["word_grounding"] = word_grounding_loss(probs[0], b, word_masks, b.prefix_ids.shape[1])
        labels_kept = torch.gather(torch.from_numpy(self.labels[idx]), 1, b.keep)
        out["visual_lens"] = visual_lens_loss(m.logits(visual), labels_kept, self.desc_words, self.background)
        out["question_gather"] = question_gather_loss(probs[0], gather)
        rows, q_ids, masks = [], [], []
        for r, i in enumerate(idx):
            sc = self.scenes[i]
            for q in sc.questions:
                mask = relevant_patch_mask(sc, q.question, self.vocab_sets, self.obj_masks[i],
                                           q.sample.get("meta", {}).get("targets"))
                if mask is not None:
                    rows.append(r)
                    q_ids.append(self.tok.encode(q.question)[: cfg.text_max_length])
                    masks.append(mask)
        if rows:
            width = max(len(q) for q in q_ids)
            ids = torch.tensor([q + [0] * (width - len(q)) for q in q_ids])
            q_emb = m.text(ids, torch.tensor([len(q) for q in q_ids]))
            out["relevance"] = question_relevance_loss(clip_patch[rows], q_emb, torch.from_numpy(np.stack(masks)),
                                                       scale)
        return out

    def word_masks(self, idx: list[int], b, keep: np.ndarray):
        """(row, sequence position, kept-token mask) for every colour/shape word of every question in the batch,
        and (row, answer positions, attribute-word positions) per question."""
        out, gather = [], []
        for r, i in enumerate(idx):
            sc = self.scenes[i]
            for first_answer, end, j in b.segments[r]:
                q_ids = encode_segment(self.tok, sc.questions[j].question, "")[0]
                start = first_answer - len(q_ids) + 1
                attr_pos = [start + k for k, t in enumerate(q_ids)
                            if singular(self.tok.vocab[t]) in self.attribute_words or self.tok.vocab[t] in
                            self.attribute_words]
                if attr_pos:
                    gather.append((r, list(range(first_answer, end)), attr_pos))
                for k, t in enumerate(q_ids):
                    word = self.tok.vocab[t]
                    if word in self.vocab_sets["colour"]:
                        hit = [o.colour == word for o in sc.objects]
                    elif singular(word) in self.vocab_sets["shape"] or word in self.vocab_sets["shape"]:
                        hit = [o.shape in (word, singular(word)) for o in sc.objects]
                    else:
                        continue
                    picked = [m for m, h in zip(self.obj_masks[i], hit) if h]
                    if picked:
                        mask = np.any(picked, axis=0)[keep[r]]
                        if mask.any():
                            out.append((r, start + k, mask))
        return out, gather

    def object_keep(self, i: int, n_keep: int) -> np.ndarray:
        on_object = np.flatnonzero(self.labels[i] != self.background)
        if len(on_object) > n_keep:
            on_object = self.rng.choice(on_object, n_keep, replace=False)
        rest = np.setdiff1d(np.arange(self.labels.shape[1]), on_object)
        fill = self.rng.choice(rest, n_keep - len(on_object), replace=False)
        return np.sort(np.concatenate([on_object, fill]))

    def train_step(self) -> dict:
        self.model.train()
        idx = sorted(self.rng.choice(len(self.scenes), self.args.batch, replace=False).tolist())
        for group in self.opt.param_groups:
            group["lr"] = self.lr_at(self.step)
        parts = self.losses(idx)
        total = sum(LOSS_WEIGHTS[k] * v for k, v in parts.items())
        self.opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.step += 1
        return {k: float(v) for k, v in parts.items()}

    def save(self, path: str) -> None:
        tmp = path + ".tmp"
        torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
                    "presence_bias": self.presence_bias.data, "rng": self.rng.bit_generator.state,
                    "torch_rng": torch.get_rng_state()}, tmp)
        os.replace(tmp, path)

    def load(self, path: str) -> None:
        ck = torch.load(path)
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["opt"])
        self.presence_bias.data.copy_(ck["presence_bias"])
        self.step = ck["step"]
        self.rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])


def load_split(folder: str, limit: int | None = None):
    scenes = read_benchmark(folder)[:limit]
    return scenes, load_images(scenes)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.smoke:
        args.steps, args.batch, args.eval_every, args.ckpt_every = 4, 2, 0, 0
        args.eval_questions, args.test_questions = 3, 3
    t0 = time.time()
    train_scenes, train_images = [], []
    for folder in args.train:
        s, im = load_split(folder, 8 if args.smoke else None)
        train_scenes += s
        train_images.append(im)
    train_images = np.concatenate(train_images)
    log(f"train: {len(train_scenes)} scenes, {sum(len(s.questions) for s in train_scenes)} questions "
        f"({time.time() - t0:.0f}s to load)")
    tok = WordTokenizer(build_vocab(vocabulary_words(train_scenes)))
    cfg = TinyVlmConfig(vocab_size=len(tok.vocab))
    trainer = Trainer(args, train_scenes, train_images, tok, cfg)
    log(f"model: {sum(p.numel() for p in trainer.model.parameters())} params, vocab {len(tok.vocab)}")
    if args.checkpoint and os.path.exists(args.checkpoint):
        trainer.load(args.checkpoint)
        log(f"resumed from {args.checkpoint} at step {trainer.step}")
    val = load_split(args.val, 40) if args.val and not args.smoke else None
    t_train = time.time()
    running: dict = {}
    while trainer.step < args.steps:
        t_step = time.time()
        parts = trainer.train_step()
        for k, v in parts.items():
            running[k] = 0.9 * running.get(k, v) + 0.1 * v
        if trainer.step % 20 == 0 or args.smoke:
            log(f"step {trainer.step}/{args.steps} {time.time() - t_step:.2f}s/step lr {trainer.lr_at(trainer.step):.2e} "
                + " ".join(f"{k} {v:.3f}" for k, v in running.items()))
        if args.checkpoint and args.ckpt_every and trainer.step % args.ckpt_every == 0:
            trainer.save(args.checkpoint)
        if val and args.eval_every and trainer.step % args.eval_every == 0:
            res = evaluate(trainer.model, tok, val[0], val[1], ("full",), max_questions=args.eval_questions)
            log("val " + json.dumps({c: round(v[0], 3) for c, v in res["full"].items()}))
    train_seconds = time.time() - t_train
    if args.checkpoint:
        trainer.save(args.checkpoint)
    report = {"steps": trainer.step, "batch": args.batch, "seed": args.seed, "train_scenes": len(train_scenes),
              "train_questions": sum(len(s.questions) for s in train_scenes), "train_seconds": round(train_seconds),
              "params": sum(p.numel() for p in trainer.model.parameters()), "config": cfg.to_dict(),
              "loss_weights": LOSS_WEIGHTS, "final_losses": running, "args": vars(args)}
    if args.test:
        test_scenes, test_images = load_split(args.test, 4 if args.smoke else None)
        t_eval = time.time()
        report["test"] = evaluate(trainer.model, tok, test_scenes, test_images,
                                  ("full", "random", "cls-attention", "clip-relevance"), k=64,
                                  max_questions=args.test_questions)
        report["eval_seconds"] = round(time.time() - t_eval)
        for method, cats in report["test"].items():
            log(f"test {method}: " + json.dumps({c: round(v[0], 3) for c, v in cats.items()}))
    export_model(trainer.model, tok, args.out, args.name, args.parity)
    with open(args.report or os.path.join(args.out, "train_report.json"), "w") as f:
        json.dump(report, f, indent=2)
    log(f"exported {args.out}; total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
