"""course_utils.dynamics (the numbers behind notebook 04) and its widgets, without a browser."""
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils import _reference, dynamics, small_rnn, widgets
from course_utils.data import recent_sum
from course_utils.gradcheck import eval_numerical_gradient


@pytest.mark.parametrize("non_normal", [0.0, 1.0])
@pytest.mark.parametrize("n", [2, 7, 32])
def test_matrix_with_spectrum_has_the_chosen_radius(n, non_normal):
    W = dynamics.matrix_with_spectrum(n, 0.9, spread=0.4, angle=0.5, non_normal=non_normal)
    assert np.isclose(np.abs(np.linalg.eigvals(W)).max(), 0.9)
    normal_defect = np.abs(W @ W.T - W.T @ W).max()
    if non_normal == 0:
        assert normal_defect < 1e-12
    elif n > 2:
        assert normal_defect > 1e-3 and np.linalg.norm(W, 2) > 0.95


def test_power_and_state_norms_match_direct_computation():
    W = dynamics.matrix_with_spectrum(6, 1.1, spread=0.5, angle=0.7, non_normal=1.0, seed=3)
    steps, logs = dynamics.power_log_norms(W, 12, steps=np.arange(13))
    direct = [np.log10(np.linalg.norm(np.linalg.matrix_power(W, k), 2)) for k in steps]
    np.testing.assert_allclose(logs, direct, atol=1e-10)
    h0 = np.arange(1.0, 7.0)
    states = [h0]
    for _ in range(12):
        states.append(W.T @ states[-1])
    np.testing.assert_allclose(dynamics.state_log_norms(W, h0, 12),
                               np.log10(np.linalg.norm(states, axis=1)), atol=1e-10)


