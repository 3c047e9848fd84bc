"""Where a box answer loses its precision: three boxes per localization question, teacher-forced, all tokens.

1. the projector's geometry averaged over the target object's patches (what a head attending evenly over the object
   would read);
2. the boxes layer-1 heads 0-1 read: their attention (mean of the two heads, renormalised over the visual tokens)
   over every token's box, at each of the four coordinate positions;
3. the coordinates the model emits there (argmax over the coordinate tokens).
Reports the share at IoU >= 0.5 for each, overall and for the smaller half of the objects, the coordinate L1 (mean
and median), and the attention mass of heads 0-1 on the target.

  /usr/bin/python3 tools/train/box_probe.py CKPT TOKENIZER BENCH_DIR [SCENES=200]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "modelkit")]

import numpy as np  # noqa: E402
import torch  # noqa: E402

from batches import make_batch  # noqa: E402
from data import load_images, read_benchmark  # noqa: E402
from evaluate import iou, normalise_pixels  # noqa: E402
from losses import object_masks  # noqa: E402
from tiny_vlm import load_checkpoint  # noqa: E402
from tokenizer import COORD_STEP, WordTokenizer  # noqa: E402


@torch.no_grad()
def main() -> None:
    if len(sys.argv) < 4:
        raise SystemExit(__doc__.strip().splitlines()[-1].strip())
    model = load_checkpoint(sys.argv[1])
    model.eval()
    tok = WordTokenizer.load(sys.argv[2])
    scenes = read_benchmark(sys.argv[3])[: int(sys.argv[4]) if len(sys.argv) > 4 else 200]
    images = load_images(scenes)
    cfg = model.cfg
    n_grid = cfg.grid * cfg.grid
    coord_ids = torch.tensor([tok.ids[f"##{v}"] for v in range(0, 1001, COORD_STEP)])
    coord_set = set(coord_ids.tolist())
    rng = np.random.default_rng(0)
    rows, errors = [], []
    for start in range(0, len(scenes), 10):
        idx = list(range(start, min(start + 10, len(scenes))))
        pf = model.encode_image(normalise_pixels(torch.from_numpy(images[idx])))[0]
        b = make_batch(scenes, idx, None, tok, n_grid, n_grid, False, rng)
        x = torch.cat([model.embed_tokens(b.prefix_ids), model.projector(pf), model.embed_tokens(b.text_ids)], dim=1)
        h, probs = model.run_layers(x, b.position_ids, b.bias, 0, cfg.num_layers, keep_probs=True)
        logits = model.logits(h)
        boxes = model.projector.read_geometry(pf)[0]
        n_prefix = b.prefix_ids.shape[1]
        for r, i in enumerate(idx):
            sc = scenes[i]
            masks = object_masks(sc, cfg.grid, cfg.patch_size)
            for first, end, j in b.segments[r]:
                q = sc.questions[j]
                if q.metric != "grounding-iou":
                    continue
                target = q.sample["meta"]["targets"][0]
                truth = np.array(sc.objects[target].box_px, dtype=np.float32) / cfg.image_size
                mask = torch.from_numpy(masks[target])
                at = [p for p in range(first, end) if b.targets[r, p].item() in coord_set][:4]
                att = probs[1][r, :2, at, n_prefix:n_prefix + n_grid].mean(0)  # [4, visual]
                read = (att / att.sum(-1, keepdim=True)) @ boxes[r]  # [4 positions, 4 coordinates]
                read = np.array([read[k, k].item() for k in range(4)])
                mean = boxes[r, mask].mean(0).numpy()
                emitted = (logits[r, at][:, coord_ids].argmax(-1).float() / (len(coord_ids) - 1)).numpy()
                area = (truth[2] - truth[0]) * (truth[3] - truth[1])
                errors.append(np.abs(np.stack([mean, read, emitted]) - truth))  # [3 boxes, 4 coordinates]
                rows.append([iou(mean, truth) >= 0.5, iou(read, truth) >= 0.5, iou(emitted, truth) >= 0.5,
                             np.abs(mean - truth).mean(), np.abs(read - truth).mean(), np.abs(emitted - truth).mean(),
                             att[:, mask].sum(-1).mean().item(), area])
    res = np.array(rows, dtype=np.float64)
    small = res[:, 7] < np.median(res[:, 7])
    names = ("geometry over the target's patches", "read by layer-1 heads 0-1", "emitted")
    print(f"{len(res)} box questions; heads 0-1 attention mass on the target {res[:, 6].mean():.3f}")
    for k, name in enumerate(names):
        print(f"{name}: IoU >= 0.5 {res[:, k].mean():.3f} (smaller half {res[small, k].mean():.3f}), "
              f"coordinate L1 {res[:, 3 + k].mean():.4f}, median {np.median(np.stack(errors)[:, k]):.4f}")


if __name__ == "__main__":
    main()
