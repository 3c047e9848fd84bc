"""Between the stages: fit the projector's GeometryHead (tools/modelkit/tiny_vlm.py) on the frozen tower's cached
features, then freeze it for the decoder stage.

It is fitted on its own, not with the decoder, because it is a plain dense regression with dense labels (every
patch's object box and whether it lies on an object): a few seconds of batched steps get it to a box L1 of ~0.005,
while the decoder's answer loss would reach it only through attention and four layers. Frozen, it hands the decoder
stable geometry from the first decoder step.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F

from evaluate import iou
from losses import object_masks
from schedule import warmup_cosine


def fit_geometry_head(head, features: torch.Tensor, box_labels: np.ndarray, on_object: np.ndarray, steps: int,
                      seed: int, lr: float = 3e-3, batch: int = 4096, log=None) -> dict:
    """head: GeometryHead; features float16 [N, grid^2, width + 2] (encode_image's); box_labels [N, grid^2, 4]
    (0-1, the box of the smallest object whose box holds the patch centre); on_object bool [N, grid^2]. Boxes are
    fitted by L1 on on-object patches, objectness by cross-entropy on all patches (background outnumbers objects
    ~4:1; no re-weighting is needed for a gate). Returns the last steps' losses."""
    gen = torch.Generator().manual_seed(seed)
    flat = features.reshape(-1, features.shape[-1])
    boxes = torch.from_numpy(box_labels).reshape(-1, 4)
    on = torch.from_numpy(on_object).reshape(-1)
    on_rows = torch.nonzero(on)[:, 0]
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=0.0)
    head.requires_grad_(True)
    head.train()
    t0, running = time.time(), {}
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = warmup_cosine(step, steps, lr, max_warmup=50)
        rows = on_rows[torch.randint(len(on_rows), (batch,), generator=gen)]
        any_rows = torch.randint(len(flat), (batch,), generator=gen)
        box, _ = head(flat[rows].float())
        _, objectness = head(flat[any_rows].float())
        losses = {"box_l1": (box - boxes[rows]).abs().mean(),
                  "objectness": F.binary_cross_entropy_with_logits(objectness, on[any_rows].float())}
        opt.zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        opt.step()
        for k, v in losses.items():
            running[k] = 0.9 * running.get(k, float(v)) + 0.1 * float(v)
        if log and (step + 1) % 500 == 0:
            log(f"geometry {step + 1}/{steps} " + " ".join(f"{k} {v:.4f}" for k, v in running.items())
                + f" ({time.time() - t0:.0f}s)")
    head.requires_grad_(False)
    head.eval()
    return {k: round(v, 5) for k, v in running.items()}


@torch.no_grad()
def probe_geometry(head, features: torch.Tensor, scenes, grid: int, patch: int, image_size: int) -> dict:
    """Held-out: the share of objects whose box, averaged over their patches (what a decoder head attending evenly
    over the object reads), has IoU >= 0.5 with the truth; all objects and the small ones (under 1% of the image);
    and the objectness gate's accuracy."""
    box, objectness = head(features.float())
    hits, small, gate = [], [], []
    for i, sc in enumerate(scenes):
        masks = object_masks(sc, grid, patch)
        for o, mask in zip(sc.objects, masks):
            if not mask.any():
                continue
            truth = np.array(o.box_px, dtype=np.float32) / image_size
            ok = iou(box[i, torch.from_numpy(mask)].mean(0).numpy(), truth) >= 0.5
            hits.append(ok)
            if (truth[2] - truth[0]) * (truth[3] - truth[1]) < 0.01:
                small.append(ok)
        on = np.any(masks, axis=0) if masks else np.zeros(grid * grid, bool)
        gate.append((objectness[i].numpy() > 0) == on)
    return {"box_iou50": round(float(np.mean(hits)), 4), "small_box_iou50": round(float(np.mean(small)), 4)
            if small else None, "objectness_accuracy": round(float(np.concatenate(gate).mean()), 4)}
