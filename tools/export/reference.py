"""The PyTorch side of the parity check: the Hugging Face model itself (eager attention), greedy decoding."""

from __future__ import annotations

import numpy as np
import torch

from .blocks import pool_to_token_grid
from .families import Parts, feature_layer, vision_geometry
from .parity import ParityInputs
from .wrappers import blocks_to_run


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


def cache_keys(cache, layer: int) -> torch.Tensor:
    """Keys of one layer from whichever cache object this transformers release returns."""
    if hasattr(cache, "layers"):
        return cache.layers[layer].keys
    if hasattr(cache, "key_cache"):
        return cache.key_cache[layer]
    return cache[layer][0]


def vision_attention_reference(parts: Parts, pixel_values: torch.Tensor) -> np.ndarray | None:
    """cls_attention as the HF vision tower reports it with output_attentions (None where it cannot)."""
    cfg = parts.config
    layers = cfg.vision_config.num_hidden_layers
    block = blocks_to_run(feature_layer(cfg), layers) - 1
    try:
        attentions = parts.vision_tower(pixel_values=pixel_values, output_attentions=True).attentions
    except (TypeError, AttributeError):
        return None
    if not attentions:
        return None
    probs = attentions[block].float()
    if parts.family == "internvl-2.5":
        geo = vision_geometry(cfg, parts.family)
        return _numpy(pool_to_token_grid(probs.mean(dim=(1, 2))[:, 1:], geo["patchGrid"], geo["downsampleRatio"]))
    return _numpy(probs[:, :, 0, 1:].mean(dim=1))


def torch_reference(model, parts: Parts, inputs: ParityInputs, prune_layer: int, max_new_tokens: int,
                    stop_ids: set[int]) -> dict:
    device = parts.lm_head.weight.device
    dtype = parts.lm_head.weight.dtype
    ids = torch.from_numpy(inputs.input_ids).to(device)
    pixels = torch.from_numpy(inputs.pixel_values).to(device, dtype)
    extra = {"pixel_values": pixels}
    if parts.family == "llava-next":
        extra = {"pixel_values": pixels.unsqueeze(0),
                 "image_sizes": torch.tensor([list(inputs.image_hw)], dtype=torch.long, device=device)}
    result = {"tokens": [], "logits": []}
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=True, output_attentions=True,
                    output_hidden_states=True, **extra)
        result["hidden_states"] = _numpy(out.hidden_states[prune_layer])
        result["last_token_attention"] = _numpy(out.attentions[prune_layer - 1][:, :, -1, :].float().mean(dim=1))
        result["key_norms"] = _numpy(cache_keys(out.past_key_values, prune_layer - 1).float().abs().sum(dim=(1, 3)))
        result["cls_attention"] = vision_attention_reference(parts, pixels)
        cache, length, logits = out.past_key_values, ids.shape[1], out.logits[0, -1]
        for _ in range(max_new_tokens):
            result["logits"].append(_numpy(logits))
            token = int(logits.argmax())
            if token in stop_ids:
                break
            result["tokens"].append(token)
            length += 1
            out = model(input_ids=torch.tensor([[token]], device=device), past_key_values=cache, use_cache=True,
                        attention_mask=torch.ones(1, length, dtype=torch.long, device=device))
            cache, logits = out.past_key_values, out.logits[0, -1]
    return result
