"""The torch models the notebooks train: small, readable, one idea each."""
import math

import torch
import torch.nn as nn

from .validate import MAX_STEPS, MAX_WIDTH, Choice, Flag, Indices, Int, Number, checked

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class LastStateModel(nn.Module):
    """Many-to-one: (an embedding, for tokens) -> nn.RNN / LSTM / GRU -> linear read-out of h_T.

    cell: "rnn", "lstm" or "gru". For token inputs give vocab_size (inputs (N, T) int64);
    otherwise inputs are (N, T, input_size) floats. forward returns (N, outputs).
    """

    @checked(cell=Choice("rnn", "lstm", "gru"), input_size=Int(1, MAX_WIDTH),
             hidden_size=Int(1, MAX_WIDTH), outputs=Int(1, MAX_WIDTH),
             vocab_size=Int(1, MAX_WIDTH))
    def __init__(self, cell, input_size, hidden_size, outputs, vocab_size=None):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"LastStateModel: cell must be one of {list(CELLS)}, got {cell!r}")
        self.cell_type = cell
        self.embed = nn.Embedding(vocab_size, input_size) if vocab_size else None
        self.rnn = CELLS[cell](input_size, hidden_size, batch_first=True)
        self.readout = nn.Linear(hidden_size, outputs)

    def forward(self, x):
        states, _ = self.rnn(self.embed(x) if self.embed is not None else x)
        return self.readout(states[:, -1])


def chrono_init(layer, max_steps, generator=None):
    """Chrono initialisation (Tallec & Ollivier 2018) of a 1-layer nn.LSTM or nn.GRU: gate
    biases that make memory at the start last about as long as the sequences.

    LSTM: forget-gate biases log(u), u ~ U(1, max_steps - 1), input-gate biases their negatives.
    GRU: update-gate (z) biases log(u), so z starts near 1, "keep the old state". Other biases
    are zeroed. Changes the layer in place; returns it.
    """
    H = layer.hidden_size
    if not isinstance(layer, (nn.LSTM, nn.GRU)):
        raise ValueError(f"chrono_init: layer must be an nn.LSTM or nn.GRU, got {type(layer).__name__}")
    with torch.no_grad():
        keep = torch.log(torch.empty(H).uniform_(1, max(max_steps - 1, math.e), generator=generator))
        layer.bias_ih_l0.zero_()
        layer.bias_hh_l0.zero_()
        layer.bias_hh_l0[H:2 * H] = keep  # LSTM gates i, f, g, o; GRU gates r, z, n
        if isinstance(layer, nn.LSTM):
            layer.bias_hh_l0[:H] = -keep
    return layer


def cell_from_layer(layer):
    """The one-step cell (nn.RNNCell / LSTMCell / GRUCell) with a 1-layer nn.RNN / LSTM / GRU's
    weights, for running step by step (to look at every h_t and its gradient)."""
    kinds = {nn.RNN: nn.RNNCell, nn.LSTM: nn.LSTMCell, nn.GRU: nn.GRUCell}
    kind = kinds.get(type(layer))
    if kind is None or layer.num_layers != 1 or layer.bidirectional:
        raise ValueError("cell_from_layer: layer must be a 1-layer, one-directional "
                         f"nn.RNN, nn.LSTM or nn.GRU, got {layer}")
    extra = {"nonlinearity": layer.nonlinearity} if kind is nn.RNNCell else {}
    cell = kind(layer.input_size, layer.hidden_size, **extra).to(layer.weight_hh_l0)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(layer, f"{name}_l0"))
    return cell


def load_last_state_model(folder, name):
    """A LastStateModel rebuilt from a shipped checkpoint (sha256-checked). Returns
    (model in eval mode, manifest entry)."""
    from .checkpoints import load

    state, entry = load(folder, name)
    model = LastStateModel(**entry["model"])
    model.load_state_dict(state)
    return model.eval(), entry


