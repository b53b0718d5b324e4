"""Notebook 09's helpers: the image-sequence generators, ReNet's sweep, the ConvGRU cell, the
echo-state network, the two exercise checks, and that the notebook's own versions of the
sweep, the ConvGRU step and the ridge read-out agree with the package's."""
import ast
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils import checks, imaging, reservoir
from course_utils.data.blobs import make_moving_blobs
from course_utils.data.digits import load_digits_split
from course_utils.data.narma import make_narma10
from course_utils.data.timelapse import make_timelapse

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks" / "src" / "09_rnns_for_imaging.py"


def notebook_function(name):
    """The function `name` as the notebook's source defines it, compiled beside numpy, torch
    and F (what the notebook imports)."""
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    namespace = {"np": np, "torch": torch, "F": torch.nn.functional}
    exec(compile(ast.Module([node], []), str(SOURCE), "exec"), namespace)
    return namespace[name]


# --- data ------------------------------------------------------------------------------------

def test_timelapse_hides_the_fate_from_single_frames_and_the_average():
    x, fate, brightness = make_timelapse(400, seed=3)
    assert x.shape == (400, 12, 1, 12, 12) and x.dtype == np.float32 and set(fate) == {0, 1}
    # every movie's reporter averages to its baseline: a whole number of periods
    assert np.allclose(brightness.mean(axis=1), 1.0)
    # one frame's brightness has the same distribution in both fates
    fast, slow = brightness[fate == 1].ravel(), brightness[fate == 0].ravel()
    assert abs(np.median(fast) - np.median(slow)) < 0.05 and abs(fast.std() - slow.std()) < 0.05
    # the change from frame to frame is what differs
    step = np.abs(np.diff(brightness, axis=1)).mean(axis=1)
    assert step[fate == 1].min() > step[fate == 0].max()
    again = make_timelapse(400, seed=3)[0]
    assert np.array_equal(x, again)


def test_blobs_move_at_constant_speed_on_a_torus():
    x = make_moving_blobs(5, frames=6, size=12, blobs=1, seed=0)
    assert x.shape == (5, 6, 1, 12, 12) and x.min() >= 0 and x.max() <= 1
    assert np.allclose(x.sum(axis=(2, 3, 4)), x[:, :1].sum(axis=(2, 3, 4)), rtol=0.05)  # never leaves


def test_narma10_follows_its_equation():
    u, y = make_narma10(200, seed=0)
    t = 50
    # y[t] is the output after reading u[0..t]: y[t] = f(y[t-1], ..., u[t], u[t-9])
    expected = 0.3 * y[t - 1] + 0.05 * y[t - 1] * y[t - 10:t].sum() + 1.5 * u[t - 9] * u[t] + 0.1
    assert y[t] == pytest.approx(expected)
    assert np.array_equal(make_narma10(200, seed=0)[1], y)


def test_digits_split():
    xtr, ytr, xte, yte = load_digits_split(train=1000)
    assert xtr.shape == (1000, 1, 8, 8) and len(xte) == 797 and xtr.max() <= 1 and xtr.min() >= 0
    assert set(ytr) == set(range(10))


