"""Write one model folder from an already loaded Hugging Face model (the CLI and the tests both call this)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field

import torch

from . import EXPORTER_VERSION
from .families import Parts, image_token_id, resolve_parts, sliding_window_note, text_dims, vision_geometry
from .manifest import (
    CLIP_MEAN,
    CLIP_STD,
    IMAGENET_MEAN,
    IMAGENET_STD,
    Signals,
    build_manifest,
    preprocess_block,
    write_manifest,
)
from .onnx_export import ClipParts, build_specs, check_graph, export_spec


@dataclass
class ExportOptions:
    out_dir: str
    family: str
    name: str
    dtype: torch.dtype = torch.float16
    prune_layer: int = 2
    max_tiles: int = 12
    llava_preprocess: str = "pad-square"
    opset: int = 17
    max_new_tokens: int = 16
    source: str = ""
    clip_source: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class PromptInfo:
    template: str
    image_token: str
    add_bos: bool
    stop: list[str]


def save_tokenizer(tokenizer, out_dir: str, prefix: str = "") -> list[str]:
    """Writes `<prefix>tokenizer.json` (what @huggingface/tokenizers reads) and, for reference, the tokenizer
    config; returns the file that counts for contentHash (the layout hashes the tokenizer, not its config)."""
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer.save_pretrained(tmp, legacy_format=False)
        if not os.path.exists(os.path.join(tmp, "tokenizer.json")):
            raise RuntimeError("the tokenizer has no fast (tokenizer.json) form; the worker needs one")
        for name in ("tokenizer.json", "tokenizer_config.json"):
            if os.path.exists(os.path.join(tmp, name)):
                shutil.copyfile(os.path.join(tmp, name), os.path.join(out_dir, prefix + name))
    return [prefix + "tokenizer.json"]


def clip_tower_drift(parts: Parts, clip_vision_model) -> float | None:
    """Max |w_llava - w_clip| over the vision tower weights: 0 means the tower is CLIP's own (LLaVA-1.5 froze it),
    so CLIP-space embeddings are exact; LLaVA-NeXT fine-tuned its tower, so they are an approximation there."""
    ours = getattr(parts.vision_tower, "vision_model", parts.vision_tower).state_dict()
    theirs = clip_vision_model.state_dict()
    shared = [k for k in ours if k in theirs and ours[k].shape == theirs[k].shape]
    if not shared:
        return None
    return max(float((ours[k].float().cpu() - theirs[k].float().cpu()).abs().max()) for k in shared)


def export_folder(model, tokenizer, prompt: PromptInfo, options: ExportOptions, *, image_mean=None, image_std=None,
                  pinpoints=None, clip: ClipParts | None = None, clip_tokenizer=None, clip_drift: float | None = None,
                  device=None) -> dict:
    os.makedirs(options.out_dir, exist_ok=True)
    parts = resolve_parts(model, options.family)
    cfg, family = parts.config, options.family
    device = device or parts.lm_head.weight.device
    specs = build_specs(parts, options.prune_layer, options.dtype, device, clip)
    files: list[str] = []
    graphs: dict[str, str] = {}
    for spec in specs:
        files += export_spec(spec, options.out_dir, options.opset)
        check_graph(spec, options.out_dir)
        graphs[spec.key] = spec.file

    files += save_tokenizer(tokenizer, options.out_dir)
    text_encoder = None
    if clip is not None and clip_tokenizer is not None:
        files += save_tokenizer(clip_tokenizer, options.out_dir, prefix="clip_")
        text_encoder = {"tokenizer": "clip_tokenizer.json", "maxLength": 77}
    newline_file = None
    if parts.image_newline is not None:
        newline_file = "image_newline.bin"
        parts.image_newline.detach().float().cpu().numpy().astype("<f4").tofile(
            os.path.join(options.out_dir, newline_file))
        files.append(newline_file)

    geo = vision_geometry(cfg, family)
    window_note = sliding_window_note(cfg.text_config)
    notes = options.notes + ([window_note] if window_note else [])
    heads, kv_heads, head_dim = text_dims(cfg.text_config)
    internvl = family == "internvl-2.5"
    with torch.no_grad():
        feature_dim = specs[0].module(specs[0].args[0][:1])[0].shape[-1]
    vision = {"imageSize": geo["imageSize"], "patchSize": geo["patchSize"], "grid": geo["grid"],
              "hiddenSize": int(feature_dim), "tokensPerView": geo["grid"] ** 2,
              "featureLayer": cfg.vision_feature_layer,
              "attentionSignal": "mean-received" if internvl else "cls"}
    if internvl:
        vision.update(downsampleRatio=geo["downsampleRatio"], towerHiddenSize=cfg.vision_config.hidden_size)
    if clip is not None:
        vision["clipDim"] = int(clip.visual_projection.out_features)
    llm = {"hiddenSize": cfg.text_config.hidden_size, "numLayers": len(parts.language_model.layers),
           "numHeads": heads, "numKvHeads": kv_heads, "headDim": head_dim,
           "vocabSize": int(parts.lm_head.out_features), "pruneLayer": options.prune_layer,
           "intermediateSize": cfg.text_config.intermediate_size}
    mean = image_mean or (IMAGENET_MEAN if internvl else CLIP_MEAN)
    std = image_std or (IMAGENET_STD if internvl else CLIP_STD)
    pinpoints = pinpoints or getattr(cfg, "image_grid_pinpoints", None)
    try:
        from transformers import __version__ as transformers_version
    except ImportError:  # the exporter's own tests drive it with look-alike modules
        transformers_version = None
    provenance = {
        "tool": "tools/export", "version": EXPORTER_VERSION, "source": options.source,
        "transformers": transformers_version, "torch": torch.__version__, "opset": options.opset,
        "imageTokenId": image_token_id(cfg), "textModelType": cfg.text_config.model_type,
        "clipModel": options.clip_source, "clipTowerMaxAbsDiff": clip_drift,
        "keyNorms": "L1 norm over all KV heads of the post-RoPE keys of layer K-1, as cached",
        "lastTokenAttention": "layer K-1, post-softmax, heads averaged, eager attention",
        "pinpointOrder": "[height, width]" if family == "llava-next" else None,
        "notes": notes,
    }
    manifest = build_manifest(
        name=options.name, family=family, dtype="float16" if options.dtype == torch.float16 else "float32",
        graphs=graphs, vision=vision, llm=llm,
        preprocess=preprocess_block(family, geo["imageSize"], mean, std, pinpoints, options.max_tiles,
                                    options.llava_preprocess),
        prompt={"template": prompt.template, "imageToken": prompt.image_token, "addBos": prompt.add_bos,
                "stop": prompt.stop, "maxNewTokens": options.max_new_tokens},
        tokenizer="tokenizer.json", text_encoder=text_encoder, signals=Signals(clip=clip is not None, family=family),
        box_scale=1000 if internvl else 1, image_newline=newline_file, provenance=provenance)
    return write_manifest(options.out_dir, manifest, files)

