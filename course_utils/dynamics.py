"""How states and gradients evolve through a recurrence: pure NumPy, no plotting.

Everything that can grow or shrink like lambda**t is returned as a base-10 logarithm, so a
radius of 2 over 500 steps (2**500) neither overflows nor warns. Notebook 04 and its widgets
(course_utils.widgets) are built on these functions.

Conventions are the course's row-major ones: h_t = phi(h_{t-1} @ Wh + x_t @ Wx), so the
Jacobian of one step is d h_t / d h_{t-1} = diag(phi'(a_t)) @ Wh.T (a column-vector Jacobian).
"""
import numpy as np

from ._reference import clip_by_norm as _clip_by_norm
from .numerics import sigmoid
from .validate import MAX_COUNT, MAX_STEPS, Array, Choice, Int, Number, Seed, checked, expect_shape

NONLINEARITIES = ("linear", "tanh", "relu", "sigmoid")
# gamma: the largest |phi'|; ||Wh||_2 < 1/gamma guarantees vanishing gradients.
GAMMA = {"linear": 1.0, "tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}


def _check_nonlinearity(fn, nonlinearity):
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"{fn}: nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")


def random_orthogonal(n, rng):
    """A random orthogonal matrix Q: (n, n), Q.T @ Q = I (QR of a Gaussian, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


@checked(n=Int(2, 2000), radius=Number(0), spread=Number(0, 1), angle=Number(),
         non_normal=Number(0), seed=Seed)
def matrix_with_spectrum(n, radius, spread=0.0, angle=0.0, non_normal=0.0, seed=0):
    """A real (n, n) matrix with chosen eigenvalues: W = Q (B + N) Q.T.

    B is block-diagonal with 2x2 blocks r_k [[cos a_k, -sin a_k], [sin a_k, cos a_k]], whose
    eigenvalues are r_k exp(+-i a_k): magnitudes r_k fall evenly from `radius` to
    radius * (1 - spread) and angles a_k rise evenly up to `angle` (radians). N is strictly
    upper block-triangular with scale `non_normal`: it leaves the eigenvalues alone but makes
    W non-normal (its singular values, and the early powers, grow). Q is random orthogonal.
    Returns W: (n, n). With non_normal = 0, W is normal and ||W^t||_2 = radius**t exactly.
    """
    if n < 2:
        raise ValueError(f"matrix_with_spectrum: n must be >= 2, got {n}")
    if radius < 0 or not 0 <= spread <= 1 or non_normal < 0:
        raise ValueError("matrix_with_spectrum: need radius >= 0, 0 <= spread <= 1, "
                         f"non_normal >= 0; got {radius}, {spread}, {non_normal}")
    rng = np.random.default_rng(seed)
    pairs, odd = divmod(n, 2)
    blocks = pairs + odd
    magnitudes = radius * (1 - spread * np.arange(blocks) / max(blocks - 1, 1))
    angles = angle * np.arange(1, blocks + 1) / blocks
    B = np.zeros((n, n))
    for k in range(pairs):
        c, s = np.cos(angles[k]), np.sin(angles[k])
        B[2 * k:2 * k + 2, 2 * k:2 * k + 2] = magnitudes[k] * np.array([[c, -s], [s, c]])
    if odd:
        B[-1, -1] = magnitudes[-1]
    block_of = np.arange(n) // 2
    upper = block_of[:, None] < block_of[None, :]  # strictly above the diagonal blocks
    N = non_normal * radius * rng.standard_normal((n, n)) * upper / np.sqrt(n)
    Q = random_orthogonal(n, rng)
    return Q @ (B + N) @ Q.T


@checked(T=Int(1, MAX_STEPS), count=Int(1, MAX_STEPS))
def sample_steps(T, count=48):
    """Steps 0..T at which to evaluate costly norms: every step up to 16, then evenly spaced.

    Returns a sorted int array with at most `count` entries, always including 0 and T.
    """
    head = np.arange(min(T, 16) + 1)
    tail = np.linspace(min(T, 16), T, max(count - len(head), 2)).round().astype(int)
    return np.unique(np.concatenate([head, tail]))


def _log10_spectral_norms(products, log_scales):
    """log10 ||s * P||_2 for stacked matrices P: (K, n, n) with log10 scales s: (K,)."""
    with np.errstate(divide="ignore"):
        return np.log10(np.linalg.norm(products, 2, axis=(1, 2))) + log_scales


@checked(W=Array("n, n"), T=Int(1, MAX_STEPS))
def power_log_norms(W, T, steps=None):
    """log10 ||W^k||_2 for k in `steps` (default: sample_steps(T)).

    W: (n, n). Returns (steps: (K,), log_norms: (K,)). The powers are renormalised as they
    are formed, so nothing overflows; an all-zero power gives -inf.
    """
    n = expect_shape("power_log_norms", "W", W, "n, n", (None, None))[0]
    expect_shape("power_log_norms", "W", W, "n, n", (n, n))
    steps = sample_steps(T) if steps is None else np.asarray(steps)
    wanted = set(steps.tolist())
    power, log_scale, kept, scales = np.eye(n), 0.0, [], []
    for k in range(int(steps.max()) + 1):
        if k > 0:
            power = power @ W
            size = np.abs(power).max()
            if size > 0:
                power, log_scale = power / size, log_scale + np.log10(size)
        if k in wanted:
            kept.append(power.copy())
            scales.append(log_scale)
    return steps, _log10_spectral_norms(np.array(kept), np.array(scales))


@checked(W=Array("n, n"), h0=Array("n"), T=Int(1, MAX_STEPS))
def state_log_norms(W, h0, T):
    """log10 ||h_t|| for the lecture's linear recurrence h_t = W.T h_{t-1}, t = 0..T.

    W: (n, n)   h0: (n,). Returns (T + 1,). (Row-major code writes the step as h @ W.)
    """
    n = expect_shape("state_log_norms", "W", W, "n, n", (None, None))[0]
    expect_shape("state_log_norms", "h0", h0, "n", (n,))
    h, log_scale, out = np.asarray(h0, float), 0.0, np.empty(T + 1)
    for t in range(T + 1):
        if t > 0:
            h = h @ W
        size = np.linalg.norm(h)
        with np.errstate(divide="ignore"):
            out[t] = log_scale + np.log10(size)
        if size > 0:
            h, log_scale = h / size, log_scale + np.log10(size)
    return out


@checked(a=Array(), nonlinearity=Choice("linear", "tanh", "relu", "sigmoid"))
def activate(a, nonlinearity):
    """phi(a) and phi'(a) for a pre-activation array a (any shape). Returns (h, dh_da)."""
    _check_nonlinearity("activate", nonlinearity)
    if nonlinearity == "linear":
        return a, np.ones_like(a)
    if nonlinearity == "tanh":
        h = np.tanh(a)
        return h, 1 - h * h
    if nonlinearity == "relu":
        return np.maximum(a, 0), (a > 0).astype(a.dtype)
    h = sigmoid(a)
    return h, h * (1 - h)


