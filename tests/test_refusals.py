"""The bad inputs issue 19 found, each refused at once with a ValueError (or FileNotFoundError)
that names the function, the argument, what was expected and what came."""
import json
import time

import numpy as np
import pytest
import torch

from course_utils import (calibration, checkpoints, dynamics, evaluation, sampling, small_rnn,
                          train, widgets)
from course_utils.data import recent_sum, scp1, text
from course_utils.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from course_utils.layers import gru_step_forward
from course_utils.models import DenseClassifier, StackedRNN


def test_numeric_gradient_refuses_an_int_array():
    with pytest.raises(ValueError, match=r"eval_numerical_gradient: x must be a float NumPy array.*int64"):
        eval_numerical_gradient(lambda x: float(np.sum(x ** 2)), np.array([1, 2, 3]))
    with pytest.raises(ValueError, match=r"eval_numerical_gradient_array: x must be a float"):
        eval_numerical_gradient_array(lambda x: x ** 2, np.array([1, 2, 3]), np.ones(3))
    grad = eval_numerical_gradient(lambda x: float(np.sum(x ** 2)), np.array([1.0, 2.0, 3.0]))
    assert np.allclose(grad, [2, 4, 6])


def test_softmax_with_temperature_refuses_a_batch():
    with pytest.raises(ValueError, match=r"softmax_with_temperature: logits must have shape \(V,\), got \(2, 3\)"):
        sampling.softmax_with_temperature(np.zeros((2, 3)))


def test_rel_error_refuses_to_broadcast():
    with pytest.raises(ValueError, match=r"rel_error: x and y must have the same shape.*\(3,\).*\(2, 3\)"):
        rel_error(np.ones(3), np.ones((2, 3)))


def test_gru_reset_after_must_be_a_bool():
    x, h = np.zeros((1, 2)), np.zeros((1, 3))
    with pytest.raises(ValueError, match="gru_step_forward: reset_after must be True or False, got 'no'"):
        gru_step_forward(x, h, np.zeros((2, 9)), np.zeros((3, 9)), np.zeros(9), reset_after="no")


@pytest.mark.parametrize("logits", [np.zeros(0), np.full(4, np.nan)])
def test_fit_temperature_refuses_empty_or_nan_logits(logits):
    with pytest.raises(ValueError, match="fit_temperature: logits must"):
        calibration.fit_temperature(logits, np.zeros(len(logits), int))


def test_bleu_refuses_strings():
    with pytest.raises(ValueError, match="bleu_scores: references must be a list"):
        evaluation.bleu_scores(["a red circle"], ["a red circle"])
    with pytest.raises(ValueError, match="bleu_scores: hypotheses must be a list"):
        evaluation.bleu_scores([[["a", "red"]]], "a red")


def test_vocabulary_decode_refuses_fractions_and_unknown_ids():
    vocab = text.Vocabulary("abc")
    with pytest.raises(ValueError, match=r"Vocabulary.decode: ids must hold whole numbers"):
        vocab.decode([1.7])
    with pytest.raises(ValueError, match=r"Vocabulary.decode: ids must hold ids \[0, 3\)"):
        vocab.decode([5])
    assert vocab.decode([1.0, 2]) == "bc"


def test_stacked_rnn_needs_a_layer():
    with pytest.raises(ValueError, match=r"StackedRNN: depth must be in \[1, 64\], got 0"):
        StackedRNN(10, depth=0)


def test_fit_classifier_refuses_labels_that_are_not_0_or_1():
    model = DenseClassifier(frames=2, features=3)
    with pytest.raises(ValueError, match="fit_classifier: y must hold labels 0 or 1.*to 2"):
        train.fit_classifier(model, torch.zeros(4, 2, 3), torch.tensor([0, 1, 2, 1]), epochs=1)


def test_eigenvalue_state_refuses_an_unknown_structure():
    with pytest.raises(ValueError, match=r"eigenvalue_state: structure must be one of \('normal', 'non-normal'\), got 'bogus'"):
        widgets.eigenvalue_state(4, 0.9, 0.1, 10.0, "bogus", 20)


@pytest.mark.parametrize("call", [
    lambda: small_rnn.gradient_survival(1.0, T=10 ** 7),
    lambda: recent_sum.recent_sum_task(4, 10 ** 7),
    lambda: dynamics.power_log_norms(np.eye(3), 10 ** 7),
    lambda: widgets.explosion_state(1.0, 10 ** 7, "tanh", "1"),
    lambda: widgets.eigenvalue_state(4, 0.9, 0.1, 10.0, "normal", 10 ** 7),
    lambda: small_rnn.train_recent_sum_rnn(1.0, 10 ** 7),
])
def test_huge_sizes_are_refused_in_milliseconds(call):
    start = time.perf_counter()
    with pytest.raises(ValueError, match="T must be"):
        call()
    assert time.perf_counter() - start < 0.5


def test_a_missing_checkpoint_names_the_file_and_the_command(tmp_path, monkeypatch):
    folder = tmp_path / "captioning"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"captioner_rnn.pt": {"sha256": "0" * 64}}))
    monkeypatch.setattr(checkpoints, "DATA", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"load: .*captioner_rnn.pt is missing; remake it "
                                                r"with `python scripts/train_captioner.py`"):
        checkpoints.load("captioning", "captioner_rnn.pt")


def test_a_corrupted_manifest_names_the_file_and_the_command(tmp_path, monkeypatch):
    folder = tmp_path / "longrange"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"adding_rnn_T50.pt": {"sha2')
    monkeypatch.setattr(checkpoints, "DATA", tmp_path)
    with pytest.raises(ValueError, match=r"manifest: .*manifest.json is damaged.*"
                                         r"`python scripts/train_longrange.py`"):
        checkpoints.manifest("longrange")
    (folder / "manifest.json").write_text('["not", "a", "manifest"]')
    with pytest.raises(ValueError, match="is damaged"):
        checkpoints.manifest("longrange")


def test_an_unknown_folder_is_named():
    with pytest.raises(ValueError, match=r"manifest: folder must be one of \[.*captioning"):
        checkpoints.manifest("../etc")


def test_missing_data_files_name_the_file_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "SHAKESPEARE", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"PROVENANCE.json is missing; remake it with "
                                                r"`python scripts/make_shakespeare.py`"):
        text.load_shakespeare()
    (tmp_path / "PROVENANCE.json").write_text("{")
    with pytest.raises(ValueError, match="PROVENANCE.json is damaged"):
        text.load_shakespeare()
    (tmp_path / "PROVENANCE.json").write_text("{}")
    monkeypatch.setattr(scp1, "SCP1", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"scp1.npz is missing; remake it with .*make_scp1.py"):
        scp1.load_scp1()
