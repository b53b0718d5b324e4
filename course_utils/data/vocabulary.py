"""One vocabulary for every data module: tokens (characters or words) <-> integer ids.

A Vocabulary is a read-only mapping token -> id (so `vocab["<pad>"]`, `vocab.get(w, default)`,
`w in vocab` and `len(vocab)` work as on a dict); `tokens` lists them in id order and `index`
is the plain dict. The character vocabulary (data.text.Vocabulary) and the caption vocabulary
(data.scenes.CaptionVocabulary) are this class with their own encode / decode.
"""
from collections.abc import Mapping

import numpy as np

from ..validate import Indices, Text, Words, checked


class Vocabulary(Mapping):
    """tokens: a sequence of distinct tokens in id order (token i gets id i). unknown: a token of
    the vocabulary that stands for tokens outside it (encode then never refuses), or None."""

    @checked(tokens=Words(1), unknown=Text())
    def __init__(self, tokens, unknown=None):
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        if not self.tokens:
            raise ValueError(f"{type(self).__name__}: tokens must not be empty, got {tokens!r}")
        if len(self.index) != len(self.tokens):
            repeated = sorted({t for t in self.tokens if self.tokens.count(t) > 1})[:5]
            raise ValueError(f"{type(self).__name__}: tokens must not repeat, got {repeated} twice")
        if unknown is not None and unknown not in self.index:
            raise ValueError(f"{type(self).__name__}: unknown must be one of the tokens, got {unknown!r}")
        self.unknown = unknown

    def __getitem__(self, token):
        return self.index[token]

    def __iter__(self):
        return iter(self.tokens)

    def __len__(self):
        return len(self.tokens)

    def __repr__(self):
        shown = ", ".join(map(repr, self.tokens[:6])) + (", ..." if len(self) > 6 else "")
        return f"{type(self).__name__}([{shown}]) with {len(self)} tokens"

    @checked(tokens=Words(1))
    def ids(self, tokens):
        """tokens: a sequence of L tokens -> ids: (L,) int64. A token outside the vocabulary
        becomes `unknown`'s id, or (without one) raises ValueError naming it."""
        if self.unknown is None:
            missing = sorted({t for t in tokens if t not in self.index}, key=str)
            if missing:
                raise ValueError(f"encode: tokens not in the vocabulary: {missing[:10]}")
            return np.array([self.index[t] for t in tokens], dtype=np.int64)
        fallback = self.index[self.unknown]
        return np.array([self.index.get(t, fallback) for t in tokens], dtype=np.int64)

    def tokens_of(self, ids):
        """ids: (L,) ints in [0, len(self)) (a list, array or tensor) -> the list of L tokens."""
        Indices("L", len(self.tokens), nonempty=False)(f"{type(self).__name__}.decode", "ids", ids)
        return [self.tokens[int(i)] for i in ids]

    @checked(tokens=Words(1))
    def encode(self, tokens):
        """tokens: a sequence of L tokens -> ids: (L,) int64 (see ids)."""
        return self.ids(tokens)

    def decode(self, ids):
        """ids: (L,) ints -> the list of L tokens."""
        return self.tokens_of(ids)
