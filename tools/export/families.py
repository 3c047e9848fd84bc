"""Which family a checkpoint is, and where its parts live in the transformers object tree.

transformers >= 4.52 nests the parts under `model.model` (vision_tower, multi_modal_projector, language_model as a
bare decoder stack) with `lm_head` on the outer class; older releases put a full `*ForCausalLM` in
`language_model`. Both shapes are resolved here so the rest of the exporter sees one `Parts` record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FAMILIES = ("llava-1.5", "llava-next", "internvl-2.5")
MODEL_TYPE_TO_FAMILY = {"llava": "llava-1.5", "llava_next": "llava-next", "internvl": "internvl-2.5"}
FAMILY_CLASS = {
    "llava-1.5": "LlavaForConditionalGeneration",
    "llava-next": "LlavaNextForConditionalGeneration",
    "internvl-2.5": "InternVLForConditionalGeneration",
}
SUPPORTED_TEXT_MODELS = ("llama", "mistral", "qwen2", "qwen3")
STATIC_ROPE_TYPES = ("default", "linear", "llama3", "yarn")


class ExportError(Exception):
    """Bad input or an unsupported checkpoint: reported as one line, without a stack trace."""


def detect_family(config, requested: str | None = None) -> str:
    model_type = getattr(config, "model_type", None)
    detected = MODEL_TYPE_TO_FAMILY.get(model_type)
    if requested is not None and detected is not None and requested != detected:
        raise ExportError(f"--family {requested} does not match the checkpoint's model_type {model_type!r} ({detected})")
    family = requested or detected
    if family is None:
        raise ExportError(
            f"config.model_type {model_type!r} is not one of {sorted(MODEL_TYPE_TO_FAMILY)}; "
            "only transformers-native LLaVA, LLaVA-NeXT and InternVL checkpoints are supported"
        )
    return family


@dataclass
class Parts:
    family: str
    config: Any
    vision_tower: Any
    projector: Any
    language_model: Any  # decoder stack: embed_tokens, layers, norm
    lm_head: Any
    rope: Any  # has inv_freq and attention_scaling
    image_newline: Any  # LLaVA-NeXT only


def _inner(model):
    return model.model if hasattr(model, "model") and hasattr(model.model, "vision_tower") else model


def resolve_parts(model, family: str) -> Parts:
    inner = _inner(model)
    lm = inner.language_model
    if hasattr(lm, "lm_head") and hasattr(lm, "model"):  # transformers < 4.52: a full *ForCausalLM
        language_model, lm_head = lm.model, lm.lm_head
    else:
        language_model, lm_head = lm, model.lm_head
    text_type = getattr(model.config.text_config, "model_type", "?")
    if text_type not in SUPPORTED_TEXT_MODELS:
        raise ExportError(f"text model type {text_type!r} is not supported (supported: {', '.join(SUPPORTED_TEXT_MODELS)})")
    return Parts(
        family=family,
        config=model.config,
        vision_tower=inner.vision_tower,
        projector=inner.multi_modal_projector,
        language_model=language_model,
        lm_head=lm_head,
        rope=_rope(language_model),
        image_newline=getattr(inner, "image_newline", None) if family == "llava-next" else None,
    )


def _rope(language_model):
    rope = getattr(language_model, "rotary_emb", None)
    if rope is None:
        rope = getattr(language_model.layers[0].self_attn, "rotary_emb", None)
    if rope is None or not hasattr(rope, "inv_freq"):
        raise ExportError("cannot find the rotary embedding (inv_freq); transformers >= 4.52 is required")
    rope_type = getattr(rope, "rope_type", "default")
    if rope_type not in STATIC_ROPE_TYPES:
        raise ExportError(f"rope type {rope_type!r} changes with sequence length and cannot be exported statically")
    if not hasattr(rope, "attention_scaling"):
        rope.attention_scaling = 1.0
    return rope


def sliding_window_note(text_config) -> str | None:
    """The exported attention is full (causal) attention; a configured sliding window only matters beyond it."""
    window = getattr(text_config, "sliding_window", None)
    if window is None or getattr(text_config, "use_sliding_window", True) is False:
        return None
    return f"text model declares sliding_window={window}; the export attends fully, exact for sequences <= {window}"


def text_dims(text_config) -> tuple[int, int, int]:
    heads = text_config.num_attention_heads
    kv = getattr(text_config, "num_key_value_heads", None) or heads
    head_dim = getattr(text_config, "head_dim", None) or text_config.hidden_size // heads
    return heads, kv, head_dim


def image_token_id(config) -> int:
    value = getattr(config, "image_token_id", None)
    if value is None:
        value = getattr(config, "image_token_index", None)
    if value is None:
        raise ExportError("config has neither image_token_id nor image_token_index")
    return int(value)


def feature_layer(config) -> int:
    layer = config.vision_feature_layer
    if not isinstance(layer, int):
        raise ExportError(f"vision_feature_layer {layer!r}: multi-layer feature concatenation is not supported")
    if getattr(config, "vision_feature_select_strategy", "default") != "default":
        raise ExportError("vision_feature_select_strategy 'full' (CLS kept) is not supported by the layout")
    return layer


def _pair(value) -> int:
    return int(value[0] if isinstance(value, (list, tuple)) else value)


def vision_geometry(config, family: str) -> dict:
    """imageSize, patchSize and the token grid per view (InternVL: after pixel shuffle)."""
    vc = config.vision_config
    image_size, patch_size = _pair(vc.image_size), _pair(vc.patch_size)
    patch_grid = image_size // patch_size
    if family == "internvl-2.5":
        ratio = float(config.downsample_ratio)
        return {"imageSize": image_size, "patchSize": patch_size, "patchGrid": patch_grid,
                "grid": int(patch_grid * ratio), "downsampleRatio": ratio}
    return {"imageSize": image_size, "patchSize": patch_size, "patchGrid": patch_grid, "grid": patch_grid}
