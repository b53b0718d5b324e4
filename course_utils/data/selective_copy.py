"""Selective copying (Gu & Dao 2023, scaled to a CPU): find the data tokens among noise, then
repeat them in order.

A sequence has `length` positions of noise (token 0) with `k` data tokens (1..vocab) placed at
random positions, then `k` "recall" tokens (vocab + 1). At each recall step the target is the
next data token, in the order they came. Because the positions are random, a model must decide
from each token's *content* whether to store it: a fixed (time-invariant) filter cannot.
Guessing scores 1 / vocab per token.
"""
import numpy as np

from ..validate import MAX_COUNT, MAX_STEPS, MAX_WIDTH, Int, Seed, checked

NOISE = 0


@checked(n=Int(1, MAX_COUNT), length=Int(1, MAX_STEPS), k=Int(1, MAX_STEPS), vocab=Int(2, MAX_WIDTH),
         seed=Seed, _size=lambda a: a["n"] * (a["length"] + a["k"]))
def make_selective_copy(n, length=64, k=4, vocab=8, seed=0):
    """n sequences. Returns tokens: (n, length + k) int64 in [0, vocab + 1] and
    targets: (n, k) int64 in [1, vocab], the data tokens in order (read at the last k steps)."""
    if not 1 <= k <= length:
        raise ValueError(f"make_selective_copy: k must be in [1, length] = [1, {length}], got {k}")
    if vocab < 2:
        raise ValueError(f"make_selective_copy: vocab must be >= 2, got {vocab}")
    rng = np.random.default_rng(seed)
    tokens = np.zeros((n, length + k), dtype=np.int64)
    targets = rng.integers(1, vocab + 1, size=(n, k))
    positions = np.sort(np.argsort(rng.random((n, length)), axis=1)[:, :k], axis=1)
    np.put_along_axis(tokens, positions, targets, axis=1)
    tokens[:, length:] = vocab + 1
    return tokens, targets
