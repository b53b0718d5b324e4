"""Two small studies behind notebook 05, over several seeds, written to data/longrange/gate_studies.json.

    python scripts/train_gate_studies.py --studies gru_init --seeds 3 --budget 1000
    python scripts/train_gate_studies.py --studies lstm_variants --seeds 2 --budget 600
    python scripts/train_gate_studies.py --studies lstm_variants_default --seeds 2 --budget 600

Both use the birthplace task with every training gap long (30 to 60 filler words: the "B"
regime of notebook 05), batch 64, Adam (lr 3e-3), clipping at 1, and stop when accuracy on 1000
sentences with a gap of 60 reaches 0.99 or after --budget iterations (iterations, not seconds).

1. "gru_init": does a GRU need its update gates to start near "keep"? A GRU from torch's default
   initialisation against one from the chrono initialisation, on each seed.
2. "lstm_variants": an ablation in the spirit of Greff et al. 2017 ("LSTM: A Search Space
   Odyssey"): the course's LSTM (no peepholes) and variants with no forget gate (NFG, f = 1), no
   input gate (NIG, i = 1), no output gate (NOG, o = 1), no output activation (NOAF,
   h = o * c), coupled input and forget gates (CIFG, i = 1 - f), and peepholes added (PH).
   Every variant starts with the chrono biases where its gates exist (forget bias log u, input
   bias -log u, u ~ U(1, 66)).
3. "lstm_variants_default": the same variants from the default initialisation (nn.Linear's
   uniform weights and biases, no chrono): no memory-friendly start.
"""
import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course_utils.checkpoints import DATA, sha256  # noqa: E402
from course_utils.data.birthplace import LANGUAGES, WORDS, make_birthplace  # noqa: E402
from course_utils.models import LastStateModel, chrono_init  # noqa: E402

OUT = DATA / "longrange" / "gate_studies.json"
GAPS, EMBED, HIDDEN, LR = (30, 60), 16, 64, 3e-3
VARIANTS = ("lstm", "NFG", "NOG", "NOAF", "CIFG", "PH")


class VariantLSTM(nn.Module):
    """An LSTM layer, one step at a time, with one of Greff et al.'s changes.

    x: (N, T, D) -> states (N, T, H). Gates i, f, o, g as in notebook 05 (one matrix W on
    (x_t, h_{t-1})); variant in VARIANTS changes one thing (see the module docstring).
    """

    def __init__(self, input_size, hidden_size, variant, max_steps, generator, chrono=True):
        super().__init__()
        self.H, self.variant = hidden_size, variant
        self.W = nn.Linear(input_size + hidden_size, 4 * hidden_size)
        self.peep = nn.Parameter(torch.zeros(3, hidden_size)) if variant == "PH" else None
        H = hidden_size
        if not chrono:
            return
        with torch.no_grad():  # chrono biases, the same for every variant
            keep = torch.log(torch.empty(H).uniform_(1, max_steps - 1, generator=generator))
            self.W.bias.zero_()
            self.W.bias[H:2 * H] = keep
            self.W.bias[:H] = -keep

    def forward(self, x):
        N, T, _ = x.shape
        h = c = x.new_zeros(N, self.H)
        states = []
        for t in range(T):
            a = self.W(torch.cat([x[:, t], h], 1))
            ai, af, ao, ag = a.chunk(4, 1)
            if self.peep is not None:
                ai, af = ai + self.peep[0] * c, af + self.peep[1] * c
            f = torch.ones_like(af) if self.variant == "NFG" else torch.sigmoid(af)
            i = (1 - f if self.variant == "CIFG" else
                 torch.sigmoid(ai))
            c = f * c + i * torch.tanh(ag)
            if self.peep is not None:
                ao = ao + self.peep[2] * c
            o = torch.ones_like(ao) if self.variant == "NOG" else torch.sigmoid(ao)
            h = o * (c if self.variant == "NOAF" else torch.tanh(c))
            states.append(h)
        return torch.stack(states, 1), None