@pytest.mark.parametrize("call, match", [
    (lambda: make_timelapse(0), "make_timelapse: n"),
    (lambda: make_moving_blobs(3, frames=1), "make_moving_blobs: frames"),
    (lambda: make_narma10(5), "make_narma10: steps"),
    (lambda: load_digits_split(train=5000), "load_digits_split: train"),
    (lambda: imaging.ReNetLayer(1, 4)(torch.zeros(2, 1, 7, 8)), "ReNetLayer: x must have"),
    (lambda: imaging.TimelapseReader()(torch.zeros(2, 1, 12, 12)), "TimelapseReader: x"),
    (lambda: imaging.NextFrame()(torch.zeros(2, 1, 12, 12)), "NextFrame: x"),
    (lambda: imaging.sweep(np.zeros((1, 2, 3, 4)), np.zeros((5, 2)), np.zeros((2, 2)),
                           np.zeros(2)), "sweep: x must have"),
    (lambda: reservoir.make_reservoir(0), "make_reservoir: units"),
    (lambda: reservoir.run_reservoir(np.zeros((3, 2)), np.zeros((1, 4)), np.zeros((4, 4))),
     "run_reservoir: u must have"),
    (lambda: reservoir.ridge_readout(np.zeros((5, 2)), np.zeros((4, 1))), "ridge_readout:"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- models ----------------------------------------------------------------------------------

def test_sweep_is_torch_rnn_along_each_row():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 4))
    rnn = torch.nn.RNN(4, 6, batch_first=True, dtype=torch.float64)
    Wx, Wh = rnn.weight_ih_l0.detach().numpy().T, rnn.weight_hh_l0.detach().numpy().T
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy()
    with torch.no_grad():
        expected = rnn(torch.from_numpy(x.reshape(6, 5, 4)))[0].numpy().reshape(2, 3, 5, 6)
    assert np.allclose(imaging.sweep(x, Wx, Wh, b), expected)
    backwards = imaging.sweep(x[:, :, ::-1], Wx, Wh, b)[:, :, ::-1]
    assert np.allclose(imaging.sweep(x, Wx, Wh, b, reverse=True), backwards)


def test_one_renet_layer_sees_every_pixel_and_one_convolution_nine():
    torch.manual_seed(0)
    images = torch.rand(4, 1, 8, 8)
    renet = imaging.ReNet(hidden_size=6)
    cnn = imaging.SmallCNN()
    assert renet.layer(images).shape == (4, 12, 4, 4)
    assert (imaging.receptive_field(renet.layer, images, 0, 3) > 0).all()
    field = imaging.receptive_field(cnn.layer, images, 3, 3)
    assert (field > 0).sum() == 9 and (field[2:5, 2:5] > 0).all()
    assert renet(images).shape == cnn(images).shape == (4, 10)


def test_timelapse_models_and_next_frame_shapes():
    movies = torch.rand(3, 5, 1, 12, 12)
    reader = imaging.TimelapseReader().eval()
    assert reader.step_logits(movies).shape == (3, 5) and reader(movies).shape == (3,)
    assert imaging.FrameClassifier().eval()(movies[:, 0]).shape == (3,)
    for recurrent in (True, False):
        assert imaging.NextFrame(hidden_size=4, recurrent=recurrent)(movies).shape == movies.shape


def test_per_frame_next_frame_model_ignores_the_past():
    torch.manual_seed(0)
    model = imaging.NextFrame(hidden_size=4, recurrent=False)
    movies = torch.rand(2, 4, 1, 8, 8)
    changed = movies.clone()
    changed[:, 0] = 0
    with torch.no_grad():
        assert torch.allclose(model(movies)[:, 1:], model(changed)[:, 1:])
        recurrent = imaging.NextFrame(hidden_size=4)
        assert not torch.allclose(recurrent(movies)[:, 1:], recurrent(changed)[:, 1:])


def test_convgru_cell_is_a_gru_when_the_kernel_is_1x1():
    """With a 1 x 1 kernel each pixel is a GRU. torch's GRUCell puts the reset outside the
    product (r * (U h)), ours inside (U (r * h)); with U = 0 for the candidate they agree."""
    torch.manual_seed(0)
    cell, gru, K = imaging.ConvGRUCell(3, 4, kernel=1), torch.nn.GRUCell(3, 4), 4
    with torch.no_grad():
        cell.n.weight[:, 3:] = 0
        W_zr, W_n = cell.zr.weight[:, :, 0, 0], cell.n.weight[:, :, 0, 0]
        gru.weight_ih.copy_(torch.cat([W_zr[K:, :3], W_zr[:K, :3], W_n[:, :3]]))   # (r, z, n)
        gru.weight_hh.copy_(torch.cat([W_zr[K:, 3:], W_zr[:K, 3:], torch.zeros(K, K)]))
        gru.bias_ih.copy_(torch.cat([cell.zr.bias[K:], cell.zr.bias[:K], cell.n.bias]))
        gru.bias_hh.zero_()
        x, h = torch.randn(5, 3), torch.randn(5, 4)
        ours = cell(x[:, :, None, None], h[:, :, None, None])[:, :, 0, 0]
        assert torch.allclose(ours, gru(x, h), atol=1e-6)


# --- the reservoir ---------------------------------------------------------------------------

def test_reservoir_has_the_spectral_radius_asked_for():
    W_in, W = reservoir.make_reservoir(30, rho=0.7, input_scale=0.2, inputs=3)
    assert np.abs(np.linalg.eigvals(W)).max() == pytest.approx(0.7)
    assert W_in.shape == (3, 30) and np.abs(W_in).max() <= 0.2


def test_ridge_readout_solves_least_squares():
    rng = np.random.default_rng(0)
    S, Y = rng.standard_normal((100, 7)), rng.standard_normal((100, 2))
    assert np.allclose(reservoir.ridge_readout(S, Y, 1e-12), np.linalg.lstsq(S, Y, rcond=None)[0])
    shrunk = reservoir.ridge_readout(S, Y, 1e3)
    assert np.linalg.norm(shrunk) < 0.5 * np.linalg.norm(reservoir.ridge_readout(S, Y, 0.0))


def test_echo_state_property_and_memory_capacity():
    fades = reservoir.echo_distance(*reservoir.make_reservoir(40, 0.5, 0.1))
    keeps = reservoir.echo_distance(*reservoir.make_reservoir(40, 1.5, 0.1))
    assert fades[-1] < 1e-10 and keeps[-1] > 0.1
    r2 = reservoir.memory_curve(*reservoir.make_reservoir(20, 0.9, 0.1))
    assert r2.shape == (40,) and 0 <= r2.min() and r2.max() <= 1
    assert 5 < r2.sum() <= 20 and r2[0] > 0.9


# --- the notebook's own versions agree with the package's -----------------------------------

def test_notebook_definitions_agree_with_the_package():
    rng = np.random.default_rng(1)
    x, Wx, Wh, b = (rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((5, 3)),
                    0.5 * rng.standard_normal((3, 3)), rng.standard_normal(3))
    for reverse in (False, True):
        assert np.allclose(notebook_function("sweep")(x, Wx, Wh, b, reverse),
                           imaging.sweep(x, Wx, Wh, b, reverse))
    S, Y = rng.standard_normal((50, 6)), rng.standard_normal((50, 2))
    assert np.allclose(notebook_function("ridge_readout")(S, Y, 0.3),
                       reservoir.ridge_readout(S, Y, 0.3))
    cell = imaging.ConvGRUCell(2, 3)
    xs, hs = torch.randn(2, 2, 5, 5), torch.randn(2, 3, 5, 5)
    with torch.no_grad():
        mine = notebook_function("convgru_step")(xs, hs, cell.zr.weight, cell.zr.bias,
                                                 cell.n.weight, cell.n.bias)
        assert torch.allclose(mine, cell(xs, hs))


# --- the exercise checks ---------------------------------------------------------------------

def _stub(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("form", [
    lambda S, Y, a: reservoir.ridge_readout(S, Y, a),
    lambda S, Y, a: reservoir.ridge_readout(S, Y, a).astype(np.float32),
    lambda S, Y, a: torch.from_numpy(reservoir.ridge_readout(S, Y, a)),
    lambda S, Y, a: torch.from_numpy(reservoir.ridge_readout(S, Y, a)).float(),
])
def test_check_ridge_readout_accepts_every_form(form, capsys):
    checks.check_ridge_readout(form)
    assert "✓" in capsys.readouterr().out


def test_check_ridge_readout_rejects_mistakes():
    no_alpha = lambda S, Y, a: np.linalg.lstsq(S, Y, rcond=None)[0]
    transposed = lambda S, Y, a: reservoir.ridge_readout(S, Y, a).T
    alpha_on_y = lambda S, Y, a: np.linalg.solve(S.T @ S, S.T @ Y) / (1 + a)
    for wrong, match in [(no_alpha, "differs"), (transposed, "shape"), (alpha_on_y, "differs"),
                         (_stub, "not implemented yet"), (lambda S, Y, a: None, "return")]:
        with pytest.raises(checks.ExerciseError, match=match):
            checks.check_ridge_readout(wrong)


@pytest.mark.parametrize("form", [
    imaging.sweep,
    lambda *a: imaging.sweep(*a).astype(np.float32),
    lambda *a: torch.from_numpy(imaging.sweep(*a)),
])
def test_check_sweep_accepts_every_form(form, capsys):
    checks.check_sweep(form)
    assert "✓" in capsys.readouterr().out


def test_check_sweep_rejects_mistakes():
    ignores_reverse = lambda x, Wx, Wh, b, reverse=False: imaging.sweep(x, Wx, Wh, b)

    def mixes_rows(x, Wx, Wh, b, reverse=False):   # one long sequence through all rows
        N, R, C, D = x.shape
        flat = imaging.sweep(x.reshape(N, 1, R * C, D), Wx, Wh, b, reverse)
        return flat.reshape(N, R, C, -1)

    for wrong, match in [(ignores_reverse, "reverse=True"), (mixes_rows, "differs"),
                         (_stub, "not implemented yet"),
                         (lambda *a: None, "return")]:
        with pytest.raises(checks.ExerciseError, match=match):
            checks.check_sweep(wrong)
