"""Notebook 09, "RNNs for imaging", measured with the notebook's recipe (imaging.LESSON, the
same seeds and data):

renet_acc / renet_cnn_acc: test accuracy on scikit-learn's digits of one ReNet layer and of a
CNN with the same parameter count (6,090 each).
timelapse_acc_full: CNN + GRU fate accuracy after all 12 frames of the time-lapse;
timelapse_frames_to_90: frames it needs for 90 % (13 = never within the movie).
convrnn_vs_frame_gain: next-frame MSE of the per-frame model over the ConvGRU's (from the
third prediction on).
esn_memory_capacity: Jaeger's short-term memory capacity of a 50-unit reservoir at rho 0.9,
input scale 0.1 (bound: 50).
esn_vs_gru_acc: on NARMA-10, the GRU's NRMSE minus the echo-state network's (positive: the
reservoir is more accurate); esn_train_seconds: the reservoir's training time (run + ridge).
"""
import functools
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import result


def _steps(model, loss, steps, lr):
    from course_utils.train import train_steps
    return train_steps(model, loss, steps, lr=lr, desc=type(model).__name__)


@functools.lru_cache(maxsize=None)
def digits_run():
    """{"ReNet": accuracy, "CNN": accuracy} on the held-out digits."""
    from course_utils import imaging
    from course_utils.data.digits import load_digits_split

    xtr, ytr, xte, yte = map(torch.from_numpy, load_digits_split())
    torch.manual_seed(0)
    scores = {}
    for name, model in [("ReNet", imaging.ReNet(hidden_size=10)), ("CNN", imaging.SmallCNN())]:
        draw = torch.Generator().manual_seed(0)

        def loss(step, model=model):
            rows = torch.randint(len(xtr), (64,), generator=draw)
            return F.cross_entropy(model(xtr[rows]), ytr[rows])

        _steps(model, loss, imaging.LESSON["digits_steps"], 3e-3)
        with torch.no_grad():
            scores[name] = (model(xte).argmax(1) == yte).float().mean().item()
    return scores


@functools.lru_cache(maxsize=None)
def timelapse_run():
    """Accuracy of the CNN + GRU after 1..12 frames, (12,), on 1,000 test movies."""
    from course_utils import imaging
    from course_utils.data.timelapse import make_timelapse

    movies, fates, _ = make_timelapse(imaging.LESSON["movies"], seed=1)
    test_movies, test_fates, _ = make_timelapse(1000, seed=2)
    x, y = torch.from_numpy(movies), torch.from_numpy(fates).float()
    draw = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    reader = imaging.TimelapseReader()

    def loss(step):
        rows = torch.randint(len(x), (32,), generator=draw)
        scores = reader.step_logits(x[rows])
        return F.binary_cross_entropy_with_logits(scores, y[rows, None].expand_as(scores))

    _steps(reader, loss, imaging.LESSON["reader_steps"], 5e-3)
    with torch.no_grad():
        right = (reader.step_logits(torch.from_numpy(test_movies)) > 0).numpy() == test_fates[:, None]
    return right.mean(axis=0)


@functools.lru_cache(maxsize=None)
def next_frame_run():
    """Test MSE per prediction step (7,) of the ConvGRU and of the per-frame model."""
    from course_utils import imaging
    from course_utils.data.blobs import make_moving_blobs

    blobs = torch.from_numpy(make_moving_blobs(imaging.LESSON["blob_sequences"], size=12,
                                               frames=8, seed=1))
    test = torch.from_numpy(make_moving_blobs(300, size=12, frames=8, seed=2))
    draw = torch.Generator().manual_seed(1)
    torch.manual_seed(0)
    errors = {}
    for recurrent, steps in zip((True, False), imaging.LESSON["next_frame_steps"]):
        model = imaging.NextFrame(hidden_size=8, recurrent=recurrent)

        def loss(step, model=model):
            seq = blobs[torch.randint(len(blobs), (16,), generator=draw)]
            return F.mse_loss(model(seq[:, :-1]), seq[:, 1:])

        _steps(model, loss, steps, 5e-3)
        with torch.no_grad():
            errors[recurrent] = ((model(test[:, :-1]) - test[:, 1:]) ** 2).mean(dim=(0, 2, 3, 4))
    return errors[True].numpy(), errors[False].numpy()


