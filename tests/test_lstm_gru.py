"""Tests for the LSTM and GRU layers of course_utils.layers: numeric gradient checks,
parity with torch.nn.LSTM / torch.nn.GRU, the mapping from torch's weight layout, input checks."""

from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils.layers import (
    TORCH_TO_COURSE_LSTM_GATES,
    gru_backward,
    gru_forward,
    gru_gates,
    gru_params_from_torch,
    gru_step_backward,
    gru_step_forward,
    lstm_backward,
    lstm_forward,
    lstm_gates,
    lstm_params_from_torch,
    lstm_step_backward,
)
from course_utils._reference import lstm_step_forward  # the graded exercise's answer: private
from test_layers import (
    GRAD_TOL,
    TORCH_TOL,
    D,
    H,
    N,
    T,
    assert_matches_numeric,
    expect_error,
    max_abs_rel_error,
)

RESET_AFTER = [pytest.param(False, id="reset_before"), pytest.param(True, id="reset_after")]


@pytest.fixture
def rng():
    # Seed 1, not 0: with seed 0 one entry of the GRU step's dWx is 3e-5, so small that the
    # centred difference's round-off alone gives it a relative error of 2e-7 (1e-8 with h=1e-4).
    return np.random.default_rng(1)


def lstm_params(rng, dtype=np.float64):
    Wx = 0.5 * rng.standard_normal((D, 4 * H))
    Wh = 0.5 * rng.standard_normal((H, 4 * H))
    b = 0.1 * rng.standard_normal(4 * H)
    return Wx.astype(dtype), Wh.astype(dtype), b.astype(dtype)


def gru_params(rng, dtype=np.float64):
    Wx = 0.5 * rng.standard_normal((D, 3 * H))
    Wh = 0.5 * rng.standard_normal((H, 3 * H))
    b = 0.1 * rng.standard_normal(3 * H)
    bh = 0.1 * rng.standard_normal(3 * H)
    return Wx.astype(dtype), Wh.astype(dtype), b.astype(dtype), bh.astype(dtype)


# ---------------------------------------------------------------- numeric gradient checks

def lstm_step_h_and_c(**args):
    """lstm_step_forward with next_h and next_c side by side, so one check covers both outputs."""
    next_h, next_c, _ = lstm_step_forward(**args)
    return np.concatenate([next_h, next_c], axis=1), None


def test_lstm_step_backward_matches_numeric_gradient(rng):
    x = rng.standard_normal((N, D))
    prev_h = rng.standard_normal((N, H))
    prev_c = rng.standard_normal((N, H))
    Wx, Wh, b = lstm_params(rng)
    next_h, next_c, cache = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    dnext_h = rng.standard_normal(next_h.shape)
    dnext_c = rng.standard_normal(next_c.shape)

    dx, dprev_h, dprev_c, dWx, dWh, db = lstm_step_backward(dnext_h, dnext_c, cache)

    args = dict(x=x, prev_h=prev_h, prev_c=prev_c, Wx=Wx, Wh=Wh, b=b)
    assert_matches_numeric(lstm_step_h_and_c, args, np.concatenate([dnext_h, dnext_c], axis=1),
                           dict(x=dx, prev_h=dprev_h, prev_c=dprev_c, Wx=dWx, Wh=dWh, b=db))


def test_lstm_backward_matches_numeric_gradient(rng):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b = lstm_params(rng)
    h, cache = lstm_forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)

    dx, dh0, dWx, dWh, db = lstm_backward(dh, cache)

    args = dict(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b)
    assert_matches_numeric(lstm_forward, args, dh, dict(x=dx, h0=dh0, Wx=dWx, Wh=dWh, b=db))


@pytest.mark.parametrize("reset_after", RESET_AFTER)
def test_gru_step_backward_matches_numeric_gradient(rng, reset_after):
    x = rng.standard_normal((N, D))
    prev_h = rng.standard_normal((N, H))
    Wx, Wh, b, bh = gru_params(rng)
    next_h, cache = gru_step_forward(x, prev_h, Wx, Wh, b, bh, reset_after)
    dnext_h = rng.standard_normal(next_h.shape)

    dx, dprev_h, dWx, dWh, db, dbh = gru_step_backward(dnext_h, cache)

    args = dict(x=x, prev_h=prev_h, Wx=Wx, Wh=Wh, b=b, bh=bh, reset_after=reset_after)
    assert_matches_numeric(gru_step_forward, args, dnext_h,
                           dict(x=dx, prev_h=dprev_h, Wx=dWx, Wh=dWh, b=db, bh=dbh))


