"""Train the embedded tiny VLM on the synthetic benchmark and export it into the prunebench ONNX layout.

Two stages (see tower_stage.py and decoder_stage.py for why): the vision tower and text encoder with dense per-patch
and CLIP-style objectives, then the projector and decoder on the frozen tower's cached features.

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

from data import load_images, read_benchmark, vocabulary_words  # noqa: E402
from decoder_stage import DECODER_LOSS_WEIGHTS, DecoderTrainer  # noqa: E402
from evaluate import evaluate  # noqa: E402
from geometry_stage import fit_geometry_head, probe_geometry  # noqa: E402
from export_layout import export_model  # noqa: E402
from tiny_vlm import TinyVlm, TinyVlmConfig, round_to_float16_  # noqa: E402
from tokenizer import COORD_STEP, WordTokenizer, build_vocab  # noqa: E402
from tower_stage import TOWER_LOSS_WEIGHTS, Attributes, TowerTrainer, cache_patch_features  # noqa: E402



def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", required=True, nargs="+", help="benchmark folder(s) of the train split")
    ap.add_argument("--val", help="benchmark folder of the validation split (periodic eval)")
    ap.add_argument("--test", help="benchmark folder of the test split (final eval for the model card)")
    ap.add_argument("--out", required=True, help="model folder to export into")
    ap.add_argument("--name", default="tiny-synth")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="1 beats 2 when the 2 cores are shared (BLAS threads spin)")
    g = ap.add_argument_group("stage 1: vision tower and text encoder")
    g.add_argument("--tower-steps", type=int, default=500)
    g.add_argument("--tower-batch", type=int, default=16)
    g.add_argument("--tower-lr", type=float, default=2e-3)
    g.add_argument("--probe-every", type=int, default=100, help="validation probe of the dense heads every N steps")
    g = ap.add_argument_group("stage 2: projector and decoder on cached tower features")
    g.add_argument("--geometry-steps", type=int, default=2000,
                   help="steps fitting the projector's geometry head on the cached features before the decoder steps")
    g.add_argument("--steps", type=int, default=1500, help="decoder steps of the first cosine")
    g.add_argument("--extra-steps", type=int, default=0,
                   help="then this many more steps, the learning rate following a cosine over steps + extra-steps "
                        "from step --steps on, as a run resumed with more --steps would (the committed recipe "
                        "uses none)")
    g.add_argument("--lr", type=float, default=1.5e-3)
    g.add_argument("--token-budget", type=int, default=4000, help="visual+text tokens per step (sets rows per step)")
    g.add_argument("--max-rows", type=int, default=32)
    g.add_argument("--facts-from", type=int, default=0,
                   help="decoder step from which the answer-fact read-outs train (the committed recipe: 0)")
    g.add_argument("--decoder-scenes", type=int, default=0,
                   help="train the decoder on the first N scenes only (0 = all); fewer tower features to cache")
    g.add_argument("--object-share", type=float, default=0.45, help="share of steps with object rows")
    g.add_argument("--subset-share", type=float, default=0.3, help="share of steps with a random visual subset")
    g.add_argument("--object-keep", type=int, default=64, help="visual tokens per object row")
    g.add_argument("--min-keep", type=float, default=0.1, help="smallest kept share of visual tokens in subset rows")
    g.add_argument("--compact-prob", type=float, default=0.25, help="share of object/subset steps with compact positions")
    ap.add_argument("--stop-at", type=int, default=0,
                    help="end the run after decoder step N with a checkpoint (no eval/export); resume later, e.g. with "
                         "another --steps or --decoder-scenes")
    ap.add_argument("--tower-from", help="take stage 1 (tower, text encoder, their heads) from this checkpoint of an "
                    "earlier run and train only stage 2")
    ap.add_argument("--checkpoint", help="checkpoint file (saved every --ckpt-every steps, resumed if present)")
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=300)
    ap.add_argument("--eval-questions", type=int, default=120)
    ap.add_argument("--test-questions", type=int, default=600)
    ap.add_argument("--report", help="JSON file for the training report (default: <out>/train_report.json)")
    ap.add_argument("--weights", choices=("float16", "float32"), default="float16",
                    help="storage of the exported graphs' weights (float16 halves the files; compute stays float32)")
    ap.add_argument("--smoke", action="store_true", help="a few steps on a handful of scenes, tiny eval")
    ap.add_argument("--parity", help="also write torch reference outputs for tools/modelkit/check_parity.mjs")
    return ap.parse_args(argv)


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def save_checkpoint(path: str, model, stage: str, tower: TowerTrainer, decoder: "DecoderTrainer | None") -> None:
    """Written to a temporary file and renamed, so a crash mid-save never leaves a truncated checkpoint."""
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "config": model.cfg.to_dict(), "stage": stage,
                "tower": tower.state(), "decoder": decoder.state() if decoder else None,
                "torch_rng": torch.get_rng_state()}, tmp)
    os.replace(tmp, path)


# what stage 1 trains (tower_stage.TowerTrainer's model parameters)
TOWER_PREFIXES = ("vision.", "text.", "box_head.", "logit_scale")


def take_tower(model, tower: TowerTrainer, path: str) -> None:
    """Stage 1 from another run's checkpoint: the tower, text encoder and stage-1 heads and optimiser state, nothing
    of its decoder. Stage 1 does not depend on the decoder's architecture, so a decoder change need not re-run it."""
    ck = torch.load(path)
    if ck.get("tower") is None:
        raise SystemExit(f"--tower-from {path}: no stage-1 state in this checkpoint")
    state = {k: v for k, v in ck["model"].items() if k.startswith(TOWER_PREFIXES)}
    missing = [k for k in model.state_dict() if k.startswith(TOWER_PREFIXES) and k not in state]
    if missing:
        raise SystemExit(f"--tower-from {path}: the checkpoint lacks {missing[0]} (a different tower architecture?)")
    model.load_state_dict(state, strict=False)
    tower.load_state(ck["tower"])


