"""Sequence models: many-to-one, many-to-many, tagging, deep and recursive networks
(notebooks 03, 05, 07, 08). Every one takes token ids or frames (N, T, ...)."""
import torch
import torch.nn as nn

from ..parallel import rows_in_groups
from ..validate import MAX_WIDTH, Choice, Flag, Indices, Int, Number, checked

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



class CharLM(nn.Module):
    """Many-to-many character model: embedding -> nn.LSTM / GRU / RNN -> scores over the
    vocabulary at every step. forward(tokens: (N, T) int64, state=None) returns
    logits: (N, T, V) and the final state, to carry into the next chunk.

    row_groups > 1 runs the recurrent layer's N rows (independent text streams) as that many
    groups on separate threads (course_utils.parallel.rows_in_groups): the same numbers up to
    rounding, and a busy machine slows it far less than torch's own threads."""

    @checked(vocab_size=Int(1, MAX_WIDTH), embed_size=Int(1, 8192), hidden_size=Int(1, 8192),
             layers=Int(1, 64), cell=Choice("lstm", "gru", "rnn"), dropout=Number(0, 1),
             row_groups=Int(1, 64), hidden=Int(1, 8192), embed=Int(1, 8192))
    def __init__(self, vocab_size, embed_size=64, hidden_size=384, layers=2, cell="lstm",
                 dropout=0.0, row_groups=1, hidden=None, embed=None):
        super().__init__()
        hidden = hidden_size if hidden is None else hidden  # hidden, embed: the old names,
        embed = embed_size if embed is None else embed      # which the shipped manifest uses
        if cell not in CELLS:
            raise ValueError(f"CharLM: cell must be one of {list(CELLS)}, got {cell!r}")
        self.config = dict(vocab_size=vocab_size, embed_size=embed, hidden_size=hidden,
                           layers=layers, cell=cell, dropout=dropout, row_groups=row_groups)
        self.row_groups = row_groups
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = CELLS[cell](embed, hidden, num_layers=layers, batch_first=True,
                               dropout=dropout if layers > 1 else 0.0)
        self.readout = nn.Linear(hidden, vocab_size)

    def forward(self, tokens, state=None):
        if self.row_groups > 1:
            states, state = rows_in_groups(self.rnn, self.embed(tokens), state, self.row_groups)
        else:
            states, state = self.rnn(self.embed(tokens), state)
        return self.readout(states), state


def detach_state(state):
    """Cut the gradient at a chunk boundary, keep the values (truncated BPTT)."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def _expect_frames(name, x, features, min_frames=1):
    if x.ndim != 3 or x.shape[2] != features or x.shape[1] < min_frames:
        raise ValueError(f"{name}: x must have shape (N, T, F) with F = {features} and "
                         f"T >= {min_frames}, got {tuple(x.shape)}")



class Tagger(nn.Module):
    """Many-to-many tagging: embedding -> GRU (one direction or both) -> a score per tag per word.

    forward(words: (N, T) ids) -> scores (N, T, tags). bidirectional=True runs a second GRU
    from the end and reads out [h_t(forward); h_t(backward)]: the lecture's "third matrix that
    takes future hidden states in as well".
    """

    @checked(vocab_size=Int(1, MAX_WIDTH), tags=Int(1, MAX_WIDTH), embed_size=Int(1, 8192),
             hidden_size=Int(1, 8192), bidirectional=Flag)
    def __init__(self, vocab_size, tags, embed_size=32, hidden_size=32, bidirectional=False):
        super().__init__()
        E, H = embed_size, hidden_size
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

    @checked(features=Int(1, MAX_WIDTH), labels=Int(1, MAX_WIDTH), hidden_size=Int(1, 8192))
    def __init__(self, features, labels, hidden_size=32):
        super().__init__()
        H = hidden_size
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

    @checked(vocab_size=Int(1, MAX_WIDTH), depth=Int(1, 64), skip=Flag, hidden_size=Int(1, 8192))
    def __init__(self, vocab_size, depth, skip=False, hidden_size=64):
        super().__init__()
        H = hidden_size
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

    @checked(digits=Int(1, MAX_WIDTH), operators=Int(1, 64), hidden_size=Int(1, 8192),
             outputs=Int(1, MAX_WIDTH))
    def __init__(self, digits=10, operators=2, hidden_size=64, outputs=10):
        super().__init__()
        H = hidden_size
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
