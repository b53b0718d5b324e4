"""Tests for course_utils.layers: numeric gradient checks, parity with torch, input checks."""

import re

import numpy as np
import pytest
import torch

from course_utils.gradcheck import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)
from course_utils._reference import rnn_step_backward  # the graded exercise's answer: private
from course_utils.layers import (
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)

N, T, D, H, V, M = 3, 4, 5, 6, 7, 8
GRAD_TOL = 1e-7   # numeric vs analytic gradients, float64
TORCH_TOL = 1e-6  # our layers vs torch, float64


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def rnn_params(rng, dtype=np.float64):
    Wx = 0.5 * rng.standard_normal((D, H))
    Wh = 0.5 * rng.standard_normal((H, H))
    b = 0.1 * rng.standard_normal(H)
    return Wx.astype(dtype), Wh.astype(dtype), b.astype(dtype)


def softmax_inputs(rng):
    x = rng.standard_normal((N, T, V))
    y = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) > 0.4
    mask[0, -2:] = False  # make sure some steps are switched off
    mask[1, 0] = True
    return x, y, mask


def max_abs_rel_error(ours, theirs):
    """Both the absolute and the relative error, so small entries cannot hide a mismatch."""
    theirs = np.asarray(theirs)
    return max(float(np.max(np.abs(ours - theirs))), rel_error(ours, theirs))


# ---------------------------------------------------------------- numeric gradient checks

def assert_matches_numeric(forward, args, dout, analytic):
    """Each analytic gradient {arg name: grad} against the numeric gradient of
    sum(forward(**args)[0] * dout) with respect to that argument."""
    for name, grad in analytic.items():
        def f(value, name=name):
            return forward(**(args | {name: value}))[0]
        numeric = eval_numerical_gradient_array(f, args[name], dout)
        assert rel_error(grad, numeric) <= GRAD_TOL, name


def test_rnn_step_backward_matches_numeric_gradient(rng):
    x = rng.standard_normal((N, D))
    prev_h = rng.standard_normal((N, H))
    Wx, Wh, b = rnn_params(rng)
    next_h, cache = rnn_step_forward(x, prev_h, Wx, Wh, b)
    dnext_h = rng.standard_normal(next_h.shape)

    dx, dprev_h, dWx, dWh, db = rnn_step_backward(dnext_h, cache)

    args = dict(x=x, prev_h=prev_h, Wx=Wx, Wh=Wh, b=b)
    assert_matches_numeric(rnn_step_forward, args, dnext_h,
                           dict(x=dx, prev_h=dprev_h, Wx=dWx, Wh=dWh, b=db))


def test_rnn_backward_matches_numeric_gradient(rng):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b = rnn_params(rng)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)

    dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)

    args = dict(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b)
    assert_matches_numeric(rnn_forward, args, dh, dict(x=dx, h0=dh0, Wx=dWx, Wh=dWh, b=db))


def test_word_embedding_backward_matches_numeric_gradient(rng):
    x = rng.integers(0, V, size=(N, T))
    x[0, :2] = 3  # a repeated word: its gradients must add up
    W = rng.standard_normal((V, D))
    out, cache = word_embedding_forward(x, W)
    dout = rng.standard_normal(out.shape)

    dW = word_embedding_backward(dout, cache)

    numeric = eval_numerical_gradient_array(lambda W_: word_embedding_forward(x, W_)[0], W, dout)
    assert rel_error(dW, numeric) <= GRAD_TOL


def test_temporal_affine_backward_matches_numeric_gradient(rng):
    x = rng.standard_normal((N, T, D))
    w = rng.standard_normal((D, M))
    b = rng.standard_normal(M)
    out, cache = temporal_affine_forward(x, w, b)
    dout = rng.standard_normal(out.shape)

    dx, dw, db = temporal_affine_backward(dout, cache)

    assert rel_error(dx, eval_numerical_gradient_array(
        lambda x_: temporal_affine_forward(x_, w, b)[0], x, dout)) <= GRAD_TOL
    assert rel_error(dw, eval_numerical_gradient_array(
        lambda w_: temporal_affine_forward(x, w_, b)[0], w, dout)) <= GRAD_TOL
    assert rel_error(db, eval_numerical_gradient_array(
        lambda b_: temporal_affine_forward(x, w, b_)[0], b, dout)) <= GRAD_TOL


def test_temporal_softmax_loss_gradient_matches_numeric_gradient(rng):
    x, y, mask = softmax_inputs(rng)

    loss, dx = temporal_softmax_loss(x, y, mask)

    numeric = eval_numerical_gradient(lambda x_: temporal_softmax_loss(x_, y, mask)[0], x)
    assert rel_error(dx, numeric) <= GRAD_TOL
    assert np.all(dx[~mask] == 0)  # masked steps get no gradient at all


