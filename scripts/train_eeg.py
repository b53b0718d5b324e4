"""Train the SelfRegulationSCP1 classifiers that notebook 02 shows, and write their manifest.

    python scripts/train_eeg.py          # about 5 minutes on 2 CPU cores

1. Hyperparameters are chosen by 5-fold cross-validation on the *training* set only: each
   configuration in GRID is trained on 4/5 of the 268 trials and scored on the other 1/5,
   five times; the best mean validation accuracy wins.
2. The chosen configuration is trained on all 268 training trials (seeds 0-2, an ensemble
   of three that averages their scores), timed.
3. The test set (293 trials) is touched once, at the end, by that ensemble and by aeon's
   MiniRocket (the peer, fitted on the same standardised training set).

Writes data/scp1/scp1_rnn.pt (the three models' state dicts, float32) and
data/scp1/manifest.json: the file's sha256, the configuration, the per-channel mean and std,
the validation results of every configuration, training seconds, both test accuracies, the
machine and the library versions.
"""
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course_utils.checkpoints import DATA, sha256  # noqa: E402
from course_utils.data.scp1 import block_means, load_scp1, standardise  # noqa: E402
from course_utils.models import RNNClassifier  # noqa: E402
from course_utils.train import accuracy, fit_classifier  # noqa: E402

OUT = DATA / "scp1"
SEEDS = (0, 1, 2)
FOLDS = 5
GRID = [dict(cell=cell, hidden=32, readout=readout, block=block, epochs=100, lr=3e-3,
             weight_decay=0.01)
        for cell in ("lstm", "gru") for readout in ("mean", "last") for block in (32, 64)]


def build(config):
    return RNNClassifier(6, hidden_size=config["hidden"], cell=config["cell"], readout=config["readout"])


def inputs(x_standardised, config):
    """(N, 6, 896) standardised samples -> the model's input (N, T, 6) as a tensor."""
    return torch.from_numpy(block_means(x_standardised, config["block"]))


def train(config, x, y, seed):
    """One model of `config`, trained on standardised x: (N, 6, 896) and y: (N,) int64."""
    torch.manual_seed(seed)
    model = build(config)
    fit_classifier(model, inputs(x, config), torch.from_numpy(y), epochs=config["epochs"],
                   batch=32, lr=config["lr"], weight_decay=config["weight_decay"], seed=seed)
    return model


def main():
    torch.set_num_threads(2)
    x_train, y_train, x_test, y_test, _ = load_scp1()
    folds = np.array_split(np.random.default_rng(0).permutation(len(y_train)), FOLDS)

    results = []
    for config in GRID:
        accs = []
        for valid in folds:
            fit = np.setdiff1d(np.arange(len(y_train)), valid)
            x_fit, mean, std = standardise(x_train[fit])
            x_valid, _, _ = standardise(x_train[valid], mean, std)
            model = train(config, x_fit, y_train[fit], seed=0)
            accs.append(accuracy(model, inputs(x_valid, config), torch.from_numpy(y_train[valid])))
        results.append(dict(config=config, valid_accuracy=[round(a, 4) for a in accs]))
        print(config, f"cross-validated accuracy {np.mean(accs):.3f}", flush=True)
    best = max(results, key=lambda r: np.mean(r["valid_accuracy"]))["config"]
    print("chosen:", best)

    x_all, mean, std = standardise(x_train)
    start = time.perf_counter()
    models = [train(best, x_all, y_train, seed) for seed in SEEDS]
    seconds = time.perf_counter() - start
    x_test_std = standardise(x_test, mean, std)[0]
    with torch.no_grad():
        scores = torch.stack([m(inputs(x_test_std, best)) for m in models]).mean(0)
    rnn_test = ((scores > 0).long() == torch.from_numpy(y_test)).float().mean().item()

    from aeon.classification.convolution_based import MiniRocketClassifier

    start = time.perf_counter()
    peer = MiniRocketClassifier(random_state=0).fit(x_all, y_train)
    peer_seconds = time.perf_counter() - start
    peer_test = float(np.mean(peer.predict(standardise(x_test, mean, std)[0]) == y_test))
    print(f"test accuracy: RNN ensemble {rnn_test:.3f} ({seconds:.0f} s), "
          f"MiniRocket {peer_test:.3f} ({peer_seconds:.0f} s)")

    name = "scp1_rnn.pt"
    torch.save([m.state_dict() for m in models], OUT / name)
    import aeon
    manifest = {name: dict(
        sha256=sha256(OUT / name), config=best, seeds=list(SEEDS),
        mean=mean.ravel().tolist(), std=std.ravel().tolist(), train_seconds=round(seconds, 1),
        test_accuracy=round(rnn_test, 4), minirocket_test_accuracy=round(peer_test, 4),
        minirocket_seconds=round(peer_seconds, 1),
        validation=f"{FOLDS}-fold cross-validation on the training set, folds from numpy "
                   "default_rng(0)", grid=results,
        torch=torch.__version__, aeon=aeon.__version__,
        machine=f"{platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads")}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {OUT / name} and {OUT / 'manifest.json'}")


if __name__ == "__main__":
    main()
