"""The recent-sum task of notebook 04's explosion explorer: the answer is the sum of the last two
inputs, so the gradient it needs flows back only two steps, whatever the sequence length."""
import numpy as np

from ..validate import MAX_COUNT, MAX_STEPS, Int, Seed, checked


@checked(N=Int(1, MAX_COUNT), T=Int(1, MAX_STEPS), seed=Seed, _size=lambda a: a["N"] * a["T"])
def recent_sum_task(N, T, seed=0):
    """Inputs x: (N, T, 1) of unit Gaussian noise; target y: (N,) = x_{T-1} + x_T.

    A short-range target: any healthy RNN learns it in a few steps, whatever T is, because
    the gradient it needs flows back only two steps. Predicting 0 scores a mean squared error
    of about 2.
    """
    x = np.random.default_rng(seed).standard_normal((N, T, 1))
    return x, x[:, -2:, 0].sum(axis=1)