def test_temporal_softmax_loss_of_uniform_scores_is_log_V():
    x = np.zeros((N, T, V))
    y = np.zeros((N, T), dtype=int)
    loss, _ = temporal_softmax_loss(x, y, np.ones((N, T), dtype=bool))
    assert loss == pytest.approx(T * np.log(V))  # T counted steps per sequence


def test_temporal_softmax_loss_is_stable_for_huge_scores(rng):
    x, y, mask = softmax_inputs(rng)
    loss, dx = temporal_softmax_loss(x, y, mask)
    loss_shifted, dx_shifted = temporal_softmax_loss(x + 1e4, y, mask)
    assert np.isfinite(loss_shifted)
    assert loss_shifted == pytest.approx(loss, rel=1e-6)
    assert rel_error(dx, dx_shifted) <= 1e-6


# ---------------------------------------------------------------- a wrong backward is caught

def test_gradient_check_catches_a_wrong_backward(rng):
    """Forgetting tanh' in the step backward, or nudging one entry, fails the check by far."""
    x = rng.standard_normal((N, D))
    prev_h = rng.standard_normal((N, H))
    Wx, Wh, b = rnn_params(rng)
    next_h, cache = rnn_step_forward(x, prev_h, Wx, Wh, b)
    dnext_h = rng.standard_normal(next_h.shape)
    numeric_dWh = eval_numerical_gradient_array(
        lambda Wh_: rnn_step_forward(x, prev_h, Wx, Wh_, b)[0], Wh, dnext_h)

    forgot_tanh_derivative = prev_h.T @ dnext_h
    nudged = rnn_step_backward(dnext_h, cache)[3].copy()
    nudged[0, 0] += 1e-3

    assert rel_error(rnn_step_backward(dnext_h, cache)[3], numeric_dWh) <= GRAD_TOL
    assert rel_error(forgot_tanh_derivative, numeric_dWh) > 1e-2
    assert rel_error(nudged, numeric_dWh) > 1e3 * GRAD_TOL


# ---------------------------------------------------------------- parity with torch

def torch_rnn_and_params(seed=0):
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(D, H, batch_first=True, nonlinearity="tanh").double()
    Wx = rnn.weight_ih_l0.detach().numpy().T.copy()
    Wh = rnn.weight_hh_l0.detach().numpy().T.copy()
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy()
    return rnn, Wx, Wh, b


def test_rnn_matches_torch_forward_and_backward(rng):
    rnn, Wx, Wh, b = torch_rnn_and_params()
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))

    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)

    x_t = torch.tensor(x, requires_grad=True)
    h0_t = torch.tensor(h0[None], requires_grad=True)  # torch wants (layers, N, H)
    out_t, _ = rnn(x_t, h0_t)
    (out_t * torch.tensor(dh)).sum().backward()

    assert max_abs_rel_error(h, out_t.detach().numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dx, x_t.grad.numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dh0, h0_t.grad[0].numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dWx, rnn.weight_ih_l0.grad.numpy().T) <= TORCH_TOL
    assert max_abs_rel_error(dWh, rnn.weight_hh_l0.grad.numpy().T) <= TORCH_TOL
    # b = bias_ih + bias_hh, so each torch bias gets the same gradient as b
    assert max_abs_rel_error(db, rnn.bias_ih_l0.grad.numpy()) <= TORCH_TOL
    assert max_abs_rel_error(db, rnn.bias_hh_l0.grad.numpy()) <= TORCH_TOL


def test_temporal_softmax_loss_matches_torch_cross_entropy(rng):
    x, y, mask = softmax_inputs(rng)

    loss, dx = temporal_softmax_loss(x, y, mask)

    x_t = torch.tensor(x, requires_grad=True)
    per_step = torch.nn.functional.cross_entropy(
        x_t.reshape(N * T, V), torch.tensor(y).reshape(N * T), reduction="none").reshape(N, T)
    loss_t = (per_step * torch.tensor(mask, dtype=torch.float64)).sum() / N
    loss_t.backward()

    assert max_abs_rel_error(loss, loss_t.item()) <= TORCH_TOL
    assert max_abs_rel_error(dx, x_t.grad.numpy()) <= TORCH_TOL


def test_word_embedding_matches_torch_embedding(rng):
    torch.manual_seed(0)
    embedding = torch.nn.Embedding(V, D).double()
    W = embedding.weight.detach().numpy().copy()
    x = rng.integers(0, V, size=(N, T))
    x[1, :] = 2  # repeated word
    dout = rng.standard_normal((N, T, D))

    out, cache = word_embedding_forward(x, W)
    dW = word_embedding_backward(dout, cache)

    out_t = embedding(torch.tensor(x))
    (out_t * torch.tensor(dout)).sum().backward()

    assert max_abs_rel_error(out, out_t.detach().numpy()) <= TORCH_TOL
    assert max_abs_rel_error(dW, embedding.weight.grad.numpy()) <= TORCH_TOL


