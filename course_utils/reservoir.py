"""Reservoir computing (an echo-state network): a fixed random recurrent network whose only
trained part is a linear read-out, fitted by ridge regression. Row-major, as in the course:
h_t = tanh(u_t @ W_in + h_{t-1} @ W), y_t = h_t @ W_out.
"""
import numpy as np


def make_reservoir(units, rho=0.9, input_scale=1.0, inputs=1, seed=0):
    """Random weights: W: (units, units) scaled so its spectral radius (largest |eigenvalue|) is
    rho, and W_in: (inputs, units) uniform in [-input_scale, input_scale]. Returns (W_in, W)."""
    if int(units) != units or units < 1:
        raise ValueError(f"make_reservoir: units must be an int >= 1, got {units!r}")
    if rho < 0 or input_scale < 0:
        raise ValueError(f"make_reservoir: rho and input_scale must be >= 0, got {rho}, {input_scale}")
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((units, units))
    W *= rho / np.abs(np.linalg.eigvals(W)).max()
    return rng.uniform(-input_scale, input_scale, (inputs, units)), W


def run_reservoir(u, W_in, W, h0=None):
    """States of the reservoir driven by u: (N, T, D) from h0: (N, H) (zeros if None).
    Returns states: (N, T, H)."""
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 3 or u.shape[2] != W_in.shape[0]:
        raise ValueError(f"run_reservoir: u must have shape (N, T, D) with D = {W_in.shape[0]}, "
                         f"got {u.shape}")
    N, T, _ = u.shape
    h = np.zeros((N, W.shape[0])) if h0 is None else np.asarray(h0, dtype=np.float64)
    drive = u @ W_in                                                   # (N, T, H)
    states = np.empty((N, T, W.shape[0]))
    for t in range(T):
        h = np.tanh(drive[:, t] + h @ W)
        states[:, t] = h
    return states


def ridge_readout(states, targets, alpha=1e-6):
    """The read-out that minimises |states @ W_out - targets|^2 + alpha |W_out|^2:
    W_out = (S^T S + alpha I)^-1 S^T Y.

    states: (T, H)   targets: (T, K)   Returns W_out: (H, K).
    """
    S, Y = np.asarray(states, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if S.ndim != 2 or Y.ndim != 2 or len(S) != len(Y):
        raise ValueError(f"ridge_readout: states must be (T, H) and targets (T, K) with the same "
                         f"T, got {S.shape} and {Y.shape}")
    return np.linalg.solve(S.T @ S + alpha * np.eye(S.shape[1]), S.T @ Y)


def memory_curve(W_in, W, max_delay=None, steps=3000, washout=200, alpha=1e-8, seed=0):
    """Jaeger's short-term memory: drive the reservoir with i.i.d. uniform input u_t in [-1, 1],
    fit one linear read-out per delay k to recall u_{t-k} from h_t (first half of the run), and
    measure the squared correlation r^2_k on the second half. The memory capacity is the sum of
    r^2_k, at most the number of units (Jaeger 2002).

    W_in: (1, H)   W: (H, H)   Returns r2: (max_delay,) for k = 1..max_delay (default 2H).
    """
    H = W.shape[0]
    max_delay = 2 * H if max_delay is None else max_delay
    u = np.random.default_rng(seed).uniform(-1, 1, steps)
    states = run_reservoir(u[None, :, None], W_in, W)[0]
    rows = np.arange(washout + max_delay, steps)
    targets = u[rows[:, None] - np.arange(1, max_delay + 1)]          # (rows, max_delay)
    half = len(rows) // 2
    W_out = ridge_readout(states[rows[:half]], targets[:half], alpha)
    recalled = states[rows[half:]] @ W_out
    truth = targets[half:]
    r = [np.corrcoef(recalled[:, k], truth[:, k])[0, 1] for k in range(max_delay)]
    return np.nan_to_num(np.square(r))


def echo_distance(W_in, W, steps=100, seed=0):
    """The echo-state property in one number per step: drive the reservoir twice with the same
    input (uniform in [-1, 1]) from two different random initial states, and return
    |h_t - h'_t| / sqrt(H): (steps,). It fades to 0 when the reservoir forgets where it began."""
    rng = np.random.default_rng(seed)
    u = np.repeat(rng.uniform(-1, 1, (1, steps, W_in.shape[0])), 2, axis=0)
    h0 = rng.uniform(-1, 1, (2, W.shape[0]))
    states = run_reservoir(u, W_in, W, h0)
    return np.linalg.norm(states[0] - states[1], axis=1) / np.sqrt(W.shape[0])
