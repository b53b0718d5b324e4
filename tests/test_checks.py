"""The exercise checks pass a right answer and fail a wrong or missing one with a clear message."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import checks, layers


def stub(*args):
    raise NotImplementedError()


def test_correct_solutions_pass(capsys):
    checks.check_rnn_step_forward(layers.rnn_step_forward)
    checks.check_rnn_step_backward(layers.rnn_step_backward)

    def masked_ce(scores, targets, lengths):
        N, T, V = scores.shape
        mask = torch.arange(T)[None, :] < lengths[:, None]
        return F.cross_entropy(scores[mask], targets[mask])

    checks.check_masked_cross_entropy(masked_ce)
    assert capsys.readouterr().out.count("✓") == 3


@pytest.mark.parametrize("check, args", [
    (checks.check_rnn_step_forward, ()),
    (checks.check_rnn_step_backward, ()),
    (checks.check_masked_cross_entropy, ()),
])
def test_stub_gets_a_friendly_message(check, args):
    with pytest.raises(checks.ExerciseError, match="not implemented yet.*It should"):
        check(stub, *args)


def test_wrong_shape_is_named():
    def transposed(x, prev_h, Wx, Wh, b):
        next_h, cache = layers.rnn_step_forward(x, prev_h, Wx, Wh, b)
        return next_h.T, cache

    with pytest.raises(checks.ExerciseError, match=r"next_h should have shape \(3, 5\), got \(5, 3\)"):
        checks.check_rnn_step_forward(transposed)


def test_wrong_value_is_located():
    def no_bias(x, prev_h, Wx, Wh, b):
        return layers.rnn_step_forward(x, prev_h, Wx, Wh, np.zeros_like(b))

    with pytest.raises(checks.ExerciseError, match="differs from the expected values.*at index"):
        checks.check_rnn_step_forward(no_bias)


def test_backward_without_tanh_derivative_fails():
    def forgot_tanh(dnext_h, cache):
        x, prev_h, Wx, Wh, next_h = cache
        return dnext_h @ Wx.T, dnext_h @ Wh.T, x.T @ dnext_h, prev_h.T @ dnext_h, dnext_h.sum(0)

    with pytest.raises(checks.ExerciseError, match="dx differs"):
        checks.check_rnn_step_backward(forgot_tanh)


def test_loss_that_counts_padding_fails():
    def counts_padding(scores, targets, lengths):
        return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), targets.reshape(-1))

    with pytest.raises(checks.ExerciseError, match="differs|padding"):
        checks.check_masked_cross_entropy(counts_padding)


def test_forgotten_return_is_explained():
    with pytest.raises(checks.ExerciseError, match="forget a `return`"):
        checks.check_rnn_step_forward(lambda *args: (None, None))


def test_exercise_errors_render_as_one_short_message():
    lines = checks.ExerciseError("rnn_step_forward: next_h should have shape (3, 5)")._render_traceback_()
    assert len(lines) == 1 and "next_h should have shape (3, 5)" in lines[0]
