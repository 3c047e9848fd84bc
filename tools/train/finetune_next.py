"""Derive the LLaVA-NeXT-layout variant (models/tiny-synth-next) from a trained tiny-synth checkpoint.

Layout (as apps/worker/src/families/llava-next builds it for a 192-px image with the single pinpoint 384x384):
base view (the image at 192 px, 24x24 tokens), then the image upscaled to 384 px cut into 2x2 crops of 192 px whose
features are stitched into a 48x48 grid, with the learned newline embedding after each of its 48 rows:
576 + 48 * 49 = 2928 visual tokens. The tower and text encoder stay frozen; the projector, the decoder and the
newline embedding are fine-tuned briefly on such sequences, with most high-res tokens randomly dropped (positions
preserved) so that a step stays affordable on CPU.

  /usr/bin/python3 tools/train/finetune_next.py --checkpoint CKPT --tokenizer models/tiny-synth/tokenizer.json \
      --train DIR --test DIR --out models/tiny-synth-next --steps 150
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "modelkit")]

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from batches import make_batch  # noqa: E402
from data import load_images, read_benchmark  # noqa: E402
from evaluate import Decoder, normalise_pixels, score  # noqa: E402
from export_layout import export_model  # noqa: E402
from losses import lm_loss  # noqa: E402
from tiny_vlm import load_checkpoint, round_to_float16_  # noqa: E402
from tokenizer import COORD_STEP, WordTokenizer  # noqa: E402

CROPS = 2  # 2x2 crops of the 2x-upscaled image


def views(images_uint8: np.ndarray) -> torch.Tensor:
    """uint8 [B,H,W,3] -> normalised [B*(1+CROPS^2),3,H,W]: base view then the crops, row-major, per image."""
    out = []
    for img in images_uint8:
        size = img.shape[0]
        big = np.asarray(Image.fromarray(img).resize((size * CROPS, size * CROPS), Image.BICUBIC))
        out.append(img)
        for r in range(CROPS):
            for c in range(CROPS):
                out.append(big[r * size:(r + 1) * size, c * size:(c + 1) * size])
    return normalise_pixels(torch.from_numpy(np.stack(out)))


def next_sequence(visual_views: torch.Tensor, newline: torch.Tensor, grid: int) -> tuple[torch.Tensor, np.ndarray]:
    """visual_views [1+CROPS^2, grid*grid, D] of one image -> ([576 + R*(R+1), D], newline indices)."""
    base, crops = visual_views[0], visual_views[1:]
    rows = CROPS * grid
    hi = crops.reshape(CROPS, CROPS, grid, grid, -1).permute(0, 2, 1, 3, 4).reshape(rows, rows, -1)
    hi = torch.cat([hi, newline.expand(rows, 1, -1)], dim=1).reshape(rows * (rows + 1), -1)
    newline_idx = base.shape[0] + np.arange(rows) * (rows + 1) + rows
    return torch.cat([base, hi]), newline_idx


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--scenes", type=int, default=3000)
    ap.add_argument("--hires-keep", type=float, default=0.25, help="share of high-res tokens kept per step")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--test-questions", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--weights", choices=("float16", "float32"), default="float16",
                    help="storage of the exported graphs' weights (as train_tiny.py)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    tok = WordTokenizer.load(args.tokenizer)
    model = load_checkpoint(args.checkpoint)
    cfg = model.cfg
    if cfg.patch_positions:
        # the crops' patches carry where they lie in the image and their view's scale (TinyVlm.encode_image), so
        # the frozen geometry head gives every token its object's box in image coordinates, as the base view's do;
        # crop-relative geometry had left the derived model at 0% boxes
        cfg.view_layout = "next-2x2"
    newline = torch.nn.Parameter(torch.zeros(cfg.hidden_size))
    frozen = list(model.vision.parameters()) + list(model.text.parameters()) + list(model.box_head.parameters())
    if cfg.geometry_tokens:
        # the projector's copy of the tower's box head stays the tower's (decoder_stage.py)
        frozen += list(model.projector.box.parameters())
    for p in frozen:
        p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad] + [newline]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    scenes = read_benchmark(args.train)[: args.scenes]
    images = load_images(scenes)
    coord_ids = torch.tensor([tok.ids[f"##{v}"] for v in range(0, 1001, COORD_STEP)])
    n_views, grid = 1 + CROPS * CROPS, cfg.grid
    t0 = time.time()
    for step in range(args.steps):
        model.train()
        idx = sorted(rng.choice(len(scenes), args.batch, replace=False).tolist())
        with torch.no_grad():
            pf = model.encode_image(views(images[idx]))[0]
        visual = model.projector(pf).reshape(len(idx), n_views, grid * grid, -1)
        seqs, keeps = [], []
        n_hi = (CROPS * grid) ** 2
        n_keep_hi = int(args.hires_keep * n_hi)
        for r in range(len(idx)):
            seq, nl = next_sequence(visual[r], newline, grid)
            hi_idx = np.setdiff1d(np.arange(grid * grid, seq.shape[0]), nl)
            kept = np.concatenate([np.arange(grid * grid), rng.choice(hi_idx, n_keep_hi, replace=False), nl])
            seqs.append(seq)
            keeps.append(np.sort(kept))
        keep = np.stack(keeps)
        b = make_batch(scenes, idx, images, tok, seqs[0].shape[0], keep.shape[1], False, rng, keep=keep)
        vis = torch.stack([s[torch.from_numpy(k)] for s, k in zip(seqs, keeps)])
        x = torch.cat([model.embed_tokens(b.prefix_ids), vis, model.embed_tokens(b.text_ids)], dim=1)
        h = model.run_layers(x, b.position_ids, b.bias, 0, cfg.num_layers)
        loss = lm_loss(model.logits(h), b.targets, coord_ids)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if (step + 1) % 10 == 0:
            print(f"{time.strftime('%H:%M:%S')} step {step + 1}/{args.steps} lm {loss.item():.3f}", flush=True)
    train_seconds = time.time() - t0
    model.eval()
    if args.weights == "float16":
        round_to_float16_(model)
        newline.data.copy_(newline.data.half().float())
    report = {"steps": args.steps, "batch": args.batch, "scenes": len(scenes), "hires_keep": args.hires_keep,
              "train_seconds": round(train_seconds)}
    if args.test:
        report["test_full"] = evaluate_next(model, newline.detach(), tok, args.test, args.test_questions)
        print("test full", json.dumps(report["test_full"]), flush=True)
    os.makedirs(args.out, exist_ok=True)
    newline.detach().numpy().astype("<f4").tofile(os.path.join(args.out, "image_newline.bin"))
    extra = {"preprocess": {"mode": "anyres", "size": cfg.image_size, "mean": [0.48145466, 0.4578275, 0.40821073],
                            "std": [0.26862954, 0.26130258, 0.27577711], "resample": "bicubic",
                            "pinpoints": [[cfg.image_size * CROPS, cfg.image_size * CROPS]]},
             "imageNewline": "image_newline.bin", "hashFiles": ["image_newline.bin"]}
    export_model(model, tok, args.out, "tiny-synth-next", family="llava-next", extra=extra,
                 float16_storage=args.weights == "float16")
    with open(os.path.join(args.out, "train_report.json"), "w") as f:
        json.dump(report, f, indent=2)


def evaluate_next(model, newline, tok, folder: str, max_questions: int) -> dict:
    scenes = read_benchmark(folder)
    images = load_images(scenes)
    dec = Decoder(model, tok)
    hits: dict = {}
    done = 0
    for i, sc in enumerate(scenes):
        with torch.no_grad():
            pf = model.encode_image(views(images[i:i + 1]))[0]
            seq, _ = next_sequence(model.projector(pf), newline, model.cfg.grid)
        for q in sc.questions:
            if done >= max_questions:
                break
            s = score(dec.answer_visual(seq, q.question), q.sample)
            for key in (q.category, "_grounding" if q.metric == "grounding-iou" else "_general", "_all"):
                hits.setdefault(key, []).append(s)
            done += 1
        if done >= max_questions:
            break
    return {k: (float(np.mean(v)), len(v)) for k, v in sorted(hits.items())}


if __name__ == "__main__":
    main()
