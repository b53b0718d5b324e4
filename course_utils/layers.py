"""NumPy layers for a vanilla RNN language model, forward and backward.

The lecture writes one step as h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h) on column
vectors. Here a batch is stored row by row (batch first), so the same step reads
next_h = tanh(x @ Wx + prev_h @ Wh + b) with Wx = W_xh.T and Wh = W_hh.T.

For torch.nn.RNN(D, H, batch_first=True, nonlinearity='tanh'):
    Wx = weight_ih_l0.T            (torch stores it as (H, D); here it is (D, H))
    Wh = weight_hh_l0.T            (H, H)
    b  = bias_ih_l0 + bias_hh_l0   (torch keeps two biases; only their sum matters)

The LSTM (gates i, f, o, g) and the GRU (gates r, z, n) follow the same conventions;
lstm_params_from_torch and gru_params_from_torch map torch's weights onto them.

Each forward returns (out, cache); the matching backward takes (dout, cache).
Shapes are checked on entry and a mismatch raises ValueError naming the argument.
"""

import numpy as np

from ._reference import _hidden_size, lstm_step_forward as _lstm_step_forward
from ._reference import rnn_step_backward as _rnn_step_backward
from .numerics import sigmoid as _sigmoid
from .validate import Array, Flag, checked, expect_indices, expect_shape


# ---------------------------------------------------------------- vanilla RNN

@checked(x=Array(), prev_h=Array(), Wx=Array(), Wh=Array(), b=Array())
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


