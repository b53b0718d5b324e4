"""The exercise checks: every correct form passes, wrong and odd answers get one clear line,
no message gives the answer away, the answer is not in a frame the student's code can read,
and a submission that calls the course's or torch's own version fails."""
import inspect
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import calibration, checks, decoding, dynamics, layers, sampling, small_rnn
from course_utils.data.scenes import CaptionVocabulary
from test_beyond import _evaluate_tree as evaluate_tree  # the notebook's solution


def stub(*args):
    raise NotImplementedError()


# --- correct solutions, written as a student would (the notebooks' solution cells) -----------

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def masked_cross_entropy(scores, targets, lengths):
    N, T, V = scores.shape
    mask = torch.arange(T)[None, :] < lengths[:, None]
    return F.cross_entropy(scores[mask], targets[mask])


def clip_by_norm(grad, threshold):
    norm = np.sqrt(np.sum(grad * grad))
    return grad * (threshold / norm) if norm > threshold else grad


def _sigmoid(a):
    return 0.5 * (1 + np.tanh(a / 2))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H])
    next_c = f * prev_c + i * np.tanh(a[:, 3 * H:])
    return o * np.tanh(next_c), next_c


def lstm_parameter_count(D, H, num_layers=1, bidirectional=False):
    directions = 2 if bidirectional else 1
    return sum(directions * 4 * H * ((D if layer == 0 else directions * H) + H + 2)
               for layer in range(num_layers))


def softmax_with_temperature(logits, temperature=1.0):
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = np.exp(z - z.max())
    return z / z.sum()


def top_k_filter(probs, k):
    keep = np.argsort(probs)[-k:]
    filtered = np.zeros_like(probs)
    filtered[keep] = probs[keep]
    return filtered / filtered.sum()


def sliding_windows(x, window, stride):
    return np.stack([x[:, s:s + window] for s in range(0, x.shape[1] - window + 1, stride)], axis=1)


def teacher_forcing_pairs(ids):
    return ids[:, :-1], ids[:, 1:]


def expected_calibration_error(probs, labels, n_bins=10):
    confidence = probs.max(axis=1)
    which = np.minimum(np.maximum(np.ceil(confidence * n_bins) - 1, 0), n_bins - 1).astype(int)
    count = np.bincount(which, minlength=n_bins)
    gap = np.abs(np.bincount(which, probs.argmax(axis=1) == labels, n_bins)
                 - np.bincount(which, confidence, n_bins))
    return float(gap.sum() / count.sum())