@pytest.mark.parametrize("reset_after", RESET_AFTER)
def test_gru_backward_matches_numeric_gradient(rng, reset_after):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b, bh = gru_params(rng)
    h, cache = gru_forward(x, h0, Wx, Wh, b, bh, reset_after)
    dh = rng.standard_normal(h.shape)

    dx, dh0, dWx, dWh, db, dbh = gru_backward(dh, cache)

    args = dict(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b, bh=bh, reset_after=reset_after)
    assert_matches_numeric(gru_forward, args, dh,
                           dict(x=dx, h0=dh0, Wx=dWx, Wh=dWh, b=db, bh=dbh))


def test_gru_without_bh_is_gru_with_zero_bh(rng):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b, _ = gru_params(rng)
    for reset_after in (False, True):
        h_none, cache = gru_forward(x, h0, Wx, Wh, b, reset_after=reset_after)
        h_zero, _ = gru_forward(x, h0, Wx, Wh, b, np.zeros(3 * H), reset_after)
        assert np.array_equal(h_none, h_zero)
        assert gru_backward(np.ones_like(h_none), cache)[5].shape == (3 * H,)  # dbh still comes


# ---------------------------------------------------------------- gates for the heat maps

def test_lstm_gates_are_the_values_of_the_forward_pass(rng):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b = lstm_params(rng)
    h, cache = lstm_forward(x, h0, Wx, Wh, b)

    gates = lstm_gates(cache)

    assert sorted(gates) == ["c", "f", "g", "i", "o"]
    assert all(gate.shape == (N, T, H) for gate in gates.values())
    assert all(((0 < gates[k]) & (gates[k] < 1)).all() for k in "ifo")
    assert (np.abs(gates["g"]) < 1).all()
    assert np.allclose(h, gates["o"] * np.tanh(gates["c"]))  # h_t = o_t * tanh(c_t)
    c_prev = np.concatenate([np.zeros((N, 1, H)), gates["c"][:, :-1]], axis=1)  # c_0 = 0
    assert np.allclose(gates["c"], gates["f"] * c_prev + gates["i"] * gates["g"])
    a0 = x[:, 0] @ Wx + h0 @ Wh + b  # step 0 by hand: blocks i, f, o, g
    assert np.allclose(gates["o"][:, 0], 1 / (1 + np.exp(-a0[:, 2 * H:3 * H])))
    assert np.allclose(gates["g"][:, 0], np.tanh(a0[:, 3 * H:]))


def test_gru_gates_are_the_values_of_the_forward_pass(rng):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b, bh = gru_params(rng)
    h, cache = gru_forward(x, h0, Wx, Wh, b, bh)

    gates = gru_gates(cache)

    assert sorted(gates) == ["n", "r", "z"]
    assert all(gate.shape == (N, T, H) for gate in gates.values())
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    assert np.allclose(h, gates["z"] * h_prev + (1 - gates["z"]) * gates["n"])


def test_sigmoid_gates_do_not_overflow():
    """Huge pre-activations saturate the gates to exactly 0 or 1, without warnings or NaN."""
    Wx = np.zeros((1, 4))
    Wx[0] = [1e4, -1e4, 1e4, 1e4]  # i, f, o, g with H = 1
    with np.errstate(all="raise"):
        next_h, next_c, _ = lstm_step_forward(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)),
                                              Wx, np.zeros((1, 4)), np.zeros(4))
    assert next_c[0, 0] == 1.0  # f = 0 forgets prev_c, i * g = 1
    assert next_h[0, 0] == pytest.approx(np.tanh(1.0))


# ---------------------------------------------------------------- parity with torch

def torch_lstm_and_params(seed=0):
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    Wx, Wh, b = lstm_params_from_torch(
        *(p.detach().numpy() for p in (lstm.weight_ih_l0, lstm.weight_hh_l0,
                                       lstm.bias_ih_l0, lstm.bias_hh_l0)))
    return lstm, Wx, Wh, b


