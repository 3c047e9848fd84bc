"""`python -m tools.export`: load a Hugging Face checkpoint, write a prunebench model folder, optionally check parity."""

from __future__ import annotations

import argparse
import json
import os
import sys

from .families import FAMILIES, FAMILY_CLASS, ExportError, detect_family
from .manifest import FALLBACK_TEMPLATES, split_chat_template


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tools.export",
        description="Export a LLaVA-1.5 / LLaVA-NeXT / InternVL-2.5 Hugging Face checkpoint to the prunebench ONNX "
                    "layout (docs/model-format.md). Needs torch, transformers, onnx (and onnxruntime for --parity).")
    p.add_argument("--model-id-or-path", required=True, help="hub id or local folder, e.g. llava-hf/llava-1.5-7b-hf")
    p.add_argument("--family", choices=FAMILIES, help="default: detected from config.model_type")
    p.add_argument("--out", required=True, help="model folder to write (created if missing)")
    p.add_argument("--dtype", choices=("fp16", "fp32"), default="fp16")
    p.add_argument("--prune-layer", type=int, default=2, help="K: decoder_head = layers < K (default 2)")
    p.add_argument("--max-tiles", type=int, default=12, help="InternVL: most tiles per image (default 12)")
    p.add_argument("--clip-model", help="CLIP checkpoint (e.g. openai/clip-vit-large-patch14-336) for "
                                        "clip_image_embeds and text_encoder.onnx (LLaVA families only)")
    p.add_argument("--llava-preprocess", choices=("pad-square", "resize-crop"), default="pad-square",
                   help="LLaVA-1.5 image preprocessing recorded in model.json (pad-square = LLaVA's own eval)")
    p.add_argument("--name", help="model.json name (default: last part of --model-id-or-path)")
    p.add_argument("--prompt-template", help="override the chat template, e.g. 'USER: <image>\\n{question} ASSISTANT:'")
    p.add_argument("--max-new-tokens", type=int, default=16)
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--parity", action="store_true", help="after export, compare onnxruntime with PyTorch")
    p.add_argument("--parity-image", help="image for --parity (default: a generated test card)")
    p.add_argument("--parity-prompt", default="What is shown in this image? Answer briefly.")
    p.add_argument("--parity-provider", choices=("cpu", "cuda"), default="cpu")
    args = p.parse_args(argv)
    if args.prune_layer < 1:
        p.error("--prune-layer must be >= 1")
    if args.max_tiles < 1:
        p.error("--max-tiles must be >= 1")
    if args.opset < 17:
        p.error("--opset must be 17 or newer (the layout requires it)")
    return args


def _require_libraries():
    missing = []
    for module in ("torch", "transformers", "onnx"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ExportError(f"missing Python packages: {', '.join(missing)} (pip install torch transformers onnx)")


def _load_dtype_kwargs(torch_dtype):
    import inspect

    from transformers import PreTrainedModel

    params = inspect.signature(PreTrainedModel.from_pretrained).parameters
    return {"dtype": torch_dtype} if "dtype" in params else {"torch_dtype": torch_dtype}


def load_model(args, family: str, torch_dtype, device):
    import transformers

    cls = getattr(transformers, FAMILY_CLASS[family], None)
    if cls is None:
        raise ExportError(f"this transformers ({transformers.__version__}) has no {FAMILY_CLASS[family]}; "
                          "upgrade to >= 4.52")
    model = cls.from_pretrained(args.model_id_or_path, attn_implementation="eager", **_load_dtype_kwargs(torch_dtype))
    return model.to(device).eval()


def load_clip(path: str, torch_dtype, device):
    from transformers import AutoTokenizer, CLIPModel

    from .onnx_export import ClipParts

    clip = CLIPModel.from_pretrained(path, attn_implementation="eager").to(device, torch_dtype).eval()
    text_cfg = clip.config.text_config
    parts = ClipParts(post_layernorm=clip.vision_model.post_layernorm, visual_projection=clip.visual_projection,
                      text_model=clip.text_model, text_projection=clip.text_projection,
                      text_heads=text_cfg.num_attention_heads, eos_token_id=int(text_cfg.eos_token_id),
                      vocab_size=text_cfg.vocab_size)
    return parts, clip.vision_model, AutoTokenizer.from_pretrained(path, use_fast=True)


def derive_prompt(processor, tokenizer, family: str, text_model_type: str, generation_config, override: str | None,
                  notes: list[str]):
    from .pipeline import PromptInfo

    internvl = family == "internvl-2.5"
    marker = getattr(processor, "image_token", None) or ("<IMG_CONTEXT>" if internvl else "<image>")
    rendered = override
    if rendered is None:
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "{question}"}]}]
        try:
            rendered = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        except (ValueError, AttributeError, TypeError):  # no chat template on this processor
            rendered = None
    if rendered is None:
        key = f"llava-next:{text_model_type}" if family == "llava-next" else family
        rendered = FALLBACK_TEMPLATES.get(key, FALLBACK_TEMPLATES.get(family, FALLBACK_TEMPLATES["llava-1.5"]))
        notes.append(f"processor has no chat template: used the built-in {key} prompt")
    template, had_bos = split_chat_template(rendered, marker, tokenizer.bos_token)
    if internvl and "<img>" + marker not in template:
        template = template.replace(marker, f"<img>{marker}</img>")
    probe = tokenizer("x").input_ids
    adds_bos = tokenizer.bos_token_id is not None and len(probe) > 0 and probe[0] == tokenizer.bos_token_id
    eos = generation_config.eos_token_id if generation_config is not None else None
    eos_ids = eos if isinstance(eos, list) else ([eos] if eos is not None else [])
    stop = [t for t in tokenizer.convert_ids_to_tokens(eos_ids) if t] or [tokenizer.eos_token]
    if "<|im_end|>" in template and "<|im_end|>" not in stop:
        stop.append("<|im_end|>")
    return PromptInfo(template=template, image_token=marker, add_bos=had_bos or adds_bos, stop=stop), rendered