def causal_self_attention(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    scores = Q @ K.T / K.shape[1] ** 0.5
    future = torch.triu(torch.ones_like(scores, dtype=torch.bool), diagonal=1)
    return torch.softmax(scores.masked_fill(future, float("-inf")), dim=1) @ V


# --- the accepted forms of a result ----------------------------------------------------------

def _np(value):
    return value.detach().numpy() if torch.is_tensor(value) else np.asarray(value)


FORMS = {
    "as written": lambda a: a,
    "numpy float64": lambda a: _np(a).astype(np.float64),
    "numpy float32": lambda a: _np(a).astype(np.float32),
    "torch float64": lambda a: torch.tensor(_np(a), dtype=torch.float64),
    "torch float32": lambda a: torch.tensor(_np(a), dtype=torch.float32),
    "torch float32 requiring grad": lambda a: torch.tensor(_np(a), dtype=torch.float32,
                                                           requires_grad=True) * 1,
    "nested lists": lambda a: _np(a).tolist(),
}
INTEGER_FORMS = {  # integer ids and values: every form holds them exactly
    "as written": lambda a: a,
    "numpy int64": lambda a: _np(a).astype(np.int64),
    "numpy int32": lambda a: _np(a).astype(np.int32),
    "torch int64": lambda a: torch.tensor(_np(a), dtype=torch.int64),
    "list": lambda a: _np(a).tolist(),
    "whole floats": lambda a: _np(a).astype(np.float64),
}
NUMBER_FORMS = {
    "float": lambda a: float(a),
    "numpy float64": lambda a: np.float64(a),
    "numpy float32": lambda a: np.float32(a),
    "0-d tensor": lambda a: torch.tensor(float(a), dtype=torch.float64),
    "0-d float32 tensor": lambda a: torch.tensor(float(a), dtype=torch.float32),
    "one-element tensor": lambda a: torch.tensor([float(a)]),
    "one-element array": lambda a: np.array([float(a)]),
}


def _in_form(fn, form, items=None, container=tuple):
    """fn's result converted to `form`; items: which entries of a tuple result to convert."""
    def converted(*args):
        out = fn(*args)
        if items is None:
            return form(out)
        return container(form(v) if i in items else v for i, v in enumerate(out))
    return converted


def _passes(check, *args, capsys):
    check(*args)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("form", FORMS)
def test_rnn_step_forward_every_form(form, capsys):
    _passes(checks.check_rnn_step_forward, _in_form(rnn_step_forward, FORMS[form], {0}), capsys=capsys)
    _passes(checks.check_rnn_step_forward, _in_form(rnn_step_forward, FORMS[form], {0}, list),
            capsys=capsys)


@pytest.mark.parametrize("form", FORMS)
def test_rnn_step_backward_every_form(form, capsys):
    for container in (tuple, list):
        _passes(checks.check_rnn_step_backward,
                _in_form(rnn_step_backward, FORMS[form], set(range(5)), container), capsys=capsys)


@pytest.mark.parametrize("form", NUMBER_FORMS)
def test_masked_cross_entropy_every_form(form, capsys):
    _passes(checks.check_masked_cross_entropy,
            lambda *a: NUMBER_FORMS[form](masked_cross_entropy(*a).item()), capsys=capsys)


def test_masked_cross_entropy_in_float32(capsys):
    _passes(checks.check_masked_cross_entropy,
            lambda s, t, n: masked_cross_entropy(s.float(), t, n), capsys=capsys)


@pytest.mark.parametrize("form", FORMS)
def test_clip_by_norm_every_form(form, capsys):
    _passes(checks.check_clip_by_norm, _in_form(clip_by_norm, FORMS[form]), capsys=capsys)


@pytest.mark.parametrize("form", FORMS)
def test_lstm_step_forward_every_form(form, capsys):
    for container in (tuple, list):
        _passes(checks.check_lstm_step_forward,
                _in_form(lstm_step_forward, FORMS[form], {0, 1}, container), capsys=capsys)
    with_cache = lambda *a: (*lstm_step_forward(*a), None)
    _passes(checks.check_lstm_step_forward, with_cache, capsys=capsys)


@pytest.mark.parametrize("form", ["int", "numpy int64", "0-d tensor", "whole float"])
def test_lstm_parameter_count_every_form(form, capsys):
    convert = {"int": int, "numpy int64": np.int64, "0-d tensor": torch.tensor,
               "whole float": float}[form]
    _passes(checks.check_lstm_parameter_count,
            lambda *a: convert(lstm_parameter_count(*a)), capsys=capsys)


@pytest.mark.parametrize("form", FORMS)
def test_softmax_with_temperature_every_form(form, capsys):
    _passes(checks.check_softmax_with_temperature,
            _in_form(softmax_with_temperature, FORMS[form]), capsys=capsys)


def test_softmax_written_in_torch_passes(capsys):
    def in_torch(logits, temperature=1.0):
        z = torch.as_tensor(logits) / temperature
        z = torch.exp(z - z.max())
        return z / z.sum()
    _passes(checks.check_softmax_with_temperature, in_torch, capsys=capsys)


@pytest.mark.parametrize("form", FORMS)
def test_top_k_filter_every_form(form, capsys):
    _passes(checks.check_top_k_filter, _in_form(top_k_filter, FORMS[form]), capsys=capsys)


@pytest.mark.parametrize("form", FORMS)
def test_sliding_windows_every_form(form, capsys):
    _passes(checks.check_sliding_windows, _in_form(sliding_windows, FORMS[form]), capsys=capsys)


@pytest.mark.parametrize("form", INTEGER_FORMS)
def test_teacher_forcing_pairs_every_form(form, capsys):
    for container in (tuple, list):
        _passes(checks.check_teacher_forcing_pairs,
                _in_form(teacher_forcing_pairs, INTEGER_FORMS[form], {0, 1}, container),
                CaptionVocabulary(), capsys=capsys)
    numpy_in = lambda ids: teacher_forcing_pairs(ids.numpy())
    _passes(checks.check_teacher_forcing_pairs, numpy_in, CaptionVocabulary(), capsys=capsys)


@pytest.mark.parametrize("form", NUMBER_FORMS)
def test_expected_calibration_error_every_form(form, capsys):
    _passes(checks.check_expected_calibration_error,
            lambda *a: NUMBER_FORMS[form](expected_calibration_error(*a)), capsys=capsys)


@pytest.mark.parametrize("form", INTEGER_FORMS)
def test_evaluate_tree_every_form(form, capsys):
    _passes(checks.check_evaluate_tree, _in_form(evaluate_tree, INTEGER_FORMS[form]), capsys=capsys)


@pytest.mark.parametrize("form", FORMS)
def test_causal_self_attention_every_form(form, capsys):
    _passes(checks.check_causal_self_attention, _in_form(causal_self_attention, FORMS[form]),
            capsys=capsys)


@pytest.mark.parametrize("form", [(0.08, 0.78, 0.14), [0.08, 0.78, 0.14], np.array([0.08, 0.78, 0.14]),
                                  torch.tensor([0.08, 0.78, 0.14], dtype=torch.float64)])
def test_sensor_filter_every_form(form, capsys):
    _passes(checks.check_sensor_filter, form, capsys=capsys)


@pytest.mark.parametrize("form", NUMBER_FORMS)
def test_smallest_surviving_scale_every_form(form, capsys):
    low, high = 0.25, 3.0
    for _ in range(20):
        middle = (low + high) / 2
        low, high = (low, middle) if small_rnn.gradient_survival(middle) >= -3 else (middle, high)
    _passes(checks.check_smallest_surviving_scale, NUMBER_FORMS[form](high), capsys=capsys)


# --- every exercise: the stub, a wrong answer, odd values and exceptions: one clear line ------

FUNCTION_CHECKS = {
    "rnn_step_forward": (checks.check_rnn_step_forward, ()),
    "rnn_step_backward": (checks.check_rnn_step_backward, ()),
    "masked_cross_entropy": (checks.check_masked_cross_entropy, ()),
    "clip_by_norm": (checks.check_clip_by_norm, ()),
    "lstm_step_forward": (checks.check_lstm_step_forward, ()),
    "lstm_parameter_count": (checks.check_lstm_parameter_count, ()),
    "softmax_with_temperature": (checks.check_softmax_with_temperature, ()),
    "top_k_filter": (checks.check_top_k_filter, ()),
    "sliding_windows": (checks.check_sliding_windows, ()),
    "teacher_forcing_pairs": (checks.check_teacher_forcing_pairs, (CaptionVocabulary(),)),
    "expected_calibration_error": (checks.check_expected_calibration_error, ()),
    "evaluate_tree": (checks.check_evaluate_tree, ()),
    "causal_self_attention": (checks.check_causal_self_attention, ()),
}

ODD_RETURNS = {
    "None": None, "a string": "123", "a dict": {"a": 1}, "True": True, "a ragged list": [[1, 2], [3]],
    "an empty list": [], "NaN": float("nan"), "a tuple of None": (None, None), "a word list":
    [["a", "red"], ["circle", "x"]], "an int array": np.arange(6).reshape(2, 3),
    "a complex array": np.ones(3, dtype=complex), "a generator": (i for i in range(3)),
    "a huge tensor": torch.zeros(1000, 1000),
}


def _one_clear_line(error):
    message = str(error.value)
    assert "\n" not in message and len(message) < 400, message
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize("exercise", FUNCTION_CHECKS)
def test_stub_gets_a_friendly_message(exercise):
    check, args = FUNCTION_CHECKS[exercise]
    with pytest.raises(checks.ExerciseError, match="not implemented yet.*It should"):
        check(stub, *args)


@pytest.mark.parametrize("odd", ODD_RETURNS)
@pytest.mark.parametrize("exercise", FUNCTION_CHECKS)
def test_odd_return_values_get_one_line(exercise, odd):
    check, args = FUNCTION_CHECKS[exercise]
    with pytest.raises(checks.ExerciseError) as error:
        check(lambda *a, **k: ODD_RETURNS[odd], *args)
    assert _one_clear_line(error).startswith(exercise)


@pytest.mark.parametrize("raised", [ZeroDivisionError("division by zero"), KeyError("h"),
                                    ValueError("shapes (3,4) and (5,5)\nnot aligned"),
                                    IndexError("index 7 is out of bounds"), RecursionError()])
@pytest.mark.parametrize("exercise", FUNCTION_CHECKS)
def test_exceptions_from_student_code_become_one_line(exercise, raised):
    check, args = FUNCTION_CHECKS[exercise]

    def raises(*a, **k):
        raise raised

    with pytest.raises(checks.ExerciseError) as error:
        check(raises, *args)
    message = _one_clear_line(error)
    assert f"raised {type(raised).__name__}" in message


def test_none_on_a_second_call_is_one_line():
    calls = []

    def second_call_none(X, W_q, W_k, W_v):
        calls.append(1)
        return causal_self_attention(X, W_q, W_k, W_v) if len(calls) == 1 else None

    with pytest.raises(checks.ExerciseError, match="None"):
        checks.check_causal_self_attention(second_call_none)


@pytest.mark.parametrize("value", [None, "123", True, "0.5", {"r": 1}, (0.5, 0.5), [0.2, float("nan"), 0.8],
                                   (1.2, -0.1, -0.1), (0.299, 0.587, 0.114), [[1, 2], [3]]])
def test_sensor_filter_odd_values(value):
    with pytest.raises(checks.ExerciseError) as error:
        checks.check_sensor_filter(value)
    assert _one_clear_line(error).startswith("sensor_filter")


@pytest.mark.parametrize("value, match", [
    (None, "not answered"), ("123", "without quotes"), (True, "bool"), (-1.632, "positive"),
    (0, "positive"), (float("nan"), "finite"), (np.array([1.0, 2.0]), "one number"),
    (20, "tanh saturates"), (1e6, "tanh saturates"), (0.5, "larger scale"),
])
def test_smallest_surviving_scale_hints_are_true(value, match):
    with pytest.raises(checks.ExerciseError, match=match) as error:
        checks.check_smallest_surviving_scale(value)
    _one_clear_line(error)


def test_gradient_just_below_the_floor_is_written_clearly():
    with pytest.raises(checks.ExerciseError) as error:
        checks.check_smallest_surviving_scale(1.5)
    assert re.search(r"10\^-\d+\.\d\d", str(error.value)) and "1e-3.0" not in str(error.value)


@pytest.mark.parametrize("prediction", [[1, 2], "works", {"dense": "works"}, {"dense": {"shifted": 1}}])
def test_failure_prediction_odd_values(prediction):
    with pytest.raises(checks.ExerciseError) as error:
        checks.check_failure_prediction(prediction, {"dense": {"shifted": 0.5}})
    _one_clear_line(error)


def test_failure_prediction_ignores_case_and_spaces(capsys):
    _passes(checks.check_failure_prediction, {"dense": {"shifted": " Fails"}},
            {"dense": {"shifted": 0.5}}, capsys=capsys)


def _notebook_greedy_ids():
    """Notebook 06's solution to the greedy_ids exercise, run from its source (one copy)."""
    from notebook_cells import notebook_definitions

    return notebook_definitions("06_image_captioning", "greedy_ids",
                                namespace={"torch": torch})["greedy_ids"]


def test_greedy_ids_every_form(capsys):
    from course_utils.models import load_captioner

    model, _ = load_captioner("captioner_rnn.pt")
    for form in INTEGER_FORMS.values():
        _passes(checks.check_greedy_ids, _in_form(_notebook_greedy_ids(), form), model,
                CaptionVocabulary(), capsys=capsys)


def test_greedy_ids_word_lists_and_out_of_range_ids_are_one_line():
    from course_utils.models import load_captioner

    model, _ = load_captioner("captioner_rnn.pt")
    for odd in ([["a", "red"]] * 12, torch.full((12, 16), 10 ** 6), torch.full((12, 16), 0.5)):
        with pytest.raises(checks.ExerciseError) as error:
            checks.check_greedy_ids(lambda *a, odd=odd: odd, model, CaptionVocabulary())
        assert _one_clear_line(error).startswith("greedy_ids")


# --- wrong answers are told what is wrong, never the answer ----------------------------------

def test_wrong_shape_is_named():
    transposed = lambda *a: (rnn_step_forward(*a)[0].T, None)
    with pytest.raises(checks.ExerciseError, match=r"next_h should have shape \(3, 5\), got \(5, 3\)"):
        checks.check_rnn_step_forward(transposed)


def test_wrong_value_is_located_without_the_expected_value():
    def no_bias(x, prev_h, Wx, Wh, b):
        return rnn_step_forward(x, prev_h, Wx, Wh, np.zeros_like(b))

    with pytest.raises(checks.ExerciseError, match="differs from the expected values.*at index") as error:
        checks.check_rnn_step_forward(no_bias)
    expected = layers.rnn_step_forward(*checks._rnn_step_inputs(0))[0]
    message = str(error.value)
    assert "expected -" not in message and "expected 0" not in message
    for value in expected.ravel():
        assert f"{value:.6f}" not in message and f"{value:.6g}" not in message and \
            f"{value:.4f}" not in message


def test_float32_rounding_passes_but_a_float32_mistake_fails():
    wrong = lambda *a: (rnn_step_forward(*a)[0].astype(np.float32) * 1.001, None)
    with pytest.raises(checks.ExerciseError, match="differs"):
        checks.check_rnn_step_forward(wrong)


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


def test_lstm_parameter_count_message_does_not_tell_the_count():
    configurations = [(3, 5, 1, False), (3, 5, 1, True), (8, 4, 2, False), (8, 4, 3, True),
                      (1, 16, 2, True)]
    counts = [lstm_parameter_count(*c) for c in configurations]
    for wrong in (lambda *a: 0, lambda *a: lstm_parameter_count(*a) + 1,
                  lambda D, H, n, b: 4 * H * (D + H + 2)):
        with pytest.raises(checks.ExerciseError) as error:
            checks.check_lstm_parameter_count(wrong)
        shown = {int(n) for n in re.findall(r"\d+", str(error.value))}
        reachable = {wrong(*c) for c in configurations}
        assert not (shown & set(counts)) - reachable, str(error.value)


@pytest.mark.parametrize("odd", [np.array([1, 2]), "123", True, 12.5, None, torch.tensor([1, 2])])
def test_lstm_parameter_count_odd_values(odd):
    with pytest.raises(checks.ExerciseError) as error:
        checks.check_lstm_parameter_count(lambda *a: odd)
    _one_clear_line(error)


def test_evaluate_tree_message_does_not_tell_the_value():
    with pytest.raises(checks.ExerciseError, match=r"is not \d") as error:
        checks.check_evaluate_tree(lambda leaves, ops: (evaluate_tree(leaves, ops) + 1) % 10)
    assert "should be" not in str(error.value)


def test_exercise_errors_render_as_one_short_message():
    lines = checks.ExerciseError("rnn_step_forward: next_h should have shape (3, 5)")._render_traceback_()
    assert len(lines) == 1 and "next_h should have shape (3, 5)" in lines[0]


# --- the answer is not in a frame the student's code can read --------------------------------

def _answer_like_values_in_callers():
    """Every array or tensor in the locals of the frames above the student's function."""
    found = []
    frame = inspect.currentframe().f_back.f_back
    while frame is not None:
        for value in frame.f_locals.values():
            if isinstance(value, (np.ndarray, torch.Tensor)) or np.isscalar(value):
                found.append(value)
        frame = frame.f_back
    return found


def _appears_in(answer, values):
    answer = np.asarray(answer, dtype=np.float64)
    for value in values:
        try:
            value = np.asarray(value.detach() if torch.is_tensor(value) else value, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if value.shape == answer.shape and np.allclose(value, answer, rtol=1e-6, atol=1e-9):
            return True
    return False


def test_masked_cross_entropy_answer_is_not_in_the_callers_frames():
    seen = []

    def spy(scores, targets, lengths):
        seen.append(_answer_like_values_in_callers())
        return masked_cross_entropy(scores, targets, lengths)

    checks.check_masked_cross_entropy(spy)
    scores, _, targets, lengths = checks._masked_ce_inputs(0)
    answer = masked_cross_entropy(scores, targets, lengths).item()
    assert not _appears_in(answer, seen[0])  # (the second call may see the first's own result)


def test_evaluate_tree_answer_is_not_in_the_callers_frames():
    from course_utils.data.expressions import make_expressions

    seen = []

    def spy(leaves, operators):
        seen.append(_answer_like_values_in_callers())
        return evaluate_tree(leaves, operators)

    checks.check_evaluate_tree(spy)
    for depth, values in zip(range(1, 6), seen):
        assert not _appears_in(make_expressions(20, depth, seed=depth)[2], values)


@pytest.mark.parametrize("exercise, solution", [
    ("rnn_step_forward", rnn_step_forward), ("rnn_step_backward", rnn_step_backward),
    ("clip_by_norm", clip_by_norm), ("lstm_step_forward", lstm_step_forward),
    ("softmax_with_temperature", softmax_with_temperature), ("top_k_filter", top_k_filter),
    ("expected_calibration_error", expected_calibration_error),
    ("causal_self_attention", causal_self_attention)])
def test_no_answer_in_the_callers_frames(exercise, solution):
    """Whatever the student's function can read from the frames above it is not its answer."""
    check, args = FUNCTION_CHECKS[exercise]
    seen = []

    def spy(*a):
        out = solution(*a)
        first = out[0] if isinstance(out, tuple) else out
        if not _appears_in(first, a):  # an unclipped gradient, top-k of all: its own input
            seen.append((first, _answer_like_values_in_callers()))
        return out

    check(spy, *args)
    assert seen
    for answer, values in seen:
        assert not _appears_in(answer, values), exercise


# --- shortcuts: calling the course's or torch's own version fails ----------------------------

def _layers_step(x, prev_h, Wx, Wh, b):
    return layers.rnn_step_forward(x, prev_h, Wx, Wh, b)


def _via_getattr(x, prev_h, Wx, Wh, b):
    return getattr(layers, "rnn_" + "step_forward")(x, prev_h, Wx, Wh, b)


def _helper_calls_reference(*a):
    return _layers_step(*a)


def _one_step_of_rnn_forward(x, prev_h, Wx, Wh, b):
    h, cache = layers.rnn_forward(x[:, None, :], prev_h, Wx, Wh, b)
    return h[:, 0], cache


def _torch_rnn_cell(x, prev_h, Wx, Wh, b):
    cell = torch.nn.RNNCell(Wx.shape[0], Wx.shape[1]).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(Wx.T))
        cell.weight_hh.copy_(torch.tensor(Wh.T))
        cell.bias_ih.copy_(torch.tensor(b))
        cell.bias_hh.zero_()
        return cell(torch.tensor(x), torch.tensor(prev_h)).numpy(), None


def _imported_inside(x, prev_h, Wx, Wh, b):
    from course_utils.layers import rnn_step_forward as reference
    return reference(x, prev_h, Wx, Wh, b)


def _backward_by_reference(dnext_h, cache):
    from course_utils import _reference
    return _reference.rnn_step_backward(dnext_h, cache)


def _backward_by_autograd(dnext_h, cache):
    x, prev_h, Wx, Wh, _ = (torch.tensor(c, requires_grad=True) for c in cache)
    b = torch.zeros(Wx.shape[1], dtype=torch.float64, requires_grad=True)
    torch.tanh(x @ Wx + prev_h @ Wh + b).backward(torch.tensor(dnext_h))
    return x.grad, prev_h.grad, Wx.grad, Wh.grad, b.grad


def _attention_by_torch(X, W_q, W_k, W_v):
    return F.scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v, is_causal=True)