def torch_gru_and_params(seed=0):
    torch.manual_seed(seed)
    gru = torch.nn.GRU(D, H, batch_first=True).double()
    Wx, Wh, b, bh = gru_params_from_torch(
        *(p.detach().numpy() for p in (gru.weight_ih_l0, gru.weight_hh_l0,
                                       gru.bias_ih_l0, gru.bias_hh_l0)))
    return gru, Wx, Wh, b, bh


def test_lstm_matches_torch_forward_and_backward(rng):
    lstm, Wx, Wh, b = torch_lstm_and_params()
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))

    h, cache = lstm_forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = lstm_backward(dh, cache)

    x_t = torch.tensor(x, requires_grad=True)
    h0_t = torch.tensor(h0[None], requires_grad=True)  # torch wants (layers, N, H)
    c0_t = torch.zeros(1, N, H, dtype=torch.float64)
    out_t, _ = lstm(x_t, (h0_t, c0_t))
    (out_t * torch.tensor(dh)).sum().backward()

    # torch's gradients, mapped to the course's layout like the weights themselves
    w_ih, w_hh = lstm.weight_ih_l0.grad.numpy(), lstm.weight_hh_l0.grad.numpy()
    b_ih, b_hh = lstm.bias_ih_l0.grad.numpy(), lstm.bias_hh_l0.grad.numpy()
    dWx_t, dWh_t, db_ih = lstm_params_from_torch(w_ih, w_hh, b_ih, np.zeros_like(b_hh))
    _, _, db_hh = lstm_params_from_torch(w_ih, w_hh, np.zeros_like(b_ih), b_hh)

    assert max_abs_rel_error(h, out_t.detach().numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dx, x_t.grad.numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dh0, h0_t.grad[0].numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dWx, dWx_t) <= TORCH_TOL
    assert max_abs_rel_error(dWh, dWh_t) <= TORCH_TOL
    # b = bias_ih + bias_hh, so each torch bias gets the same gradient as b
    assert max_abs_rel_error(db, db_ih) <= TORCH_TOL
    assert max_abs_rel_error(db, db_hh) <= TORCH_TOL


def test_lstm_gates_in_torch_order_break_parity(rng):
    """Using torch's blocks i, f, g, o as if they were i, f, o, g gives a different LSTM:
    without TORCH_TO_COURSE_LSTM_GATES the parity test above would fail."""
    lstm, Wx, Wh, b = torch_lstm_and_params()
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx_unpermuted = lstm.weight_ih_l0.detach().numpy().T
    Wh_unpermuted = lstm.weight_hh_l0.detach().numpy().T
    b_unpermuted = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy()

    h_torch = lstm(torch.tensor(x), (torch.tensor(h0[None]), torch.zeros(1, N, H,
                                                                         dtype=torch.float64)))
    h_torch = h_torch[0].detach().numpy()
    h_right, _ = lstm_forward(x, h0, Wx, Wh, b)
    h_wrong, _ = lstm_forward(x, h0, Wx_unpermuted, Wh_unpermuted, b_unpermuted)

    assert TORCH_TO_COURSE_LSTM_GATES == [0, 1, 3, 2]
    assert max_abs_rel_error(h_right, h_torch) <= TORCH_TOL
    assert np.max(np.abs(h_wrong - h_torch)) > 1e-2


def test_lstm_params_from_torch_moves_each_gate_block(rng):
    """Block k of torch's (4H, .) layout lands in block [i f o g].index(torch's name of k)."""
    torch_blocks = ["i", "f", "g", "o"]
    weight_ih = np.concatenate([np.full((H, D), k) for k in range(4)])  # block k filled with k
    weight_hh = np.concatenate([np.full((H, H), k) for k in range(4)])
    bias = np.repeat(np.arange(4.0), H)

    Wx, Wh, b = lstm_params_from_torch(weight_ih, weight_hh, bias, bias)

    for course_k, name in enumerate(["i", "f", "o", "g"]):
        torch_k = torch_blocks.index(name)
        block = slice(course_k * H, (course_k + 1) * H)
        assert (Wx[:, block] == torch_k).all() and (Wh[:, block] == torch_k).all(), name
        assert (b[block] == 2 * torch_k).all(), name  # b = bias_ih + bias_hh


