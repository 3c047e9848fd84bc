"""model.json of docs/model-format.md: pure builders (no torch, no transformers) plus the file hash."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

FORMAT = "prunebench-model/1"
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
DEFAULT_PINPOINTS = [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]

# Used only when the processor has no chat template. Per checkpoint: the prompt LLaVA / lmms-eval use.
FALLBACK_TEMPLATES = {
    "llava-1.5": "USER: <image>\n{question} ASSISTANT:",
    "llava-next:llama": (
        "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, "
        "detailed, and polite answers to the human's questions. USER: <image>\n{question} ASSISTANT:"
    ),
    "llava-next:mistral": "[INST] <image>\n{question} [/INST]",
    "internvl-2.5": "<|im_start|>user\n<img><IMG_CONTEXT></img>\n{question}<|im_end|>\n<|im_start|>assistant\n",
}


@dataclass
class Signals:
    clip: bool  # a CLIP checkpoint was given (--clip-model)
    family: str

    def provided(self) -> dict:
        internvl = self.family == "internvl-2.5"
        return {
            "clsAttention": not internvl,
            "clipImageEmbeds": self.clip and not internvl,
            "clipTextEmbed": self.clip and not internvl,
            "lastTokenAttention": True,
            "keyNorms": True,
            "hiddenStates": True,
        }

    def reasons(self) -> dict:
        if self.family == "internvl-2.5":
            return {
                "clsAttention": "InternVL-2.5 drops the vision CLS token before the projector; vision.onnx "
                                "cls_attention holds the mean attention each patch receives in the last block "
                                "(heads and queries averaged, 2x2-pooled to the pixel-shuffled grid) instead",
                "clipImageEmbeds": "InternViT has no CLIP joint embedding space (no visual projection)",
                "clipTextEmbed": "InternVL has no CLIP text tower",
            }
        if self.clip:
            return {}
        why = "no --clip-model given: llava-hf checkpoints ship the CLIP vision tower without its projection"
        return {"clipImageEmbeds": why, "clipTextEmbed": why + " and without the CLIP text tower"}


def preprocess_block(family: str, image_size: int, mean, std, pinpoints=None, max_tiles: int = 12,
                     llava_mode: str = "pad-square") -> dict:
    block = {"size": image_size, "mean": list(mean), "std": list(std), "resample": "bicubic"}
    if family == "llava-1.5":
        return {"mode": llava_mode, **block}
    if family == "llava-next":
        return {"mode": "anyres", **block, "pinpoints": [list(p) for p in (pinpoints or DEFAULT_PINPOINTS)]}
    return {"mode": "tiles", **block, "maxTiles": max_tiles, "thumbnail": True}


def split_chat_template(rendered: str, image_marker: str, bos_token: str | None) -> tuple[str, bool]:
    """Rendered chat prompt (with `{question}` and one image marker) -> (template, template had a literal BOS)."""
    if rendered.count("{question}") != 1 or rendered.count(image_marker) != 1:
        raise ValueError(f"rendered chat template must hold one {{question}} and one {image_marker}: {rendered!r}")
    had_bos = bool(bos_token) and rendered.startswith(bos_token)
    return (rendered[len(bos_token):] if had_bos else rendered), had_bos


def content_hash(out_dir: str, files: list[str]) -> str:
    """sha256 over the bytes of the graph, tokenizer and newline files, concatenated in order of file name."""
    digest = hashlib.sha256()
    for name in sorted(set(files)):
        with open(os.path.join(out_dir, name), "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def build_manifest(*, name: str, family: str, dtype: str, graphs: dict, vision: dict, llm: dict, preprocess: dict,
                   prompt: dict, tokenizer: str, text_encoder: dict | None, signals: Signals, box_scale: int,
                   image_newline: str | None, provenance: dict) -> dict:
    manifest = {
        "format": FORMAT,
        "name": name,
        "family": family,
        "dtype": dtype,
        "graphs": graphs,
        "vision": vision,
        "llm": llm,
        "preprocess": preprocess,
    }
    if image_newline:
        manifest["imageNewline"] = image_newline
    manifest["prompt"] = prompt
    manifest["tokenizer"] = tokenizer
    if text_encoder:
        manifest["textEncoder"] = text_encoder
    manifest["signals"] = signals.provided()
    manifest["unavailableSignals"] = signals.reasons()
    manifest["grounding"] = {"boxScale": box_scale}
    manifest["export"] = provenance
    return manifest


def write_manifest(out_dir: str, manifest: dict, hashed_files: list[str]) -> dict:
    manifest = {**manifest, "contentHash": content_hash(out_dir, hashed_files)}
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return manifest
