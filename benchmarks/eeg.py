"""Notebook 02, "was the mouse scared?", measured as the notebook does it.

eeg_shifted_{rnn,dense}_acc: trained on theta bursts in the first 5 s, tested on bursts in the
last 5 s; eeg_twopart_{window,rnn}_acc: the startle-then-theta event, wider than the window.
Settings from course_utils.data.eeg.LESSON (2,000 training recordings, 30 epochs, seed 0).
eeg_scp1_rnn_acc: the shipped conv + GRU ensemble on SelfRegulationSCP1's 293 test trials,
recomputed from the checkpoint (goal 0.891, HIVE-COTE 2 on the default split);
eeg_scp1_rnn_cv: the chosen configuration's 5-fold cross-validated accuracy on the training set;
eeg_scp1_minirocket_acc and eeg_scp1_train_seconds: from the manifest that
scripts/train_eeg.py wrote (MiniRocket fitted in the same run; the slowest model's CPU seconds
on one thread, goal <= 60).
"""
import functools

import torch

from . import result


@functools.lru_cache(maxsize=None)
def synthetic():
    """{(model, test): accuracy} for the models and tests the four eeg_* figures need."""
    from course_utils.data import eeg
    from course_utils.data.standardise import standardise
    from course_utils.models import DenseClassifier, RNNClassifier, WindowCNN
    from course_utils.train import accuracy, fit_classifier

    settings = eeg.LESSON

    def frames(kind, n, where, seed):
        return eeg.make_frames(n, kind, where, settings["amplitude"], seed)[:2]

    burst_train = frames("burst", settings["train"], (0.0, 0.5), 1)
    _, mean, std = standardise(burst_train[0])
    tensors = lambda data: (torch.from_numpy(standardise(data[0], mean, std)[0]),
                            torch.from_numpy(data[1]))
    sets = {"burst": tensors(burst_train),
            "shifted": tensors(frames("burst", settings["test"], (0.5, 1.0), 3)),
            "two_part": tensors(frames("two_part", settings["train"], (0.0, 1.0), 4)),
            "two_part_test": tensors(frames("two_part", settings["test"], (0.0, 1.0), 5))}
    models = {"dense": lambda: DenseClassifier(48, 16, hidden_size=32),
              "window": lambda: WindowCNN(16, window=5, stride=2),
              "rnn": lambda: RNNClassifier(16, hidden_size=32, cell="lstm", readout="max")}
    found = {}
    for name, train_set, test_set in [("dense", "burst", "shifted"), ("rnn", "burst", "shifted"),
                                      ("window", "two_part", "two_part_test"),
                                      ("rnn", "two_part", "two_part_test")]:
        torch.manual_seed(0)
        model = models[name]()
        fit_classifier(model, *sets[train_set], epochs=settings["epochs"])
        found[(name, test_set)] = accuracy(model, *sets[test_set])
    return found


def scp1_rnn_accuracy():
    """(test accuracy of the shipped SelfRegulationSCP1 RNN ensemble, its manifest entry)."""
    from course_utils.data.scp1 import load_scp1, model_inputs
    from course_utils.models import load_scp1_ensemble

    _, _, x_test, y_test, _ = load_scp1()
    models, entry = load_scp1_ensemble()
    with torch.no_grad():
        scores = torch.stack([model(model_inputs(x_test, entry)) for model in models]).mean(0)
    return float(((scores > 0).long().numpy() == y_test).mean()), entry


def benchmarks():
    from course_utils.checkpoints import manifest

    def synthetic_figure(name, key, better, goal):
        return lambda: result(name, synthetic()[key], "accuracy", better, goal)

    entry = lambda: manifest("scp1")["scp1_rnn.pt"]
    return {
        "eeg_shifted_rnn_acc": synthetic_figure("eeg_shifted_rnn_acc", ("rnn", "shifted"),
                                                "higher", 0.95),
        "eeg_shifted_dense_acc": synthetic_figure("eeg_shifted_dense_acc", ("dense", "shifted"),
                                                  "lower", 0.70),
        "eeg_twopart_window_acc": synthetic_figure(
            "eeg_twopart_window_acc", ("window", "two_part_test"), "lower", 0.70),
        "eeg_twopart_rnn_acc": synthetic_figure("eeg_twopart_rnn_acc", ("rnn", "two_part_test"),
                                                "higher", 0.90),
        "eeg_scp1_rnn_acc": lambda: result("eeg_scp1_rnn_acc", scp1_rnn_accuracy()[0],
                                           "accuracy", "higher", 0.891),
        "eeg_scp1_rnn_cv": lambda: result(
            "eeg_scp1_rnn_cv", max(r["mean_valid_accuracy"] for r in entry()["grid"]),
            "accuracy", "higher"),
        "eeg_scp1_minirocket_acc": lambda: result(
            "eeg_scp1_minirocket_acc", entry()["minirocket_test_accuracy"], "accuracy", "higher"),
        "eeg_scp1_train_seconds": lambda: result(
            "eeg_scp1_train_seconds", entry()["train_seconds"], "s", "lower", 60),
    }
