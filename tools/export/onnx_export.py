"""Export the wrappers of wrappers.py to the fixed file, input and output names of docs/model-format.md."""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
from dataclasses import dataclass, field

import torch

from .families import Parts, feature_layer, text_dims, vision_geometry
from .wrappers import (
    ClipTextGraph,
    ClipVisionGraph,
    DecoderHead,
    DecoderTail,
    EmbedGraph,
    InternVisionGraph,
    ProjectorGraph,
)

# Protobuf cannot hold a single file over 2 GiB; larger graphs get one side file `<graph>.data`.
EXTERNAL_DATA_THRESHOLD = 1_800_000_000


@dataclass
class GraphSpec:
    key: str  # model.json graphs key
    file: str
    module: torch.nn.Module
    args: tuple
    input_names: list[str]
    output_names: list[str]
    dynamic_axes: dict[str, dict[int, str]] = field(default_factory=dict)


@dataclass
class ClipParts:
    """Pieces of a separate CLIP checkpoint (e.g. openai/clip-vit-large-patch14-336)."""

    post_layernorm: torch.nn.Module
    visual_projection: torch.nn.Module
    text_model: torch.nn.Module
    text_projection: torch.nn.Module
    text_heads: int
    eos_token_id: int
    vocab_size: int


def kv_names(prefix: str, layers: range) -> list[str]:
    return [f"{prefix}.{i}.{kind}" for i in layers for kind in ("key", "value")]


def build_specs(parts: Parts, prune_layer: int, dtype: torch.dtype, device, clip: ClipParts | None) -> list[GraphSpec]:
    cfg = parts.config
    vc, tc = cfg.vision_config, cfg.text_config
    geo = vision_geometry(cfg, parts.family)
    num_layers = len(parts.language_model.layers)
    if not 1 <= prune_layer < num_layers:
        raise ValueError(f"--prune-layer must be in 1..{num_layers - 1} for this {num_layers}-layer model")
    dims = text_dims(tc)
    _, kv_heads, head_dim = dims
    hidden = tc.hidden_size
    fl = lambda *shape: torch.randn(*shape, dtype=torch.float32, device=device).to(dtype)  # noqa: E731
    pixels = fl(2, 3, geo["imageSize"], geo["imageSize"])
    specs: list[GraphSpec] = []

    if parts.family == "internvl-2.5":
        vision = InternVisionGraph(parts.vision_tower, feature_layer(cfg), vc.num_attention_heads, geo["patchGrid"],
                                   geo["downsampleRatio"])
        vision_outputs = ["patch_features", "cls_attention"]
    else:
        vision_model = getattr(parts.vision_tower, "vision_model", parts.vision_tower)
        vision = ClipVisionGraph(vision_model, feature_layer(cfg), vc.num_attention_heads,
                                 clip.post_layernorm if clip else None, clip.visual_projection if clip else None)
        vision_outputs = ["patch_features", "cls_attention"] + (["clip_image_embeds"] if clip else [])
    axes = {"pixel_values": {0: "V"}, **{name: {0: "V"} for name in vision_outputs}}
    specs.append(GraphSpec("vision", "vision.onnx", vision, (pixels,), ["pixel_values"], vision_outputs, axes))

    with torch.no_grad():
        feature_dim = vision(pixels[:1])[0].shape[-1]
    specs.append(GraphSpec("projector", "projector.onnx", ProjectorGraph(parts.projector), (fl(1, 5, feature_dim),),
                           ["patch_features"], ["visual_tokens"],
                           {"patch_features": {1: "N"}, "visual_tokens": {1: "N"}}))

    if clip is not None:
        ids = torch.tensor([[clip.vocab_size - 2, 5, 6, 7, clip.vocab_size - 1]], dtype=torch.long, device=device)
        text = ClipTextGraph(clip.text_model, clip.text_projection, clip.text_heads, clip.eos_token_id)
        specs.append(GraphSpec("textEncoder", "text_encoder.onnx", text, (ids,), ["input_ids"], ["text_embeds"],
                               {"input_ids": {1: "T"}}))

    ids = torch.arange(3, 8, dtype=torch.long, device=device).unsqueeze(0)
    specs.append(GraphSpec("embedTokens", "embed_tokens.onnx", EmbedGraph(parts.language_model.embed_tokens), (ids,),
                           ["input_ids"], ["inputs_embeds"], {"input_ids": {1: "T"}, "inputs_embeds": {1: "T"}}))

    past_len, new_len = 3, 5
    mask = torch.ones(1, past_len + new_len, dtype=torch.long, device=device)
    positions = torch.arange(past_len, past_len + new_len, dtype=torch.long, device=device).unsqueeze(0)
    common_axes = {"attention_mask": {1: "P+T"}, "position_ids": {1: "T"}}

    def past_for(layers: range):
        return tuple(fl(1, kv_heads, past_len, head_dim) for _ in layers for _kind in (0, 1))

    def cache_axes(layers: range):
        out = {name: {2: "P"} for name in kv_names("past_key_values", layers)}
        out.update({name: {2: "P+T"} for name in kv_names("present", layers)})
        return out

    head_layers, tail_layers = range(0, prune_layer), range(prune_layer, num_layers)
    head = DecoderHead(parts.language_model, parts.rope, prune_layer, dims)
    specs.append(GraphSpec(
        "decoderHead", "decoder_head.onnx", head, (fl(1, new_len, hidden), mask, positions, *past_for(head_layers)),
        ["inputs_embeds", "attention_mask", "position_ids", *kv_names("past_key_values", head_layers)],
        ["hidden_states", "last_token_attention", "key_norms", *kv_names("present", head_layers)],
        {"inputs_embeds": {1: "T"}, "hidden_states": {1: "T"}, "last_token_attention": {1: "P+T"},
         "key_norms": {1: "P+T"}, **common_axes, **cache_axes(head_layers)}))
    tail = DecoderTail(parts.language_model, parts.rope, parts.lm_head, prune_layer, dims)
    specs.append(GraphSpec(
        "decoderTail", "decoder_tail.onnx", tail, (fl(1, new_len, hidden), mask, positions, *past_for(tail_layers)),
        ["hidden_states", "attention_mask", "position_ids", *kv_names("past_key_values", tail_layers)],
        ["logits", *kv_names("present", tail_layers)],
        {"hidden_states": {1: "T"}, "logits": {1: "T"}, **common_axes, **cache_axes(tail_layers)}))
    return specs