def _attention_by_full_path(X, W_q, W_k, W_v):
    return torch.nn.functional.scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v, is_causal=True)


_stashed = {"f": F.scaled_dot_product_attention}


def _attention_from_a_dict(X, W_q, W_k, W_v):
    return _stashed["f"](X @ W_q, X @ W_k, X @ W_v, is_causal=True)


def _lstm_count_by_building(D, H, num_layers=1, bidirectional=False):
    return sum(p.numel() for p in torch.nn.LSTM(D, H, num_layers, bidirectional=bidirectional).parameters())


def _greedy_by_course(model, images, vocab, max_length=16):
    words = decoding.greedy(model, images, vocab, max_length)
    return torch.tensor(vocab.encode(words, max_length + 1)[:, 1:])


def _greedy_by_beam(model, images, vocab, max_length=16):
    return decoding.beam_search(model, images[0], vocab, beam=1)


SHORTCUTS = [
    ("rnn_step_forward", _layers_step, "course_utils.layers.rnn_step_forward"),
    ("rnn_step_forward", _via_getattr, "course_utils.layers.rnn_step_forward"),
    ("rnn_step_forward", _helper_calls_reference, "course_utils.layers.rnn_step_forward"),
    ("rnn_step_forward", _one_step_of_rnn_forward, "rnn_forward"),
    ("rnn_step_forward", _torch_rnn_cell, "RNNCell"),
    ("rnn_step_forward", _imported_inside, "course_utils.layers.rnn_step_forward"),
    ("rnn_step_forward", layers.rnn_step_forward, "course_utils.layers.rnn_step_forward"),
    ("rnn_step_backward", _backward_by_reference, "rnn_step_backward"),
    ("rnn_step_backward", _backward_by_autograd, "backward"),
    ("clip_by_norm", lambda g, t: __import__("course_utils._reference").
     _reference.clip_by_norm(g, t), "clip_by_norm"),
    ("clip_by_norm", lambda g, t: dynamics._clip_by_norm(g, t), "clip_by_norm"),
    ("clip_by_norm", lambda g, t: _torch_clip(g, t), "clip_grad_norm_"),
    ("lstm_step_forward", lambda *a: layers._lstm_step_forward(*a)[:2], "lstm_step_forward"),
    ("lstm_parameter_count", _lstm_count_by_building, "torch.nn.RNN / LSTM / GRU"),
    ("softmax_with_temperature", sampling.softmax_with_temperature, "course_utils.sampling"),
    ("softmax_with_temperature", lambda z, t: sampling.softmax_with_temperature(z, t), "course_utils.sampling"),
    ("softmax_with_temperature", lambda z, t: torch.softmax(torch.tensor(z) / t, 0), "softmax"),
    ("softmax_with_temperature", lambda z, t: torch.tensor(z).div(t).softmax(0), "softmax"),
    ("top_k_filter", lambda p, k: sampling._top_k_filter(p, k), "top_k_filter"),
    ("sliding_windows", lambda x, w, s: np.lib.stride_tricks.sliding_window_view(x, w, axis=1)[:, ::s],
     "sliding_window_view"),
    ("sliding_windows", lambda x, w, s: torch.tensor(x).unfold(1, w, s), "unfold"),
    ("expected_calibration_error", calibration.expected_calibration_error, "course_utils.calibration"),
    ("expected_calibration_error", lambda p, y, n: _ece_from_bins(p, y, n), "course_utils.calibration"),
    ("causal_self_attention", _attention_by_torch, "scaled_dot_product_attention"),
    ("causal_self_attention", _attention_by_full_path, "scaled_dot_product_attention"),
    ("causal_self_attention", _attention_from_a_dict, "scaled_dot_product_attention"),
]