_activate = activate.__wrapped__  # inside loops: checked once by the caller


@checked(Wh=Array("H, H"), Wx=Array("D, H"), x=Array("N, T, D"), h0=Array("N, H"),
         nonlinearity=Choice("linear", "tanh", "relu", "sigmoid"),
         _size=lambda a: np.size(a["x"]) * np.shape(a["Wh"])[0] * 3)
def rnn_trajectory(Wh, Wx, x, h0, nonlinearity="tanh"):
    """Run h_t = phi(h_{t-1} @ Wh + x_t @ Wx) and keep what backprop needs.

    Wh: (H, H)   Wx: (D, H)   x: (N, T, D)   h0: (N, H)
    Returns hs: (T + 1, N, H) with hs[0] = h0, and derivs: (T, N, H) = phi'(a_t), t = 1..T.
    Overflow in linear or ReLU networks gives inf without a warning.
    """
    fn = "rnn_trajectory"
    _check_nonlinearity(fn, nonlinearity)
    N, T, D = expect_shape(fn, "x", x, "N, T, D", (None, None, None))
    H = expect_shape(fn, "Wx", Wx, "D, H", (D, None))[1]
    expect_shape(fn, "Wh", Wh, "H, H", (H, H))
    expect_shape(fn, "h0", h0, "N, H", (N, H))
    inputs = x @ Wx  # (N, T, H), all steps at once
    hs, derivs = np.empty((T + 1, N, H)), np.empty((T, N, H))
    hs[0] = h0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            hs[t + 1], derivs[t] = _activate(hs[t] @ Wh + inputs[:, t], nonlinearity)
    return hs, derivs


