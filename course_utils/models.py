"""The torch models the notebooks train: small, readable, one idea each."""
import math

import torch
import torch.nn as nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class LastStateModel(nn.Module):
    """Many-to-one: (an embedding, for tokens) -> nn.RNN / LSTM / GRU -> linear read-out of h_T.

    cell: "rnn", "lstm" or "gru". For token inputs give vocab_size (inputs (N, T) int64);
    otherwise inputs are (N, T, input_size) floats. forward returns (N, outputs).
    """

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
