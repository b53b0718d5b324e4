"""Notebook 08, "what does 99 % confident mean?", measured as the notebook does it.

beyond_ece_before / beyond_ece_after: the expected calibration error (10 bins) of notebook 02's
LSTM on its in-distribution test set, before and after temperature scaling. The recipe is
eeg.LESSON's (2,000 training recordings, 30 epochs, seed 0) with the theta bursts at amplitude
1 instead of 2, so that the model errs; T is fitted on a separate validation set (seed 21),
never on the test set (seed 2).
"""
import functools

import numpy as np
import torch

from . import result


@functools.lru_cache(maxsize=None)
def calibration_run():
    """{"T", "ece_before", "ece_after", "accuracy"} of the notebook's EEG RNN on its test set."""
    from course_utils import calibration
    from course_utils.data import eeg
    from course_utils.data.standardise import standardise
    from course_utils.models import RNNClassifier
    from course_utils.train import fit_classifier

    settings = dict(eeg.LESSON, amplitude=1.0)

    def frames(n, seed):
        return eeg.make_frames(n, "burst", (0.0, 0.5), settings["amplitude"], seed)[:2]

    train_frames, train_labels = frames(settings["train"], 1)
    _, mean, std = standardise(train_frames)
    tensor = lambda values: torch.from_numpy(standardise(values, mean, std)[0])
    torch.manual_seed(0)
    model = RNNClassifier(16, hidden_size=32, cell="lstm", readout="max")
    fit_classifier(model, tensor(train_frames), torch.from_numpy(train_labels),
                   epochs=settings["epochs"])
    logits = {}
    for name, seed in [("validation", 21), ("test", 2)]:
        values, labels = frames(settings["test"], seed)
        with torch.no_grad():
            logits[name] = model(tensor(values)).numpy(), labels
    T = calibration.fit_temperature(*logits["validation"])
    test_logits, test_labels = logits["test"]
    before, after = (calibration.binary_probs(test_logits, t) for t in (1.0, T))
    return dict(T=T, accuracy=float((before.argmax(1) == test_labels).mean()),
                ece_before=calibration.expected_calibration_error(before, test_labels),
                ece_after=calibration.expected_calibration_error(after, test_labels))


def benchmarks():
    return {
        "beyond_ece_before": lambda: result("beyond_ece_before", calibration_run()["ece_before"],
                                            "ECE", "lower"),
        "beyond_ece_after": lambda: result("beyond_ece_after", calibration_run()["ece_after"],
                                           "ECE", "lower", 0.05),
    }
