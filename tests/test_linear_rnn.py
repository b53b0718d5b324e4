"""Notebook 10: one recurrence computed three ways (loop, scans, FFT) agrees, gradients included;
the LRU, minGRU and minLSTM agree across their modes and name bad shapes; selective copying
data; the notebook's own combine and lru_step match the package's; the two exercise checks."""
import ast
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils import checks, linear_rnn, scan
from course_utils.data.selective_copy import make_selective_copy

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks" / "src" / "10_linear_recurrences.py"


def _recurrence(N=3, T=37, H=5, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = 0.5 + 0.5 * torch.rand(N, T, H, generator=g, dtype=dtype)
    return a, torch.randn(N, T, H, generator=g, dtype=dtype), torch.randn(N, H, generator=g, dtype=dtype)


def _loop_reference(a, b, h0):
    h, out = h0.clone(), []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        out.append(h)
    return torch.stack(out, 1)


SCANS = {"loop": scan.linear_recurrence_loop, "hillis_steele": scan.hillis_steele_scan,
         "parallel": scan.parallel_scan,
         "log_space": lambda a, b, h0=None: scan.log_space_scan(a.log(), b, h0)}


@pytest.mark.parametrize("T", [1, 2, 7, 64, 100])
@pytest.mark.parametrize("name", list(SCANS))
def test_every_computation_gives_the_loop_s_states_with_and_without_h0(name, T):
    a, b, h0 = _recurrence(T=T)
    expected = _loop_reference(a, b, torch.zeros_like(h0))
    torch.testing.assert_close(SCANS[name](a, b), expected, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(SCANS[name](a, b, h0), _loop_reference(a, b, h0), rtol=1e-9,
                               atol=1e-10)


@pytest.mark.parametrize("name", ["hillis_steele", "parallel", "log_space"])
def test_scans_give_the_loop_s_gradients(name):
    a, b, h0 = _recurrence(T=45)
    weights = torch.randn(a.shape, dtype=a.dtype, generator=torch.Generator().manual_seed(9))
    grads = []
    for fn in (scan.linear_recurrence_loop, SCANS[name]):
        leaves = [t.clone().requires_grad_() for t in (a, b, h0)]
        (fn(*leaves) * weights).sum().backward()
        grads.append([leaf.grad for leaf in leaves])
    for got, expected in zip(grads[1], grads[0]):
        torch.testing.assert_close(got, expected, rtol=1e-7, atol=1e-9)


def test_fft_convolution_is_the_time_invariant_recurrence():
    a, b, _ = _recurrence(T=80)
    lam = a[0, 0]
    kernel = lam ** torch.arange(80, dtype=torch.float64)[:, None]
    torch.testing.assert_close(scan.fft_convolution(kernel, b),
                               scan.linear_recurrence_loop(lam.expand_as(b), b), atol=1e-10, rtol=1e-9)


def test_scans_work_on_complex_numbers_and_float32_over_long_sequences():
    g = torch.Generator().manual_seed(1)
    lam = torch.exp(torch.complex(-torch.rand(4, generator=g), torch.rand(4, generator=g)))
    b = torch.randn(2, 50, 4, dtype=torch.complex64, generator=g)
    a = lam.expand_as(b)
    torch.testing.assert_close(scan.parallel_scan(a, b), scan.linear_recurrence_loop(a, b),
                               rtol=1e-5, atol=1e-5)
    a32, b32, _ = _recurrence(N=2, T=4096, H=4, dtype=torch.float32)
    reference = scan.linear_recurrence_loop(a32.double(), b32.double())
    for name in ("parallel", "log_space"):
        error = (SCANS[name](a32, b32).double() - reference).abs().max() / reference.abs().max()
        assert error < 1e-3, name


def test_scan_shape_errors_name_the_function():
    a, b, _ = _recurrence()
    with pytest.raises(ValueError, match=r"parallel_scan: a and b must have the same shape \(N, T, H\)"):
        scan.parallel_scan(a, b[:, :-1])
    with pytest.raises(ValueError, match="log_space_scan: .* must be real"):
        scan.log_space_scan(torch.zeros(1, 2, 3, dtype=torch.complex64), torch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match="fft_convolution: kernel must have shape"):
        scan.fft_convolution(torch.zeros(5, 3), torch.zeros(2, 6, 3))


def test_lru_modes_agree_and_eigenvalues_start_on_the_ring():
    lru = linear_rnn.LRU(D=3, P=16, r_min=0.6, r_max=0.9, max_phase=1.0, seed=2).double()
    moduli = lru.eigenvalues().abs()
    assert moduli.min() >= 0.6 - 1e-6 and moduli.max() <= 0.9 + 1e-6
    assert lru.theta.min() >= 0 and lru.theta.max() <= 1.0
    x = torch.randn(2, 40, 3, dtype=torch.float64)
    outputs = {mode: lru(x, mode=mode) for mode in ("loop", "scan", "conv")}
    for mode in ("scan", "conv"):
        torch.testing.assert_close(outputs[mode], outputs["loop"], rtol=1e-9, atol=1e-10)
    grads = [torch.autograd.grad(out.sum(), lru.theta)[0] for out in outputs.values()]
    torch.testing.assert_close(grads[1], grads[0])
    torch.testing.assert_close(grads[2], grads[0])


@pytest.mark.parametrize("cls", [linear_rnn.MinGRU, linear_rnn.MinLSTM])
def test_min_rnn_modes_agree(cls):
    torch.manual_seed(0)
    layer = cls(4, 6).double()
    x = 3 * torch.randn(2, 60, 4, dtype=torch.float64)
    outputs = {mode: layer(x, mode=mode) for mode in ("loop", "scan", "log")}
    for mode in ("scan", "log"):
        torch.testing.assert_close(outputs[mode], outputs["loop"], rtol=1e-9, atol=1e-10)
    assert (outputs["scan"] > 0).all(), "h stays positive: a convex mix of positive values"


def test_min_gru_has_a_third_of_a_gru_s_parameters_at_equal_sizes():
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(linear_rnn.MinGRU(64, 64)) == 2 * 64 * 65
    assert count(linear_rnn.MinLSTM(64, 64)) == 3 * 64 * 65
    assert count(torch.nn.GRU(64, 64)) == 3 * 64 * (64 + 64 + 2)


@pytest.mark.parametrize("layer", ["lru", "mingru", "minlstm", "selective"])
def test_stack_predicts_at_every_step_and_names_bad_shapes(layer):
    tokens = torch.from_numpy(make_selective_copy(3, 10, 2, 4)[0])
    model = linear_rnn.Stack(layer, width=8, depth=2, outputs=5, vocab_size=6)
    assert model(tokens).shape == (3, 12, 5)
    torch.testing.assert_close(model(tokens, mode="loop"), model(tokens), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"Stack: token input x must have shape \(N, T\)"):
        model(tokens[..., None])
    floats = linear_rnn.Stack(layer, width=8, depth=1, outputs=1, input_size=2)
    with pytest.raises(ValueError, match=r"Stack: x must have shape \(N, T, D\) = \(N, T, 2\), got \(4, 7, 3\)"):
        floats(torch.zeros(4, 7, 3))


def test_layers_name_their_shape_and_mode_errors():
    with pytest.raises(ValueError, match=r"LRU: x must have shape \(N, T, D\) = \(N, T, 3\)"):
        linear_rnn.LRU(3, 4)(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match="MinGRU: mode must be one of"):
        linear_rnn.MinGRU(3, 4)(torch.zeros(2, 5, 3), mode="conv")
    with pytest.raises(ValueError, match=r"MinLSTM: x must have shape"):
        linear_rnn.MinLSTM(3, 4)(torch.zeros(5, 3))
    with pytest.raises(ValueError, match="ring_init: need 0 <= r_min < r_max < 1"):
        linear_rnn.ring_init(4, 0.9, 0.5, 1.0)
    with pytest.raises(ValueError, match="Stack: layer must be one of"):
        linear_rnn.Stack("gru", 8, 1, 1, input_size=2)


def test_selective_copy_targets_are_the_data_tokens_in_order():
    tokens, targets = make_selective_copy(50, length=20, k=3, vocab=5, seed=3)
    assert tokens.shape == (50, 23) and targets.shape == (50, 3)
    assert np.all(tokens[:, 20:] == 6) and targets.min() >= 1 and targets.max() <= 5
    for row, target in zip(tokens[:, :20], targets):
        assert list(row[row != 0]) == list(target)
    with pytest.raises(ValueError, match="make_selective_copy: k must be in"):
        make_selective_copy(1, length=3, k=4)


def test_explorer_numbers():
    state = linear_rnn.lru_explorer_state(0.9, 0.99, 0.0, 100, P=8)
    moduli = np.abs(state["eigenvalues"])
    assert np.all((moduli >= 0.9 - 1e-9) & (moduli <= 0.99 + 1e-9))
    np.testing.assert_allclose(state["kernels"][:, 10], moduli ** 10)
    np.testing.assert_allclose(state["time_scales"], -1 / np.log(moduli))
    assert state["impulse"].shape == (101,)


# ------------------------------------------------------------------ the notebook's own versions

def _notebook_function(name):
    """The function `name` as written in the notebook's source, executed on its own."""
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    namespace = {"torch": torch}
    exec(compile(ast.Module([node], []), str(SOURCE), "exec"), namespace)
    return namespace[name]


def test_notebook_combine_is_the_package_s():
    combine = _notebook_function("combine")
    a, b, _ = _recurrence()
    for got, expected in zip(combine((a, b), (b, a)), scan.combine((a, b), (b, a))):
        torch.testing.assert_close(got, expected)


def test_notebook_lru_step_runs_the_package_s_lru():
    lru_step = _notebook_function("lru_step")
    lru = linear_rnn.LRU(3, 5, seed=4)
    x = torch.randn(2, 20, 3)
    with torch.no_grad():
        h, outputs = torch.zeros(2, 5, dtype=torch.complex64), []
        for x_t in x.unbind(1):
            h, y_t = lru_step(h, x_t, lru.eigenvalues(), lru.B(), lru.C(), lru.D)
            outputs.append(y_t)
        torch.testing.assert_close(torch.stack(outputs, 1), lru(x), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ the exercise checks

def _min_gru_step(x_t, h_prev, W, b):
    H = h_prev.shape[-1]
    pre = x_t @ W + b
    z, v = torch.sigmoid(pre[:, :H]), pre[:, H:]
    return (1 - z) * h_prev + z * torch.where(v >= 0, v + 0.5, torch.sigmoid(v))


def test_checks_pass_the_references_in_every_form(capsys):
    checks.check_combine(scan.combine)
    checks.check_combine(lambda left, right: [left[0] * right[0], right[0] * left[1] + right[1]])
    checks.check_min_gru_step(_min_gru_step)
    checks.check_min_gru_step(lambda *args: _min_gru_step(*args).numpy())
    assert capsys.readouterr().out.count("✓") == 4


def stub(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("check", [checks.check_combine, checks.check_min_gru_step])
def test_stubs_get_the_one_line_message(check):
    with pytest.raises(checks.ExerciseError, match="not implemented yet.*It should"):
        check(stub)


@pytest.mark.parametrize("wrong, message", [
    (lambda l, r: (l[0] * r[0], l[0] * r[1] + l[1]), "the b part .* differs"),  # order swapped
    (lambda l, r: (l[0] * r[0], l[1] + r[1]), "the b part .* differs"),  # forgot a2
    (lambda l, r: l[0] * r[0], "should return a pair"),
    (lambda l, r: None, "forget a `return`"),
])
def test_wrong_combines_fail(wrong, message):
    with pytest.raises(checks.ExerciseError, match=message):
        checks.check_combine(wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda x, h, W, b: _min_gru_step(x, h, W, b).T, "should have shape"),
    (lambda x, h, W, b: _min_gru_step(x, h, W.flip(1), b.flip(0)), "differs"),  # gates swapped
    (lambda x, h, W, b: (1 - torch.sigmoid((x @ W + b)[:, :h.shape[1]])) * h
     + torch.sigmoid((x @ W + b)[:, :h.shape[1]]) * torch.tanh((x @ W + b)[:, h.shape[1]:]),
     "differs"),  # tanh instead of g
    (lambda x, h, W, b: None, "forget a `return`"),
])
def test_wrong_min_gru_steps_fail(wrong, message):
    with pytest.raises(checks.ExerciseError, match=message):
        checks.check_min_gru_step(wrong)