# ---------------------------------------------------------------- dtypes

def test_float32_stays_float32(rng):
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h0 = np.zeros((N, H), dtype=np.float32)
    Wx, Wh, b = rnn_params(rng, np.float32)

    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    grads = rnn_backward(np.ones_like(h), cache)
    scores, _ = temporal_affine_forward(h, rng.standard_normal((H, V)).astype(np.float32),
                                        np.zeros(V, dtype=np.float32))
    _, dscores = temporal_softmax_loss(scores, np.zeros((N, T), dtype=int), np.ones((N, T)))

    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads)
    assert scores.dtype == dscores.dtype == np.float32


# ---------------------------------------------------------------- input checks

def expect_error(message):
    """pytest.raises for a ValueError whose message contains this exact text."""
    return pytest.raises(ValueError, match=re.escape(message))


def test_rnn_forward_rejects_x_without_time_axis(rng):
    Wx, Wh, b = rnn_params(rng)
    with expect_error("rnn_forward: x must have shape (N, T, D), got (3, 5)"):
        rnn_forward(np.zeros((N, D)), np.zeros((N, H)), Wx, Wh, b)


def test_rnn_forward_rejects_non_square_Wh(rng):
    Wx, _, b = rnn_params(rng)
    with expect_error("rnn_forward: Wh must have shape (H, H) = (6, 6), got (6, 5)"):
        rnn_forward(np.zeros((N, T, D)), np.zeros((N, H)), Wx, np.zeros((H, H - 1)), b)


def test_rnn_step_forward_rejects_non_square_Wh(rng):
    Wx, _, b = rnn_params(rng)
    with expect_error("rnn_step_forward: Wh must have shape (H, H) = (6, 6), got (6, 5)"):
        rnn_step_forward(np.zeros((N, D)), np.zeros((N, H)), Wx, np.zeros((H, H - 1)), b)


def test_rnn_forward_rejects_wrong_bias_length(rng):
    Wx, Wh, _ = rnn_params(rng)
    with expect_error("rnn_forward: b must have shape (H,) = (6,), got (5,)"):
        rnn_forward(np.zeros((N, T, D)), np.zeros((N, H)), Wx, Wh, np.zeros(H - 1))


def test_rnn_forward_rejects_h0_with_wrong_batch_size(rng):
    Wx, Wh, b = rnn_params(rng)
    with expect_error("rnn_forward: h0 must have shape (N, H) = (3, 6), got (2, 6)"):
        rnn_forward(np.zeros((N, T, D)), np.zeros((N - 1, H)), Wx, Wh, b)


def test_rnn_forward_rejects_Wx_that_does_not_fit_x(rng):
    _, Wh, b = rnn_params(rng)
    with expect_error("rnn_forward: Wx must have shape (D, H) = (5, H), got (4, 6)"):
        rnn_forward(np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((D - 1, H)), Wh, b)


def test_rnn_backward_rejects_dh_of_wrong_shape(rng):
    Wx, Wh, b = rnn_params(rng)
    _, cache = rnn_forward(np.zeros((N, T, D)), np.zeros((N, H)), Wx, Wh, b)
    with expect_error("rnn_backward: dh must have shape (N, T, H) = (3, 4, 6), got (3, 6)"):
        rnn_backward(np.zeros((N, H)), cache)


def test_temporal_softmax_loss_rejects_mask_of_wrong_shape(rng):
    x, y, _ = softmax_inputs(rng)
    with expect_error("temporal_softmax_loss: mask must have shape (N, T) = (3, 4), got (3, 5)"):
        temporal_softmax_loss(x, y, np.ones((N, T + 1), dtype=bool))


def test_temporal_softmax_loss_rejects_targets_out_of_range(rng):
    x, y, mask = softmax_inputs(rng)
    y[2, 1] = V
    with expect_error("temporal_softmax_loss: y must hold indices in [0, V) = [0, 7), got values"):
        temporal_softmax_loss(x, y, mask)


def test_temporal_softmax_loss_rejects_float_targets(rng):
    x, y, mask = softmax_inputs(rng)
    with expect_error("temporal_softmax_loss: y must hold integer indices, got dtype float64"):
        temporal_softmax_loss(x, y.astype(float), mask)


def test_word_embedding_rejects_bad_indices(rng):
    W = rng.standard_normal((V, D))
    with expect_error("word_embedding_forward: x must hold indices in [0, V) = [0, 7), got values"
                      " from -1 to 0"):
        word_embedding_forward(np.array([[0, -1]]), W)
    with expect_error("word_embedding_forward: x must hold integer indices, got dtype float64"):
        word_embedding_forward(np.array([[0.0, 1.0]]), W)
