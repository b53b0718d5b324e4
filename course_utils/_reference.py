"""The course's own answers to graded exercises, kept out of the public modules.

The checks in course_utils.checks compare a student's function with these. They are not
importable under the names the notebooks teach (layers.rnn_step_backward, sampling.top_k_filter,
dynamics.clip_by_norm, layers.lstm_step_forward), and a graded function that calls them fails
its check (see checks._forbidden). The public modules use them under private aliases.
"""
import numpy as np

from .numerics import sigmoid as _sigmoid
from .validate import expect_shape


def rnn_step_backward(dnext_h, cache):
    """Backward of one step: da = dnext_h * (1 - next_h**2), dx = da @ Wx.T, dprev_h = da @ Wh.T.

    dnext_h: (N, H) gradient of the loss with respect to next_h
    cache: (x, prev_h, Wx, Wh, next_h) from rnn_step_forward
    Returns dx: (N, D), dprev_h: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    x, prev_h, Wx, Wh, next_h = cache
    expect_shape("rnn_step_backward", "dnext_h", dnext_h, "N, H", next_h.shape)

    da = dnext_h * (1 - next_h ** 2)  # tanh'(a) = 1 - tanh(a)**2
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def _hidden_size(fn, Wh, gates):
    """H from Wh, which must be (H, gates*H); the gate count is 4 for the LSTM, 3 for the GRU."""
    symbols = f"H, {gates}H"
    H, _ = expect_shape(fn, "Wh", Wh, symbols, (None, None))
    expect_shape(fn, "Wh", Wh, symbols, (H, gates * H))
    return H


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """LSTM step: [i f o g] = act(x@Wx + prev_h@Wh + b); c = f*prev_c + i*g; next_h = o*tanh(c).

    act is the sigmoid on the i, f, o blocks and tanh on the g block; next_c = c.

    x: (N, D) inputs at this step     prev_h: (N, H), prev_c: (N, H) previous hidden and cell state
    Wx: (D, 4H)   Wh: (H, 4H)   b: (4H,), gate blocks along the 4H axis in the order i, f, o, g
    Returns next_h: (N, H), next_c: (N, H) and a cache for lstm_step_backward.
    """
    fn = "lstm_step_forward"
    N, D = expect_shape(fn, "x", x, "N, D", (None, None))
    H = _hidden_size(fn, Wh, 4)
    expect_shape(fn, "Wx", Wx, "D, 4H", (D, 4 * H))
    expect_shape(fn, "b", b, "4H", (4 * H,))
    expect_shape(fn, "prev_h", prev_h, "N, H", (N, H))
    expect_shape(fn, "prev_c", prev_c, "N, H", (N, H))

    a = x @ Wx + prev_h @ Wh + b  # (N, 4H): the four pre-activations side by side
    i = _sigmoid(a[:, :H])          # input gate: how much of g to write
    f = _sigmoid(a[:, H:2 * H])     # forget gate: how much of prev_c to keep
    o = _sigmoid(a[:, 2 * H:3 * H])  # output gate: how much of the cell to show
    g = np.tanh(a[:, 3 * H:])       # candidate values to write
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c, tanh_c)
    return next_h, next_c, cache


def top_k_filter(probs, k):
    """Keep the k most likely entries of probs: (V,), renormalised; k=None keeps all."""
    if k is None or k >= len(probs):
        return probs
    if k < 1:
        raise ValueError(f"top_k_filter: k must be >= 1, got {k}")
    keep = np.argsort(probs)[-k:]
    filtered = np.zeros_like(probs)
    filtered[keep] = probs[keep]
    return filtered / filtered.sum()


def clip_by_norm(grad, threshold):
    """Rescale grad to norm `threshold` if its (Euclidean) norm is larger; else return it.

    grad: any shape. Returns an array of the same shape.
    """
    if threshold <= 0:
        raise ValueError(f"clip_by_norm: threshold must be > 0, got {threshold}")
    norm = np.sqrt(np.sum(grad * grad))
    return grad * (threshold / norm) if norm > threshold else grad


# Notebook 02's measured outcome on the EEG tasks: what check_failure_prediction grades a
# prediction against. The notebook's lesson cell holds its live measurements to it
# (checks.assert_lesson_fates), so the two cannot drift apart.
EEG_FATES = {"dense": {"shifted": "fails", "two-part": "works"},
             "window CNN": {"shifted": "works", "two-part": "fails"},
             "RNN (LSTM)": {"shifted": "works", "two-part": "works"}}
