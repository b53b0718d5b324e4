"""Property-based: generated bad inputs to every public function of course_utils get a clear
ValueError (or ExerciseError) naming the function and the argument, never garbage, a crash from
numpy/torch internals, or a hang.

Every public function and class is found by introspection, so a new module is covered: each needs
a valid baseline call in BASELINES (one argument at a time is then replaced by a generated bad
value) or a reason in NOT_GENERIC. Run `python tests/test_bad_inputs.py` for the counts
tried / clear / confusing / silent / hang over the whole enumerated set.
"""
import importlib
import inspect
import math
import pkgutil
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import course_utils
import course_utils.data
import course_utils.models
from course_utils.checks import ExerciseError

ROOT = Path(__file__).resolve().parents[1]
SECONDS_PER_CALL = 3.0


# ---------------------------------------------------------------- what is public

def public_callables():
    """{'module.name' or 'module.Class.method': object} for every public function, class and
    public method of a class defined in course_utils (not re-exported names)."""
    modules = ["course_utils." + m.name for m in pkgutil.iter_modules(course_utils.__path__)]
    modules += ["course_utils.data." + m.name for m in pkgutil.iter_modules(course_utils.data.__path__)]
    modules += ["course_utils.models." + m.name for m in pkgutil.iter_modules(course_utils.models.__path__)]
    found = {}
    for module_name in sorted(modules):
        module = importlib.import_module(module_name)
        # models is a package by topic; its names keep the short form models.X
        short = module_name.removeprefix("course_utils.")
        short = "models" if short.startswith("models.") else short
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found[f"{short}.{name}"] = obj
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                for method, member in vars(obj).items():
                    if not method.startswith("_") and inspect.isfunction(member):
                        found[f"{short}.{name}.{method}"] = member
    return found


