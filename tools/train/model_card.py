"""Render the measured part of MODEL_CARD.md from train_report.json (numbers are never typed by hand).

Usage: /usr/bin/python3 tools/train/model_card.py models/tiny-synth/train_report.json > table.md
"""
import json
import sys

METHOD_NOTES = {
    "full": "all 576 visual tokens",
    "random": "64 random tokens (seeded)",
    "cls-attention": "top-64 by vision CLS->patch attention (FasterVLM-style)",
    "clip-relevance": "top-64 by cosine(patch CLIP embedding, question text embedding)",
}


def pct(v) -> str:
    return f"{100 * v[0]:.1f}% (n={v[1]})"


def render(report: dict) -> str:
    test = report.get("test", {})
    if not test:
        return "_no test evaluation in this report_\n"
    cats = sorted({c for m in test.values() for c in m if not c.startswith("_")})
    heads = ["_general", "_grounding", "_all"]
    cols = [c for c in heads if any(c in m for m in test.values())] + cats
    lines = ["| method (llm-input stage, positions preserved) | " + " | ".join(c.strip("_") for c in cols) + " |",
             "| --- | " + " | ".join("---" for _ in cols) + " |"]
    for method, res in test.items():
        cells = [pct(res[c]) if c in res else "-" for c in cols]
        lines.append(f"| {method}: {METHOD_NOTES.get(method, method)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    with open(sys.argv[1]) as f:
        report = json.load(f)
    sys.stdout.write(render(report))


if __name__ == "__main__":
    main()
