"""NumPy layers for a vanilla RNN language model, forward and backward.

The lecture writes one step as h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h) on column
vectors. Here a batch is stored row by row (batch first), so the same step reads
next_h = tanh(x @ Wx + prev_h @ Wh + b) with Wx = W_xh.T and Wh = W_hh.T.

For torch.nn.RNN(D, H, batch_first=True, nonlinearity='tanh'):
    Wx = weight_ih_l0.T            (torch stores it as (H, D); here it is (D, H))
    Wh = weight_hh_l0.T            (H, H)
    b  = bias_ih_l0 + bias_hh_l0   (torch keeps two biases; only their sum matters)

Each forward returns (out, cache); the matching backward takes (dout, cache).
Shapes are checked on entry and a mismatch raises ValueError naming the argument.
"""

import numpy as np

from .validate import expect_indices, expect_shape


# ---------------------------------------------------------------- vanilla RNN

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One step of a vanilla (Elman) RNN: next_h = tanh(x @ Wx + prev_h @ Wh + b).

    x: (N, D) inputs at this step     prev_h: (N, H) previous hidden state
    Wx: (D, H)   Wh: (H, H)   b: (H,)
    Returns next_h: (N, H) and a cache for rnn_step_backward.
    """
    fn = "rnn_step_forward"
    N, D = expect_shape(fn, "x", x, "N, D", (None, None))
    _, H = expect_shape(fn, "Wx", Wx, "D, H", (D, None))
    expect_shape(fn, "Wh", Wh, "H, H", (H, H))
    expect_shape(fn, "b", b, "H", (H,))
    expect_shape(fn, "prev_h", prev_h, "N, H", (N, H))

    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


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


def rnn_forward(x, h0, Wx, Wh, b):
    """Vanilla RNN over a sequence: h[:, t] = tanh(x[:, t] @ Wx + h[:, t-1] @ Wh + b), from h0.

    x: (N, T, D) input sequence     h0: (N, H) initial hidden state
    Wx: (D, H)   Wh: (H, H)   b: (H,)
    Returns h: (N, T, H), the hidden state at every step, and a cache for rnn_backward.
    """
    fn = "rnn_forward"
    N, T, D = expect_shape(fn, "x", x, "N, T, D", (None, None, None))
    _, H = expect_shape(fn, "Wx", Wx, "D, H", (D, None))
    expect_shape(fn, "Wh", Wh, "H, H", (H, H))
    expect_shape(fn, "b", b, "H", (H,))
    expect_shape(fn, "h0", h0, "N, H", (N, H))

    hs, step_caches = [], []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        hs.append(prev_h)
        step_caches.append(step_cache)
    h = np.stack(hs, axis=1)  # T arrays of (N, H) -> (N, T, H)
    return h, step_caches


def rnn_backward(dh, cache):
    """Backprop through time: step t gets dh[:, t] plus the gradient sent back by step t+1.

    dh: (N, T, H) upstream gradients of every hidden state
    cache: the list of T step caches from rnn_forward
    Returns dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    step_caches = cache
    T = len(step_caches)
    x0, prev_h0, Wx, Wh, _ = step_caches[0]
    (N, D), H = x0.shape, Wh.shape[0]
    expect_shape("rnn_backward", "dh", dh, "N, T, H", (N, T, H))

    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(H, dtype=Wh.dtype)
    dprev_h = np.zeros_like(prev_h0)  # nothing comes back from after the last step

    for t in reversed(range(T)):
        dh_t = dh[:, t, :] + dprev_h  # from the loss at t, and from step t+1
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh_t, step_caches[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t  # the weights are shared by all steps,
        dWh += dWh_t  # so their gradients add up
        db += db_t

    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


# ---------------------------------------------------------------- around the RNN

def word_embedding_forward(x, W):
    """Look up a vector per word: out[n, t] = W[x[n, t]].

    x: (N, T) integer word indices in [0, V)     W: (V, D) one row per word
    Returns out: (N, T, D) and a cache for word_embedding_backward.
    """
    fn = "word_embedding_forward"
    x = np.asarray(x)
    V, D = expect_shape(fn, "W", W, "V, D", (None, None))
    expect_shape(fn, "x", x, "N, T", (None, None))
    expect_indices(fn, "x", x, "V", V)

    out = W[x]
    cache = (x, W)
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward of the lookup: dW[v] = sum of dout[n, t] over all (n, t) with x[n, t] == v.

    dout: (N, T, D) upstream gradients
    cache: (x, W) from word_embedding_forward
    Returns dW: (V, D).
    """
    x, W = cache
    N, T = x.shape
    expect_shape("word_embedding_backward", "dout", dout, "N, T, D", (N, T, W.shape[1]))

    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)  # unlike dW[x] += dout, repeated words add up
    return dW


def temporal_affine_forward(x, w, b):
    """The same affine map at every step: out[:, t] = x[:, t] @ w + b.

    x: (N, T, D) inputs     w: (D, M)   b: (M,)
    Returns out: (N, T, M) and a cache for temporal_affine_backward.
    """
    fn = "temporal_affine_forward"
    N, T, D = expect_shape(fn, "x", x, "N, T, D", (None, None, None))
    _, M = expect_shape(fn, "w", w, "D, M", (D, None))
    expect_shape(fn, "b", b, "M", (M,))

    out = x @ w + b
    cache = (x, w)
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward, with the N*T rows stacked: dx = dout @ w.T, dw = x.T @ dout, db = dout summed.

    dout: (N, T, M) upstream gradients
    cache: (x, w) from temporal_affine_forward
    Returns dx: (N, T, D), dw: (D, M), db: (M,).
    """
    x, w = cache
    (N, T, D), M = x.shape, w.shape[1]
    expect_shape("temporal_affine_backward", "dout", dout, "N, T, M", (N, T, M))

    dx = dout @ w.T
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, M)
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask):
    """Masked softmax loss: loss = -sum_{n,t} mask[n,t] * log softmax(x[n,t])[y[n,t]] / N.

    x: (N, T, V) scores     y: (N, T) integer targets in [0, V)
    mask: (N, T) bool or 0/1, which steps count (e.g. 0 on padding)
    Returns loss (a float) and dx: (N, T, V), its gradient with respect to x.
    """
    fn = "temporal_softmax_loss"
    y, mask = np.asarray(y), np.asarray(mask)
    N, T, V = expect_shape(fn, "x", x, "N, T, V", (None, None, None))
    expect_shape(fn, "y", y, "N, T", (N, T))
    expect_shape(fn, "mask", mask, "N, T", (N, T))
    expect_indices(fn, "y", y, "V", V)
    if not np.isin(mask, (0, 1)).all():
        raise ValueError(f"{fn}: mask must hold only 0/1 or False/True")

    weight = mask.astype(x.dtype)
    shifted = x - x.max(axis=2, keepdims=True)  # same softmax, no overflow in exp
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    n, t = np.indices((N, T))
    loss = -np.sum(weight * log_probs[n, t, y]) / N

    dx = np.exp(log_probs)  # softmax probabilities
    dx[n, t, y] -= 1
    dx *= weight[:, :, None] / N
    return float(loss), dx
