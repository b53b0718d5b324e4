"""Notebook 06's image captioner: a CNN encoder and three decoders (conditional RNN,
LSTM with the image as its initial state, soft attention over the image grid)."""
import torch
import torch.nn as nn

from ..validate import MAX_WIDTH, Choice, Flag, Int, checked
from .attention import additive_attention


class ImageEncoder(nn.Module):
    """A small CNN: images (N, 3, 64, 64) -> v: (N, D). Four stride-2 convolutions leave a
    4x4 grid of 64 channels, flattened (so *where* things are survives) and projected to D.
    grid=True returns the grid instead, one D-vector per cell: (N, 16, D), for attention."""

    @checked(D=Int(1, 8192), grid=Flag)
    def __init__(self, D=128, grid=False):
        super().__init__()
        layers, channels = [], 3
        for out in (32, 64, 64, 64):
            layers += [nn.Conv2d(channels, out, 3, stride=2, padding=1), nn.ReLU()]
            channels = out
        self.conv = nn.Sequential(*layers)
        self.grid = grid
        self.project = (nn.Sequential(nn.Linear(64, D), nn.ReLU()) if grid else
                        nn.Sequential(nn.Flatten(), nn.Linear(64 * 4 * 4, D), nn.ReLU()))

    def forward(self, images):
        if images.ndim != 4 or tuple(images.shape[1:]) != (3, 64, 64):
            raise ValueError(f"ImageEncoder: images must have shape (N, 3, 64, 64), "
                             f"got {tuple(images.shape)}")
        features = self.conv(images)                              # (N, 64, 4, 4)
        if self.grid:
            return self.project(features.flatten(2).transpose(1, 2))   # (N, 16, D)
        return self.project(features)


class ConditionalRNNDecoder(nn.Module):
    """The lecture's captioner: h_t = tanh(W_xh x_t + W_hh h_{t-1} + W_ih v), scores
    y_t = W_hy h_t. The image v enters *every* step through W_ih.
    init_state(v: (N, D)) -> h: (N, H); step(words: (N,), h, v) -> (scores (N, V), h)."""

    @checked(vocab_size=Int(1, MAX_WIDTH), D=Int(1, 8192), embed_size=Int(1, 8192),
             hidden_size=Int(1, 8192))
    def __init__(self, vocab_size, D=128, embed_size=32, hidden_size=128):
        super().__init__()
        E, H = embed_size, hidden_size
        self.embed = nn.Embedding(vocab_size, E)
        self.W_xh = nn.Linear(E, H)               # its bias is the b of the recurrence
        self.W_hh = nn.Linear(H, H, bias=False)
        self.W_ih = nn.Linear(D, H, bias=False)
        self.W_hy = nn.Linear(H, vocab_size)
        self.hidden_size = H

    def init_state(self, v):
        return v.new_zeros(v.shape[0], self.hidden_size)

    def step(self, words, h, v):
        h = torch.tanh(self.W_xh(self.embed(words)) + self.W_hh(h) + self.W_ih(v))
        return self.W_hy(h), h


class LSTMDecoder(nn.Module):
    """The other common design: the image sets the LSTM's initial state, h_0 = tanh(W_h0 v),
    c_0 = W_c0 v, and is not seen again. Same interface as ConditionalRNNDecoder."""

    @checked(vocab_size=Int(1, MAX_WIDTH), D=Int(1, 8192), embed_size=Int(1, 8192),
             hidden_size=Int(1, 8192))
    def __init__(self, vocab_size, D=128, embed_size=32, hidden_size=128):
        super().__init__()
        E, H = embed_size, hidden_size
        self.embed = nn.Embedding(vocab_size, E)
        self.W_h0 = nn.Linear(D, H)
        self.W_c0 = nn.Linear(D, H)
        self.cell = nn.LSTMCell(E, H)
        self.W_hy = nn.Linear(H, vocab_size)

    def init_state(self, v):
        return torch.tanh(self.W_h0(v)), self.W_c0(v)

    def step(self, words, state, v):
        h, c = self.cell(self.embed(words), state)
        return self.W_hy(h), (h, c)