def jacobian_log_norms(Wh, derivs, steps=None):
    """log10 ||d h_T / d h_t||_2 for one sequence, for t in `steps` (default: sample_steps(T)).

    Wh: (H, H)   derivs: (T, H) = phi'(a_t) for t = 1..T (one sequence of rnn_trajectory).
    d h_T / d h_t = prod_{k=T..t+1} diag(derivs_k) Wh.T. Returns (steps: (K,), log_norms: (K,)).
    """
    T, H = expect_shape("jacobian_log_norms", "derivs", derivs, "T, H", (None, None))
    expect_shape("jacobian_log_norms", "Wh", Wh, "H, H", (H, H))
    steps = sample_steps(T) if steps is None else np.asarray(steps)
    wanted = set(steps.tolist())
    jacobian, log_scale, kept, scales = np.eye(H), 0.0, {}, {}
    for t in range(T, -1, -1):
        if t < T:
            jacobian = jacobian * derivs[t] @ Wh.T  # columns scaled by phi'(a_{t+1})
            size = np.abs(jacobian).max()
            if size > 0 and np.isfinite(size):
                jacobian, log_scale = jacobian / size, log_scale + np.log10(size)
        if t in wanted:
            kept[t], scales[t] = jacobian.copy(), log_scale
    order = sorted(kept)
    with np.errstate(invalid="ignore"):
        return (np.array(order), _log10_spectral_norms(np.array([kept[t] for t in order]),
                                                       np.array([scales[t] for t in order])))


@checked(w=Array(), b=Array(), T=Int(1, MAX_STEPS), h0=Number(),
         target=Number())
def cliff_loss_and_grad(w, b, T=20, h0=0.5, target=0.7):
    """The one-unit RNN of Pascanu et al. (2013): h_t = w * sigmoid(h_{t-1}) + b, t = 1..T.

    w, b: arrays of the same shape (a grid, or scalars). Loss L = (h_T - target)**2.
    Returns L, dL/dw, dL/db, each shaped like w (forward-mode derivatives, exact).
    """
    w, b = np.broadcast_arrays(np.asarray(w, float), np.asarray(b, float))
    h = np.full(w.shape, h0)
    dh_dw, dh_db = np.zeros(w.shape), np.zeros(w.shape)
    for _ in range(T):
        s, ds = _activate(h, "sigmoid")
        dh_dw, dh_db = s + w * ds * dh_dw, 1 + w * ds * dh_db
        h = w * s + b
    error = h - target
    return error ** 2, 2 * error * dh_dw, 2 * error * dh_db


@checked(start=Array("2"), lr=Number(0, low_open=True), steps=Int(0, MAX_STEPS),
         threshold=Number(0, low_open=True), T=Int(1, 10_000))
def descend_cliff(start, lr, steps, threshold=None, T=20):
    """Gradient descent on cliff_loss_and_grad from start = (w, b), optionally clipped.

    Returns path: (steps + 1, 2) of (w, b) and losses: (steps + 1,).
    """
    path = [np.array(start, float)]
    for _ in range(steps):
        _, dw, db = cliff_loss_and_grad.__wrapped__(*path[-1], T=T)
        grad = np.array([dw, db])
        if threshold is not None:
            grad = _clip_by_norm(grad, threshold)
        path.append(path[-1] - lr * grad)
    path = np.array(path)
    return path, cliff_loss_and_grad.__wrapped__(path[:, 0], path[:, 1], T=T)[0]  # may diverge


@checked(N=Int(1, MAX_COUNT), T=Int(1, MAX_STEPS), seed=Seed, _size=lambda a: a["N"] * a["T"])
def recent_sum_task(N, T, seed=0):
    """Inputs x: (N, T, 1) of unit Gaussian noise; target y: (N,) = x_{T-1} + x_T.

    A short-range target: any healthy RNN learns it in a few steps, whatever T is, because
    the gradient it needs flows back only two steps. Predicting 0 scores a mean squared error
    of about 2.
    """
    x = np.random.default_rng(seed).standard_normal((N, T, 1))
    return x, x[:, -2:, 0].sum(axis=1)


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