# Not called generically, each with its reason (they have their own tests).
NOT_GENERIC = {
    "_reference": "the checks' answers: tested through tests/test_checks.py",
    "checks": "exercise checks take student functions: tests/test_checks.py throws odd ones at them",
    "validate": "the validators themselves: every other test goes through them",
    "widgets.BlitFigure": "drawing machinery: needs a live matplotlib figure",
    "widgets.Explorer": "ipywidgets app: its compute functions are tested here",
    "widgets.eigenvalue_explorer": "builds widgets; eigenvalue_state is its compute",
    "widgets.explosion_explorer": "builds widgets; explosion_state is its compute",
    "plots.draw_unfolded_rnn": "draws a figure",
    "runtime": "device, seeds and timers: tests/test_runtime_and_data.py",
    "numerics": "arithmetic the checked functions call on arrays they validated: tests/test_models.py",
    "grading": "nbgrader's preprocessor and config: tests/test_classroom.py grades with it",
    "train.train_tbptt": "trains a model: tests/test_charlm.py",
    "train.fit_classifier": "trains a model: tests/test_eeg.py (labels are checked there)",
    "train.fit_captioner": "trains a model: tests/test_captioning.py",
    "train.train_steps": "trains a model: tests/test_beyond.py",
    "train.evaluate_nats": "needs a trained model",
    "train.accuracy": "needs a trained model",
    "train.caption_loss": "needs a captioner",
    "train.training_step": "takes a model, an optimiser and a loss: tests/test_train.py",
    "decoding": "decoders need a shipped captioner: tests/test_captioning.py",
    "sampling.sample": "needs a trained CharLM",
    "data.scp1.load_scp1": "reads shipped data: tests/test_eeg.py",
    "data.scp1.model_inputs": "needs the shipped manifest entry",
    "data.text.load_shakespeare": "reads shipped data: tests/test_charlm.py",
    "checkpoints": "files: tests in this module (missing and corrupted files)",
    "models.load_scp1_ensemble": "reads shipped checkpoints",
    "models.ConvGRUClassifier.forward": "forward pass: tests/test_eeg.py",
    "train.augment": "transforms a training batch: tests/test_eeg.py",
    "train.fit_augmented": "trains a model: tests/test_eeg.py (lengths are checked there)",
    "models.load_captioner": "reads shipped checkpoints",
    "models.load_last_state_model": "reads shipped checkpoints",
    "models.load_charlm": "reads shipped checkpoints",
    "models.load_model": "reads shipped checkpoints",
    "models.restore": "loads a state dict: tests/test_models.py",
    "models.chrono_init": "takes a torch layer: tests/test_lstm_gru.py",
    "models.cell_from_layer": "takes a torch layer: tests/test_lstm_gru.py",
    "models.detach_state": "takes a model's state",
    "data.scenes.render": "takes scene objects and an rng: tests/test_captioning.py",
    "data.eeg.pink_noise": "takes an rng",
    "data.eeg.background": "takes an rng",
    "dynamics.random_orthogonal": "takes an rng",
    "gradcheck.eval_numerical_gradient": "takes a function; its bad arrays are tested here by hand",
    "gradcheck.eval_numerical_gradient_array": "takes a function; tested by hand below",
    "layers.rnn_backward": "takes a cache made by rnn_forward",
    "layers.word_embedding_backward": "takes a cache",
    "layers.temporal_affine_backward": "takes a cache",
    "layers.lstm_step_backward": "takes a cache",
    "layers.lstm_backward": "takes a cache",
    "layers.lstm_gates": "takes a cache",
    "layers.gru_step_backward": "takes a cache",
    "layers.gru_backward": "takes a cache",
    "layers.gru_gates": "takes a cache",
    "data.scenes.captions_for": "takes scene objects made by make_scenes: tests/test_captioning.py",
    "data.tagging.encode_tagged": "takes sentences and tags made by make_name_sentences",
    "data.years.encode": "takes sentences and a vocabulary made by this module: tests/test_layers.py",
    "dynamics.jacobian_log_norms": "takes derivatives made by rnn_trajectory: tests/test_dynamics.py",
    "evaluation.objects_named": "takes a scene made by make_scenes",
    "models": "torch modules: their constructors are called below; forward passes in their tests",
    # notebooks 09 and 10: constructors are called below; forward passes (shape-checked, named
    # errors) are tested in their notebooks' tests, as for `models`
    "imaging.ReNetLayer.forward": "forward pass: tests/test_imaging.py (test_bad_input_is_named)",
    "imaging.ReNet.forward": "forward pass (ReNetLayer's checks): tests/test_imaging.py",
    "imaging.SmallCNN.forward": "forward pass: tests/test_imaging.py",
    "imaging.FrameEncoder.forward": "forward pass inside TimelapseReader: tests/test_imaging.py",
    "imaging.TimelapseReader.forward": "forward pass: tests/test_imaging.py (test_bad_input_is_named)",
    "imaging.TimelapseReader.step_logits": "forward pass: tests/test_imaging.py",
    "imaging.FrameClassifier.forward": "forward pass: tests/test_imaging.py",
    "imaging.ConvGRUCell.forward": "forward pass, called T times by NextFrame (unchecked inside the "
                                   "loop); convgru_step is its checked entry, called here",
    "imaging.NextFrame.forward": "forward pass: tests/test_imaging.py (test_bad_input_is_named)",
    "linear_rnn.LRU.forward": "forward pass: tests/test_linear_rnn.py (shape and mode errors)",
    "linear_rnn.MinGRU.forward": "forward pass: tests/test_linear_rnn.py (shape and mode errors)",
    "linear_rnn.MinLSTM.forward": "forward pass: tests/test_linear_rnn.py (shape and mode errors)",
    "linear_rnn.Selective.forward": "forward pass: tests/test_linear_rnn.py (shape and mode errors)",
    "linear_rnn.Stack.forward": "forward pass: tests/test_linear_rnn.py (names bad shapes)",
    "lab_settings": "paths and the settings file it writes: tests/test_project.py",
    "widgets.lru_explorer": "builds widgets; linear_rnn.lru_explorer_state is its compute",
    "widgets.time_updates": "takes a live explorer: benchmarks/linear.py times it",
    "train.train_one_cycle": "trains a model: benchmarks/linear.py and notebook 10",
}


