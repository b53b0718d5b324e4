"""Nested arithmetic modulo 10 for notebook 07's tree-versus-chain comparison.

An expression of depth d is a full binary tree: 2**d digits at the leaves, an operator (+ or -,
both modulo 10) at each of the 2**d - 1 inner nodes. "((3+4)-(5+9))" has depth 2 and value
(7 - 14) mod 10 = 3. A tree network follows the brackets (a path of d steps from any digit to
the answer); a chain network reads the 4 * 2**d - 3 characters one by one.
"""
import numpy as np

OPERATORS = ["+", "-"]
TOKENS = ["<pad>"] + list("0123456789()+-")


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


def as_text(leaves, operators, row=0):
    """The fully bracketed string of expression `row`, e.g. "((3+4)-(5+9))"."""
    items = [str(d) for d in leaves[row]]
    for level in operators:
        items = [f"({items[2 * i]}{OPERATORS[op]}{items[2 * i + 1]})"
                 for i, op in enumerate(level[row])]
    return items[0]


def as_tokens(leaves, operators):
    """All n expressions as character ids (n, 4 * 2**depth - 3), for a chain RNN."""
    index = {t: i for i, t in enumerate(TOKENS)}
    return np.array([[index[c] for c in as_text(leaves, operators, row)]
                     for row in range(len(leaves))], dtype=np.int64)
