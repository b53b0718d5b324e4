"""Notebook 02's model for real EEG (SelfRegulationSCP1): a convolutional front end, a GRU, and
pooled read-out, with the augmentation that trains it (scripts/train_eeg.py ships it).

The slow cortical potential is read as block means (course_utils.data.scp1.block_means):
x: (N, T, C), T steps of C channels. A 1-D convolution mixes neighbouring steps and channels,
a (bidirectional) GRU reads the result, and the read-out sees the mean of the GRU's states
and its last state(s) side by side.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .validate import MAX_WIDTH, Flag, Int, Number, checked


class ConvGRUClassifier(nn.Module):
    """x: (N, T, C) -> logits (N,). Conv1d(C -> conv, kernel) + ReLU, then a GRU of `hidden`
    units (both directions when bidirectional), then dropout and a linear read-out of
    [mean over t of h_t, last state] (for a bidirectional GRU the last state is the forward
    state at T and the backward state at 1). conv=0 leaves the front end out."""

    @checked(channels=Int(1, MAX_WIDTH), conv=Int(0, 1024), kernel=Int(1, 64),
             hidden=Int(1, 1024), bidirectional=Flag, dropout=Number(0.0, 1.0))
    def __init__(self, channels, conv=16, kernel=5, hidden=16, bidirectional=True, dropout=0.2):
        super().__init__()
        self.config = dict(channels=channels, conv=conv, kernel=kernel, hidden=hidden,
                           bidirectional=bidirectional, dropout=dropout)
        self.front = (nn.Conv1d(channels, conv, kernel, padding=kernel // 2) if conv
                      else nn.Identity())
        self.rnn = nn.GRU(conv or channels, hidden, batch_first=True, bidirectional=bidirectional)
        width = hidden * (2 if bidirectional else 1)
        self.drop = nn.Dropout(dropout)
        self.score = nn.Linear(2 * width, 1)

    def forward(self, x):
        if x.ndim != 3 or x.shape[2] != self.config["channels"]:
            raise ValueError(f"ConvGRUClassifier: x must have shape (N, T, C) with C = "
                             f"{self.config['channels']}, got {tuple(x.shape)}")
        if self.config["conv"]:
            x = F.relu(self.front(x.transpose(1, 2))).transpose(1, 2)   # (N, T, conv)
        states, last = self.rnn(x)                                       # (N, T, H or 2H)
        last = last.transpose(0, 1).reshape(len(x), -1)                  # (N, H or 2H)
        pooled = torch.cat([states.mean(dim=1), last], dim=1)
        return self.score(self.drop(pooled)).squeeze(1)


def augment(x, generator, shift=2, noise=0.1):
    """A training batch x: (N, T, C) moved by a random whole number of steps in [-shift, shift]
    (each trial its own, edges repeated) plus Gaussian noise of std `noise`. Returns (N, T, C)."""
    n, t, _ = x.shape
    moves = torch.randint(-shift, shift + 1, (n, 1), generator=generator)
    index = (torch.arange(t).unsqueeze(0) - moves).clamp(0, t - 1)       # (N, T)
    moved = x.gather(1, index.unsqueeze(2).expand_as(x))
    return moved + noise * torch.randn(x.shape, generator=generator)


def fit_augmented(model, x, y, epochs=60, batch=32, lr=3e-3, weight_decay=1e-2, shift=2,
                  noise=0.1, clip=1.0, seed=0):
    """Train a binary classifier on x: (N, T, C), y: (N,) in {0, 1} with AdamW, each batch
    augmented (`augment`), gradients clipped at `clip`. Leaves the model in eval mode.
    Returns the mean training loss of each epoch (list)."""
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"fit_augmented: x and y must have the same length N >= 1, got "
                         f"{len(x)} and {len(y)}")
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    targets, losses = y.float(), []
    model.train()
    for _ in range(epochs):
        order, total = torch.randperm(len(x), generator=generator), 0.0
        for rows in order.split(batch):
            logits = model(augment(x[rows], generator, shift, noise))
            loss = F.binary_cross_entropy_with_logits(logits, targets[rows])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            total += loss.item() * len(rows)
        losses.append(total / len(x))
    model.eval()
    return losses


def load_scp1_ensemble():
    """The shipped SelfRegulationSCP1 ensemble: course_utils.models.load_scp1_ensemble (the
    course's one checkpoint loader). Returns (list of ConvGRUClassifier, manifest entry)."""
    from .models.loaders import load_scp1_ensemble as load_ensemble

    return load_ensemble()
