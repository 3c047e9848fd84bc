"""Export a TinyVlm into the prunebench ONNX layout (docs/model-format.md): six graphs, tokenizer.json, model.json.

Also writes a parity file (inputs and torch outputs of every graph, prefill and one cached decode step) that
tools/modelkit/check_parity.mjs replays with onnxruntime-node.
"""
import hashlib
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import torch

from graphs import DecoderSpan, EmbedGraph, ProjectorGraph, TextEncoderGraph, VisionGraph
from tiny_vlm import VIEW_BOXES, TinyVlm
from tokenizer import BOS, IMAGE, WordTokenizer

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
OPSET = 17
GRAPH_FILES = {
    "vision": "vision.onnx", "projector": "projector.onnx", "textEncoder": "text_encoder.onnx",
    "embedTokens": "embed_tokens.onnx", "decoderHead": "decoder_head.onnx", "decoderTail": "decoder_tail.onnx",
}
PROMPT_TEMPLATE = "USER: <image>\n{question} ASSISTANT:"


def _export(module, args, path, input_names, output_names, dynamic_axes):
    torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)


def _kv_names(prefix: str, layers) -> list[str]:
    return [f"{prefix}.{i}.{kind}" for i in layers for kind in ("key", "value")]


def export_graphs(model: TinyVlm, out_dir: str) -> None:
    cfg = model.cfg
    model.eval()
    k, n_layers = cfg.prune_layer, cfg.num_layers
    s = cfg.image_size
    with torch.no_grad():
        views = len(VIEW_BOXES[cfg.view_layout])  # a whole view set (TinyVlm.encode_image)
        _export(VisionGraph(model), (torch.zeros(views, 3, s, s),), os.path.join(out_dir, GRAPH_FILES["vision"]),
                ["pixel_values"], ["patch_features", "cls_attention", "clip_image_embeds"],
                {"pixel_values": {0: "V"}, "patch_features": {0: "V"}, "cls_attention": {0: "V"},
                 "clip_image_embeds": {0: "V"}})
        _export(ProjectorGraph(model), (torch.zeros(1, 5, cfg.patch_feature_width),),
                os.path.join(out_dir, GRAPH_FILES["projector"]), ["patch_features"], ["visual_tokens"],
                {"patch_features": {1: "N"}, "visual_tokens": {1: "N"}})
        ids = torch.tensor([[5, 6, 7]], dtype=torch.int64)
        _export(TextEncoderGraph(model), (ids,), os.path.join(out_dir, GRAPH_FILES["textEncoder"]),
                ["input_ids"], ["text_embeds"], {"input_ids": {1: "T"}})
        _export(EmbedGraph(model), (ids,), os.path.join(out_dir, GRAPH_FILES["embedTokens"]),
                ["input_ids"], ["inputs_embeds"], {"input_ids": {1: "T"}, "inputs_embeds": {1: "T"}})
        t, p = 3, 2
        x = torch.zeros(1, t, cfg.hidden_size)
        mask = torch.ones(1, p + t, dtype=torch.int64)
        pos = torch.arange(p, p + t, dtype=torch.int64)[None]
        for name, first, last, outs in (
                ("decoderHead", 0, k, ["hidden_states", "last_token_attention", "key_norms"]),
                ("decoderTail", k, n_layers, ["logits"])):
            layers = range(first, last)
            past = tuple(torch.zeros(1, cfg.num_kv_heads, p, cfg.head_dim) for _ in range(2 * len(layers)))
            past_names, present_names = _kv_names("past_key_values", layers), _kv_names("present", layers)
            in_name = "inputs_embeds" if first == 0 else "hidden_states"
            axes = {in_name: {1: "T"}, "attention_mask": {1: "PT"}, "position_ids": {1: "T"}, outs[0]: {1: "T"}}
            axes.update({n: {2: "P"} for n in past_names})
            axes.update({n: {2: "PT"} for n in present_names})
            if first == 0:
                axes.update({"last_token_attention": {1: "PT"}, "key_norms": {1: "PT"}})
            _export(DecoderSpan(model, first, last), (x, mask, pos, *past),
                    os.path.join(out_dir, GRAPH_FILES[name]), [in_name, "attention_mask", "position_ids", *past_names],
                    outs + present_names, axes)