def make_model(kind, seed, chrono=True):
    """kind: "gru-default", "gru-chrono", or one of VARIANTS (an LSTM, chrono or default init)."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    if kind.startswith("gru"):
        model = LastStateModel("gru", EMBED, HIDDEN, len(LANGUAGES), vocab_size=len(WORDS))
        if kind == "gru-chrono":
            chrono_init(model.rnn, GAPS[1] + 7, generator)
        return model
    model = LastStateModel("lstm", EMBED, HIDDEN, len(LANGUAGES), vocab_size=len(WORDS))
    model.rnn = VariantLSTM(EMBED, HIDDEN, kind, GAPS[1] + 7, generator, chrono)
    return model


def run(kind, seed, budget, chrono=True):
    """Train one model; returns its record (iterations to 0.99, accuracies)."""
    model = make_model(kind, seed, chrono)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    rng = np.random.default_rng(seed)
    x_val, y_val = (torch.tensor(a) for a in make_birthplace(1000, GAPS[1], seed=10_000)[:2])
    start, solved_at, accuracy = time.perf_counter(), None, None
    for it in range(1, budget + 1):
        x, y, _ = make_birthplace(64, int(rng.integers(GAPS[0], GAPS[1] + 1)),
                                  seed=1_000_000 * seed + it)
        loss = F.cross_entropy(model(torch.tensor(x)), torch.tensor(y))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if it % 50 == 0 or it == budget:
            with torch.no_grad():
                accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
            if accuracy >= 0.99:
                solved_at = it
                break
    x_far, y_far = (torch.tensor(a) for a in make_birthplace(1000, 120, seed=20_000)[:2])
    with torch.no_grad():
        far = (model(x_far).argmax(1) == y_far).float().mean().item()
    record = dict(kind=kind, seed=seed, iterations=it, solved_at=solved_at,
                  accuracy_gap60=round(accuracy, 4), accuracy_gap120=round(far, 4),
                  seconds=round(time.perf_counter() - start, 1))
    print(record, flush=True)
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=1500)
    parser.add_argument("--studies", nargs="*",
                        default=["gru_init", "lstm_variants", "lstm_variants_default"])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    kinds = {"gru_init": ("gru-default", "gru-chrono"), "lstm_variants": VARIANTS,
             "lstm_variants_default": VARIANTS}
    for study in args.studies:
        records = []
        for seed in range(args.seeds):  # every kind on seed 0 first
            for kind in kinds[study]:
                records.append(run(kind, seed, args.budget, study != "lstm_variants_default"))
                results[study] = describe(study, records, args)  # written after every run
                OUT.write_text(json.dumps(results, indent=1) + "\n")
    record_in_manifest()
    return 0


def record_in_manifest():
    """List gate_studies.json, with its sha256, in data/longrange/manifest.json."""
    path = OUT.parent / "manifest.json"
    entries = json.loads(path.read_text())
    entries[OUT.name] = dict(sha256=sha256(OUT), studies=sorted(json.loads(OUT.read_text())),
                             command="python scripts/train_gate_studies.py (see its docstring)")
    path.write_text(json.dumps(entries, indent=1) + "\n")


def describe(study, records, args):
    return dict(
        task=f"birthplace, training gaps {GAPS[0]}-{GAPS[1]}, solved = accuracy >= 0.99 "
             f"at gap {GAPS[1]}", budget_iterations=args.budget, batch=64, lr=LR,
        hidden_size=HIDDEN, seeds=args.seeds, runs=records, torch=torch.__version__,
        machine=f"{platform.machine()}, {os.cpu_count()} cores, 1 torch thread",
        command=f"python scripts/train_gate_studies.py --studies {study} --seeds {args.seeds} "
                f"--budget {args.budget}")


if __name__ == "__main__":
    sys.exit(main())