def run(args) -> int:
    _require_libraries()
    if args.parity:
        try:
            __import__("onnxruntime")
        except ImportError as error:
            raise ExportError("--parity needs onnxruntime for Python (pip install onnxruntime or onnxruntime-gpu)") \
                from error
    import torch
    from transformers import AutoConfig, AutoProcessor

    from .pipeline import ExportOptions, clip_tower_drift, export_folder

    config = AutoConfig.from_pretrained(args.model_id_or_path)
    family = detect_family(config, args.family)
    if args.clip_model and family == "internvl-2.5":
        raise ExportError("--clip-model applies to LLaVA families only (InternVL has no CLIP space)")
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          (args.device if args.device != "auto" else "cpu"))
    torch_dtype = torch.float16 if args.dtype == "fp16" else torch.float32
    notes: list[str] = []
    if torch_dtype == torch.float16 and device.type == "cpu":
        notes.append("fp16 traced on CPU")
    model = load_model(args, family, torch_dtype, device)
    processor = AutoProcessor.from_pretrained(args.model_id_or_path)
    tokenizer = processor.tokenizer
    prompt, rendered = derive_prompt(processor, tokenizer, family, config.text_config.model_type,
                                     getattr(model, "generation_config", None), args.prompt_template, notes)
    clip = clip_tokenizer = drift = None
    if args.clip_model:
        from .families import resolve_parts

        clip, clip_vision, clip_tokenizer = load_clip(args.clip_model, torch_dtype, device)
        drift = clip_tower_drift(resolve_parts(model, family), clip_vision)
        if family == "llava-next":
            notes.append("LLaVA-NeXT fine-tuned its vision tower: clip_image_embeds apply CLIP's projection to "
                         "the fine-tuned features (see clipTowerMaxAbsDiff)")
    image_processor = getattr(processor, "image_processor", None)
    options = ExportOptions(
        out_dir=args.out, family=family, name=args.name or os.path.basename(args.model_id_or_path.rstrip("/")),
        dtype=torch_dtype, prune_layer=args.prune_layer, max_tiles=args.max_tiles,
        llava_preprocess=args.llava_preprocess, opset=args.opset, max_new_tokens=args.max_new_tokens,
        source=args.model_id_or_path, clip_source=args.clip_model, notes=notes)
    manifest = export_folder(model, tokenizer, prompt, options,
                             image_mean=getattr(image_processor, "image_mean", None),
                             image_std=getattr(image_processor, "image_std", None),
                             clip=clip, clip_tokenizer=clip_tokenizer, clip_drift=drift, device=device)
    print(f"wrote {args.out} ({', '.join(sorted(manifest['graphs'].values()))}); {manifest['contentHash']}")
    if not args.parity:
        return 0
    from .parity_cli import run_parity_from_processor

    report = run_parity_from_processor(model, processor, family, rendered, args, manifest)
    print(json.dumps({k: v for k, v in report.items() if k not in ("referenceTokens", "onnxTokens")}, indent=2))
    return 0 if report["ok"] else 1


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except ExportError as error:
        print(f"tools/export: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # unreadable checkpoint, image or output folder
        print(f"tools/export: {error}", file=sys.stderr)
        return 2
