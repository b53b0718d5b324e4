"""Notebook 02's classifiers: was the mouse scared? Three ways to read a recording's features,
and ConvGRUClassifier, the model for real EEG (SelfRegulationSCP1) that scripts/train_eeg.py ships.

Each takes x: (N, T, F), a recording as T frames of F features (course_utils.data.eeg.
spectrogram gives 10 frames per second), and returns one logit per recording, (N,).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..validate import MAX_STEPS, MAX_WIDTH, Choice, Flag, Int, Number, checked
from .sequence import CELLS, _expect_frames


class DenseClassifier(nn.Module):
    """Naive attempt 1: the whole recording, flattened, into a dense network: one weight per
    frame, feature and hidden unit, so an event at a new time meets weights that never learned
    from it. forward(x: (N, T, F)) -> logits (N,)."""

    @checked(frames=Int(1, MAX_STEPS), features=Int(1, MAX_WIDTH), hidden_size=Int(1, 8192),
             hidden=Int(1, 8192),
             _size=lambda a: a["frames"] * a["features"] * (a["hidden"] or a["hidden_size"]))
    def __init__(self, frames, features, hidden_size=32, hidden=None):
        super().__init__()
        hidden = hidden_size if hidden is None else hidden  # hidden: the old name (notebooks)
        self.frames, self.features = frames, features
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(frames * features, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 1))

    def forward(self, x):
        if x.ndim != 3 or tuple(x.shape[1:]) != (self.frames, self.features):
            raise ValueError(f"DenseClassifier: x must have shape (N, T, F) = "
                             f"(N, {self.frames}, {self.features}), got {tuple(x.shape)}")
        return self.net(x).squeeze(1)


class WindowCNN(nn.Module):
    """Naive attempt 2: a small CNN looks at one window of `window` frames at a time (windows
    `stride` frames apart) and says how scared that window looks; the recording's score is the
    most scared window's. It sees nothing wider than a window.
    forward(x: (N, T, F)) -> logits (N,); window_logits(x) -> (N, W)."""

    @checked(features=Int(1, MAX_WIDTH), window=Int(1, MAX_STEPS), stride=Int(1, MAX_STEPS),
             channels=Int(1, 4096))
    def __init__(self, features, window=10, stride=5, channels=16):
        super().__init__()
        self.features, self.window, self.stride = features, window, stride
        self.conv = nn.Sequential(nn.Conv1d(features, channels, 3, padding=1), nn.ReLU(),
                                  nn.Conv1d(channels, channels, 3, padding=1), nn.ReLU())
        self.score = nn.Linear(channels, 1)

    def window_logits(self, x):
        _expect_frames("WindowCNN", x, self.features, self.window)
        windows = x.unfold(1, self.window, self.stride)          # (N, W, F, window)
        N, W = windows.shape[:2]
        features = self.conv(windows.reshape(N * W, self.features, self.window))
        return self.score(features.max(dim=2).values).view(N, W)

    def forward(self, x):
        return self.window_logits(x).max(dim=1).values


class RNNClassifier(nn.Module):
    """Many-to-one with the same weights at every step: a GRU / LSTM / RNN reads the frames in
    order and a linear read-out scores every step, s_t = w . h_t + b. The recording's score is
    the highest s_t (readout="max": an event counts wherever it is), their mean ("mean": for a
    state that lasts the whole recording), or the last one ("last").
    forward(x: (N, T, F)) -> logits (N,); step_logits(x) -> (N, T)."""

    @checked(features=Int(1, MAX_WIDTH), hidden_size=Int(1, 8192), hidden=Int(1, 8192),
             cell=Choice("gru", "lstm", "rnn"),
             bidirectional=Flag, readout=Choice("max", "last", "mean"))
    def __init__(self, features, hidden_size=32, cell="gru", bidirectional=False, readout="max",
                 hidden=None):
        super().__init__()
        hidden = hidden_size if hidden is None else hidden  # hidden: the old name (notebooks)
        if cell not in CELLS:
            raise ValueError(f"RNNClassifier: cell must be one of {list(CELLS)}, got {cell!r}")
        if readout not in ("max", "mean", "last"):
            raise ValueError(f"RNNClassifier: readout must be 'max', 'mean' or 'last', got {readout!r}")
        self.config = dict(features=features, hidden_size=hidden, cell=cell,
                           bidirectional=bidirectional, readout=readout)
        self.rnn = CELLS[cell](features, hidden, batch_first=True, bidirectional=bidirectional)
        self.score = nn.Linear(hidden * (2 if bidirectional else 1), 1)

    def step_logits(self, x):
        _expect_frames("RNNClassifier", x, self.config["features"])
        states, _ = self.rnn(x)                                   # (N, T, H or 2H)
        return self.score(states).squeeze(2)

    def forward(self, x):
        steps = self.step_logits(x)
        if self.config["readout"] == "last":
            return steps[:, -1]
        return steps.mean(dim=1) if self.config["readout"] == "mean" else steps.max(dim=1).values


class ConvGRUClassifier(nn.Module):
    """x: (N, T, C) -> logits (N,). Conv1d(C -> conv, kernel) + ReLU, then a GRU of `hidden_size`
    units (both directions when bidirectional), then dropout and a linear read-out of
    [mean over t of h_t, last state] (for a bidirectional GRU the last state is the forward
    state at T and the backward state at 1). conv=0 leaves the front end out."""

    @checked(channels=Int(1, MAX_WIDTH), conv=Int(0, 1024), kernel=Int(1, 64),
             hidden_size=Int(1, 1024), hidden=Int(1, 1024), bidirectional=Flag,
             dropout=Number(0.0, 1.0))
    def __init__(self, channels, conv=16, kernel=5, hidden_size=16, bidirectional=True,
                 dropout=0.2, hidden=None):
        super().__init__()
        hidden = hidden or hidden_size  # `hidden`: the name scripts/train_eeg.py's manifest uses
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
