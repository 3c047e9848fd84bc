"""--parity: inputs from the checkpoint's own processor, then reference vs exported graphs, report to parity.json."""

from __future__ import annotations

import json
import os

import numpy as np

from .families import resolve_parts
from .layout import anyres_view_count
from .parity import ParityInputs, compare, onnx_pipeline
from .reference import torch_reference


def sample_card(width: int = 640, height: int = 480):
    """A deterministic picture with distinct objects, so a real model's greedy answer is non-trivial."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (235, 235, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle([40, 60, 260, 300], fill=(200, 30, 30))
    draw.ellipse([340, 80, 580, 320], fill=(30, 80, 200))
    draw.polygon([(120, 440), (260, 330), (400, 440)], fill=(40, 160, 60))
    draw.text((430, 400), "STOP", fill=(0, 0, 0))
    return image


def check_parity(model, family: str, inputs: ParityInputs, out_dir: str, manifest: dict, provider: str,
                 max_new_tokens: int, stop_ids: set[int]) -> dict:
    parts = resolve_parts(model, family)
    reference = torch_reference(model, parts, inputs, manifest["llm"]["pruneLayer"], max_new_tokens, stop_ids)
    exported = onnx_pipeline(out_dir, inputs, max_new_tokens, stop_ids, provider)
    report = compare(reference, exported, manifest["dtype"])
    report.update(family=family, promptTokens=int(inputs.input_ids.shape[1]), views=int(inputs.pixel_values.shape[0]),
                  provider=provider, contentHash=manifest["contentHash"])
    with open(os.path.join(out_dir, "parity.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
    return report


def run_parity_from_processor(model, processor, family: str, rendered_template: str, args, manifest: dict) -> dict:
    from PIL import Image

    image = Image.open(args.parity_image).convert("RGB") if args.parity_image else sample_card()
    text = rendered_template.replace("{question}", args.parity_prompt)
    extra = {"max_patches": args.max_tiles} if family == "internvl-2.5" else {}
    encoded = processor(images=image, text=text, return_tensors="pt", **extra)
    pixels = encoded["pixel_values"].float()
    image_hw = None
    if family == "llava-next":
        image_hw = tuple(int(v) for v in encoded["image_sizes"][0].tolist())
        views = anyres_view_count(image_hw, manifest["preprocess"]["pinpoints"], manifest["vision"]["imageSize"])
        pixels = pixels[0, :views]
    inputs = ParityInputs(input_ids=encoded["input_ids"].numpy().astype(np.int64), pixel_values=pixels.numpy(),
                          image_hw=image_hw)
    tokenizer = processor.tokenizer
    stop_ids = {i for i in tokenizer.convert_tokens_to_ids(manifest["prompt"]["stop"]) if i is not None}
    report = check_parity(model, family, inputs, args.out, manifest, args.parity_provider, args.max_new_tokens,
                          stop_ids)
    report["referenceAnswer"] = tokenizer.decode(report["referenceTokens"], skip_special_tokens=True)
    report["onnxAnswer"] = tokenizer.decode(report["onnxTokens"], skip_special_tokens=True)
    with open(os.path.join(args.out, "parity.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, ensure_ascii=False)
    return report