def load_split(folder: str, limit: int | None = None):
    scenes = read_benchmark(folder)[:limit]
    return scenes, load_images(scenes)


def running_log(running: dict, parts: dict) -> None:
    for k, v in parts.items():
        running[k] = 0.9 * running.get(k, v) + 0.1 * v


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.smoke:
        args.tower_steps, args.tower_batch, args.steps, args.max_rows, args.geometry_steps = 3, 2, 4, 2, 3
        args.eval_every, args.ckpt_every, args.eval_questions, args.test_questions = 0, 0, 3, 3
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
    coord_ids = torch.tensor([tok.ids[f"##{v}"] for v in range(0, 1001, COORD_STEP)])
    cfg = TinyVlmConfig(vocab_size=len(tok.vocab), geometry_tokens=True, coordinate_tokens=len(coord_ids),
                        geometry_head="mlp-relative")
    model = TinyVlm(cfg)
    model.set_coordinate_tokens(coord_ids)
    attrs = Attributes(train_scenes)
    tower = TowerTrainer(model, tok, train_scenes, train_images, attrs, args)
    log(f"model: {sum(p.numel() for p in model.parameters())} params, vocab {len(tok.vocab)}")
    resumed = None
    if args.checkpoint and os.path.exists(args.checkpoint):
        resumed = torch.load(args.checkpoint)
        model.load_state_dict(resumed["model"])
        tower.load_state(resumed["tower"])
        torch.set_rng_state(resumed["torch_rng"])
        log(f"resumed from {args.checkpoint} (stage {resumed['stage']}, tower step {tower.step})")
    elif args.tower_from:
        take_tower(model, tower, args.tower_from)
        log(f"stage 1 taken from {args.tower_from} (tower step {tower.step}); its decoder is not used")
    val = load_split(args.val, 40) if args.val and not args.smoke else None
    timings: dict = {}

    # ---- stage 1
    t_stage = time.time()
    running: dict = {}
    while tower.step < args.tower_steps:
        t_step = time.time()
        running_log(running, tower.train_step())
        if tower.step % 20 == 0 or args.smoke:
            log(f"tower {tower.step}/{args.tower_steps} {time.time() - t_step:.2f}s/step "
                + " ".join(f"{k} {v:.3f}" for k, v in running.items()))
        if args.checkpoint and args.ckpt_every and tower.step % args.ckpt_every == 0:
            save_checkpoint(args.checkpoint, model, "tower", tower, None)
        if val and args.probe_every and tower.step % args.probe_every == 0 and tower.step < args.tower_steps:
            log("tower probe: " + json.dumps(tower.probe(*val)))
    timings["tower_seconds"] = round(time.time() - t_stage)
    tower_probe = tower.probe(*val) if val else None
    if tower_probe:
        log("tower probe (validation object patches): " + json.dumps(tower_probe))

    # ---- stage 2
    t_cache = time.time()
    n_dec = args.decoder_scenes or len(train_scenes)
    finished = resumed is not None and resumed.get("stage") == "done"
    # a finished run resumed for its evaluation and export needs no features
    features = None if finished else cache_patch_features(model, train_images[:n_dec], log=log)
    timings["cache_seconds"] = round(time.time() - t_cache)
    geometry_report = None
    if cfg.geometry_head == "mlp-relative" and not (resumed and resumed.get("decoder")):
        t_geometry = time.time()
        on_object = tower.labels["desc"][:n_dec] != attrs.background
        geometry_report = {"fit": fit_geometry_head(model.projector.box, features, tower.labels["box"][:n_dec],
                                                    on_object, args.geometry_steps, args.seed, log=log)}
        if val:
            geometry_report["probe"] = probe_geometry(model.projector.box, cache_patch_features(model, val[1]),
                                                      val[0], cfg.grid, cfg.patch_size, cfg.image_size)
            log("geometry probe (validation objects): " + json.dumps(geometry_report["probe"]))
        timings["geometry_seconds"] = round(time.time() - t_geometry)
    decoder = DecoderTrainer(model, tok, train_scenes[:n_dec], features, tower.labels["desc"][:n_dec], attrs,
                             coord_ids, args)
    if resumed and resumed.get("decoder"):
        decoder.load_state(resumed["decoder"])
        log(f"decoder resumed at step {decoder.step}")
    t_stage = time.time()
    running = {}
    total_steps = args.steps + args.extra_steps
    stop = min(total_steps, args.stop_at) if args.stop_at else total_steps
    while decoder.step < stop:
        t_step = time.time()
        running_log(running, decoder.train_step())
        if decoder.step % 20 == 0 or args.smoke:
            log(f"decoder {decoder.step}/{total_steps} {time.time() - t_step:.2f}s/step "
                f"lr {decoder.lr_at(decoder.step):.2e} " + " ".join(f"{k} {v:.3f}" for k, v in running.items()))
        if args.checkpoint and args.ckpt_every and decoder.step % args.ckpt_every == 0:
            save_checkpoint(args.checkpoint, model, "decoder", tower, decoder)
        if val and args.eval_every and decoder.step % args.eval_every == 0:
            res = evaluate(model, tok, val[0], val[1], ("full",), max_questions=args.eval_questions)
            log("val " + json.dumps({c: round(v[0], 3) for c, v in res["full"].items()}))
    timings["decoder_seconds"] = round(time.time() - t_stage)
    if stop < total_steps:
        if not args.checkpoint:
            raise SystemExit("--stop-at needs --checkpoint (the run resumes from it)")
        save_checkpoint(args.checkpoint, model, "decoder", tower, decoder)
        log(f"stopped at decoder step {decoder.step} (--stop-at); checkpoint {args.checkpoint}")
        return
    if args.checkpoint:
        save_checkpoint(args.checkpoint, model, "done", tower, decoder)
    del features
    report = {"tower_steps": tower.step, "tower_batch": args.tower_batch, "decoder_steps": decoder.step,
              "token_budget": args.token_budget, "seed": args.seed, "train_scenes": len(train_scenes),
              "train_questions": sum(len(s.questions) for s in train_scenes), **timings,
              "params": sum(p.numel() for p in model.parameters()), "config": cfg.to_dict(),
              "tower_loss_weights": TOWER_LOSS_WEIGHTS, "decoder_loss_weights": DECODER_LOSS_WEIGHTS,
              "tower_probe": tower_probe, "geometry": geometry_report, "final_decoder_losses": running,
              "args": vars(args)}
    if args.weights == "float16":
        round_to_float16_(model)
        log("weights rounded to float16 (what the exported graphs store); evaluation below is of these weights")
    if args.test:
        test_scenes, test_images = load_split(args.test, 4 if args.smoke else None)
        t_eval = time.time()
        report["test"] = evaluate(model, tok, test_scenes, test_images,
                                  ("full", "random", "cls-attention", "clip-relevance"), k=64,
                                  max_questions=args.test_questions)
        report["eval_seconds"] = round(time.time() - t_eval)
        for method, cats in report["test"].items():
            log(f"test {method}: " + json.dumps({c: round(v[0], 3) for c, v in cats.items()}))
    export_model(model, tok, args.out, args.name, args.parity, float16_storage=args.weights == "float16")
    with open(args.report or os.path.join(args.out, "train_report.json"), "w") as f:
        json.dump(report, f, indent=2)
    log(f"exported {args.out}; total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