# Inputs the generator calls bad that these functions rightly take: (function, argument) -> labels.
ACCEPTED = {
    ("dynamics.activate", "a"): {"an extra axis", "one axis fewer"},  # any shape
    ("sampling.entropy_nats", "probs"): {"an extra axis", "one axis fewer"},  # (..., V)
    ("widgets.clipped_log_curve", "log_values"): {"an extra axis", "one axis fewer", "NaN inside",
                                                  "a non-finite entry"},
    ("widgets.describe_log", "value"): {"inf", "a non-finite number"},  # log10 of an overflow
    ("data.text.Vocabulary.decode", "ids"): {"one item too few"},  # a shorter text
    ("data.scenes.CaptionVocabulary.decode", "ids"): {"one item too few"},
    ("data.vocabulary.Vocabulary.decode", "ids"): {"one item too few"},  # fewer tokens
    ("data.vocabulary.Vocabulary.tokens_of", "ids"): {"one item too few"},
    ("data.vocabulary.Vocabulary.ids", "tokens"): {"one item too few"},
    ("data.vocabulary.Vocabulary.encode", "tokens"): {"one item too few"},
    ("ngram.next_char_probs", "context"): {"one item too few"},  # a shorter context
    ("data.years.make_year_sentences", "year_positions"): {"one item too few"},  # fewer positions
    ("linear_rnn.g", "x"): {"an extra axis", "one axis fewer"},  # element-wise, any shape
    ("linear_rnn.log_g", "x"): {"an extra axis", "one axis fewer"},
}


def _skipped(name):
    return any(name == key or name.startswith(key + ".") for key in NOT_GENERIC)


def _rng():
    return np.random.default_rng(0)


def _a(*shape):
    return _rng().standard_normal(shape)


def _ints(high, *shape):
    return _rng().integers(0, high, shape)


def _probs(N=6, C=3):
    return _rng().dirichlet(np.ones(C), N)


def _t(*shape):
    return torch.from_numpy(_a(*shape))


def _counts():
    from course_utils import ngram
    return ngram.count_ngrams(_ints(5, 200), 3, 5)


