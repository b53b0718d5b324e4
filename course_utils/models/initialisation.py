"""Weight initialisation and surgery on torch recurrent layers (notebook 05)."""
import math

import torch
import torch.nn as nn


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