def _torch_clip(grad, threshold):
    g = torch.tensor(grad)
    p = torch.zeros_like(g, requires_grad=True)
    p.grad = g
    torch.nn.utils.clip_grad_norm_([p], threshold)
    return p.grad


def _ece_from_bins(probs, labels, n_bins):
    bins = calibration.reliability_bins(probs, labels, n_bins)
    full = bins["count"] > 0
    return float(np.sum(bins["count"][full] / len(labels) *
                        np.abs(bins["accuracy"][full] - bins["confidence"][full])))


@pytest.mark.parametrize("exercise, shortcut, label", SHORTCUTS,
                         ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(SHORTCUTS)])
def test_shortcuts_fail_with_a_clear_message(exercise, shortcut, label):
    check, args = FUNCTION_CHECKS[exercise]
    with pytest.raises(checks.ExerciseError, match="write it yourself") as error:
        check(shortcut, *args)
    assert label in str(error.value)


@pytest.mark.parametrize("shortcut", [_greedy_by_course, _greedy_by_beam])
def test_greedy_shortcuts_fail(shortcut):
    from course_utils.models import load_captioner

    model, _ = load_captioner("captioner_rnn.pt")
    with pytest.raises(checks.ExerciseError, match="course_utils.decoding.*write it yourself"):
        checks.check_greedy_ids(shortcut, model, CaptionVocabulary())


