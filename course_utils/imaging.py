"""Notebook 09's torch models: ReNet's sweeps and a CNN of about its size (digits), a per-frame
CNN feeding a GRU (time-lapse), and a convolutional GRU cell (next frame of moving blobs).

Images are (N, C, H, W); movies are (N, T, C, H, W).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .validate import (MAX_STEPS, MAX_WIDTH, Array, Flag, Int, checked, expect_elements, expect_shape,
                       expect_tensor)

# Notebook 09's recipe (and benchmarks/imaging.py's): training steps and data sizes.
LESSON = dict(digits_steps=300, movies=1500, reader_steps=150, frame_steps=100,
              blob_sequences=1000, next_frame_steps=(120, 40),
              narma_reservoir=dict(rho=0.9, input_scale=0.5), narma_gru_steps=200)


def _expect(name, arg, x, ndim, what):
    if not torch.is_tensor(x) or x.dim() != ndim:
        got = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
        raise ValueError(f"{name}: {arg} must be a tensor of shape {what}, got {got}")


def _widths(fn, arg, value):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{fn}: {arg} must be a pair (channels of conv 1, of conv 2), got {value!r}")
    for v in value:
        Int(1, 4096)(fn, arg, v)


@checked(x=Array("N, R, C, D"), Wx=Array("D, H"), Wh=Array("H, H"), b=Array("H"), reverse=Flag)
def sweep(x, Wx, Wh, b, reverse=False):
    """One directional sweep of a tanh RNN along the rows of a grid, every row on its own:
    h[:, i, j] = tanh(x[:, i, j] @ Wx + h[:, i, j - 1] @ Wh + b), from j = 0 (or from the
    last column when reverse=True), h[:, i, -1 or C] = 0.

    x: (N, R, C, D) NumPy   Wx: (D, H)   Wh: (H, H)   b: (H,)
    Returns h: (N, R, C, H).
    """
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[3] != np.shape(Wx)[0]:
        raise ValueError(f"sweep: x must have shape (N, R, C, D) with D = {np.shape(Wx)[0]} "
                         f"(Wx's rows), got {x.shape}")
    H = np.shape(Wx)[1]
    expect_shape("sweep", "Wh", Wh, "H, H", (H, H))
    expect_shape("sweep", "b", b, "H", (H,))
    expect_elements("sweep", "x and Wx", np.prod(x.shape[:3]) * H)
    N, R, C, _ = x.shape
    h = np.zeros((N, R, C, np.shape(Wh)[0]))
    prev = np.zeros((N, R, np.shape(Wh)[0]))
    for j in (range(C - 1, -1, -1) if reverse else range(C)):
        prev = np.tanh(x[:, :, j] @ Wx + prev @ Wh + b)
        h[:, :, j] = prev
    return h


class ReNetLayer(nn.Module):
    """Visin et al. (2015): cut the image into p x p patches; a bidirectional GRU sweeps every
    row of patches (left-right and right-left), then another sweeps every column of the result
    (top-down and bottom-up). Every output sees the whole image.

    forward(x: (N, C, H, W)) -> (N, 2 * hidden, H / p, W / p).
    """

    @checked(channels=Int(1, 1024), hidden_size=Int(1, 4096), patch=Int(1, 64),
             _size=lambda a: (a["channels"] * a["patch"] ** 2 * a["hidden_size"]
                              + a["hidden_size"] ** 2))
    def __init__(self, channels, hidden_size, patch=2):
        super().__init__()
        hidden = hidden_size
        self.patch, self.channels = patch, channels
        self.rows = nn.GRU(channels * patch * patch, hidden, batch_first=True, bidirectional=True)
        self.cols = nn.GRU(2 * hidden, hidden, batch_first=True, bidirectional=True)

    def forward(self, x):
        _expect("ReNetLayer", "x", x, 4, f"(N, {self.channels}, H, W)")
        p = self.patch
        N, C, H, W = x.shape
        if C != self.channels or H % p or W % p:
            raise ValueError(f"ReNetLayer: x must have shape (N, {self.channels}, H, W) with H and "
                             f"W multiples of {p}, got {tuple(x.shape)}")
        R, K = H // p, W // p
        patches = x.reshape(N, C, R, p, K, p).permute(0, 2, 4, 1, 3, 5).reshape(N, R, K, C * p * p)
        h, _ = self.rows(patches.reshape(N * R, K, -1))                 # sweep along each row
        h = h.reshape(N, R, K, -1).transpose(1, 2)                      # (N, K, R, 2H)
        v, _ = self.cols(h.reshape(N * K, R, -1))                       # then along each column
        return v.reshape(N, K, R, -1).permute(0, 3, 2, 1)               # (N, 2H, R, K)


class ReNet(nn.Module):
    """One ReNet layer and a linear read-out of all its outputs: (N, C, H, W) -> (N, classes)."""

    @checked(channels=Int(1, 1024), size=Int(1, 4096), hidden_size=Int(1, 4096), patch=Int(1, 64),
             classes=Int(1, MAX_WIDTH),
             _size=lambda a: a["hidden_size"] * (a["size"] // a["patch"]) ** 2 * a["classes"])
    def __init__(self, channels=1, size=8, hidden_size=16, patch=2, classes=10):
        if size % patch:
            raise ValueError(f"ReNet: size must be a multiple of patch = {patch}, got {size}")
        super().__init__()
        hidden = hidden_size
        self.layer = ReNetLayer(channels, hidden, patch)
        self.out = nn.Linear(2 * hidden * (size // patch) ** 2, classes)

    def forward(self, x):
        return self.out(self.layer(x).flatten(1))


class SmallCNN(nn.Module):
    """Two 3 x 3 convolutions, each followed by 2 x 2 max pooling, and a linear read-out:
    (N, C, H, W) -> (N, classes). `layer` is the first convolution (its receptive field is 3 x 3)."""

    @checked(channels=Int(1, 1024), size=Int(4, 4096), width=_widths, classes=Int(1, MAX_WIDTH),
             _size=lambda a: a["width"][1] * (a["size"] // 4) ** 2 * a["classes"])
    def __init__(self, channels=1, size=8, width=(16, 32), classes=10):
        super().__init__()
        self.layer = nn.Conv2d(channels, width[0], 3, padding=1)
        self.conv2 = nn.Conv2d(width[0], width[1], 3, padding=1)
        self.out = nn.Linear(width[1] * (size // 4) ** 2, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.layer(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.out(x.flatten(1))


@checked(row=Int(0, MAX_WIDTH), col=Int(0, MAX_WIDTH))
def receptive_field(layer, images, row, col):
    """How much each input pixel moves one output position of `layer`: the mean over `images`
    and over the output's channels of |d layer(images)[:, :, row, col] / d images|.

    images: (N, C, H, W) -> (H, W) NumPy map (channels summed).
    """
    if not callable(layer):
        raise ValueError(f"receptive_field: layer must be a torch module, got {type(layer).__name__}")
    expect_tensor("receptive_field", "images", images, "N, C, H, W")
    expect_elements("receptive_field", "images", images.numel() * 64)
    x = images.detach().clone().requires_grad_(True)
    try:
        out = layer(x)
    except (RuntimeError, ValueError) as error:
        raise ValueError(f"receptive_field: layer cannot read images of shape {tuple(x.shape)} and "
                         f"dtype {x.dtype}: {str(error).splitlines()[0]}") from None
    if not torch.is_tensor(out) or out.ndim != 4:
        raise ValueError(f"receptive_field: layer must return a map (N, K, H', W'), got "
                         f"{tuple(out.shape) if torch.is_tensor(out) else type(out).__name__}")
    if not (0 <= row < out.shape[2] and 0 <= col < out.shape[3]):
        raise ValueError(f"receptive_field: (row, col) must lie in the output's {out.shape[2]} x "
                         f"{out.shape[3]} grid, got ({row}, {col})")
    grads = [torch.autograd.grad(out[:, c, row, col].sum(), x, retain_graph=True)[0].abs()
             for c in range(out.shape[1])]
    return torch.stack(grads).mean(dim=(0, 1)).sum(0).cpu().numpy()


class FrameEncoder(nn.Module):
    """A small CNN that turns one frame into features: two 3 x 3 convolutions, then the mean and
    the max of every channel over the image (so it finds the cell wherever it is), batch-
    normalised: (N, C, S, S) -> (N, 2 * width)."""

    @checked(channels=Int(1, 1024), width=Int(1, 4096))
    def __init__(self, channels=1, width=8):
        super().__init__()
        self.features = 2 * width
        self.net = nn.Sequential(nn.Conv2d(channels, 8, 3, padding=1), nn.ReLU(),
                                 nn.Conv2d(8, width, 3, padding=1), nn.ReLU())
        self.norm = nn.BatchNorm1d(self.features)

    def forward(self, x):
        maps = self.net(x)
        return self.norm(torch.cat([maps.mean(dim=(2, 3)), maps.amax(dim=(2, 3))], dim=1))


class TimelapseReader(nn.Module):
    """Buggenthin et al.'s shape of model: a CNN reads every frame, a GRU reads the CNN's
    features in order, and a linear read-out scores every step.

    forward(x: (N, T, C, S, S)) -> logits (N,) after the last frame; step_logits -> (N, T),
    the score after frames 1..t, so one model answers "how early can it tell".
    """

    @checked(channels=Int(1, 1024), hidden_size=Int(1, 4096))
    def __init__(self, channels=1, hidden_size=32):
        super().__init__()
        hidden = hidden_size
        self.encoder = FrameEncoder(channels)
        self.rnn = nn.GRU(self.encoder.features, hidden, batch_first=True)
        self.score = nn.Linear(hidden, 1)

    def step_logits(self, x):
        _expect("TimelapseReader", "x", x, 5, "(N, T, C, S, S)")
        N, T = x.shape[:2]
        features = self.encoder(x.flatten(0, 1)).reshape(N, T, -1)
        states, _ = self.rnn(features)
        return self.score(states).squeeze(2)

    def forward(self, x):
        return self.step_logits(x)[:, -1]


class FrameClassifier(nn.Module):
    """The same CNN with a linear read-out, on one image: (N, C, S, S) -> logits (N,)."""

    @checked(channels=Int(1, 1024))
    def __init__(self, channels=1):
        super().__init__()
        self.encoder = FrameEncoder(channels)
        self.score = nn.Linear(self.encoder.features, 1)

    def forward(self, x):
        _expect("FrameClassifier", "x", x, 4, "(N, C, S, S)")
        return self.score(self.encoder(x)).squeeze(1)


def _convgru_step(x, h, W_zr, b_zr, W_n, b_n):
    pad = W_n.shape[-1] // 2
    conv = lambda inp, W, b: F.conv2d(F.pad(inp, (pad,) * 4, mode="circular"), W, b)
    z, r = torch.sigmoid(conv(torch.cat([x, h], 1), W_zr, b_zr)).chunk(2, dim=1)
    n = torch.tanh(conv(torch.cat([x, r * h], 1), W_n, b_n))
    return (1 - z) * n + z * h


def convgru_step(x, h, W_zr, b_zr, W_n, b_n):
    """One step of a convolutional GRU (Ballas et al. 2016; Shi et al.'s ConvLSTM with GRU
    gates): every product of the GRU becomes a 'same' convolution (circular padding), so the
    state is an image of features.
        z, r = sigmoid(W_zr * [x, h] + b_zr)
        n = tanh(W_n * [x, r . h] + b_n)
        h' = (1 - z) . n + z . h

    x: (N, C, S, S)   h: (N, K, S, S)   W_zr: (2K, C + K, k, k)   W_n: (K, C + K, k, k)
    b_zr: (2K,)   b_n: (K,)   k odd, at most S. Returns h': (N, K, S, S).
    """
    name = "convgru_step"
    N, C, S, _ = expect_tensor(name, "x", x, "N, C, S, S").shape
    expect_shape(name, "x", x, "N, C, S, S", (None, None, S, S))
    K = expect_tensor(name, "h", h, "N, K, S, S").shape[1]
    expect_shape(name, "h", h, "N, K, S, S", (N, None, S, S))
    k = expect_tensor(name, "W_n", W_n, "K, C + K, k, k").shape[-1]
    expect_shape(name, "W_n", W_n, "K, C + K, k, k", (K, C + K, k, k))
    if k % 2 == 0 or k // 2 > S:
        raise ValueError(f"{name}: W_n's kernel size k must be odd and k // 2 <= S = {S}, got {k}")
    expect_tensor(name, "W_zr", W_zr, "2K, C + K, k, k")
    expect_shape(name, "W_zr", W_zr, "2K, C + K, k, k", (2 * K, C + K, k, k))
    expect_tensor(name, "b_zr", b_zr, "2K")
    expect_shape(name, "b_zr", b_zr, "2K", (2 * K,))
    expect_tensor(name, "b_n", b_n, "K")
    expect_shape(name, "b_n", b_n, "K", (K,))
    return _convgru_step(x, h, W_zr, b_zr, W_n, b_n)


class ConvGRUCell(nn.Module):
    """convgru_step with its weights: forward(x: (N, C, S, S), h: (N, K, S, S)) -> (N, K, S, S)."""

    @checked(channels=Int(1, 1024), hidden_size=Int(1, 1024), kernel=Int(1, 31))
    def __init__(self, channels, hidden_size, kernel=3):
        if kernel % 2 == 0:
            raise ValueError(f"ConvGRUCell: kernel must be odd (a 'same' convolution), got {kernel}")
        super().__init__()
        hidden = hidden_size
        self.hidden_size = hidden
        self.zr = nn.Conv2d(channels + hidden, 2 * hidden, kernel)
        self.n = nn.Conv2d(channels + hidden, hidden, kernel)

    def forward(self, x, h):
        return _convgru_step(x, h, self.zr.weight, self.zr.bias, self.n.weight, self.n.bias)


class NextFrame(nn.Module):
    """Predict frame t + 1 from frames 1..t, at every t: forward(x: (N, T, C, S, S)) -> (N, T, C,
    S, S), the t-th output predicting x[:, t + 1].

    recurrent=True: a 3 x 3 convolution, a ConvGRU cell, then a 1 x 1 convolution to the frame.
    recurrent=False (the per-frame baseline): the same layers with the state reset to zero
    before every frame, so each prediction sees one frame only."""

    @checked(channels=Int(1, 1024), hidden_size=Int(1, 1024), recurrent=Flag)
    def __init__(self, channels=1, hidden_size=16, recurrent=True):
        super().__init__()
        hidden = hidden_size
        self.recurrent = recurrent
        self.inp = nn.Conv2d(channels, hidden, 3, padding=1, padding_mode="circular")
        self.cell = ConvGRUCell(hidden, hidden)
        self.out = nn.Conv2d(hidden, channels, 1)

    def forward(self, x):
        _expect("NextFrame", "x", x, 5, "(N, T, C, S, S)")
        N, T, _, S, _ = x.shape
        h = x.new_zeros(N, self.cell.hidden_size, S, S)
        frames = []
        for t in range(T):
            if not self.recurrent:
                h = torch.zeros_like(h)
            h = self.cell(F.relu(self.inp(x[:, t])), h)
            frames.append(torch.sigmoid(self.out(h)))
        return torch.stack(frames, dim=1)