# name -> (callable or None to use the public object, kwargs of a valid call)
BASELINES = {
    "calibration.binary_probs": dict(logits=_a(5), temperature=1.5),
    "calibration.reliability_bins": dict(probs=_probs(), labels=_ints(3, 6), n_bins=4),
    "calibration.expected_calibration_error": dict(probs=_probs(), labels=_ints(3, 6), n_bins=4),
    "calibration.binary_nll": dict(logits=_a(6), labels=_ints(2, 6), temperature=1.5),
    "calibration.fit_temperature": dict(logits=_a(6), labels=_ints(2, 6), low=0.1, high=10.0, steps=5),
    "data.adding.make_adding": dict(n=4, T=10, seed=0),
    "data.birthplace.make_birthplace": dict(n=4, gap=5, seed=0),
    "data.dates.iso": dict(date=__import__("datetime").date(2021, 3, 4)),
    "data.dates.make_dates": dict(n=4, seed=0),
    "data.dates.encode": dict(texts=["2021-03-04", "12 May 1999"], length=14, end=False),
    "data.dates.decode": dict(ids=np.array([[5, 6, 7]])),
    "data.eeg.theta_burst": dict(fs=100, seconds=1.0, hz=6.0),
    "data.eeg.startle_burst": dict(fs=100, seconds=0.4, hz=20.0),
    "data.eeg.make_eeg": dict(n=2, kind="burst", where=(0.0, 1.0), amplitude=2.0, seconds=4.0, seed=0),
    "data.eeg.make_frames": dict(n=2, kind="burst", where=(0.0, 1.0), amplitude=2.0, seed=0),
    "data.eeg.spectrogram": dict(x=_a(2, 400), fs=100, frame_seconds=0.5, hop_seconds=0.2, max_hz=30.0),
    "data.ehr.make_ehr": dict(n=4, visits=(4, 12), codes_per_visit=(1, 3), order_effect=3.0, seed=0),
    "data.expressions.make_expressions": dict(n=4, depth=2, seed=0),
    "data.expressions.as_text": dict(leaves=_ints(10, 2, 4), operators=[_ints(2, 2, 2), _ints(2, 2, 1)], row=1),
    "data.expressions.as_tokens": dict(leaves=_ints(10, 2, 4), operators=[_ints(2, 2, 2), _ints(2, 2, 1)]),
    "data.scp1.standardise": dict(x=_a(3, 4, 5)),
    "data.scp1.block_means": dict(x=_a(3, 8, 2), block=2),
    "data.scp1.rereference": dict(x=_a(3, 4, 5)),
    "models.ConvGRUClassifier": dict(channels=3, conv=4, kernel=3, hidden_size=4,
                                         bidirectional=True, dropout=0.1),
    "data.scenes.make_scenes": dict(n=3, seed=0, only_holdout=False, clutter=False),
    "data.scenes.CaptionVocabulary": dict(words=["<pad>", "<start>", "<end>", "a", "b"]),
    "data.scenes.CaptionVocabulary.encode": dict(captions=[["a", "red", "circle"]], length=6),
    "data.scenes.CaptionVocabulary.decode": dict(ids=[1, 3, 8, 2]),
    "data.tagging.make_name_sentences": dict(n=3, seed=0, clauses=(1, 3)),
    "data.tagging.make_mouse_states": dict(n=3, steps=10, stay=0.9, noise=1.0, seed=0),
    "data.text.Vocabulary": dict(chars="abc d"),
    "data.text.Vocabulary.encode": dict(text="ab d"),
    "data.text.Vocabulary.decode": dict(ids=[0, 1, 3]),
    "data.years.make_year_sentences": dict(n=3, year_positions=(1, 3), seed=0),
    "data.years.build_vocabulary": dict(),
    "data.vocabulary.Vocabulary": dict(tokens=["<pad>", "a", "b"], unknown=None),
    "data.vocabulary.Vocabulary.ids": dict(tokens=["a", "b"]),
    "data.vocabulary.Vocabulary.encode": dict(tokens=["a", "b"]),
    "data.vocabulary.Vocabulary.tokens_of": dict(ids=[1, 2]),
    "data.vocabulary.Vocabulary.decode": dict(ids=[1, 2]),
    "dynamics.matrix_with_spectrum": dict(n=4, radius=0.9, spread=0.1, angle=10.0, non_normal=0.0, seed=0),
    "dynamics.sample_steps": dict(T=50, count=10),
    "dynamics.power_log_norms": dict(W=_a(4, 4), T=20),
    "dynamics.state_log_norms": dict(W=_a(4, 4), h0=_a(4), T=20),
    "dynamics.activate": dict(a=_a(3, 4), nonlinearity="tanh"),
    "dynamics.rnn_trajectory": dict(Wh=_a(4, 4), Wx=_a(1, 4), x=_a(2, 10, 1), h0=_a(2, 4), nonlinearity="tanh"),
    "dynamics.cliff_loss_and_grad": dict(w=1.0, b=0.5, T=10, h0=0.5, target=0.7),
    "dynamics.descend_cliff": dict(start=(1.0, 0.5), lr=0.01, steps=5, threshold=1.0, T=10),
    "data.recent_sum.recent_sum_task": dict(N=2, T=10, seed=0),
    "small_rnn.init_small_rnn": dict(scale=1.0, hidden=8, seed=0),
    "small_rnn.gradient_survival": dict(scale=1.0, T=20, nonlinearity="tanh", hidden=8, seed=0),
    "small_rnn.train_recent_sum_rnn": dict(scale=1.0, T=10, nonlinearity="tanh", thresholds=(None, 1.0),
                                          hidden=8, batch=4, iterations=3, lr=0.05, seed=0),
    "evaluation.bleu_scores": dict(references=[[["a", "red", "circle"]]], hypotheses=[["a", "red", "circle"]]),
    "evaluation.exact_match": dict(references=[[["a", "red", "circle"]]], hypotheses=[["a", "red", "circle"]]),
    "gradcheck.rel_error": dict(x=_a(2, 3), y=_a(2, 3)),
    "layers.rnn_step_forward": dict(x=_a(2, 3), prev_h=_a(2, 4), Wx=_a(3, 4), Wh=_a(4, 4), b=_a(4)),
    "layers.rnn_forward": dict(x=_a(2, 5, 3), h0=_a(2, 4), Wx=_a(3, 4), Wh=_a(4, 4), b=_a(4)),
    "layers.word_embedding_forward": dict(x=_ints(6, 2, 5), W=_a(6, 3)),
    "layers.temporal_affine_forward": dict(x=_a(2, 5, 3), w=_a(3, 4), b=_a(4)),
    "layers.temporal_softmax_loss": dict(x=_a(2, 5, 4), y=_ints(4, 2, 5), mask=np.ones((2, 5), bool)),
    "layers.lstm_forward": dict(x=_a(2, 5, 3), h0=_a(2, 4), Wx=_a(3, 16), Wh=_a(4, 16), b=_a(16)),
    "layers.gru_step_forward": dict(x=_a(2, 3), prev_h=_a(2, 4), Wx=_a(3, 12), Wh=_a(4, 12), b=_a(12),
                                    bh=_a(12), reset_after=True),
    "layers.gru_forward": dict(x=_a(2, 5, 3), h0=_a(2, 4), Wx=_a(3, 12), Wh=_a(4, 12), b=_a(12),
                               bh=None, reset_after=False),
    "layers.lstm_params_from_torch": dict(weight_ih=_a(16, 3), weight_hh=_a(16, 4), bias_ih=_a(16), bias_hh=_a(16)),
    "layers.gru_params_from_torch": dict(weight_ih=_a(12, 3), weight_hh=_a(12, 4), bias_ih=_a(12), bias_hh=_a(12)),
    "ngram.context_codes": dict(ids=_ints(5, 30), length=2, vocab_size=5),
    "ngram.count_ngrams": dict(ids=_ints(5, 30), order=3, vocab_size=5),
    "ngram.log_probs": dict(counts=_counts(), ids=_ints(5, 20), order=2, smoothing="interpolated", k=1.0),
    "ngram.next_char_probs": dict(counts=_counts(), context=[1, 2], order=2, smoothing="add_k", k=0.5),
    "sampling.softmax_with_temperature": dict(logits=_a(6), temperature=0.7),
    "sampling.entropy_nats": dict(probs=_probs()),
    "train.as_streams": dict(ids=torch.from_numpy(_ints(5, 100)), batch=4),
    "data.standardise.standardise": dict(x=_a(4, 5, 3), mean=None, std=None, channel_axis=2),
    "widgets.time_axis_length": dict(T=50),
    "widgets.describe_log": dict(value=-3.2),
    "widgets.clipped_log_curve": dict(log_values=_a(20)),
    "widgets.eigenvalue_state": dict(size=4, radius=0.9, spread=0.1, angle_degrees=10.0,
                                     structure="normal", T=20, seed=0),
    "widgets.explosion_state": dict(scale=1.0, T=10, nonlinearity="tanh", threshold="1", seed=0),
    "models.StackedRNN": dict(vocab_size=6, depth=2, skip=False, hidden_size=8),
    "models.TreeRNN": dict(digits=10, operators=2, hidden_size=8, outputs=10),
    "models.CharLM": dict(vocab_size=6, embed_size=4, hidden_size=8, layers=1, cell="lstm", dropout=0.0,
                          row_groups=2),
    "parallel.rows_in_groups": dict(rnn=torch.nn.GRU(3, 4, batch_first=True), x=torch.zeros(4, 5, 3),
                                    state=torch.zeros(1, 4, 4), groups=2, workers=2),
    "parallel.group_workers": dict(groups=2),
    "models.RNNClassifier": dict(features=3, hidden_size=8, cell="gru", bidirectional=False, readout="max"),
    "models.Seq2Seq": dict(vocab_size=6, embed_size=4, hidden_size=8, attention=True, A=4),
    "models.Tagger": dict(vocab_size=6, tags=3, embed_size=4, hidden_size=8, bidirectional=False),
    "models.ConditionalTagger": dict(features=3, labels=2, hidden_size=8),
    "models.LastStateModel": dict(cell="lstm", input_size=2, hidden_size=8, outputs=1),
    "models.DenseClassifier": dict(frames=5, features=3, hidden_size=8),
    "models.WindowCNN": dict(features=3, window=10, stride=5, channels=4),
    "models.Captioner": dict(vocab_size=6, decoder="rnn", D=8, embed_size=4, hidden_size=8),
    "models.previous_labels": dict(labels=torch.tensor([[0, 1, 1]]), start=2),
    # notebook 09
    "data.blobs.make_moving_blobs": dict(n=2, frames=3, size=6, blobs=2, speed=(0.7, 1.6), width=1.3, seed=0),
    "data.digits.load_digits_split": dict(train=1200, seed=0),
    "data.narma.make_narma10": dict(steps=30, seed=0),
    "data.timelapse.make_timelapse": dict(n=2, frames=4, size=8, noise=0.2, slow_period=4.0, seed=0),
    "imaging.sweep": dict(x=_a(2, 3, 4, 2), Wx=_a(2, 5), Wh=_a(5, 5), b=_a(5), reverse=True),
    "imaging.ReNetLayer": dict(channels=1, hidden_size=4, patch=2),
    "imaging.ReNet": dict(channels=1, size=8, hidden_size=4, patch=2, classes=10),
    "imaging.SmallCNN": dict(channels=1, size=8, width=(4, 8), classes=10),
    "imaging.receptive_field": dict(layer=torch.nn.Conv2d(1, 2, 3, padding=1),
                                    images=_t(2, 1, 6, 6).float(), row=2, col=3),
    "imaging.FrameEncoder": dict(channels=1, width=4),
    "imaging.TimelapseReader": dict(channels=1, hidden_size=8),
    "imaging.FrameClassifier": dict(channels=1),
    "imaging.convgru_step": dict(x=_t(2, 3, 5, 5), h=_t(2, 4, 5, 5), W_zr=_t(8, 7, 3, 3), b_zr=_t(8),
                                 W_n=_t(4, 7, 3, 3), b_n=_t(4)),
    "imaging.ConvGRUCell": dict(channels=3, hidden_size=4, kernel=3),
    "imaging.NextFrame": dict(channels=1, hidden_size=4, recurrent=True),
    "reservoir.make_reservoir": dict(units=8, rho=0.9, input_scale=0.5, inputs=2, seed=0),
    "reservoir.run_reservoir": dict(u=_a(2, 10, 3), W_in=_a(3, 8), W=_a(8, 8) / 4, h0=_a(2, 8)),
    "reservoir.ridge_readout": dict(states=_a(20, 4), targets=_a(20, 2), alpha=1e-3),
    "reservoir.memory_curve": dict(W_in=_a(1, 8), W=_a(8, 8) / 4, max_delay=5, steps=200, washout=20,
                                   alpha=1e-6, seed=0),
    "reservoir.echo_distance": dict(W_in=_a(2, 8), W=_a(8, 8) / 4, steps=20, seed=0),
    # notebook 10
    "data.selective_copy.make_selective_copy": dict(n=3, length=12, k=3, vocab=5, seed=0),
    "scan.combine": dict(left=(_t(2, 3), _t(2, 3)), right=(_t(2, 3), _t(2, 3))),
    "scan.linear_recurrence_loop": dict(a=_t(2, 5, 3), b=_t(2, 5, 3), h0=_t(2, 3)),
    "scan.hillis_steele_scan": dict(a=_t(2, 5, 3), b=_t(2, 5, 3), h0=_t(2, 3)),
    "scan.parallel_scan": dict(a=_t(2, 5, 3), b=_t(2, 5, 3), h0=_t(2, 3)),
    "scan.log_space_scan": dict(log_a=_t(2, 5, 3), b=_t(2, 5, 3), h0=_t(2, 3)),
    "scan.log_space_scan_positive": dict(log_a=_t(2, 5, 3), log_b=_t(2, 5, 3), log_h0=_t(2, 3)),
    "scan.fft_convolution": dict(kernel=_t(5, 3), u=_t(2, 5, 3)),
    "scan.time_forward_backward": dict(fn=torch.mul, inputs=(_t(2, 3), _t(2, 3)), repeats=1),
    "linear_rnn.ring_init": dict(P=4, r_min=0.4, r_max=0.9, max_phase=1.0,
                                 generator=torch.Generator().manual_seed(0)),
    "linear_rnn.lru_eigenvalues": dict(nu=_t(4), theta=_t(4)),
    "linear_rnn.LRU": dict(D=3, P=4, r_min=0.4, r_max=0.9, max_phase=1.0, seed=0),
    "linear_rnn.LRU.eigenvalues": dict(),
    "linear_rnn.LRU.gamma": dict(),
    "linear_rnn.LRU.B": dict(),
    "linear_rnn.LRU.C": dict(),
    "linear_rnn.LRU.kernel": dict(T=6),
    "linear_rnn.g": dict(x=_t(2, 3)),
    "linear_rnn.log_g": dict(x=_t(2, 3)),
    "linear_rnn.MinGRU": dict(D=3, H=4),
    "linear_rnn.MinLSTM": dict(D=3, H=4),
    "linear_rnn.Selective": dict(D=3, S=4),
    "linear_rnn.Stack": dict(layer="mingru", width=4, depth=1, outputs=2, vocab_size=None, input_size=3,
                             seed=0, norm_first=True),
    "linear_rnn.lru_explorer_state": dict(r_min=0.5, r_max=0.9, max_phase=0.6, T=20, P=4, seed=0),
}
# Constructors and functions of `models` are called generically where listed above.
CALLED_ANYWAY = {name for name in BASELINES if name.startswith("models.")}