@checked(x=Array(), h0=Array(), Wx=Array(), Wh=Array(), b=Array(),
         _size=lambda a: np.size(a['x']) // max(1, np.shape(a['x'])[-1]) * np.shape(a['Wh'])[-1])
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
        prev_h, step_cache = rnn_step_forward.__wrapped__(x[:, t, :], prev_h, Wx, Wh, b)
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
        dx_t, dprev_h, dWx_t, dWh_t, db_t = _rnn_step_backward(dh_t, step_caches[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t  # the weights are shared by all steps,
        dWh += dWh_t  # so their gradients add up
        db += db_t

    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


# ---------------------------------------------------------------- around the RNN

@checked(x=Array(kind="int"), W=Array(), _size=lambda a: np.size(a["x"]) * np.shape(a["W"])[-1])
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


@checked(x=Array(), w=Array(), b=Array())
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


@checked(x=Array(), y=Array(kind="int"), mask=Array())
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


# ---------------------------------------------------------------- LSTM

def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward of one step: dc = dnext_c + dnext_h * o * (1 - tanh(c)**2), then through each gate.

    dnext_h: (N, H), dnext_c: (N, H) gradients of the loss with respect to next_h and next_c
    cache: (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c, tanh(next_c)) from lstm_step_forward
    Returns dx: (N, D), dprev_h: (N, H), dprev_c: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,).
    """
    fn = "lstm_step_backward"
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c, tanh_c = cache
    expect_shape(fn, "dnext_h", dnext_h, "N, H", next_c.shape)
    expect_shape(fn, "dnext_c", dnext_c, "N, H", next_c.shape)

    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)  # next_c reaches the loss two ways
    da = np.concatenate([
        dc * g * i * (1 - i),             # sigmoid'(a) = s * (1 - s)
        dc * prev_c * f * (1 - f),
        dnext_h * tanh_c * o * (1 - o),
        dc * i * (1 - g ** 2),            # tanh'(a) = 1 - tanh(a)**2
    ], axis=1)                            # (N, 4H), blocks in the order i, f, o, g
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dprev_c = dc * f
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


@checked(x=Array(), h0=Array(), Wx=Array(), Wh=Array(), b=Array())
def lstm_forward(x, h0, Wx, Wh, b):
    """LSTM over a sequence: lstm_step_forward at every step t, from h0 and a zero cell state.

    x: (N, T, D) input sequence     h0: (N, H) initial hidden state (the initial cell state is 0)
    Wx: (D, 4H)   Wh: (H, 4H)   b: (4H,), gate blocks in the order i, f, o, g
    Returns h: (N, T, H), the hidden state at every step, and a cache for lstm_backward
    (the list of T step caches; lstm_gates(cache) reads the gates and cell states from it).
    """
    fn = "lstm_forward"
    N, T, D = expect_shape(fn, "x", x, "N, T, D", (None, None, None))
    H = _hidden_size(fn, Wh, 4)
    expect_shape(fn, "Wx", Wx, "D, 4H", (D, 4 * H))
    expect_shape(fn, "b", b, "4H", (4 * H,))
    expect_shape(fn, "h0", h0, "N, H", (N, H))

    hs, step_caches = [], []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, step_cache = _lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        hs.append(prev_h)
        step_caches.append(step_cache)
    h = np.stack(hs, axis=1)  # T arrays of (N, H) -> (N, T, H)
    return h, step_caches


def lstm_backward(dh, cache):
    """Backprop through time: step t gets dh[:, t] plus dprev_h and dprev_c sent back by step t+1.

    dh: (N, T, H) upstream gradients of every hidden state
    cache: the list of T step caches from lstm_forward
    Returns dx: (N, T, D), dh0: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,).
    """
    step_caches = cache
    T = len(step_caches)
    x0, prev_h0, _, Wx, Wh = step_caches[0][:5]
    (N, D), H = x0.shape, Wh.shape[0]
    expect_shape("lstm_backward", "dh", dh, "N, T, H", (N, T, H))

    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(4 * H, dtype=Wh.dtype)
    dprev_h = np.zeros_like(prev_h0)  # nothing comes back from after the last step
    dprev_c = np.zeros_like(prev_h0)

    for t in reversed(range(T)):
        dh_t = dh[:, t, :] + dprev_h  # from the loss at t, and from step t+1
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh_t, dprev_c, step_caches[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t  # shared weights: the gradients of all steps add up
        dWh += dWh_t
        db += db_t

    dh0 = dprev_h  # dprev_c is dropped: the initial cell state is a constant 0
    return dx, dh0, dWx, dWh, db


def lstm_gates(cache):
    """The gates and cell states of an lstm_forward run, stacked over time, e.g. for heat maps.

    cache: the cache returned by lstm_forward
    Returns a dict of (N, T, H) arrays: "i" input, "f" forget, "o" output gate (all in (0, 1)),
    "g" candidate values (in (-1, 1)) and "c" the cell state after each step.
    """
    # step cache: (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c, tanh_c)
    fields = {"i": 5, "f": 6, "o": 7, "g": 8, "c": 9}
    return {name: np.stack([step[k] for step in cache], axis=1) for name, k in fields.items()}


# ---------------------------------------------------------------- GRU

@checked(x=Array(), prev_h=Array(), Wx=Array(), Wh=Array(), b=Array(), bh=Array(),
         reset_after=Flag)
def gru_step_forward(x, prev_h, Wx, Wh, b, bh=None, reset_after=False):
    """GRU step: [r z] = sigmoid(x@Wx + b + prev_h@Wh + bh) on 2H; next_h = z*prev_h + (1-z)*n.

    The candidate n = tanh(x @ Wx_n + b_n + hn) differs between the two forms:
    reset_after=False (the lecture's, Cho et al. 2014): hn = (r * prev_h) @ Wh_n + bh_n;
    reset_after=True (torch.nn.GRU's): hn = r * (prev_h @ Wh_n + bh_n), the reset after Wh_n.

    x: (N, D) inputs at this step     prev_h: (N, H) previous hidden state
    Wx: (D, 3H)   Wh: (H, 3H)   b: (3H,) input-side bias   bh: (3H,) hidden-side bias, None = 0;
    gate blocks along the 3H axis in the order r, z, n (as in torch)
    Returns next_h: (N, H) and a cache for gru_step_backward.
    """
    fn = "gru_step_forward"
    N, D = expect_shape(fn, "x", x, "N, D", (None, None))
    H = _hidden_size(fn, Wh, 3)
    expect_shape(fn, "Wx", Wx, "D, 3H", (D, 3 * H))
    expect_shape(fn, "b", b, "3H", (3 * H,))
    if bh is None:
        bh = np.zeros(3 * H, dtype=Wh.dtype)
    expect_shape(fn, "bh", bh, "3H", (3 * H,))
    expect_shape(fn, "prev_h", prev_h, "N, H", (N, H))

    ax = x @ Wx + b                                    # (N, 3H) input side of all three blocks
    a_rz = ax[:, :2 * H] + prev_h @ Wh[:, :2 * H] + bh[:2 * H]
    r = _sigmoid(a_rz[:, :H])                          # reset gate
    z = _sigmoid(a_rz[:, H:])                          # update gate: how much of prev_h to keep
    if reset_after:
        hn = prev_h @ Wh[:, 2 * H:] + bh[2 * H:]       # hidden side of n, before the reset
        n = np.tanh(ax[:, 2 * H:] + r * hn)
    else:
        hn = (r * prev_h) @ Wh[:, 2 * H:] + bh[2 * H:]  # hidden side of n, reset applied already
        n = np.tanh(ax[:, 2 * H:] + hn)
    next_h = z * prev_h + (1 - z) * n
    cache = (x, prev_h, Wx, Wh, r, z, n, hn, reset_after)
    return next_h, cache


def gru_step_backward(dnext_h, cache):
    """Backward of one step: dz = dnext_h * (prev_h - n), dn = dnext_h * (1 - z), then r and Wh.

    dnext_h: (N, H) gradient of the loss with respect to next_h
    cache: (x, prev_h, Wx, Wh, r, z, n, hn, reset_after) from gru_step_forward,
    hn being the hidden-side term of n (before the reset if reset_after)
    Returns dx: (N, D), dprev_h: (N, H), dWx: (D, 3H), dWh: (H, 3H), db: (3H,), dbh: (3H,).
    """
    x, prev_h, Wx, Wh, r, z, n, hn, reset_after = cache
    H = Wh.shape[0]
    expect_shape("gru_step_backward", "dnext_h", dnext_h, "N, H", prev_h.shape)
    Wh_n = Wh[:, 2 * H:]

    da_n = dnext_h * (1 - z) * (1 - n ** 2)          # through next_h = ... + (1 - z) * n, tanh
    da_z = dnext_h * (prev_h - n) * z * (1 - z)
    dprev_h = dnext_h * z                            # through next_h = z * prev_h + ...
    if reset_after:
        dhn = da_n * r                               # hn = prev_h @ Wh_n + bh_n
        dr = da_n * hn
        dWh_n = prev_h.T @ dhn
        dprev_h = dprev_h + dhn @ Wh_n.T
    else:
        dhn = da_n                                   # hn = (r * prev_h) @ Wh_n + bh_n
        d_rh = dhn @ Wh_n.T
        dr = d_rh * prev_h
        dWh_n = (r * prev_h).T @ dhn
        dprev_h = dprev_h + d_rh * r
    da_r = dr * r * (1 - r)

    da_rz = np.concatenate([da_r, da_z], axis=1)     # (N, 2H), the hidden side of r and z
    dax = np.concatenate([da_rz, da_n], axis=1)      # (N, 3H), the input side of r, z, n
    dprev_h = dprev_h + da_rz @ Wh[:, :2 * H].T
    dx = dax @ Wx.T
    dWx = x.T @ dax
    db = dax.sum(axis=0)
    dWh = np.concatenate([prev_h.T @ da_rz, dWh_n], axis=1)
    dbh = np.concatenate([da_rz.sum(axis=0), dhn.sum(axis=0)])
    return dx, dprev_h, dWx, dWh, db, dbh


@checked(x=Array(), h0=Array(), Wx=Array(), Wh=Array(), b=Array(), bh=Array(), reset_after=Flag)
def gru_forward(x, h0, Wx, Wh, b, bh=None, reset_after=False):
    """GRU over a sequence: gru_step_forward at every step t, from h0.

    reset_after=False is the lecture's form (r scales prev_h before Wh_n), reset_after=True is
    torch.nn.GRU's (r scales prev_h @ Wh_n + bh_n); see gru_step_forward.

    x: (N, T, D) input sequence     h0: (N, H) initial hidden state
    Wx: (D, 3H)   Wh: (H, 3H)   b: (3H,)   bh: (3H,) or None = 0; gate blocks in the order r, z, n
    Returns h: (N, T, H), the hidden state at every step, and a cache for gru_backward
    (the list of T step caches; gru_gates(cache) reads the gates from it).
    """
    fn = "gru_forward"
    N, T, D = expect_shape(fn, "x", x, "N, T, D", (None, None, None))
    H = _hidden_size(fn, Wh, 3)
    expect_shape(fn, "Wx", Wx, "D, 3H", (D, 3 * H))
    expect_shape(fn, "b", b, "3H", (3 * H,))
    if bh is None:
        bh = np.zeros(3 * H, dtype=Wh.dtype)
    expect_shape(fn, "bh", bh, "3H", (3 * H,))
    expect_shape(fn, "h0", h0, "N, H", (N, H))

    hs, step_caches = [], []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = gru_step_forward.__wrapped__(x[:, t, :], prev_h, Wx, Wh, b, bh, reset_after)
        hs.append(prev_h)
        step_caches.append(step_cache)
    h = np.stack(hs, axis=1)  # T arrays of (N, H) -> (N, T, H)
    return h, step_caches


def gru_backward(dh, cache):
    """Backprop through time: step t gets dh[:, t] plus the gradient sent back by step t+1.

    dh: (N, T, H) upstream gradients of every hidden state
    cache: the list of T step caches from gru_forward
    Returns dx: (N, T, D), dh0: (N, H), dWx: (D, 3H), dWh: (H, 3H), db: (3H,), dbh: (3H,).
    """
    step_caches = cache
    T = len(step_caches)
    x0, prev_h0, Wx, Wh = step_caches[0][:4]
    (N, D), H = x0.shape, Wh.shape[0]
    expect_shape("gru_backward", "dh", dh, "N, T, H", (N, T, H))

    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(3 * H, dtype=Wh.dtype)
    dbh = np.zeros(3 * H, dtype=Wh.dtype)
    dprev_h = np.zeros_like(prev_h0)  # nothing comes back from after the last step

    for t in reversed(range(T)):
        dh_t = dh[:, t, :] + dprev_h  # from the loss at t, and from step t+1
        dx_t, dprev_h, dWx_t, dWh_t, db_t, dbh_t = gru_step_backward(dh_t, step_caches[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t  # shared weights: the gradients of all steps add up
        dWh += dWh_t
        db += db_t
        dbh += dbh_t

    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db, dbh


def gru_gates(cache):
    """The gates of a gru_forward run, stacked over time, e.g. for heat maps.

    cache: the cache returned by gru_forward
    Returns a dict of (N, T, H) arrays: "r" reset and "z" update gate (in (0, 1)) and
    "n" the candidate state (in (-1, 1)).
    """
    # step cache: (x, prev_h, Wx, Wh, r, z, n, hn, reset_after)
    fields = {"r": 4, "z": 5, "n": 6}
    return {name: np.stack([step[k] for step in cache], axis=1) for name, k in fields.items()}


# ---------------------------------------------------------------- from torch's layout

# torch.nn.LSTM stacks its gate blocks as i, f, g, o; the course uses i, f, o, g.
# Course block k is torch block TORCH_TO_COURSE_LSTM_GATES[k]:
#   course:  i  f  o  g
#   torch:   0  1  3  2      (torch's o is its block 3, its g is block 2)
TORCH_TO_COURSE_LSTM_GATES = [0, 1, 3, 2]

# torch.nn.GRU stacks r, z, n, the course's order too: nothing to permute.


def _reorder_gate_blocks(array, order):
    """Split axis 0 into len(order) equal gate blocks and put them in the given order."""
    blocks = np.split(np.asarray(array), len(order), axis=0)
    return np.concatenate([blocks[k] for k in order], axis=0)


def _weights_from_torch(fn, gates, weight_ih, weight_hh, bias_ih, bias_hh):
    """Check torch's shapes (GH, D), (GH, H), (GH,), (GH,) for G gates; return NumPy arrays."""
    weight_ih, weight_hh, bias_ih, bias_hh = (
        np.asarray(w) for w in (weight_ih, weight_hh, bias_ih, bias_hh))
    GH = f"{gates}H"
    _, H = expect_shape(fn, "weight_hh", weight_hh, f"{GH}, H", (None, None))
    expect_shape(fn, "weight_hh", weight_hh, f"{GH}, H", (gates * H, H))
    expect_shape(fn, "weight_ih", weight_ih, f"{GH}, D", (gates * H, None))
    expect_shape(fn, "bias_ih", bias_ih, GH, (gates * H,))
    expect_shape(fn, "bias_hh", bias_hh, GH, (gates * H,))
    return weight_ih, weight_hh, bias_ih, bias_hh


@checked(weight_ih=Array(), weight_hh=Array(), bias_ih=Array(), bias_hh=Array())
def lstm_params_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """torch.nn.LSTM's weights in the course's layout: Wx = weight_ih.T, Wh = weight_hh.T,
    b = bias_ih + bias_hh, gate blocks reordered from i, f, g, o to i, f, o, g.

    weight_ih: (4H, D)   weight_hh: (4H, H)   bias_ih: (4H,)   bias_hh: (4H,), NumPy arrays,
    e.g. lstm.weight_ih_l0.detach().numpy()
    Returns Wx: (D, 4H), Wh: (H, 4H), b: (4H,) for lstm_forward.
    """
    weight_ih, weight_hh, bias_ih, bias_hh = _weights_from_torch(
        "lstm_params_from_torch", 4, weight_ih, weight_hh, bias_ih, bias_hh)
    order = TORCH_TO_COURSE_LSTM_GATES
    Wx = _reorder_gate_blocks(weight_ih, order).T.copy()
    Wh = _reorder_gate_blocks(weight_hh, order).T.copy()
    b = _reorder_gate_blocks(bias_ih + bias_hh, order)  # only the sum of the two biases matters
    return Wx, Wh, b


@checked(weight_ih=Array(), weight_hh=Array(), bias_ih=Array(), bias_hh=Array())
def gru_params_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """torch.nn.GRU's weights in the course's layout: Wx = weight_ih.T, Wh = weight_hh.T,
    b = bias_ih, bh = bias_hh; the gate order r, z, n is the same in both.

    weight_ih: (3H, D)   weight_hh: (3H, H)   bias_ih: (3H,)   bias_hh: (3H,), NumPy arrays,
    e.g. gru.weight_ih_l0.detach().numpy()
    Returns Wx: (D, 3H), Wh: (H, 3H), b: (3H,), bh: (3H,) for gru_forward(..., reset_after=True)
    (the biases stay apart: with reset_after, bh_n sits inside r * (...)).
    """
    weight_ih, weight_hh, bias_ih, bias_hh = _weights_from_torch(
        "gru_params_from_torch", 3, weight_ih, weight_hh, bias_ih, bias_hh)
    return weight_ih.T.copy(), weight_hh.T.copy(), bias_ih.copy(), bias_hh.copy()