def test_tripwires_are_removed_after_the_check():
    with pytest.raises(checks.ExerciseError):
        checks.check_rnn_step_forward(_via_getattr)
    args = checks._rnn_step_inputs(0)
    assert np.allclose(layers.rnn_step_forward(*args)[0], rnn_step_forward(*args)[0])
    x = torch.randn(3, 2)
    assert F.scaled_dot_product_attention(x, x, x).shape == (3, 2)
    assert torch.nn.LSTM(2, 3) is not None


def test_replacing_the_public_reference_does_not_fool_the_check():
    original = layers.rnn_step_forward
    wrong = lambda *a: (rnn_step_forward(*a)[0] + 1, None)
    layers.rnn_step_forward = wrong
    try:
        with pytest.raises(checks.ExerciseError, match="differs|write it yourself"):
            checks.check_rnn_step_forward(lambda *a: (rnn_step_forward(*a)[0] + 1, None))
    finally:
        layers.rnn_step_forward = original


def test_private_references_are_not_under_the_taught_names():
    assert not hasattr(layers, "rnn_step_backward") and not hasattr(layers, "lstm_step_forward")
    assert not hasattr(sampling, "top_k_filter") and not hasattr(dynamics, "clip_by_norm")


def test_failure_prediction_is_graded_against_the_lessons_outcome(capsys):
    from course_utils import _reference

    checks.check_failure_prediction(_reference.EEG_FATES)
    flipped = {m: dict(t) for m, t in _reference.EEG_FATES.items()}
    flipped["dense"]["shifted"] = "works"
    with pytest.raises(checks.ExerciseError, match="dense on shifted"):
        checks.check_failure_prediction(flipped)
    accuracies = {m: {t: 0.9 if f == "works" else 0.5 for t, f in tasks.items()}
                  for m, tasks in _reference.EEG_FATES.items()}
    checks.assert_lesson_fates(accuracies)
    accuracies["window CNN"]["two-part"] = 0.95
    with pytest.raises(AssertionError, match="window CNN on two-part"):
        checks.assert_lesson_fates(accuracies)