def test_gru_matches_torch_forward_and_backward(rng):
    gru, Wx, Wh, b, bh = torch_gru_and_params()
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))

    h, cache = gru_forward(x, h0, Wx, Wh, b, bh, reset_after=True)
    dx, dh0, dWx, dWh, db, dbh = gru_backward(dh, cache)

    x_t = torch.tensor(x, requires_grad=True)
    h0_t = torch.tensor(h0[None], requires_grad=True)
    out_t, _ = gru(x_t, h0_t)
    (out_t * torch.tensor(dh)).sum().backward()
    dWx_t, dWh_t, db_t, dbh_t = gru_params_from_torch(
        gru.weight_ih_l0.grad.numpy(), gru.weight_hh_l0.grad.numpy(),
        gru.bias_ih_l0.grad.numpy(), gru.bias_hh_l0.grad.numpy())

    assert max_abs_rel_error(h, out_t.detach().numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dx, x_t.grad.numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dh0, h0_t.grad[0].numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dWx, dWx_t) <= TORCH_TOL
    assert max_abs_rel_error(dWh, dWh_t) <= TORCH_TOL
    assert max_abs_rel_error(db, db_t) <= TORCH_TOL    # b  <-> bias_ih
    assert max_abs_rel_error(dbh, dbh_t) <= TORCH_TOL  # bh <-> bias_hh


def test_gru_reset_before_is_not_torchs_gru(rng):
    """Same weights, the lecture's form (reset before Wh_n): a clearly different output."""
    gru, Wx, Wh, b, bh = torch_gru_and_params()
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))

    h_torch = gru(torch.tensor(x), torch.tensor(h0[None]))[0].detach().numpy()
    h_after, _ = gru_forward(x, h0, Wx, Wh, b, bh, reset_after=True)
    h_before, _ = gru_forward(x, h0, Wx, Wh, b, bh, reset_after=False)

    assert max_abs_rel_error(h_after, h_torch) <= TORCH_TOL
    assert np.max(np.abs(h_before - h_torch)) > 1e-2


def test_parameter_counts():
    """Ours: Wx, Wh, b = 4H(D + H + 1); torch.nn.LSTM keeps two biases: 4H(D + H + 2)."""
    lstm, Wx, Wh, b = torch_lstm_and_params()
    gru, *gru_ours = torch_gru_and_params()

    assert Wx.size + Wh.size + b.size == 4 * H * (D + H + 1)
    assert sum(p.numel() for p in lstm.parameters()) == 4 * H * (D + H + 2)
    assert sum(p.size for p in gru_ours) == sum(p.numel() for p in gru.parameters()) \
        == 3 * H * (D + H + 2)  # the GRU keeps both biases: with reset_after they differ


# ---------------------------------------------------------------- dtypes

def test_float32_stays_float32(rng):
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h0 = np.zeros((N, H), dtype=np.float32)

    h, cache = lstm_forward(x, h0, *lstm_params(rng, np.float32))
    lstm_grads = lstm_backward(np.ones_like(h), cache)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_grads)

    for reset_after in (False, True):
        h, cache = gru_forward(x, h0, *gru_params(rng, np.float32), reset_after=reset_after)
        gru_grads = gru_backward(np.ones_like(h), cache)
        assert h.dtype == np.float32
        assert all(g.dtype == np.float32 for g in gru_grads)


# ---------------------------------------------------------------- input checks

def test_lstm_forward_rejects_Wx_that_is_not_D_by_4H(rng):
    _, Wh, b = lstm_params(rng)
    with expect_error("lstm_forward: Wx must have shape (D, 4H) = (5, 24), got (5, 6)"):
        lstm_forward(np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((D, H)), Wh, b)


def test_lstm_step_forward_rejects_Wx_that_is_not_D_by_4H(rng):
    _, Wh, b = lstm_params(rng)
    with expect_error("lstm_step_forward: Wx must have shape (D, 4H) = (5, 24), got (5, 18)"):
        lstm_step_forward(np.zeros((N, D)), np.zeros((N, H)), np.zeros((N, H)),
                          np.zeros((D, 3 * H)), Wh, b)