def export_spec(spec: GraphSpec, out_dir: str, opset: int) -> list[str]:
    """Write one graph; returns the files written (the graph, plus `<graph>.data` when it is over 2 GiB)."""
    import onnx

    target = os.path.join(out_dir, spec.file)
    for stale in (target, target + ".data"):
        if os.path.exists(stale):
            os.remove(stale)
    kwargs = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".export-") as tmp:
        raw = os.path.join(tmp, spec.file)
        spec.module.eval()
        with torch.no_grad():
            torch.onnx.export(spec.module, spec.args, raw, input_names=spec.input_names,
                              output_names=spec.output_names, dynamic_axes=spec.dynamic_axes,
                              opset_version=opset, do_constant_folding=True, **kwargs)
        size = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp))
        if size < EXTERNAL_DATA_THRESHOLD and len(os.listdir(tmp)) == 1:
            shutil.move(raw, target)
            return [spec.file]
        # torch writes big models as one file per tensor; gather them into a single side file.
        model = onnx.load(raw, load_external_data=True)
        onnx.save_model(model, target, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=spec.file + ".data", size_threshold=1024)
        return [spec.file, spec.file + ".data"]


def check_graph(spec: GraphSpec, out_dir: str) -> None:
    """Structural check plus the contract's names, so a renamed output fails at export rather than in the worker."""
    import onnx

    path = os.path.join(out_dir, spec.file)
    onnx.checker.check_model(path)
    model = onnx.load(path, load_external_data=False)
    inputs = [i.name for i in model.graph.input]
    outputs = [o.name for o in model.graph.output]
    if inputs != spec.input_names or outputs != spec.output_names:
        raise RuntimeError(f"{spec.file}: names {inputs} -> {outputs} differ from the layout's "
                           f"{spec.input_names} -> {spec.output_names}")