def _target(name):
    """The callable for a name; methods are bound to an instance made from the class baseline."""
    objects = public_callables()
    parts = name.split(".")
    owner = ".".join(parts[:-1])
    if owner in objects and inspect.isclass(objects[owner]):
        instance = objects[owner](**_fresh(BASELINES.get(owner) or {}))
        if owner == "data.scenes.CaptionVocabulary":
            instance = objects[owner]()
        return getattr(instance, parts[-1])
    return objects[name]


def _fresh(kwargs):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v.clone() if torch.is_tensor(v) else v)
            for k, v in kwargs.items()}


def generic_targets():
    names = []
    for name in sorted(public_callables()):
        if name in CALLED_ANYWAY or (not _skipped(name) and BASELINES.get(name) is not None):
            names.append(name)
    return names


# ---------------------------------------------------------------- bad values

def bad_values(name, argument, good, default):
    """Values that are wrong for this argument whatever the function: [(label, value)]."""
    bad = []
    if default is not None:
        bad.append(("None", None))
    if isinstance(good, (bool, np.bool_)):
        return bad + [("the string 'no'", "no"), ("2", 2)]
    if isinstance(good, str):
        if argument in ("text", "chars", "date", "threshold"):
            return bad + [("a list", [1, 2])]
        return bad + [("an unknown option", "bogus"), ("an empty string", ""), ("a number", 3)]
    if isinstance(good, (int, np.integer)):
        bad += [("a fraction", good + 0.5), ("a string", str(good)), ("-1", -1)]
        if argument != "seed":
            bad.append(("10**9", 10 ** 9))
        return bad
    if isinstance(good, float):
        return bad + [("NaN", float("nan")), ("inf", float("inf")), ("a string", str(good))]
    if isinstance(good, np.ndarray) or torch.is_tensor(good):
        array = good.numpy() if torch.is_tensor(good) else good
        wrap = (lambda a: torch.as_tensor(a)) if torch.is_tensor(good) else (lambda a: a)
        bad += [("a string", "abc"), ("an extra axis", wrap(array[..., None].repeat(2, -1)))]
        if array.ndim:
            bad.append(("one axis fewer", wrap(array.reshape(-1)[0] if array.ndim == 1 else array[0])))
            bad.append(("an empty array", wrap(array[:0])))
        if array.dtype.kind == "f":
            nan = array.copy()
            nan.flat[0] = np.nan
            bad.append(("NaN inside", wrap(nan)))
        elif array.dtype.kind in "iu":
            bad.append(("fractions", wrap(array + 0.5)))
            negative = array.copy()
            negative.flat[0] = -5
            bad.append(("a negative index", wrap(negative)))
        return bad
    if isinstance(good, (list, tuple)):
        bad += [("a number", 7)]
        if good and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in good):
            bad += [("NaN inside", type(good)([float("nan")] * len(good))),
                    ("one item too few", type(good)(good[:-1]))]
        else:
            bad += [("a string", "abc")]
        return bad
    return bad + [("a string", "abc")]