def test_lstm_step_forward_rejects_prev_c_of_wrong_shape(rng):
    Wx, Wh, b = lstm_params(rng)
    with expect_error("lstm_step_forward: prev_c must have shape (N, H) = (3, 6), got (3, 7)"):
        lstm_step_forward(np.zeros((N, D)), np.zeros((N, H)), np.zeros((N, H + 1)), Wx, Wh, b)


def test_lstm_forward_rejects_Wh_that_is_not_H_by_4H(rng):
    Wx, _, b = lstm_params(rng)
    with expect_error("lstm_forward: Wh must have shape (H, 4H) = (6, 24), got (6, 6)"):
        lstm_forward(np.zeros((N, T, D)), np.zeros((N, H)), Wx, np.zeros((H, H)), b)


def test_lstm_backward_rejects_dh_of_wrong_shape(rng):
    _, cache = lstm_forward(np.zeros((N, T, D)), np.zeros((N, H)), *lstm_params(rng))
    with expect_error("lstm_backward: dh must have shape (N, T, H) = (3, 4, 6), got (3, 6)"):
        lstm_backward(np.zeros((N, H)), cache)


def test_gru_forward_rejects_wrong_bias_length(rng):
    Wx, Wh, _, bh = gru_params(rng)
    with expect_error("gru_forward: b must have shape (3H,) = (18,), got (17,)"):
        gru_forward(np.zeros((N, T, D)), np.zeros((N, H)), Wx, Wh, np.zeros(3 * H - 1), bh)


def test_gru_step_forward_rejects_wrong_hidden_bias_length(rng):
    Wx, Wh, b, _ = gru_params(rng)
    with expect_error("gru_step_forward: bh must have shape (3H,) = (18,), got (6,)"):
        gru_step_forward(np.zeros((N, D)), np.zeros((N, H)), Wx, Wh, b, np.zeros(H))


def test_gru_forward_rejects_lstm_sized_Wx(rng):
    _, Wh, b, bh = gru_params(rng)
    with expect_error("gru_forward: Wx must have shape (D, 3H) = (5, 18), got (5, 24)"):
        gru_forward(np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((D, 4 * H)), Wh, b, bh)


def test_params_from_torch_reject_wrong_shapes():
    with expect_error("lstm_params_from_torch: weight_ih must have shape (4H, D) = (24, D), "
                      "got (18, 5)"):
        lstm_params_from_torch(np.zeros((3 * H, D)), np.zeros((4 * H, H)),
                               np.zeros(4 * H), np.zeros(4 * H))
    with expect_error("gru_params_from_torch: bias_hh must have shape (3H,) = (18,), got (24,)"):
        gru_params_from_torch(np.zeros((3 * H, D)), np.zeros((3 * H, H)),
                              np.zeros(3 * H), np.zeros(4 * H))


def notebook_definition(name):
    """Execute the cell of notebook 05's source that defines `name`; return the object.

    Issue 15: the lesson's code lives in the notebook; this keeps it in step with the package.
    """
    source = (Path(__file__).resolve().parents[1] / "notebooks" / "src" / "05_lstm_gru.py").read_text()
    cell = next(c for c in source.split("\n# %%") if f"\ndef {name}(" in c or c.startswith(f"def {name}("))
    code = cell.split("\n", 1)[1]  # drop the rest of the "# %%" line
    namespace = {"np": np, "sigmoid": lambda a: 0.5 * (1 + np.tanh(a / 2))}
    exec(code, namespace)
    return namespace[name]


@pytest.mark.parametrize("reset_after", [False, True])
def test_notebook_gru_step_agrees_with_the_package(rng, reset_after):
    gru_step = notebook_definition("gru_step")
    x, prev_h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    Wx, Wh, b, bh = gru_params(rng)
    expected, _ = gru_step_forward(x, prev_h, Wx, Wh, b, bh, reset_after)
    np.testing.assert_allclose(gru_step(x, prev_h, Wx, Wh, b, bh, reset_after=reset_after),
                               expected, rtol=1e-12, atol=1e-12)
