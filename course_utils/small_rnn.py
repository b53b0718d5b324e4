"""Notebook 04's small NumPy RNN, the one its explosion explorer trains: the weights
(init_small_rnn: Wh a scaled orthogonal matrix, so every singular value equals the scale), how
much gradient survives T steps (gradient_survival), and plain SGD with gradient clipping on the
recent-sum task (train_recent_sum_rnn), several clipping thresholds batched together.

Row-major like the rest of the course: h_t = phi(h_{t-1} @ Wh + x_t @ Wx), prediction h_T @ wy.
"""
import numpy as np

from .data.recent_sum import recent_sum_task
from .dynamics import _check_nonlinearity, jacobian_log_norms, random_orthogonal, rnn_trajectory
from .validate import MAX_STEPS, Choice, Int, Number, Seed, checked


def _activate_into(a, nonlinearity, out):
    """out[...] = phi(a), without allocating (the hot loop of train_recent_sum_rnn)."""
    if nonlinearity == "tanh":
        np.tanh(a, out=out)
    elif nonlinearity == "relu":
        np.maximum(a, 0, out=out)
    elif nonlinearity == "sigmoid":
        np.tanh(np.multiply(a, 0.5, out=out), out=out)
        out += 1
        out *= 0.5
    else:
        out[...] = a


def _derivative_from_output(h, nonlinearity):
    """phi'(a) written with h = phi(a), so the backward pass needs only the states."""
    if nonlinearity == "tanh":
        return 1 - h * h
    if nonlinearity == "sigmoid":
        return h * (1 - h)
    if nonlinearity == "relu":
        return (h > 0).astype(h.dtype)
    return np.ones_like(h)


def _sum_outer(a, b):
    """sum over axes 0 and 2 of a[t, r, n, i] * b[t, r, n, j] -> (R, I, J), via one matmul per r."""
    return np.stack([a[:, r].reshape(-1, a.shape[-1]).T @ b[:, r].reshape(-1, b.shape[-1])
                     for r in range(a.shape[1])])


@checked(scale=Number(), hidden=Int(1, 4096), seed=Seed)
def init_small_rnn(scale, hidden=16, seed=0):
    """The small RNN of the explosion explorer: Wh = scale * (random orthogonal): (H, H),
    so every singular value of Wh equals `scale`; Wx: (1, H); read-out wy: (H, 1)."""
    rng = np.random.default_rng(seed)
    Wh = scale * random_orthogonal(hidden, rng)
    return Wh, rng.standard_normal((1, hidden)), rng.standard_normal((hidden, 1)) / np.sqrt(hidden)


@checked(scale=Number(), T=Int(1, MAX_STEPS),
         nonlinearity=Choice("linear", "tanh", "relu", "sigmoid"), hidden=Int(1, 1024), seed=Seed,
         _size=lambda a: a["T"] * a["hidden"] ** 2)
def gradient_survival(scale, T=100, nonlinearity="tanh", hidden=16, seed=0):
    """log10 ||d h_T / d h_0||_2 for init_small_rnn(scale) on one recent_sum_task sequence."""
    Wh, Wx, _ = init_small_rnn(scale, hidden, seed)
    x, _ = recent_sum_task(1, T, seed=seed + 1)
    _, derivs = rnn_trajectory(Wh, Wx, x, np.zeros((1, hidden)), nonlinearity)
    return float(jacobian_log_norms(Wh, derivs[:, 0], steps=np.array([0]))[1][0])


def _thresholds(fn, arg, value):
    """A non-empty tuple of clipping thresholds, each None (no clipping) or a positive number."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"{fn}: {arg} must be a non-empty tuple of None or positive numbers, "
                         f"got {value!r}"[:150])
    for item in value:
        if item is not None:
            Number(0, low_open=True)(fn, arg, item)


@checked(scale=Number(), T=Int(1, 10_000),
         nonlinearity=Choice("linear", "tanh", "relu", "sigmoid"), hidden=Int(1, 1024),
         batch=Int(1, 10_000), iterations=Int(1, 10_000), lr=Number(0, low_open=True), seed=Seed,
         thresholds=_thresholds,
         _size=lambda a: a["T"] * a["batch"] * a["hidden"] * len(a["thresholds"]) * 2)
def train_recent_sum_rnn(scale, T, nonlinearity="tanh", thresholds=(None,), hidden=16,
                         batch=16, iterations=15, lr=0.05, seed=0):
    """Train small RNNs on recent_sum_task with plain SGD, one run per clipping threshold.

    All runs start from the same weights, init_small_rnn(scale); they run batched together, so a second threshold is cheap.
    Each iteration draws fresh sequences. thresholds: None (no clipping) or a float per run.
    Returns losses: (runs, iterations), the mean squared error before each update (inf once a
    run has diverged), and grad_norms: (T + 1,) = ||dL/dh_t|| at the start, t = 0..T (first
    run, first sequence).
    """
    _check_nonlinearity("train_recent_sum_rnn", nonlinearity)
    runs, H = len(thresholds), hidden
    Wh, Wx, wy = (np.repeat(w[None], runs, axis=0).copy()  # one copy per run: (R, ...)
                  for w in init_small_rnn(scale, hidden, seed))
    losses = np.full((runs, iterations), np.inf)
    alive = np.ones(runs, bool)
    hs = np.empty((T + 1, runs, batch, H))
    das = np.empty((T, runs, batch, H))
    dhs = np.empty((T + 1, runs, batch, H))
    grad_norms = None
    with np.errstate(over="ignore", invalid="ignore"):
        for it in range(iterations):
            x, y = recent_sum_task(batch, T, seed=seed + 1 + it)
            inputs = np.moveaxis(x[None] @ Wx[:, None], 2, 0)  # (T, R, N, H)
            hs[0] = 0
            for t in range(T):
                _activate_into(np.add(hs[t] @ Wh, inputs[t], out=hs[t + 1]), nonlinearity,
                               hs[t + 1])
            error = (hs[T] @ wy)[..., 0] - y  # (R, N)
            loss = np.mean(error ** 2, axis=1)
            alive &= np.isfinite(loss)
            losses[:, it] = np.where(alive, loss, np.inf)
            derivs = _derivative_from_output(hs[1:], nonlinearity)  # (T, R, N, H)
            dhs[T] = (2 * error / batch)[..., None] * wy.transpose(0, 2, 1)  # dL/dh_T
            WhT = Wh.transpose(0, 2, 1)
            for t in range(T - 1, -1, -1):
                np.matmul(np.multiply(dhs[t + 1], derivs[t], out=das[t]), WhT, out=dhs[t])
            if it == 0:
                grad_norms = np.linalg.norm(dhs[:, 0, 0], axis=1)
            dWh = _sum_outer(hs[:-1], das)
            dWx = _sum_outer(np.broadcast_to(np.moveaxis(x, 1, 0)[:, None], (T, runs, batch, 1)),
                             das)
            dwy = hs[T].transpose(0, 2, 1) @ (2 * error / batch)[..., None]
            for r, threshold in enumerate(thresholds):
                grads = (dWh[r], dWx[r], dwy[r])
                total = np.sqrt(sum(np.sum(g * g) for g in grads))
                alive[r] &= bool(np.isfinite(total))
                if not alive[r]:
                    continue
                factor = threshold / total if threshold is not None and total > threshold else 1.0
                for weight, grad in zip((Wh, Wx, wy), grads):
                    weight[r] -= lr * factor * grad
    return losses, grad_norms
