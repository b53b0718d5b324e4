"""Nested arithmetic modulo 10 for notebook 07's tree-versus-chain comparison.

An expression of depth d is a full binary tree: 2**d digits at the leaves, an operator (+ or -,
both modulo 10) at each of the 2**d - 1 inner nodes. "((3+4)-(5+9))" has depth 2 and value
(7 - 14) mod 10 = 3. A tree network follows the brackets (a path of d steps from any digit to
the answer); a chain network reads the 4 * 2**d - 3 characters one by one.
"""
import numpy as np

from ..validate import MAX_COUNT, Indices, Int, Seed, checked
from .vocabulary import Vocabulary

OPERATORS = ["+", "-"]
TOKENS = ["<pad>"] + list("0123456789()+-")
VOCABULARY = Vocabulary(TOKENS)


@checked(n=Int(1, MAX_COUNT), depth=Int(1, 16), seed=Seed,
         _size=lambda a: a["n"] * 2 ** a["depth"])
def make_expressions(n, depth, seed=0):
    """n random expressions of the given depth (>= 1).

    Returns leaves: (n, 2**depth) int64 digits; operators: a list of `depth` arrays, bottom
    level first, level k of shape (n, 2**(depth - 1 - k)) with 0 for + and 1 for -;
    values: (n,) int64, the answers in 0..9.
    """
    if depth < 1 or n < 1:
        raise ValueError(f"make_expressions: need n >= 1 and depth >= 1, got n={n}, depth={depth}")
    rng = np.random.default_rng(seed)
    leaves = rng.integers(0, 10, (n, 2 ** depth))
    operators = [rng.integers(0, 2, (n, 2 ** k)) for k in range(depth - 1, -1, -1)]
    values = leaves
    for level in operators:
        left, right = values[:, 0::2], values[:, 1::2]
        values = np.where(level == 0, left + right, left - right) % 10
    return leaves, operators, values[:, 0]


def _check_tree(fn, leaves, operators):
    """leaves: (N, 2**d) digits; operators: d arrays (N, 2**(d-1)), ..., (N, 1) of 0/1."""
    leaves = np.asarray(leaves)
    if isinstance(operators, (str, bytes)) or not isinstance(operators, (list, tuple)):
        raise ValueError(f"{fn}: operators must be a list of d arrays of 0/1, got {operators!r}"[:150])
    N, width = leaves.shape
    if width != 2 ** len(operators):
        raise ValueError(f"{fn}: leaves must have 2**d = {2 ** len(operators)} columns for "
                         f"{len(operators)} operator levels, got {width}")
    for level, ops in enumerate(operators):
        Indices(None, 2)(fn, f"operators[{level}]", ops)
        expected = (N, 2 ** (len(operators) - level - 1))
        if np.shape(ops) != expected:
            raise ValueError(f"{fn}: operators[{level}] must have shape {expected}, got {np.shape(ops)}")


@checked(leaves=Indices("N, L", 10), row=Int(0))
def as_text(leaves, operators, row=0):
    """The fully bracketed string of expression `row`, e.g. "((3+4)-(5+9))"."""
    _check_tree("as_text", leaves, operators)
    if row >= len(leaves):
        raise ValueError(f"as_text: row must be in [0, {len(leaves)}), got {row}")
    items = [str(d) for d in leaves[row]]
    for level in operators:
        items = [f"({items[2 * i]}{OPERATORS[op]}{items[2 * i + 1]})"
                 for i, op in enumerate(level[row])]
    return items[0]


@checked(leaves=Indices("N, L", 10))
def as_tokens(leaves, operators):
    """All n expressions as character ids (n, 4 * 2**depth - 3), for a chain RNN."""
    _check_tree("as_tokens", leaves, operators)
    digit_ids = VOCABULARY.ids(list("0123456789"))
    open_id, close_id = VOCABULARY.ids(["(", ")"])
    operator_ids = VOCABULARY.ids(OPERATORS)
    # Each node's text as ids, (n, nodes, length): the leaves first, one digit each; then each
    # level joins neighbouring pairs into "(left op right)", halving the nodes.
    pieces = digit_ids[np.asarray(leaves)][:, :, None]            # (n, 2**d, 1)
    for level in operators:                                        # bottom level first
        left, right = pieces[:, 0::2], pieces[:, 1::2]
        bracket = np.ones_like(left[:, :, :1])                     # (n, nodes / 2, 1)
        operator = operator_ids[np.asarray(level)][:, :, None]     # (n, nodes / 2, 1)
        pieces = np.concatenate([open_id * bracket, left, operator, right, close_id * bracket],
                                axis=2)
    return pieces[:, 0].astype(np.int64)                           # the root: (n, 4 * 2**d - 3)
