"""Parity check: the exported graphs run with onnxruntime, in the worker's order (vision -> projector -> splice ->
head -> tail, then greedy decode with both KV caches), against the PyTorch model on the same inputs."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from .layout import splice_visual, stitch_anyres

# Relative tolerance on logits / signals: max |onnx - torch| / max |torch|.
TOLERANCE = {"float32": 1e-3, "float16": 3e-2}


@dataclass
class ParityInputs:
    input_ids: np.ndarray  # int64 [1, T], image tokens already expanded (as the HF processor does)
    pixel_values: np.ndarray  # float32 [V, 3, H, W], every view the model uses
    image_hw: tuple[int, int] | None = None  # original (height, width): LLaVA-NeXT only


def _session(path: str, provider: str):
    import onnxruntime as ort

    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if provider == "cuda" else ["CPUExecutionProvider"]
    return ort.InferenceSession(path, providers=providers)


def _run(session, feeds: dict) -> dict:
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds)))


def onnx_pipeline(out_dir: str, inputs: ParityInputs, max_new_tokens: int, stop_ids: set[int], provider: str,
                  session_factory=None) -> dict:
    """Runs the folder like the worker does. `session_factory(path, provider)` defaults to Python onnxruntime; it
    only needs `get_outputs()` and `run(None, feeds)` (the tests plug in onnxruntime-node through a bridge)."""
    with open(os.path.join(out_dir, "model.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    graphs = manifest["graphs"]
    make = session_factory or _session
    sessions = {key: make(os.path.join(out_dir, file), provider) for key, file in graphs.items()}
    float_type = np.float16 if manifest["dtype"] == "float16" else np.float32
    llm = manifest["llm"]
    k, layers = llm["pruneLayer"], llm["numLayers"]

    vision = _run(sessions["vision"], {"pixel_values": inputs.pixel_values.astype(float_type)})
    patch = vision["patch_features"]
    projected = _run(sessions["projector"], {"patch_features": patch.reshape(1, -1, patch.shape[-1])})["visual_tokens"]
    visual = projected[0]
    if manifest["family"] == "llava-next":
        newline = np.fromfile(os.path.join(out_dir, manifest["imageNewline"]), dtype="<f4")
        views = visual.reshape(patch.shape[0], patch.shape[1], -1)
        visual = stitch_anyres(views, inputs.image_hw, manifest["preprocess"]["pinpoints"],
                               manifest["vision"]["imageSize"], manifest["vision"]["grid"], newline)
    embeds = _run(sessions["embedTokens"], {"input_ids": inputs.input_ids})["inputs_embeds"]
    embeds = splice_visual(embeds, inputs.input_ids, manifest["export"]["imageTokenId"], visual)

    kv_shape = (1, llm["numKvHeads"], 0, llm["headDim"])
    head_cache = {f"{i}.{kind}": np.zeros(kv_shape, float_type) for i in range(k) for kind in ("key", "value")}
    tail_cache = {f"{i}.{kind}": np.zeros(kv_shape, float_type) for i in range(k, layers) for kind in ("key", "value")}
    result = {"tokens": [], "logits": [], "cls_attention": vision["cls_attention"]}
    past, step_embeds = 0, embeds
    for step in range(max_new_tokens):
        new = step_embeds.shape[1]
        mask = np.ones((1, past + new), np.int64)
        positions = np.arange(past, past + new, dtype=np.int64)[None]
        head = _run(sessions["decoderHead"], {"inputs_embeds": step_embeds, "attention_mask": mask,
                                              "position_ids": positions,
                                              **{f"past_key_values.{n}": v for n, v in head_cache.items()}})
        tail = _run(sessions["decoderTail"], {"hidden_states": head["hidden_states"], "attention_mask": mask,
                                              "position_ids": positions,
                                              **{f"past_key_values.{n}": v for n, v in tail_cache.items()}})
        if step == 0:
            result.update(hidden_states=head["hidden_states"], last_token_attention=head["last_token_attention"],
                          key_norms=head["key_norms"])
        head_cache = {n: head[f"present.{n}"] for n in head_cache}
        tail_cache = {n: tail[f"present.{n}"] for n in tail_cache}
        logits = tail["logits"][0, -1].astype(np.float32)
        result["logits"].append(logits)
        token = int(np.argmax(logits))
        if token in stop_ids:
            break
        result["tokens"].append(token)
        past += new
        step_embeds = _run(sessions["embedTokens"], {"input_ids": np.array([[token]], np.int64)})["inputs_embeds"]
    return result


def _rel_error(ref: np.ndarray, got: np.ndarray) -> float:
    ref, got = np.asarray(ref, np.float64), np.asarray(got, np.float64)
    if ref.shape != got.shape:
        return float("inf")
    scale = max(float(np.max(np.abs(ref))), 1e-6)
    return float(np.max(np.abs(ref - got))) / scale


def compare(reference: dict, exported: dict, dtype: str) -> dict:
    """Greedy answers must match (a divergence only passes where the reference's top-2 logits are closer than the
    tolerance, i.e. a numerical tie), and every compared tensor must be within the dtype's tolerance."""
    tol = TOLERANCE[dtype]
    ref_tokens, got_tokens = reference["tokens"], exported["tokens"]
    common = 0
    while common < min(len(ref_tokens), len(got_tokens)) and ref_tokens[common] == got_tokens[common]:
        common += 1
    steps = min(common + 1, len(reference["logits"]), len(exported["logits"]))
    errors = {f"logits[{i}]": _rel_error(reference["logits"][i], exported["logits"][i]) for i in range(steps)}
    for name in ("hidden_states", "last_token_attention", "key_norms", "cls_attention"):
        if reference.get(name) is not None and exported.get(name) is not None:
            errors[name] = _rel_error(reference[name], exported[name])
    same_answer = ref_tokens == got_tokens
    tie = False
    if not same_answer and common < len(reference["logits"]):
        top2 = np.sort(np.asarray(reference["logits"][common], np.float64))[-2:]
        tie = (top2[1] - top2[0]) <= tol * max(float(np.max(np.abs(reference["logits"][common]))), 1e-6)
    ok = (same_answer or tie) and all(err <= tol for err in errors.values())
    return {"ok": bool(ok), "dtype": dtype, "tolerance": tol, "sameAnswer": same_answer, "tieAtDivergence": bool(tie),
            "referenceTokens": ref_tokens, "onnxTokens": got_tokens, "relativeErrors": errors}