def store_float16(path: str, min_elements: int = 64) -> None:
    """Stores every float32 initializer that float16 holds exactly as float16, behind a Cast back to float32, and
    leaves the rest (constants computed at export, e.g. the tail's output matrix) as they are. Compute stays float32:
    onnxruntime folds the Casts into float32 constants when it loads the graph, so answers and speed are those of the
    rounded float32 model (round_to_float16_), at half the file size."""
    model = onnx.load(path)
    graph = model.graph
    kept, casts = [], []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            kept.append(init)
            continue
        values = numpy_helper.to_array(init)
        half = values.astype(np.float16)
        if values.size < min_elements or not np.array_equal(half.astype(np.float32), values):
            kept.append(init)
            continue
        stored = init.name + ".float16"
        kept.append(numpy_helper.from_array(half, stored))
        casts.append(helper.make_node("Cast", [stored], [init.name], to=TensorProto.FLOAT, name=f"{stored}.cast"))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def content_hash(out_dir: str, files: list[str]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        with open(os.path.join(out_dir, name), "rb") as f:
            h.update(f.read())
    return "sha256:" + h.hexdigest()


def write_model_json(model: TinyVlm, out_dir: str, name: str, family: str = "llava-1.5",
                     extra: dict | None = None) -> dict:
    cfg = model.cfg
    files = list(GRAPH_FILES.values()) + ["tokenizer.json"] + list((extra or {}).get("hashFiles", []))
    doc = {
        "format": "prunebench-model/1",
        "name": name,
        "family": family,
        "dtype": "float32",
        "graphs": GRAPH_FILES,
        "vision": {"imageSize": cfg.image_size, "patchSize": cfg.patch_size, "grid": cfg.grid,
                   "hiddenSize": cfg.patch_feature_width, "clipDim": cfg.clip_dim},
        "llm": {"hiddenSize": cfg.hidden_size, "numLayers": cfg.num_layers, "numHeads": cfg.num_heads,
                "numKvHeads": cfg.num_kv_heads, "headDim": cfg.head_dim, "vocabSize": cfg.vocab_size,
                "pruneLayer": cfg.prune_layer, "intermediateSize": cfg.intermediate_size},
        "preprocess": {"mode": "pad-square", "size": cfg.image_size, "mean": CLIP_MEAN, "std": CLIP_STD,
                       "resample": "bicubic"},
        "prompt": {"template": PROMPT_TEMPLATE, "imageToken": "<image>", "addBos": True, "stop": ["</s>"],
                   "maxNewTokens": 16},
        "tokenizer": "tokenizer.json",
        "textEncoder": {"tokenizer": "tokenizer.json", "maxLength": cfg.text_max_length},
        "signals": {"clsAttention": True, "clipImageEmbeds": True, "clipTextEmbed": True,
                    "lastTokenAttention": True, "keyNorms": True, "hiddenStates": True},
        "grounding": {"boxScale": 1000},
    }
    for key, value in (extra or {}).items():
        if key != "hashFiles":
            doc[key] = value
    doc["contentHash"] = content_hash(out_dir, files)
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return doc


def _flat(t: torch.Tensor) -> dict:
    return {"dims": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def parity_cases(model: TinyVlm, tok: WordTokenizer, seed: int = 0) -> dict:
    """Every graph on fixed inputs, and a prefill then one cached decode step through head and tail, with the
    full (uncached) training-path forward as a cross-check of the cache logic."""
    cfg = model.cfg
    g = torch.Generator().manual_seed(seed)
    model.eval()
    with torch.no_grad():
        views = len(VIEW_BOXES[cfg.view_layout])  # a whole view set; the decoder below reads the first view's tokens
        pixels = torch.randn(views, 3, cfg.image_size, cfg.image_size, generator=g)
        patch_features, cls_attention, clip_image_embeds = VisionGraph(model)(pixels)
        visual = ProjectorGraph(model)(patch_features[:1])
        q_ids = torch.tensor([tok.encode("is there a red circle?")], dtype=torch.int64)
        text_embeds = TextEncoderGraph(model)(q_ids)
        prefix = torch.tensor([[BOS] + tok.encode("USER:")], dtype=torch.int64)
        suffix = torch.tensor([tok.encode("is there a red circle? ASSISTANT:")], dtype=torch.int64)
        emb = EmbedGraph(model)
        x = torch.cat([emb(prefix), visual, emb(suffix)], dim=1)
        t = x.shape[1]
        mask = torch.ones(1, t, dtype=torch.int64)
        pos = torch.arange(t, dtype=torch.int64)[None]
        k, n_layers = cfg.prune_layer, cfg.num_layers
        empty = lambda n: tuple(torch.zeros(1, cfg.num_kv_heads, 0, cfg.head_dim) for _ in range(2 * n))
        head, tail = DecoderSpan(model, 0, k), DecoderSpan(model, k, n_layers)
        head_out = head(x, mask, pos, *empty(k))
        tail_out = tail(head_out[0], mask, pos, *empty(n_layers - k))
        next_id = tail_out[0][:, -1].argmax(-1, keepdim=True)
        x2 = emb(next_id)
        mask2 = torch.ones(1, t + 1, dtype=torch.int64)
        pos2 = torch.tensor([[t]], dtype=torch.int64)
        head2 = head(x2, mask2, pos2, *head_out[3:])
        tail2 = tail(head2[0], mask2, pos2, *tail_out[1:])
        full_x = torch.cat([x, x2], dim=1)
        from tiny_vlm import causal_bias
        full_logits = model.logits(model.run_layers(full_x, torch.arange(t + 1)[None], causal_bias(mask2, t + 1),
                                                    0, n_layers))
        cache_err = (full_logits[:, -1] - tail2[0][:, -1]).abs().max().item()
        assert cache_err < 1e-4, f"KV-cache decode disagrees with the full forward: {cache_err}"
        kv = lambda prefix_name, layers, tensors: {n: _flat(v) for n, v in zip(_kv_names(prefix_name, layers),
                                                                                tensors)}
        head_layers, tail_layers = range(0, k), range(k, n_layers)
        return {
            "vision": {"inputs": {"pixel_values": _flat(pixels)},
                       "outputs": {"patch_features": _flat(patch_features), "cls_attention": _flat(cls_attention),
                                   "clip_image_embeds": _flat(clip_image_embeds)}},
            "projector": {"inputs": {"patch_features": _flat(patch_features[:1])},
                          "outputs": {"visual_tokens": _flat(visual)}},
            "text_encoder": {"inputs": {"input_ids": _flat(q_ids)}, "outputs": {"text_embeds": _flat(text_embeds)}},
            "embed_tokens": {"inputs": {"input_ids": _flat(suffix)}, "outputs": {"inputs_embeds": _flat(emb(suffix))}},
            "decoder_head": {"inputs": {"inputs_embeds": _flat(x2), "attention_mask": _flat(mask2),
                                        "position_ids": _flat(pos2), **kv("past_key_values", head_layers, head_out[3:])},
                             "outputs": {"hidden_states": _flat(head2[0]), "last_token_attention": _flat(head2[1]),
                                         "key_norms": _flat(head2[2]), **kv("present", head_layers, head2[3:])}},
            "decoder_head_prefill": {"inputs": {"inputs_embeds": _flat(x), "attention_mask": _flat(mask),
                                                "position_ids": _flat(pos), **kv("past_key_values", head_layers,
                                                                                 empty(k))},
                                     "outputs": {"hidden_states": _flat(head_out[0]),
                                                 "last_token_attention": _flat(head_out[1]),
                                                 "key_norms": _flat(head_out[2])}},
            "decoder_tail": {"inputs": {"hidden_states": _flat(head2[0]), "attention_mask": _flat(mask2),
                                        "position_ids": _flat(pos2), **kv("past_key_values", tail_layers, tail_out[1:])},
                             "outputs": {"logits": _flat(tail2[0]), **kv("present", tail_layers, tail2[1:])}},
        }


def export_model(model: TinyVlm, tok: WordTokenizer, out_dir: str, name: str, parity_path: str | None = None,
                 family: str = "llava-1.5", extra: dict | None = None, float16_storage: bool = False) -> dict:
    """With float16_storage, round the model's weights with round_to_float16_ *before* evaluating it, so the
    reported accuracy is that of the stored graphs."""
    os.makedirs(out_dir, exist_ok=True)
    assert len(tok.vocab) == model.cfg.vocab_size, "tokenizer and model vocab sizes differ"
    assert tok.vocab[IMAGE] == "<image>"
    export_graphs(model, out_dir)
    if float16_storage:
        for graph_file in GRAPH_FILES.values():
            store_float16(os.path.join(out_dir, graph_file))
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    doc = write_model_json(model, out_dir, name, family, extra)
    if parity_path:
        with open(parity_path, "w") as f:
            json.dump(parity_cases(model, tok), f)
    return doc
