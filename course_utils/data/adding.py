"""The adding problem: remember two marked numbers, add them. This is the U(0, 1) version of
Le, Jaitly & Hinton (2015); Hochreiter & Schmidhuber's original (1997) draws values in [-1, 1]
and asks for 0.5 + (X1 + X2) / 4.

Each step's input is a pair (value, marker): values are uniform in [0, 1], and exactly two
steps are marked with 1, one in each half of the sequence. The target is the sum of the two
marked values. The best constant prediction, 1.0, scores a mean squared error of 1/6 ≈ 0.167
(a model that reads the values but ignores the markers can do slightly better, ≈ (1/6)(1 - 2/T));
a model well below that has learned to carry the marked values across up to T steps.
"""
import numpy as np

from ..validate import MAX_COUNT, MAX_STEPS, Int, Seed, checked

BASELINE_MSE = 1 / 6  # a constant predictor: the variance of the sum of two U(0, 1) values


@checked(n=Int(1, MAX_COUNT), T=Int(2, MAX_STEPS), seed=Seed, _size=lambda a: 2 * a["n"] * a["T"])
def make_adding(n, T, seed=0):
    """n sequences of length T. Returns x: (n, T, 2) float32 and y: (n,) float32."""
    if T < 2:
        raise ValueError(f"make_adding: T must be >= 2, got {T}")
    rng = np.random.default_rng(seed)
    x = np.zeros((n, T, 2), dtype=np.float32)
    x[:, :, 0] = rng.random((n, T))
    first = rng.integers(0, T // 2, size=n)
    second = rng.integers(T // 2, T, size=n)
    rows = np.arange(n)
    x[rows, first, 1] = 1
    x[rows, second, 1] = 1
    y = x[rows, first, 0] + x[rows, second, 0]
    return x, y.astype(np.float32)
