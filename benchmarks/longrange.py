"""The adding problem at T = 100 (notebook 05), from the shipped checkpoints:

adding_T100_{lstm,gru,rnn}_mse: test mean squared error on 10,000 fresh sequences (baseline
1/6 = 0.167); adding_T100_seconds: the training time the LSTM needed (from the manifest that
scripts/train_longrange.py wrote on a 2-core CPU).
"""
import torch

from . import result

TEST_SEQUENCES, T = 10_000, 100


def test_mse(cell):
    from course_utils.data.adding import make_adding
    from course_utils.models import load_last_state_model

    model, _ = load_last_state_model("longrange", f"adding_{cell}_T{T}.pt")
    x, y = (torch.tensor(a) for a in make_adding(TEST_SEQUENCES, T, seed=123_456))
    with torch.no_grad():
        return torch.mean((model(x).squeeze(-1) - y) ** 2).item()


def lstm_seconds():
    from course_utils.checkpoints import manifest

    return manifest("longrange")[f"adding_lstm_T{T}.pt"]["seconds"]


def benchmarks():
    goals = {"lstm": ("lower", 0.01), "gru": ("lower", 0.01), "rnn": ("lower", None)}  # rnn: reported
    found = {f"adding_T100_{cell}_mse": (lambda cell=cell, better=better, goal=goal: result(
        f"adding_T100_{cell}_mse", test_mse(cell), "mse", better, goal))
        for cell, (better, goal) in goals.items()}
    found["adding_T100_seconds"] = lambda: result("adding_T100_seconds", lstm_seconds(), "s",
                                                  "lower", 180)
    return found
