"""Text for the character-level language model: the shipped Shakespeare split, and encoding.

data/shakespeare/{train,valid}.txt were made by scripts/make_shakespeare.py; their sha256 is
in data/shakespeare/PROVENANCE.json and is checked on load.
"""
import hashlib
from pathlib import Path

from ..validate import expect_text
from .vocabulary import Vocabulary as TokenVocabulary

SHAKESPEARE = Path(__file__).resolve().parents[2] / "data" / "shakespeare"


def load_shakespeare():
    """Returns (train_text, valid_text, provenance dict), after checking both files' sha256."""
    from ..checkpoints import _missing, read_json

    provenance = read_json("load_shakespeare", SHAKESPEARE / "PROVENANCE.json", "shakespeare")
    texts = []
    for name in ("train.txt", "valid.txt"):
        if not (SHAKESPEARE / name).exists():
            raise _missing("load_shakespeare", SHAKESPEARE / name, "shakespeare")
        data = (SHAKESPEARE / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != provenance["files"][name]["sha256"]:
            raise ValueError(f"load_shakespeare: data/shakespeare/{name} does not match its sha256 "
                             "in PROVENANCE.json; run python scripts/make_shakespeare.py")
        texts.append(data.decode("utf-8"))
    return texts[0], texts[1], provenance


class Vocabulary(TokenVocabulary):
    """Characters <-> integer ids (data.vocabulary.Vocabulary over characters). chars: the
    alphabet, in id order (a str, or a list of one-character strings)."""

    def __init__(self, chars):
        if isinstance(chars, (list, tuple)) and all(isinstance(c, str) and len(c) == 1 for c in chars):
            chars = "".join(chars)
        expect_text("Vocabulary", "chars", chars, nonempty=True)
        if len(set(chars)) != len(chars):
            raise ValueError("Vocabulary: chars must not repeat")
        super().__init__(list(chars))
        self.chars = "".join(chars)

    def encode(self, text):
        """text: str -> ids: (len(text),) int64. Unknown characters raise ValueError."""
        expect_text("Vocabulary.encode", "text", text)
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"encode: characters not in the vocabulary: {''.join(unknown)!r}")
        return self.ids(list(text))

    def decode(self, ids):
        """ids: (L,) ints in [0, len(self)) (a list, array or tensor) -> str."""
        return "".join(self.tokens_of(ids))