class AttentionDecoder(nn.Module):
    """Soft attention (Show, Attend and Tell, Xu et al. 2015) in the lecture's notation: at each
    step the decoder looks at the 16 cells a_i of the image grid, weighs them,
    alpha = softmax_i(w . tanh(W_a a_i + W_h h_{t-1})), and uses their weighted mean
    z_t = sum_i alpha_i a_i where the conditional RNN used v:
    h_t = tanh(W_xh x_t + W_hh h_{t-1} + W_ih z_t).
    Same interface as ConditionalRNNDecoder, with v: (N, 16, D), the encoder's grid;
    step_with_attention also returns alpha: (N, 16)."""

    @checked(vocab_size=Int(1, MAX_WIDTH), D=Int(1, 8192), embed_size=Int(1, 8192),
             hidden_size=Int(1, 8192), A=Int(1, 8192))
    def __init__(self, vocab_size, D=128, embed_size=32, hidden_size=128, A=64):
        super().__init__()
        E, H = embed_size, hidden_size
        self.embed = nn.Embedding(vocab_size, E)
        self.W_init = nn.Linear(D, H)
        self.W_a = nn.Linear(D, A)
        self.W_h = nn.Linear(H, A, bias=False)
        self.w = nn.Linear(A, 1, bias=False)
        self.W_xh = nn.Linear(E, H)
        self.W_hh = nn.Linear(H, H, bias=False)
        self.W_ih = nn.Linear(D, H, bias=False)
        self.W_hy = nn.Linear(H, vocab_size)

    def init_state(self, grid):
        return torch.tanh(self.W_init(grid.mean(dim=1)))

    def step_with_attention(self, words, h, grid):
        z, alpha = additive_attention(self.W_a(grid), self.W_h(h), grid, self.w)  # (N, D), (N, 16)
        h = torch.tanh(self.W_xh(self.embed(words)) + self.W_hh(h) + self.W_ih(z))
        return self.W_hy(h), h, alpha

    def step(self, words, h, grid):
        scores, h, _ = self.step_with_attention(words, h, grid)
        return scores, h


DECODERS = {"rnn": ConditionalRNNDecoder, "lstm": LSTMDecoder, "attention": AttentionDecoder}


class Captioner(nn.Module):
    """ImageEncoder + a decoder ("rnn": the lecture's W_ih v in every step; "lstm": image as
    the initial state; "attention": W_ih z_t, z_t an attended mix of the image's 4x4 grid).
    forward(images: (N, 3, 64, 64), words: (N, L)) -> scores (N, L, V):
    teacher forcing, step t reads the true word t and scores word t + 1."""

    @checked(vocab_size=Int(1, MAX_WIDTH), decoder=Choice("rnn", "lstm", "attention"),
             D=Int(1, 8192), embed_size=Int(1, 8192), hidden_size=Int(1, 8192), H=Int(1, 8192),
             E=Int(1, 8192))
    def __init__(self, vocab_size, decoder="rnn", D=128, embed_size=32, hidden_size=128, H=None,
                 E=None):
        super().__init__()
        if decoder not in DECODERS:
            raise ValueError(f"Captioner: decoder must be one of {list(DECODERS)}, got {decoder!r}")
        H = hidden_size if H is None else H  # H: the old name (the shipped manifests use it)
        E = embed_size if E is None else E  # E: the old name (the shipped manifests use it)
        self.config = dict(vocab_size=vocab_size, decoder=decoder, D=D, embed_size=E,
                           hidden_size=H)
        self.encoder = ImageEncoder(D, grid=decoder == "attention")
        self.decoder = DECODERS[decoder](vocab_size, D, E, H)

    def forward(self, images, words):
        v = self.encoder(images)
        state, scores = self.decoder.init_state(v), []
        for t in range(words.shape[1]):
            step_scores, state = self.decoder.step(words[:, t], state, v)
            scores.append(step_scores)
        return torch.stack(scores, dim=1)

