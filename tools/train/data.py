"""Reading prunebench benchmark folders (docs/benchmark-format.md) into per-scene training records.

A scene is one image with all its questions (so the 576 visual tokens are paid for once per image) and the object
list from `meta`, which drives the vision-side alignment losses.
"""
import json
import os
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from tokenizer import format_box, split_words

IMAGE_SIZE = 192


@dataclass
class SceneObject:
    colour: str
    shape: str
    box_px: tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels
    size: str = ""

    @property
    def description(self) -> str:
        return f"{self.colour} {self.shape}"


@dataclass
class Question:
    question: str
    answer: str  # the text the model is trained to produce
    category: str
    metric: str
    sample: dict


@dataclass
class Scene:
    image_path: str
    objects: list[SceneObject]
    questions: list[Question] = field(default_factory=list)


def _pick(d: dict, *keys, default=None):
    for k in keys:
        if k in d:
            return d[k]
    return default


def parse_objects(meta: dict) -> list[SceneObject]:
    """Objects from a sample's `meta` (the generator's scene, boxes in pixels unless it says otherwise)."""
    scene = meta.get("scene", meta)
    raw = _pick(scene, "objects", "shapes", default=[])
    scale = _pick(scene, "boxScale", default="pixels")
    out = []
    for o in raw:
        box = _pick(o, "box", "bbox", "boxPx")
        if box is None:
            continue
        box = [float(v) for v in box]
        if scale == 1000:
            box = [v * IMAGE_SIZE / 1000 for v in box]
        elif scale == 1:
            box = [v * IMAGE_SIZE for v in box]
        out.append(SceneObject(str(_pick(o, "color", "colour", default="")), str(_pick(o, "shape", default="")),
                               tuple(box), str(_pick(o, "size", default=""))))
    return out


def answer_text(sample: dict) -> str:
    if sample["metric"] == "grounding-iou":
        box = sample["box"]
        scale = sample.get("boxScale", 1000)
        if scale == "pixels":
            box = [v * 1000 / IMAGE_SIZE for v in box]
        elif scale == 1:
            box = [v * 1000 for v in box]
        return format_box(box)
    if "answer" in sample:
        return str(sample["answer"])
    return str(sample["answers"][0])


def read_benchmark(folder: str) -> list[Scene]:
    """Scenes in first-appearance order of their image (deterministic)."""
    scenes: dict[str, Scene] = {}
    with open(os.path.join(folder, "samples.jsonl")) as f:
        for line_no, line in enumerate(f):
            if not line.strip():
                continue
            try:
                s = json.loads(line)
            except json.JSONDecodeError as e:
                raise SystemExit(f"{folder}/samples.jsonl line {line_no + 1}: invalid JSON ({e})")
            path = os.path.join(folder, s["image"])
            if path not in scenes:
                scenes[path] = Scene(path, parse_objects(s.get("meta", {})))
            scenes[path].questions.append(Question(s["question"], answer_text(s), s.get("category", s["metric"]),
                                                   s["metric"], s))
    return list(scenes.values())


def pad_square(img: Image.Image, size: int = IMAGE_SIZE) -> np.ndarray:
    """LLaVA-1.5's eval preprocessing: pad to a square with the mean colour, then resize (bicubic)."""
    img = img.convert("RGB")
    w, h = img.size
    if w != h:
        side = max(w, h)
        canvas = Image.new("RGB", (side, side), tuple(int(255 * m) for m in (0.48145466, 0.4578275, 0.40821073)))
        canvas.paste(img, ((side - w) // 2, (side - h) // 2))
        img = canvas
    if img.size != (size, size):
        img = img.resize((size, size), Image.BICUBIC)
    return np.asarray(img, dtype=np.uint8)


def load_images(scenes: list[Scene]) -> np.ndarray:
    """uint8 [N,H,W,3], preloaded so training steps never touch the disk."""
    out = np.empty((len(scenes), IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    for i, sc in enumerate(scenes):
        with Image.open(sc.image_path) as im:
            out[i] = pad_square(im)
    return out


def vocabulary_words(scenes: list[Scene]) -> list[str]:
    words = set()
    for sc in scenes:
        for q in sc.questions:
            words.update(split_words(q.question))
            words.update(split_words(q.answer))
        for o in sc.objects:
            words.update(split_words(o.description))
    words.update(split_words("USER: ASSISTANT: background"))
    return sorted(words)
