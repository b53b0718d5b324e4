"""Reservoir computing (an echo-state network): a fixed random recurrent network whose only
trained part is a linear read-out, fitted by ridge regression. Row-major, as in the course:
h_t = tanh(u_t @ W_in + h_{t-1} @ W), y_t = h_t @ W_out.
"""
import numpy as np

from .validate import (MAX_STEPS, MAX_WIDTH, Array, Int, Number, Seed, checked, expect_array,
                       expect_elements, expect_shape)


def _expect_weights(fn_name, W_in, W):
    """W_in: (D, H) and W: (H, H), finite: the reservoir's weights, as NumPy arrays."""
    W = expect_array(fn_name, "W", W, "H, H")
    expect_shape(fn_name, "W", W, "H, H", (W.shape[0], W.shape[0]))
    W_in = expect_array(fn_name, "W_in", W_in, "D, H")
    expect_shape(fn_name, "W_in", W_in, "D, H", (None, W.shape[0]))
    return W_in, W


@checked(units=Int(1, 4096), rho=Number(0, 100), input_scale=Number(0, 1e6), inputs=Int(1, MAX_WIDTH),
         seed=Seed, _size=lambda a: a["units"] * (a["units"] + a["inputs"]))
def make_reservoir(units, rho=0.9, input_scale=1.0, inputs=1, seed=0):
    """Random weights: W: (units, units) scaled so its spectral radius (largest |eigenvalue|) is
    rho, and W_in: (inputs, units) uniform in [-input_scale, input_scale]. Returns (W_in, W)."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((units, units))
    W *= rho / np.abs(np.linalg.eigvals(W)).max()
    return rng.uniform(-input_scale, input_scale, (inputs, units)), W


def run_reservoir(u, W_in, W, h0=None):
    """States of the reservoir driven by u: (N, T, D) from h0: (N, H) (zeros if None).
    W_in: (D, H)   W: (H, H). Returns states: (N, T, H)."""
    W_in, W = _expect_weights("run_reservoir", W_in, W)
    u = expect_array("run_reservoir", "u", u, "N, T, D")
    expect_shape("run_reservoir", "u", u, "N, T, D", (None, None, W_in.shape[0]))
    if h0 is not None:
        h0 = expect_array("run_reservoir", "h0", h0, "N, H")
        expect_shape("run_reservoir", "h0", h0, "N, H", (u.shape[0], W.shape[0]))
    expect_elements("run_reservoir", "u and W", u.shape[0] * u.shape[1] * W.shape[0])
    if u.shape[1] > MAX_STEPS:
        raise ValueError(f"run_reservoir: u has T = {u.shape[1]} steps, more than {MAX_STEPS}")
    return _run(u, W_in, W, h0)


def _run(u, W_in, W, h0=None):
    u = np.asarray(u, dtype=np.float64)
    N, T, _ = u.shape
    h = np.zeros((N, W.shape[0])) if h0 is None else np.asarray(h0, dtype=np.float64)
    drive = u @ W_in                                                   # (N, T, H)
    states = np.empty((N, T, W.shape[0]))
    for t in range(T):
        h = np.tanh(drive[:, t] + h @ W)
        states[:, t] = h
    return states


@checked(states=Array("T, H"), targets=Array("T, K"), alpha=Number(0, 1e12))
def ridge_readout(states, targets, alpha=1e-6):
    """The read-out that minimises |states @ W_out - targets|^2 + alpha |W_out|^2:
    W_out = (S^T S + alpha I)^-1 S^T Y.

    states: (T, H)   targets: (T, K)   Returns W_out: (H, K).
    """
    S, Y = np.asarray(states, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if S.ndim != 2 or Y.ndim != 2 or len(S) != len(Y):
        raise ValueError(f"ridge_readout: states must be (T, H) and targets (T, K) with the same "
                         f"T, got {S.shape} and {Y.shape}")
    if S.shape[1] > MAX_WIDTH or S.shape[1] ** 2 > 10 ** 8:
        raise ValueError(f"ridge_readout: states has H = {S.shape[1]} columns, too many to solve for")
    return _ridge(S, Y, alpha)


def _ridge(S, Y, alpha):
    return np.linalg.solve(S.T @ S + alpha * np.eye(S.shape[1]), S.T @ Y)


@checked(max_delay=Int(1, 10_000), steps=Int(1, MAX_STEPS), washout=Int(0, MAX_STEPS),
         alpha=Number(0, 1e12), seed=Seed)
def memory_curve(W_in, W, max_delay=None, steps=3000, washout=200, alpha=1e-8, seed=0):
    """Jaeger's short-term memory: drive the reservoir with i.i.d. uniform input u_t in [-1, 1],
    fit one linear read-out per delay k to recall u_{t-k} from h_t (first half of the run), and
    measure the squared correlation r^2_k on the second half. The memory capacity is the sum of
    r^2_k, at most the number of units (Jaeger 2002).

    W_in: (1, H)   W: (H, H)   Returns r2: (max_delay,) for k = 1..max_delay (default 2H).
    """
    W_in, W = _expect_weights("memory_curve", W_in, W)
    if W_in.shape[0] != 1:
        raise ValueError(f"memory_curve: W_in must have shape (1, H), got {W_in.shape}")
    H = W.shape[0]
    max_delay = 2 * H if max_delay is None else max_delay
    if steps - washout - max_delay < 4:
        raise ValueError(f"memory_curve: steps must exceed washout + max_delay = {washout + max_delay} "
                         f"by at least 4 (two rows to fit, two to test), got {steps}")
    expect_elements("memory_curve", "steps and max_delay", steps * (max_delay + H))
    u = np.random.default_rng(seed).uniform(-1, 1, steps)
    states = _run(u[None, :, None], W_in, W)[0]
    rows = np.arange(washout + max_delay, steps)
    targets = u[rows[:, None] - np.arange(1, max_delay + 1)]          # (rows, max_delay)
    half = len(rows) // 2
    W_out = _ridge(states[rows[:half]], targets[:half], alpha)
    recalled = states[rows[half:]] @ W_out
    truth = targets[half:]
    r = [np.corrcoef(recalled[:, k], truth[:, k])[0, 1] for k in range(max_delay)]
    return np.nan_to_num(np.square(r))


@checked(steps=Int(1, MAX_STEPS), seed=Seed)
def echo_distance(W_in, W, steps=100, seed=0):
    """The echo-state property in one number per step: drive the reservoir twice with the same
    input (uniform in [-1, 1]) from two different random initial states, and return
    |h_t - h'_t| / sqrt(H): (steps,). It fades to 0 when the reservoir forgets where it began."""
    W_in, W = _expect_weights("echo_distance", W_in, W)
    expect_elements("echo_distance", "steps", 2 * steps * W.shape[0])
    rng = np.random.default_rng(seed)
    u = np.repeat(rng.uniform(-1, 1, (1, steps, W_in.shape[0])), 2, axis=0)
    h0 = rng.uniform(-1, 1, (2, W.shape[0]))
    states = _run(u, W_in, W, h0)
    return np.linalg.norm(states[0] - states[1], axis=1) / np.sqrt(W.shape[0])
