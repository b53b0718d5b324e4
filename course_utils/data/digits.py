"""scikit-learn's bundled handwritten digits (no download): 1,797 grey images of 8 x 8 pixels,
classes 0-9, for notebook 09's ReNet."""
import numpy as np

from ..validate import Int, Seed, checked


@checked(train=Int(1, 1796), seed=Seed)
def load_digits_split(train=1200, seed=0):
    """The digits scaled to [0, 1], shuffled with `seed` and split.

    Returns x_train: (train, 1, 8, 8) float32, y_train: (train,) int64, x_test: (1797 - train,
    1, 8, 8), y_test.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    if int(train) != train or not 0 < train < len(digits.target):
        raise ValueError(f"load_digits_split: train must be an int in 1..{len(digits.target) - 1}, "
                         f"got {train!r}")
    order = np.random.default_rng(seed).permutation(len(digits.target))
    x = (digits.images[order, None] / 16.0).astype(np.float32)
    y = digits.target[order].astype(np.int64)
    return x[:train], y[:train], x[train:], y[train:]
