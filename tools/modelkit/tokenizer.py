"""A word-level tokenizer written as a Hugging Face `tokenizer.json` that @huggingface/tokenizers can load.

tokenizers.js has no WordLevel model, so this is WordPiece over whole words: lower-case, split on whitespace, then
greedy longest-match with `##` continuation pieces. Punctuation glued to a word and box coordinates become `##`
pieces, so `[120,340,560,780]` encodes as `[ ##120 ##, ##340 ...` and decodes back to exactly the same text.
Single letters and digits (bare and `##`) are in the vocabulary so any ASCII word still tokenises without <unk>.
The Python encoder here mirrors the JS one; tools/modelkit/check_tokenizer.mjs verifies they agree.
"""
import json
import re
import string

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<image>"]
PAD, BOS, EOS, UNK, IMAGE = range(5)
PUNCT = list(".,?!:;[]()'\"-/")
COORD_STEP = 5  # box coordinates are quantised to multiples of 5 on the 0-1000 scale (about 1 px at 192 px)


def quantise_coord(v: float) -> int:
    return int(min(1000, max(0, round(v / COORD_STEP) * COORD_STEP)))


def format_box(box) -> str:
    return "[" + ",".join(str(quantise_coord(v)) for v in box) + "]"


def build_vocab(words) -> list[str]:
    vocab = list(SPECIALS)
    seen = set(vocab)

    def add(tok: str) -> None:
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    for p in PUNCT:
        add(p)
        add("##" + p)
    for c in string.ascii_lowercase + string.digits:
        add(c)
        add("##" + c)
    for n in range(0, 21):
        add(str(n))
    for n in range(0, 1001, COORD_STEP):
        add(str(n))
        add("##" + str(n))
    for w in sorted(set(words)):
        add(w)
    return vocab


def split_words(text: str) -> list[str]:
    """Alphabetic words of a text (lower-case); numbers and punctuation are covered by the fixed vocabulary."""
    return re.findall(r"[a-z]+", text.lower())


class WordTokenizer:
    def __init__(self, vocab: list[str]):
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}

    def _wordpiece(self, word: str) -> list[int]:
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            found = None
            while end > start:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                if sub in self.ids:
                    found = self.ids[sub]
                    break
                end -= 1
            if found is None:
                return [UNK]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        for word in text.lower().split():
            if word in self.ids:  # specials like <image> are matched whole
                ids.append(self.ids[word])
            else:
                ids.extend(self._wordpiece(word))
        return ids

    def decode(self, ids) -> str:
        out = ""
        for i in ids:
            tok = self.vocab[i]
            if i < len(SPECIALS):
                continue
            if tok.startswith("##"):
                out += tok[2:]
            else:
                out += (" " if out else "") + tok
        return out

    def to_hf_json(self) -> dict:
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True}
                for i, t in enumerate(SPECIALS)
            ],
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "WhitespaceSplit"},
            "post_processor": None,
            "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": False},
            "model": {
                "type": "WordPiece",
                "unk_token": "<unk>",
                "continuing_subword_prefix": "##",
                "max_input_chars_per_word": 100,
                "vocab": self.ids,
            },
        }

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=True, separators=(",", ":"))

    @staticmethod
    def load(path: str) -> "WordTokenizer":
        with open(path) as f:
            vocab_map = json.load(f)["model"]["vocab"]
        vocab = [""] * len(vocab_map)
        for t, i in vocab_map.items():
            vocab[i] = t
        return WordTokenizer(vocab)
