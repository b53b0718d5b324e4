"""Notebook 10, measured as the notebook does it (same data seeds, models and schedules).

scan_speedup_T4096: forward + backward of h_t = a_t h_{t-1} + b_t at batch 16, width 64,
T = 4096: the time of the loop (written with unbind, linear in T) over the fastest scan
(median of 3 each; goal 20x). scan_speedup_T4096:indexing_loop: the same with the loop
written with a[:, t], whose backward is O(T^2) (1 run). selective_copy_acc_{selective,lti}:
per-token test accuracy of the minGRU and LRU stacks on selective copying after
COPY_STEPS steps (the notebook trains 300). adding_T1000_linear_mse: test MSE on the adding
problem at T = 1000 of the minGRU stack after ADDING_STEPS steps. linear_train_seconds: the
notebook's selective-copying training (both models, 300 steps each). lru_widget_update_ms:
median update of notebook 10's LRU explorer over a slider sweep (goal 50 ms).
"""
import statistics
import time

import torch
import torch.nn.functional as F

from . import result

COPY = dict(length=32, k=4, vocab=4)
COPY_STEPS, NOTEBOOK_STEPS, ADDING_STEPS = 1000, 300, 400


def scan_speedup(loop="unbind"):
    from course_utils import scan

    g = torch.Generator().manual_seed(0)
    a = 0.5 + 0.5 * torch.rand(16, 4096, 64, generator=g)
    b = torch.randn(16, 4096, 64, generator=g)

    def indexing_loop(a, b):
        h, states = torch.zeros_like(b[:, 0]), []
        for t in range(a.shape[1]):
            h = a[:, t] * h + b[:, t]
            states.append(h)
        return torch.stack(states, 1)

    loop_fn, repeats = ((scan.linear_recurrence_loop, 3) if loop == "unbind" else (indexing_loop, 1))
    loop_seconds = scan.time_forward_backward(loop_fn, (a, b), repeats)[1]
    scans = [scan.parallel_scan, scan.hillis_steele_scan, lambda a, b: scan.log_space_scan(a.log(), b)]
    fastest = min(scan.time_forward_backward(fn, (a, b), 3)[1] for fn in scans)
    return loop_seconds / fastest


def selective_copy(layer, steps):
    """(test accuracy per token, training seconds) of notebook 10's stack on selective copying."""
    from course_utils.data.selective_copy import make_selective_copy
    from course_utils.linear_rnn import Stack
    from course_utils.train import train_one_cycle

    tokens, targets = map(torch.from_numpy, make_selective_copy(32 * steps, **COPY, seed=0))
    test_tokens, test_targets = map(torch.from_numpy, make_selective_copy(1000, **COPY, seed=1))
    k, vocab = COPY["k"], COPY["vocab"]

    def loss(model, step, batch=32):
        rows = slice(step * batch, (step + 1) * batch)
        scores = model(tokens[rows])[:, -k:]
        return F.cross_entropy(scores.reshape(-1, vocab + 1), targets[rows].reshape(-1))

    model = Stack(layer, width=32, depth=2, outputs=vocab + 1, vocab_size=vocab + 2)
    start = time.perf_counter()
    train_one_cycle(model, loss, steps, lr=1e-2, desc=layer)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (model(test_tokens)[:, -k:].argmax(-1) == test_targets).float().mean().item()
    return accuracy, seconds


def adding_mse(steps=ADDING_STEPS, T=1000):
    from course_utils.data.adding import make_adding
    from course_utils.linear_rnn import Stack
    from course_utils.train import train_one_cycle

    x, y = map(torch.from_numpy, make_adding(16 * steps, T, seed=0))
    x_test, y_test = map(torch.from_numpy, make_adding(256, T, seed=1))
    model = Stack("mingru", 16, 2, 1, input_size=2)

    def loss(model, step, batch=16):
        rows = slice(step * batch, (step + 1) * batch)
        return F.mse_loss(model(x[rows])[:, -1, 0], y[rows])

    train_one_cycle(model, loss, steps, lr=3e-3, desc="adding T=1000")
    with torch.no_grad():
        return F.mse_loss(model(x_test)[:, -1, 0], y_test).item()


def widget_update_ms():
    from course_utils import widgets

    sweep = {"r_min": [0.0, 0.3, 0.9], "r_max": [0.9, 0.99, 0.999], "max_phase": [0.0, 1.0, 3.0],
             "T": [50, 500, 2000]}
    timings = widgets.time_updates(widgets.lru_explorer(), sweep)
    return statistics.median(timings)


def benchmarks():
    cache = {}

    def copy(layer, steps):
        if (layer, steps) not in cache:
            cache[layer, steps] = selective_copy(layer, steps)
        return cache[layer, steps]

    return {
        "scan_speedup_T4096": lambda: result("scan_speedup_T4096", scan_speedup(), "x", "higher", 20),
        "scan_speedup_T4096:indexing_loop": lambda: result(
            "scan_speedup_T4096:indexing_loop", scan_speedup("indexing"), "x", "higher", None),
        "selective_copy_acc_selective": lambda: result(
            "selective_copy_acc_selective", copy("mingru", COPY_STEPS)[0], "accuracy", "higher", 0.99),
        "selective_copy_acc_lti": lambda: result(
            "selective_copy_acc_lti", copy("lru", COPY_STEPS)[0], "accuracy", "higher", None),
        "adding_T1000_linear_mse": lambda: result("adding_T1000_linear_mse", adding_mse(), "mse",
                                                  "lower", 0.01),
        "linear_train_seconds": lambda: result(
            "linear_train_seconds", copy("mingru", NOTEBOOK_STEPS)[1] + copy("lru", NOTEBOOK_STEPS)[1],
            "s", "lower", 30),
        "lru_widget_update_ms": lambda: result("lru_widget_update_ms", widget_update_ms(), "ms",
                                               "lower", 50),
    }
