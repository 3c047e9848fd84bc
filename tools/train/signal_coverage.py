"""How well each vision-side signal ranks tokens, independent of the decoder: the share of the question's target
object patches (meta.targets) that survive when keeping the top-k tokens by CLS attention, by CLIP relevance to the
question, or at random. Usage: signal_coverage.py CKPT TOKENIZER_JSON BENCH_DIR [K] [SCENES]"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "modelkit")]

import numpy as np  # noqa: E402
import torch  # noqa: E402

from data import load_images, read_benchmark  # noqa: E402
from evaluate import Decoder  # noqa: E402
from losses import object_masks  # noqa: E402
from tiny_vlm import load_checkpoint  # noqa: E402
from tokenizer import WordTokenizer  # noqa: E402


def main() -> None:
    ckpt, tok_path, bench = sys.argv[1:4]
    k = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    n_scenes = int(sys.argv[5]) if len(sys.argv) > 5 else 100
    torch.set_num_threads(1)
    tok = WordTokenizer.load(tok_path)
    model = load_checkpoint(ckpt, len(tok.vocab))
    model.eval()
    scenes = read_benchmark(bench)[:n_scenes]
    images = load_images(scenes)
    dec = Decoder(model, tok)
    rng = np.random.default_rng(0)
    kept: dict[str, list[float]] = {"cls-attention": [], "clip-relevance": [], "random": []}
    for i, sc in enumerate(scenes):
        _, cls_att, clip_patch = dec.vision(torch.from_numpy(images[i:i + 1]))
        masks = object_masks(sc, model.cfg.grid, model.cfg.patch_size)
        for q in sc.questions:
            targets = q.sample.get("meta", {}).get("targets") or []
            picked = [masks[t] for t in targets if t < len(masks)]
            if not picked or not np.any(picked):
                continue
            target = np.any(picked, axis=0)
            rel = torch.nn.functional.cosine_similarity(clip_patch[0], dec.text_embed(q.question)[None], dim=-1)
            for name, scores in (("cls-attention", cls_att[0]), ("clip-relevance", rel),
                                 ("random", torch.from_numpy(rng.random(target.shape[0])))):
                top = torch.topk(scores, k).indices.numpy()
                kept[name].append(target[top].sum() / target.sum())
    n = len(kept["random"])
    print(f"share of target-object patches kept with k={k} (n={n} questions with targets):")
    for name, v in kept.items():
        print(f"  {name}: {100 * np.mean(v):.1f}%")


if __name__ == "__main__":
    main()