def _defaults(fn):
    try:
        return {p.name: p.default for p in inspect.signature(fn).parameters.values()}
    except (TypeError, ValueError):
        return {}


def _generated(data, good, argument):
    """A bad value drawn by Hypothesis itself (beside the enumerated ones), or None."""
    if isinstance(good, (bool, np.bool_)):
        return "text", data.draw(st.text(max_size=5))
    if isinstance(good, (int, np.integer)) and argument != "seed":
        return "a negative or huge whole number", data.draw(
            st.one_of(st.integers(max_value=-1), st.integers(min_value=10 ** 8, max_value=10 ** 15)))
    if isinstance(good, float):
        return "a non-finite number", data.draw(st.sampled_from([float("nan"), float("inf"), -float("inf")]))
    if isinstance(good, str) and argument not in ("text", "chars", "date", "threshold"):
        return "an unknown option", data.draw(st.text(min_size=1, max_size=8).filter(
            lambda t: t not in ("linear", "tanh", "relu", "sigmoid", "burst", "two_part", "normal",
                                "non-normal", "add_k", "interpolated", "lstm", "gru", "rnn", "max",
                                "mean", "last", "attention")))
    if isinstance(good, np.ndarray) and good.dtype.kind == "f" and good.size:
        bad = good.copy()
        bad.flat[data.draw(st.integers(0, good.size - 1))] = data.draw(
            st.sampled_from([np.nan, np.inf, -np.inf]))
        return "a non-finite entry", bad
    if isinstance(good, np.ndarray) and good.ndim:
        shape = list(good.shape)
        shape.insert(data.draw(st.integers(0, good.ndim)), data.draw(st.integers(2, 3)))
        return "an extra axis", np.zeros(shape, good.dtype)
    return None


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


