"""Train the long-range-memory models that notebook 05 ships, and write their manifest.

    python scripts/train_longrange.py                 # everything (about 15 minutes on 2 cores)
    python scripts/train_longrange.py --tasks adding  # only the adding problem

Writes data/longrange/<task>_<cell>_<length>.pt (state dicts of course_utils.models.
LastStateModel) and data/longrange/manifest.json with each file's sha256, seed, training time,
iterations, validation curve, initialisation, the machine and the torch version. Every run
trains with Adam and gradient clipping until it solves its task or its budget of iterations runs
out (iterations, not seconds: the result does not depend on the machine's speed, and the vanilla
RNN gets exactly the same chance as the LSTM and the GRU). The shipped files were made by an
earlier version that gave each run the same number of *seconds* (60, 150, 240 for the adding
problem, 90 for the birthplace task); their manifest records the iterations that took. The LSTMs (and the
birthplace GRUs, except one kept on torch's default init for comparison) start from the chrono
initialisation.
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course_utils.checkpoints import DATA, sha256  # noqa: E402
from course_utils.data.adding import make_adding  # noqa: E402
from course_utils.data.birthplace import LANGUAGES, WORDS, make_birthplace  # noqa: E402
from course_utils.models import LastStateModel, chrono_init  # noqa: E402
from course_utils.train import training_step  # noqa: E402

OUT = DATA / "longrange"
CELLS = ("rnn", "lstm", "gru")
ADDING_BUDGET = {50: 3000, 100: 4000, 200: 4000}  # iterations per model (batch 64)
# Birthplace regimes: gaps 0-40 (short examples included) and 30-60 (every gap long).
BIRTHPLACE_REGIMES, BIRTHPLACE_BUDGET = ((0, 40), (30, 60)), 6000
SEED = 0


def adding_run(cell, T):
    spec = dict(cell=cell, input_size=2, hidden_size=128, outputs=1)
    model = LastStateModel(**spec)
    init = "chrono" if cell == "lstm" else "default"
    if init == "chrono":
        chrono_init(model.rnn, T, torch.Generator().manual_seed(SEED))
    x_val, y_val = (torch.tensor(a) for a in make_adding(1000, T, seed=10_000))

    def batch(it):
        x, y = (torch.tensor(a) for a in make_adding(64, T, seed=it))
        return F.mse_loss(model(x).squeeze(-1), y)

    def validate():
        return F.mse_loss(model(x_val).squeeze(-1), y_val).item()

    return model, spec, init, batch, validate, lambda v: v < 0.001, ADDING_BUDGET[T], 2e-3


def birthplace_run(cell, gaps, init):
    min_gap, max_gap = gaps
    spec = dict(cell=cell, input_size=16, hidden_size=64, outputs=len(LANGUAGES),
                vocab_size=len(WORDS))
    model = LastStateModel(**spec)
    if init == "chrono":
        chrono_init(model.rnn, max_gap + 7, torch.Generator().manual_seed(SEED))
    rng = np.random.default_rng(SEED)
    x_val, y_val, _ = make_birthplace(1000, max_gap, seed=10_000)
    x_val, y_val = torch.tensor(x_val), torch.tensor(y_val)

    def batch(it):
        x, y, _ = make_birthplace(64, int(rng.integers(min_gap, max_gap + 1)), seed=it)
        return F.cross_entropy(model(torch.tensor(x)), torch.tensor(y))

    def validate():  # accuracy at the longest gap seen in training
        return (model(x_val).argmax(1) == y_val).float().mean().item()

    return model, spec, init, batch, validate, lambda v: v > 0.995, BIRTHPLACE_BUDGET, 3e-3


def train(model, batch, validate, solved, budget, lr):
    """Adam + clipping until solved(validation) or `budget` iterations ran. Returns the record."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history, start, iteration = [], time.perf_counter(), 0
    while True:
        loss = batch(iteration)
        training_step(model, optimizer, loss, 1.0)
        iteration += 1
        seconds = time.perf_counter() - start
        if iteration % 100 == 0 or iteration >= budget:
            with torch.no_grad():
                value = validate()
            history.append([iteration, round(seconds, 2), round(value, 6)])
            print(f"  {iteration:6d} it  {seconds:6.1f} s  validation {value:.4f}", flush=True)
            if solved(value) or iteration >= budget:
                return dict(iterations=iteration, seconds=round(seconds, 1), validation=value,
                            solved=bool(solved(value)), history=history)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=["adding", "birthplace"],
                        choices=["adding", "birthplace"])
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    torch.set_flush_denormal(True)  # vanishing gradients make subnormal floats, slow on CPUs
    OUT.mkdir(parents=True, exist_ok=True)
    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    runs = []
    if "adding" in args.tasks:
        runs += [(f"adding_{c}_T{T}.pt", adding_run, (c, T)) for T in ADDING_BUDGET for c in CELLS]
    if "birthplace" in args.tasks:
        for low, high in BIRTHPLACE_REGIMES:
            variants = [("rnn", "default"), ("lstm", "chrono"), ("gru", "chrono")]
            if low > 0:  # where every gap is long, also a GRU with torch's default init
                variants.append(("gru", "default"))
            runs += [(f"birthplace_{c}{'-default' if c != 'rnn' and i == 'default' else ''}"
                      f"_gaps{low}-{high}.pt", birthplace_run, (c, (low, high), i))
                     for c, i in variants]
    for name, make_run, run_args in runs:
        print(f"{name}:", flush=True)
        torch.manual_seed(SEED)
        model, spec, init, batch, validate, solved, budget, lr = make_run(*run_args)
        length = run_args[1]
        record = train(model, batch, validate, solved, budget, lr)
        torch.save(model.state_dict(), OUT / name)
        manifest[name] = dict(
            sha256=sha256(OUT / name), model=spec, init=init, length=length, seed=SEED, lr=lr,
            budget_iterations=budget, **record, torch=torch.__version__,
            machine=f"{platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} "
                    f"torch threads", command="python scripts/train_longrange.py")
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
