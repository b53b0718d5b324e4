"""Attention and sequence-to-sequence: additive (Bahdanau) attention and notebook 07's
date translator."""
from typing import NamedTuple

import torch
import torch.nn as nn

from ..validate import MAX_WIDTH, Flag, Int, checked


def additive_attention(keys, query, values, w, mask=None):
    """Soft attention (Bahdanau et al. 2015): alpha = softmax_s(w . tanh(keys_s + query)) over
    the positions s (those where mask is True), and the weighted mean of the values.

    keys: (N, S, A) projected positions; query: (N, A) the projected decoder state;
    values: (N, S, D); w: a Linear(A, 1); mask: (N, S) bool or None.
    Returns context: (N, D) and alpha: (N, S).
    """
    energy = w(torch.tanh(keys + query[:, None])).squeeze(2)
    if mask is not None:
        energy = energy.masked_fill(~mask, float("-inf"))
    alpha = torch.softmax(energy, dim=1)
    return (alpha[:, :, None] * values).sum(dim=1), alpha



class Memory(NamedTuple):
    """What Seq2Seq.encode leaves for every decoder step (a tuple: index access still works).

    e: (N, S, 2H) the encoder's outputs; keys: (N, S, A) their projections W_e e;
    summary: (N, 2H) the last states of both directions; mask: (N, S) True on real characters.
    """
    e: torch.Tensor
    keys: torch.Tensor
    summary: torch.Tensor
    mask: torch.Tensor


class Seq2Seq(nn.Module):
    """An encoder-decoder for notebook 07's dates, "22 November 2026" -> "2026-11-22".

    Encoder: a bidirectional GRU over the source characters, outputs e_s: (N, S, 2H).
    Decoder: a GRU cell; at step t it reads the previous output character and a context c_t,
    h_t = GRU([embed(y_{t-1}); c_t], h_{t-1}), and scores the next one from [h_t; c_t].
    attention=False: c_t = c, one summary of the source (the last states of both directions)
    for every step (Cho et al. 2014). attention=True: c_t = sum_s alpha_ts e_s with
    alpha_t = softmax_s(w . tanh(W_e e_s + W_h h_{t-1})) over the real characters (Bahdanau
    et al. 2015).
    forward(source: (N, S), target_in: (N, T)) -> scores (N, T, V) and alpha (N, T, S)
    (alpha is all zeros without attention).
    """

    @checked(vocab_size=Int(1, MAX_WIDTH), embed_size=Int(1, 8192), hidden_size=Int(1, 8192),
             attention=Flag, A=Int(1, 8192))
    def __init__(self, vocab_size, embed_size=32, hidden_size=64, attention=True, A=64):
        super().__init__()
        E, H = embed_size, hidden_size
        self.config = dict(vocab_size=vocab_size, embed_size=E, hidden_size=H,
                           attention=attention, A=A)
        self.attention = attention
        self.embed = nn.Embedding(vocab_size, E, padding_idx=0)
        self.encoder = nn.GRU(E, H, batch_first=True, bidirectional=True)
        self.W_init = nn.Linear(2 * H, H)
        self.W_e = nn.Linear(2 * H, A)
        self.W_h = nn.Linear(H, A, bias=False)
        self.w = nn.Linear(A, 1, bias=False)
        self.cell = nn.GRUCell(E + 2 * H, H)
        self.W_hy = nn.Linear(3 * H, vocab_size)

    def encode(self, source):
        """source: (N, S) ids, 0 = padding. Returns a Memory (e: (N, S, 2H), keys = W_e e:
        (N, S, A), summary: (N, 2H), mask: (N, S)): what every decoder step reads."""
        if source.ndim != 2:
            raise ValueError(f"Seq2Seq: source must have shape (N, S), got {tuple(source.shape)}")
        mask = source != 0
        lengths = mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(source), lengths, batch_first=True,
                                                   enforce_sorted=False)
        out, last = self.encoder(packed)
        e, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=source.shape[1])
        return Memory(e, self.W_e(e), torch.cat([last[0], last[1]], dim=1), mask)

    def attend(self, h, memory):
        """h: (N, H) -> context (N, 2H), alpha (N, S)."""
        return additive_attention(memory.keys, self.W_h(h), memory.e, self.w, memory.mask)

    def step(self, previous, h, memory):
        """One decoder step. previous: (N,) ids -> scores (N, V), h (N, H), alpha (N, S)."""
        if self.attention:
            context, alpha = self.attend(h, memory)
        else:
            context, alpha = memory.summary, torch.zeros(memory.mask.shape, device=h.device)
        h = self.cell(torch.cat([self.embed(previous), context], dim=1), h)
        return self.W_hy(torch.cat([h, context], dim=1)), h, alpha

    def forward(self, source, target_in):
        if target_in.ndim != 2 or target_in.shape[0] != source.shape[0]:
            raise ValueError(f"Seq2Seq: target_in must have shape (N, T) with N = "
                             f"{source.shape[0]}, got {tuple(target_in.shape)}")
        memory = self.encode(source)
        h = torch.tanh(self.W_init(memory.summary))
        scores, alphas = [], []
        for t in range(target_in.shape[1]):
            step_scores, h, alpha = self.step(target_in[:, t], h, memory)
            scores.append(step_scores)
            alphas.append(alpha)
        return torch.stack(scores, dim=1), torch.stack(alphas, dim=1)

    @torch.no_grad()
    def translate(self, source, start, steps):
        """Greedy decoding: source (N, S) -> ids (N, steps), alpha (N, steps, S)."""
        memory = self.encode(source)
        h = torch.tanh(self.W_init(memory.summary))
        previous = torch.full((source.shape[0],), start, dtype=torch.long, device=source.device)
        ids, alphas = [], []
        for _ in range(steps):
            scores, h, alpha = self.step(previous, h, memory)
            previous = scores.argmax(dim=1)
            ids.append(previous)
            alphas.append(alpha)
        return torch.stack(ids, dim=1), torch.stack(alphas, dim=1)