class CharLM(nn.Module):
    """Many-to-many character model: embedding -> nn.LSTM / GRU / RNN -> scores over the
    vocabulary at every step. forward(tokens: (N, T) int64, state=None) returns
    logits: (N, T, V) and the final state, to carry into the next chunk."""

    @checked(vocab_size=Int(1, MAX_WIDTH), embed=Int(1, 8192), hidden=Int(1, 8192),
             layers=Int(1, 64), cell=Choice("lstm", "gru", "rnn"), dropout=Number(0, 1))
    def __init__(self, vocab_size, embed=64, hidden=384, layers=2, cell="lstm", dropout=0.0):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"CharLM: cell must be one of {list(CELLS)}, got {cell!r}")
        self.config = dict(vocab_size=vocab_size, embed=embed, hidden=hidden, layers=layers,
                           cell=cell, dropout=dropout)
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = CELLS[cell](embed, hidden, num_layers=layers, batch_first=True,
                               dropout=dropout if layers > 1 else 0.0)
        self.readout = nn.Linear(hidden, vocab_size)

    def forward(self, tokens, state=None):
        states, state = self.rnn(self.embed(tokens), state)
        return self.readout(states), state


def detach_state(state):
    """Cut the gradient at a chunk boundary, keep the values (truncated BPTT)."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


# --- Notebook 02: was the mouse scared? Three ways to read a recording's features ---------------
# Each takes x: (N, T, F), a recording as T frames of F features (course_utils.data.eeg.
# spectrogram gives 10 frames per second), and returns one logit per recording, (N,).

def _expect_frames(name, x, features, min_frames=1):
    if x.ndim != 3 or x.shape[2] != features or x.shape[1] < min_frames:
        raise ValueError(f"{name}: x must have shape (N, T, F) with F = {features} and "
                         f"T >= {min_frames}, got {tuple(x.shape)}")


class DenseClassifier(nn.Module):
    """Naive attempt 1: the whole recording, flattened, into a dense network: one weight per
    frame, feature and hidden unit, so an event at a new time meets weights that never learned
    from it. forward(x: (N, T, F)) -> logits (N,)."""

    @checked(frames=Int(1, MAX_STEPS), features=Int(1, MAX_WIDTH), hidden=Int(1, 8192),
             _size=lambda a: a["frames"] * a["features"] * a["hidden"])
    def __init__(self, frames, features, hidden=32):
        super().__init__()
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

    @checked(features=Int(1, MAX_WIDTH), hidden=Int(1, 8192), cell=Choice("gru", "lstm", "rnn"),
             bidirectional=Flag, readout=Choice("max", "last", "mean"))
    def __init__(self, features, hidden=32, cell="gru", bidirectional=False, readout="max"):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"RNNClassifier: cell must be one of {list(CELLS)}, got {cell!r}")
        if readout not in ("max", "mean", "last"):
            raise ValueError(f"RNNClassifier: readout must be 'max', 'mean' or 'last', got {readout!r}")
        self.config = dict(features=features, hidden=hidden, cell=cell,
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


def load_scp1_ensemble():
    """The SelfRegulationSCP1 models that scripts/train_eeg.py shipped (sha256-checked), rebuilt
    in eval mode. Returns (list of course_utils.eeg_models.ConvGRUClassifier, manifest entry);
    feed them course_utils.data.scp1.model_inputs(x, entry) and average their logits."""
    from .eeg_models import load_scp1_ensemble as load_ensemble

    return load_ensemble()


# --- Notebook 06: image captioning ----------------------------------------------------------

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

    @checked(vocab_size=Int(1, MAX_WIDTH), D=Int(1, 8192), E=Int(1, 8192), H=Int(1, 8192))
    def __init__(self, vocab_size, D=128, E=32, H=128):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, E)
        self.W_xh = nn.Linear(E, H)               # its bias is the b of the recurrence
        self.W_hh = nn.Linear(H, H, bias=False)
        self.W_ih = nn.Linear(D, H, bias=False)
        self.W_hy = nn.Linear(H, vocab_size)
        self.H = H

    def init_state(self, v):
        return v.new_zeros(v.shape[0], self.H)

    def step(self, words, h, v):
        h = torch.tanh(self.W_xh(self.embed(words)) + self.W_hh(h) + self.W_ih(v))
        return self.W_hy(h), h


class LSTMDecoder(nn.Module):
    """The other common design: the image sets the LSTM's initial state, h_0 = tanh(W_h0 v),
    c_0 = W_c0 v, and is not seen again. Same interface as ConditionalRNNDecoder."""

    @checked(vocab_size=Int(1, MAX_WIDTH), D=Int(1, 8192), E=Int(1, 8192), H=Int(1, 8192))
    def __init__(self, vocab_size, D=128, E=32, H=128):
        super().__init__()
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


class AttentionDecoder(nn.Module):
    """Soft attention (Show, Attend and Tell, Xu et al. 2015) in the lecture's notation: at each
    step the decoder looks at the 16 cells a_i of the image grid, weighs them,
    alpha = softmax_i(w . tanh(W_a a_i + W_h h_{t-1})), and uses their weighted mean
    z_t = sum_i alpha_i a_i where the conditional RNN used v:
    h_t = tanh(W_xh x_t + W_hh h_{t-1} + W_ih z_t).
    Same interface as ConditionalRNNDecoder, with v: (N, 16, D), the encoder's grid;
    step_with_attention also returns alpha: (N, 16)."""

    @checked(vocab_size=Int(1, MAX_WIDTH), D=Int(1, 8192), E=Int(1, 8192), H=Int(1, 8192),
             A=Int(1, 8192))
    def __init__(self, vocab_size, D=128, E=32, H=128, A=64):
        super().__init__()
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
             D=Int(1, 8192), E=Int(1, 8192), H=Int(1, 8192))
    def __init__(self, vocab_size, decoder="rnn", D=128, E=32, H=128):
        super().__init__()
        if decoder not in DECODERS:
            raise ValueError(f"Captioner: decoder must be one of {list(DECODERS)}, got {decoder!r}")
        self.config = dict(vocab_size=vocab_size, decoder=decoder, D=D, E=E, H=H)
        self.encoder = ImageEncoder(D, grid=decoder == "attention")
        self.decoder = DECODERS[decoder](vocab_size, D, E, H)

    def forward(self, images, words):
        v = self.encoder(images)
        state, scores = self.decoder.init_state(v), []
        for t in range(words.shape[1]):
            step_scores, state = self.decoder.step(words[:, t], state, v)
            scores.append(step_scores)
        return torch.stack(scores, dim=1)


def load_captioner(name):
    """A Captioner rebuilt from data/captioning/<name> (sha256-checked). Returns (model in eval
    mode, manifest entry)."""
    from .checkpoints import load

    state, entry = load("captioning", name)
    model = Captioner(**entry["model"])
    model.load_state_dict(state)
    return model.eval(), entry


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

    @checked(vocab_size=Int(1, MAX_WIDTH), E=Int(1, 8192), H=Int(1, 8192), attention=Flag,
             A=Int(1, 8192))
    def __init__(self, vocab_size, E=32, H=64, attention=True, A=64):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, E=E, H=H, attention=attention, A=A)
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
        """source: (N, S) ids, 0 = padding. Returns memory = (e: (N, S, 2H), W_e e: (N, S, A),
        summary: (N, 2H), mask: (N, S)): what every decoder step reads."""
        if source.ndim != 2:
            raise ValueError(f"Seq2Seq: source must have shape (N, S), got {tuple(source.shape)}")
        mask = source != 0
        lengths = mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(source), lengths, batch_first=True,
                                                   enforce_sorted=False)
        out, last = self.encoder(packed)
        e, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=source.shape[1])
        return e, self.W_e(e), torch.cat([last[0], last[1]], dim=1), mask

    def attend(self, h, memory):
        """h: (N, H) -> context (N, 2H), alpha (N, S)."""
        e, keys, _, mask = memory
        return additive_attention(keys, self.W_h(h), e, self.w, mask)

    def step(self, previous, h, memory):
        """One decoder step. previous: (N,) ids -> scores (N, V), h (N, H), alpha (N, S)."""
        _, _, summary, mask = memory
        if self.attention:
            context, alpha = self.attend(h, memory)
        else:
            context, alpha = summary, torch.zeros(mask.shape, device=h.device)
        h = self.cell(torch.cat([self.embed(previous), context], dim=1), h)
        return self.W_hy(torch.cat([h, context], dim=1)), h, alpha

    def forward(self, source, target_in):
        if target_in.ndim != 2 or target_in.shape[0] != source.shape[0]:
            raise ValueError(f"Seq2Seq: target_in must have shape (N, T) with N = "
                             f"{source.shape[0]}, got {tuple(target_in.shape)}")
        memory = self.encode(source)
        h = torch.tanh(self.W_init(memory[2]))
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
        h = torch.tanh(self.W_init(memory[2]))
        previous = torch.full((source.shape[0],), start, dtype=torch.long, device=source.device)
        ids, alphas = [], []
        for _ in range(steps):
            scores, h, alpha = self.step(previous, h, memory)
            previous = scores.argmax(dim=1)
            ids.append(previous)
            alphas.append(alpha)
        return torch.stack(ids, dim=1), torch.stack(alphas, dim=1)


class Tagger(nn.Module):
    """Many-to-many tagging: embedding -> GRU (one direction or both) -> a score per tag per word.

    forward(words: (N, T) ids) -> scores (N, T, tags). bidirectional=True runs a second GRU
    from the end and reads out [h_t(forward); h_t(backward)]: the lecture's "third matrix that
    takes future hidden states in as well".
    """

    @checked(vocab_size=Int(1, MAX_WIDTH), tags=Int(1, MAX_WIDTH), E=Int(1, 8192), H=Int(1, 8192),
             bidirectional=Flag)
    def __init__(self, vocab_size, tags, E=32, H=32, bidirectional=False):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, E, padding_idx=0)
        self.rnn = nn.GRU(E, H, batch_first=True, bidirectional=bidirectional)
        self.readout = nn.Linear(2 * H if bidirectional else H, tags)

    def forward(self, words):
        if words.ndim != 2:
            raise ValueError(f"Tagger: words must have shape (N, T), got {tuple(words.shape)}")
        return self.readout(self.rnn(self.embed(words))[0])


@checked(labels=Indices("N, T"), start=Int(0, MAX_WIDTH))
def previous_labels(labels, start):
    """labels: (N, T) ids -> (N, T): at step t the label of step t - 1 (`start` at t = 0)."""
    return torch.cat([torch.full_like(labels[:, :1], start), labels[:, :-1]], dim=1)


class ConditionalTagger(nn.Module):
    """The lecture's conditional RNN, log p(y_t | x_1..t, y_1..t-1): a GRU reads the inputs and
    the previous label, h_t = GRU([x_t; onehot(y_{t-1})], h_{t-1}), and scores y_t.

    forward(x: (N, T, D), previous: (N, T) ids of y_{t-1}, `labels` for the start) ->
    scores (N, T, labels); free_running(x) feeds back its own greedy choices -> ids (N, T).
    """

    @checked(features=Int(1, MAX_WIDTH), labels=Int(1, MAX_WIDTH), H=Int(1, 8192))
    def __init__(self, features, labels, H=32):
        super().__init__()
        self.features, self.labels = features, labels
        self.rnn = nn.GRU(features + labels + 1, H, batch_first=True)
        self.readout = nn.Linear(H, labels)

    def inputs(self, x, previous):
        return torch.cat([x, nn.functional.one_hot(previous, self.labels + 1).float()], dim=2)

    def forward(self, x, previous):
        _expect_frames("ConditionalTagger", x, self.features)
        if tuple(previous.shape) != tuple(x.shape[:2]):
            raise ValueError(f"ConditionalTagger: previous must have shape (N, T) = "
                             f"{tuple(x.shape[:2])}, got {tuple(previous.shape)}")
        return self.readout(self.rnn(self.inputs(x, previous))[0])

    @torch.no_grad()
    def free_running(self, x):
        _expect_frames("ConditionalTagger", x, self.features)
        previous = torch.full((x.shape[0], 1), self.labels, dtype=torch.long, device=x.device)
        state, chosen = None, []
        for t in range(x.shape[1]):
            out, state = self.rnn(self.inputs(x[:, t:t + 1], previous), state)
            previous = self.readout(out).argmax(dim=2)
            chosen.append(previous[:, 0])
        return torch.stack(chosen, dim=1)


class StackedRNN(nn.Module):
    """A deep RNN language model: embedding -> `depth` tanh RNN layers -> next-token scores.

    skip=True adds each layer's input to its output, h^l_t = h^{l-1}_t + RNN_l(h^{l-1})_t, so
    every layer has a short path to the loss. forward(tokens: (N, T)) -> scores (N, T, V).
    """

    @checked(vocab_size=Int(1, MAX_WIDTH), depth=Int(1, 64), skip=Flag, H=Int(1, 8192))
    def __init__(self, vocab_size, depth, skip=False, H=64):
        super().__init__()
        self.skip = skip
        self.embed = nn.Embedding(vocab_size, H)
        self.layers = nn.ModuleList(nn.RNN(H, H, batch_first=True) for _ in range(depth))
        self.readout = nn.Linear(H, vocab_size)

    def forward(self, tokens):
        if tokens.ndim != 2:
            raise ValueError(f"StackedRNN: tokens must have shape (N, T), got {tuple(tokens.shape)}")
        h = self.embed(tokens)
        for layer in self.layers:
            out = layer(h)[0]
            h = h + out if self.skip else out
        return self.readout(h)


def _expect_full_tree(leaves, operators):
    N, d = leaves.shape[0], len(operators)
    expected = [(N, 2 ** d)] + [(N, 2 ** (d - 1 - k)) for k in range(d)]
    got = [tuple(leaves.shape)] + [tuple(level.shape) for level in operators]
    if d < 1 or got != expected:
        raise ValueError(f"TreeRNN: for {d} levels of operators, leaves must have shape "
                         f"(N, 2**d) and the levels {expected[1:]}; got {got}")


class TreeRNN(nn.Module):
    """A recursive network over a full binary tree, level by level: leaves are embedded digits;
    a node joins its children, h = tanh(U relu(W [h_left; h_right] + b_op)); the root is read out.

    forward(leaves: (N, 2**d) ids, operators: d tensors, bottom level first, of shapes
    (N, 2**(d-1)), ..., (N, 1)) -> scores (N, outputs).
    """

    @checked(digits=Int(1, MAX_WIDTH), operators=Int(1, 64), H=Int(1, 8192),
             outputs=Int(1, MAX_WIDTH))
    def __init__(self, digits=10, operators=2, H=64, outputs=10):
        super().__init__()
        self.leaf = nn.Embedding(digits, H)
        self.b_op = nn.Embedding(operators, H)
        self.W = nn.Linear(2 * H, H)
        self.U = nn.Linear(H, H)
        self.readout = nn.Linear(H, outputs)

    def forward(self, leaves, operators):
        _expect_full_tree(leaves, operators)
        h = self.leaf(leaves)                                    # (N, 2**d, H)
        for level in operators:                                  # (N, nodes at this level)
            children = torch.cat([h[:, 0::2], h[:, 1::2]], dim=2)
            h = torch.tanh(self.U(torch.relu(self.W(children) + self.b_op(level))))
        return self.readout(h[:, 0])
