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
from .validate import MAX_STEPS, Array, Choice, Int, Number, Seed, checked, expect_shape

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