def classify(name, argument, value):
    """'clear', 'confusing: ...', 'silent' or 'hang' for one call with one bad argument."""
    fn = _target(name)
    kwargs = _fresh(BASELINES[name])
    kwargs[argument] = value
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_CALL)
    try:
        fn(**kwargs)
    except _Hang:
        return "hang"
    except (ValueError, ExerciseError) as error:
        message = str(error)
        short = name.split(".")[-1]
        owner = name.split(".")[-2]
        names_function = short in message or owner in message
        if names_function and argument in message:
            return "clear"
        return f"confusing: {type(error).__name__}: {message[:150]}"
    except MemoryError:
        return "confusing: MemoryError"
    except Exception as error:
        return f"confusing: {type(error).__name__}: {str(error)[:150]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return "silent"


def all_cases():
    """Every (function, argument, label, value) the enumeration tries."""
    for name in generic_targets():
        defaults = _defaults(public_callables()[name])
        for argument, good in BASELINES[name].items():
            for label, value in bad_values(name, argument, good, defaults.get(argument)):
                if label not in ACCEPTED.get((name, argument), ()):
                    yield name, argument, label, value


# ---------------------------------------------------------------- the tests

def test_every_public_callable_has_a_baseline_or_a_reason():
    missing = [name for name in public_callables()
               if not _skipped(name) and name not in BASELINES
               and not name.rsplit(".", 1)[0] in NOT_GENERIC]
    assert not missing, f"add a valid call to BASELINES or a reason to NOT_GENERIC: {missing}"