@functools.lru_cache(maxsize=None)
def narma_run():
    """{"esn_nrmse", "esn_seconds", "gru_nrmse"} on NARMA-10 (train seed 1, test seed 2)."""
    from course_utils import imaging, reservoir
    from course_utils.data.narma import make_narma10

    (u, y), (u_test, y_test) = make_narma10(4000, seed=1), make_narma10(1000, seed=2)
    score = lambda p: float(np.sqrt(np.mean((p[100:] - y_test[100:]) ** 2) / np.var(y_test[100:])))
    states = lambda W_in, W, inputs: np.concatenate(
        [reservoir.run_reservoir((inputs - 0.25)[None, :, None], W_in, W)[0],
         np.ones((len(inputs), 1))], axis=1)
    start = time.perf_counter()
    W_in, W = reservoir.make_reservoir(200, **imaging.LESSON["narma_reservoir"])
    W_out = reservoir.ridge_readout(states(W_in, W, u)[100:], y[100:, None], alpha=1e-6)
    esn_seconds = time.perf_counter() - start
    esn = score((states(W_in, W, u_test) @ W_out)[:, 0])
    torch.manual_seed(0)
    gru, head = torch.nn.GRU(1, 32, batch_first=True), torch.nn.Linear(32, 1)
    U, Y = (torch.tensor(v, dtype=torch.float32) for v in (u - 0.25, y))
    draw = torch.Generator().manual_seed(0)
    run = lambda inputs: head(gru(inputs[..., None])[0])[..., 0]

    def loss(step):
        idx = torch.randint(0, len(U) - 60, (32,), generator=draw)[:, None] + torch.arange(60)
        return F.mse_loss(run(U[idx])[:, 20:], Y[idx][:, 20:])

    _steps(torch.nn.ModuleList([gru, head]), loss, imaging.LESSON["narma_gru_steps"], 5e-3)
    with torch.no_grad():
        gru_nrmse = score(run(torch.tensor(u_test - 0.25, dtype=torch.float32)[None])[0].numpy())
    return dict(esn_nrmse=esn, esn_seconds=esn_seconds, gru_nrmse=gru_nrmse)


def frames_to_90():
    reached = np.flatnonzero(timelapse_run() >= 0.9)
    return int(reached[0]) + 1 if reached.size else len(timelapse_run()) + 1


def memory_capacity():
    from course_utils import reservoir
    return reservoir.memory_curve(*reservoir.make_reservoir(50, 0.9, 0.1)).sum()


def benchmarks():
    gain = lambda: next_frame_run()[1][2:].mean() / next_frame_run()[0][2:].mean()
    return {
        "renet_acc": lambda: result("renet_acc", digits_run()["ReNet"], "accuracy", "higher", 0.9),
        "renet_cnn_acc": lambda: result("renet_cnn_acc", digits_run()["CNN"], "accuracy",
                                        "higher"),
        "timelapse_acc_full": lambda: result("timelapse_acc_full", timelapse_run()[-1],
                                             "accuracy", "higher", 0.9),
        "timelapse_frames_to_90": lambda: result("timelapse_frames_to_90", frames_to_90(),
                                                 "frames", "lower", 12),
        "convrnn_vs_frame_gain": lambda: result("convrnn_vs_frame_gain", gain(),
                                                "MSE ratio (per-frame / ConvGRU)", "higher", 2),
        "esn_memory_capacity": lambda: result("esn_memory_capacity", memory_capacity(),
                                              "delays recalled (of at most 50)", "higher"),
        "esn_vs_gru_acc": lambda: result("esn_vs_gru_acc", narma_run()["gru_nrmse"]
                                         - narma_run()["esn_nrmse"],
                                         "NRMSE of the GRU minus the ESN's (NARMA-10)", "higher", 0),
        "esn_train_seconds": lambda: result("esn_train_seconds", narma_run()["esn_seconds"],
                                            "s", "lower"),
    }