def test_norms_do_not_overflow_or_warn():
    W = dynamics.matrix_with_spectrum(8, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, logs = dynamics.power_log_norms(W, 500)
        states = dynamics.state_log_norms(W, np.ones(8), 500)
    assert np.isclose(logs[-1], 500 * np.log10(2.0)) and np.all(np.isfinite(states))


@pytest.mark.parametrize("nonlinearity", dynamics.NONLINEARITIES)
def test_activate_derivative_is_the_slope(nonlinearity):
    a = np.array([-2.0, -0.3, 0.4, 1.7])
    _, slope = dynamics.activate(a, nonlinearity)
    numeric = [eval_numerical_gradient(lambda v: dynamics.activate(v, nonlinearity)[0][i],
                                       a.copy())[i] for i in range(len(a))]
    np.testing.assert_allclose(slope, numeric, atol=1e-6)


def test_jacobian_norms_match_torch_autograd():
    rng = np.random.default_rng(0)
    H, T = 6, 15
    Wh, Wx = rng.standard_normal((H, H)) * 0.6, rng.standard_normal((2, H))
    x = rng.standard_normal((1, T, 2))
    _, derivs = dynamics.rnn_trajectory(Wh, Wx, x, np.zeros((1, H)), "tanh")
    steps, logs = dynamics.jacobian_log_norms(Wh, derivs[:, 0], steps=np.arange(T + 1))

    states = [torch.zeros(H, dtype=torch.float64, requires_grad=True)]
    for t in range(T):
        states.append(torch.tanh(states[-1] @ torch.tensor(Wh) + torch.tensor(x[0, t] @ Wx)))
    jacobians = torch.autograd.grad(states[-1], states, torch.eye(H, dtype=torch.float64),
                                    is_grads_batched=True)
    expected = [np.log10(torch.linalg.matrix_norm(j, ord=2).item()) for j in jacobians]
    np.testing.assert_allclose(logs, expected, atol=1e-9)


@pytest.mark.parametrize("threshold", [None, 0.1])
def test_training_loop_matches_torch_sgd(threshold):
    """Two SGD iterations of the hand-written BPTT equal the same run in torch autograd."""
    scale, T, batch, lr = 1.3, 30, 8, 0.05
    losses, grad_norms = small_rnn.train_recent_sum_rnn(
        scale, T, "tanh", thresholds=(threshold,), batch=batch, iterations=2, lr=lr)
    Wh, Wx, wy = (torch.tensor(w, requires_grad=True) for w in small_rnn.init_small_rnn(scale))
    expected = []
    for it in range(2):
        x, y = (torch.tensor(a) for a in recent_sum.recent_sum_task(batch, T, seed=1 + it))
        states = [torch.zeros(batch, 16, dtype=torch.float64, requires_grad=True)]
        for t in range(T):
            states.append(torch.tanh(states[-1] @ Wh + x[:, t] @ Wx))
        for state in states:
            state.retain_grad()
        loss = (((states[-1] @ wy)[:, 0] - y) ** 2).mean()
        loss.backward()
        expected.append(loss.item())
        if it == 0:
            torch_norms = [s.grad[0].norm().item() for s in states]
        if threshold is not None:
            torch.nn.utils.clip_grad_norm_([Wh, Wx, wy], threshold)
        with torch.no_grad():
            for w in (Wh, Wx, wy):
                w -= lr * w.grad
                w.grad = None
    np.testing.assert_allclose(losses[0], expected, rtol=1e-5)
    np.testing.assert_allclose(grad_norms, torch_norms, rtol=1e-8)


def test_training_reports_divergence_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses, grad_norms = small_rnn.train_recent_sum_rnn(3.0, 200, "linear",
                                                           thresholds=(None, 1.0))
    assert np.all(np.isinf(losses[:, -1]))  # diverged runs read inf, never NaN
    assert not np.any(np.isnan(losses))


def test_clip_by_norm_and_the_cliff():
    grad = np.array([6.0, 8.0])
    assert np.allclose(_reference.clip_by_norm(grad, 5.0), [3.0, 4.0])
    assert _reference.clip_by_norm(grad, 20.0) is grad
    with pytest.raises(ValueError, match="threshold must be > 0"):
        _reference.clip_by_norm(grad, 0)
    w, b = np.array(3.0), np.array(-1.2)
    _, dw, db = dynamics.cliff_loss_and_grad(w, b)
    numeric_w = eval_numerical_gradient(lambda v: float(dynamics.cliff_loss_and_grad(v, b)[0]),
                                        w.copy())
    numeric_b = eval_numerical_gradient(lambda v: float(dynamics.cliff_loss_and_grad(w, v)[0]),
                                        b.copy())
    assert np.isclose(dw, numeric_w, rtol=1e-5) and np.isclose(db, numeric_b, rtol=1e-5)
    path, _ = dynamics.descend_cliff((7.0, -2.0), 0.01, 40, threshold=20.0)
    assert np.linalg.norm(np.diff(path, axis=0), axis=1).max() <= 0.2 + 1e-12


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        dynamics.activate(np.zeros(2), "softplus")
    with pytest.raises(ValueError, match=r"Wh must have shape \(H, H\) = \(3, 3\)"):
        dynamics.rnn_trajectory(np.zeros((3, 2)), np.zeros((1, 3)), np.zeros((1, 4, 1)),
                                np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"need radius >= 0|spread must be in \[0, 1\]"):
        dynamics.matrix_with_spectrum(4, 1.0, spread=2)


def test_explorers_redraw_and_label_extremes_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eigen = widgets.eigenvalue_explorer()
        first = eigen.image.value
        eigen.set(radius=1.2)
        assert eigen.image.value != first and "ρ(W) = 1.200" in eigen.status.value
        eigen.set(radius=2.0, T=500)
        curve, verdict = widgets.clipped_log_curve(eigen.state["state_log"])
        assert verdict == "exploded" and np.all(np.isfinite(curve))
        blast = widgets.explosion_explorer()
        blast.set(nonlinearity="linear", scale=3.0, T=500, threshold="off")
        assert "nan" not in blast.status.value and "inf" in blast.status.value
        blast.set(nonlinearity="tanh", scale=0.25, T=200)
        assert widgets.clipped_log_curve(blast.state["grad_log"])[1] == "vanished"
    with pytest.raises(ValueError, match="no control named 'radius'"):
        blast.set(radius=1.0)



def test_explorer_reset_sets_every_control_and_updates_once():
    eigen = widgets.eigenvalue_explorer()
    start = eigen.state
    eigen.set(size=3, spread=1.0, angle_degrees=180, structure="non-normal", T=7)
    updates = []
    eigen.image.observe(lambda change: updates.append(change), names="value")
    eigen.reset(radius=0.9)
    assert eigen.values() == {**eigen.defaults, "radius": 0.9} and len(updates) == 1
    eigen.reset()
    assert np.allclose(eigen.state["W"], start["W"])
    with pytest.raises(ValueError, match="reset: no control named 'scale'"):
        eigen.reset(scale=1.0)


def test_every_eigenvalue_control_changes_the_matrix_at_the_smallest_size():
    """At every size the slider allows, 'non-normal' and the spread change W (issue: at n = 2
    they did nothing)."""
    eigen = widgets.eigenvalue_explorer()
    smallest = eigen.controls["size"].min
    eigen.reset(size=smallest, spread=0.0)
    plain = eigen.state
    eigen.set(structure="non-normal")
    assert plain["singular_values"][0] < eigen.state["singular_values"][0] - 1e-3
    eigen.reset(size=smallest, spread=1.0)
    assert not np.allclose(np.sort(np.abs(plain["eigenvalues"])),
                           np.sort(np.abs(eigen.state["eigenvalues"])))


def test_explosion_explorer_says_when_clipping_never_triggers():
    blast = widgets.explosion_explorer()
    blast.reset(scale=0.5, threshold="30")
    assert np.array_equal(*blast.state["losses"])
    assert blast.figure.loss_notes[1].get_text() == "clipped at 30: never triggered, the same run"
    blast.set(threshold="off")
    assert "the same run as without clipping" in blast.figure.loss_notes[1].get_text()
    blast.reset(nonlinearity="relu", scale=1.2, threshold="1")
    assert "never triggered" not in blast.figure.loss_notes[1].get_text()


def test_smallest_surviving_scale_check_rejects_wrong_answers():
    from course_utils import checks

    for wrong, message in [(1.0, "try a larger scale"), (2.5, "look lower"),
                           (None, "not answered yet"), ("1.5", "should be a number.*without quotes")]:
        with pytest.raises(checks.ExerciseError, match=message):
            checks.check_smallest_surviving_scale(wrong)


NOTEBOOK_04 = Path(__file__).resolve().parents[1] / "notebooks" / "src" / "04_vanishing_gradients.py"


def notebook_definition(name):
    """Execute the code cell of notebook 04's source that defines `name`; return the object."""
    import jupytext

    cells = [cell.source for cell in jupytext.read(NOTEBOOK_04).cells
             if cell.cell_type == "code" and f"def {name}(" in cell.source]
    assert len(cells) == 1, f"notebook 04 should define {name} in exactly one cell"
    namespace = {"np": np, "dynamics": dynamics}
    exec(compile(cells[0], str(NOTEBOOK_04), "exec"), namespace)
    return namespace[name]


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_notebooks_jacobian_norms_agree_with_the_package(nonlinearity):
    """Notebook 04 writes the chain rule out (jacobian_norms); the widgets use the package's
    log-scale version: both must give the same ||dh_T/dh_t|| on the same run."""
    jacobian_norms = notebook_definition("jacobian_norms")
    rng = np.random.default_rng(3)
    Wh = 1.1 * dynamics.random_orthogonal(12, rng)
    _, derivs = dynamics.rnn_trajectory(Wh, rng.standard_normal((1, 12)),
                                        rng.standard_normal((1, 30, 1)), np.zeros((1, 12)),
                                        nonlinearity)
    norms = jacobian_norms(Wh, derivs[:, 0])
    steps, logs = dynamics.jacobian_log_norms(Wh, derivs[:, 0], steps=np.arange(31))
    assert norms.shape == (31,) and norms[-1] == 1
    np.testing.assert_allclose(np.log10(norms), logs, atol=1e-9)


def test_notebook_04s_links_to_other_notebooks_reach_a_heading():
    """Notebook 04 links to notebook 01's notation table by its heading (JupyterLab's anchors:
    the heading's text with spaces turned into '-'): renaming the heading must fail here."""
    import re

    import jupytext

    links = re.findall(r"\]\((\d\d_\w+)\.ipynb#([^\s]+?)\)(?=[,.;: ]|$)", NOTEBOOK_04.read_text(),
                       flags=re.M)
    assert links, "notebook 04 should link to notebook 01's table"
    for stem, anchor in links:
        cells = jupytext.read(NOTEBOOK_04.parent / f"{stem}.py").cells
        headings = {line.lstrip("#").strip().replace(" ", "-") for cell in cells
                    if cell.cell_type == "markdown" for line in cell.source.splitlines()
                    if line.startswith("#")}
        assert anchor in headings, f"{stem}.ipynb has no heading for #{anchor}"


def test_notebooks_cliff_loss_agrees_with_the_package():
    """Notebook 04 writes Pascanu's one-unit RNN out (cliff_loss); the descent uses the
    package's cliff_loss_and_grad: same loss on a grid that crosses the cliff."""
    cliff_loss = notebook_definition("cliff_loss")
    w, b = np.meshgrid(np.linspace(2, 10, 41), np.linspace(-6, 1, 29))
    for T in (1, 20):
        np.testing.assert_allclose(cliff_loss(w, b, T=T),
                                   dynamics.cliff_loss_and_grad(w, b, T=T)[0], rtol=1e-12)
    assert np.isclose(cliff_loss(7.0, -2.0), dynamics.cliff_loss_and_grad(7.0, -2.0)[0])