@pytest.mark.parametrize("name", generic_targets())
def test_the_baseline_call_is_valid(name):
    _target(name)(**_fresh(BASELINES[name]))


@pytest.mark.parametrize("name", generic_targets())
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_input_is_refused_clearly(name, data):
    if not BASELINES[name]:
        return  # takes no arguments
    defaults = _defaults(public_callables()[name])
    argument = data.draw(st.sampled_from(sorted(BASELINES[name])), label="argument")
    options = [(label, value) for label, value in
               bad_values(name, argument, BASELINES[name][argument], defaults.get(argument))
               if label not in ACCEPTED.get((name, argument), ())]
    if not options:
        return
    good = BASELINES[name][argument]
    generated = _generated(data, good, argument)
    if generated is not None and generated[0] not in ACCEPTED.get((name, argument), ()) \
            and data.draw(st.booleans(), label="generated"):
        options = [generated]
    label, value = data.draw(st.sampled_from(options), label="bad value")
    outcome = classify(name, argument, value)
    assert outcome == "clear", f"{name}({argument}={label}): {outcome}"


def report():
    counts, problems = {"tried": 0, "clear": 0, "confusing": 0, "silent": 0, "hang": 0}, []
    for name, argument, label, value in all_cases():
        outcome = classify(name, argument, value)
        counts["tried"] += 1
        counts[outcome.split(":")[0]] += 1
        if outcome != "clear":
            problems.append(f"{name}({argument}={label}): {outcome}")
    return counts, problems


if __name__ == "__main__":
    counts, problems = report()
    print("\n".join(problems))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
