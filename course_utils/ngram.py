"""Character n-gram language models, the Markov baseline of notebook 08.

An n-gram model predicts the next character from the n - 1 before it and nothing else (the
Markov assumption). Counts come from a training text; two ways to smooth them:

- "add_k": p(x | c) = (count(c, x) + k) / (count(c) + k V), the n-gram's counts only;
- "interpolated" (Witten-Bell): p_n(x | c) = (count(c, x) + u(c) p_{n-1}(x | c')) /
  (count(c) + u(c)), with u(c) the number of distinct characters seen after c and c' the
  context one character shorter; p_0 is uniform, 1 / V.

Texts are integer ids, (L,) int64 in [0, V). Positions before the start of a text read as a
start symbol, so every character, the first included, gets a probability.
"""
import numpy as np

from .validate import (
    MAX_WIDTH, Choice, Indices, Int, Number, checked, expect_indices, expect_shape,
)

SMOOTHINGS = ("add_k", "interpolated")


def _ids(fn_name, arg_name, ids, vocab_size):
    ids = np.asarray(ids)
    if ids.size == 0:
        ids = ids.astype(np.int64)   # an empty list reads as float64
    expect_shape(fn_name, arg_name, ids, "L", (None,))
    expect_indices(fn_name, arg_name, ids, "V", vocab_size)
    return ids.astype(np.int64)


@checked(ids=Indices("T"), length=Int(0, 32), vocab_size=Int(1, MAX_WIDTH))
def context_codes(ids, length, vocab_size):
    """ids: (L,) int64 -> (L,) int64: the `length` characters before each position as one
    base-(V + 1) number (0 stands for "before the start"), the keys of count_ngrams' tables."""
    shifted = np.concatenate([np.zeros(length, dtype=np.int64), ids + 1])
    codes = np.zeros(len(ids), dtype=np.int64)
    for back in range(1, length + 1):
        codes = codes * (vocab_size + 1) + shifted[length - back:length - back + len(ids)]
    return codes


_context_codes = context_codes.__wrapped__  # for ids already checked


@checked(ids=Indices("T"), order=Int(1, 12), vocab_size=Int(1, MAX_WIDTH))
def count_ngrams(ids, order, vocab_size):
    """Count every context of 0 to order - 1 characters, and what follows it, in ids: (L,).

    Returns a dict with order, vocab_size and tables: a list of `order` dicts (context length
    0, 1, ..., order - 1), each holding sorted context codes with their counts and number of
    distinct followers, and sorted (context, next) codes with their counts.
    """
    if not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"count_ngrams: order must be a positive integer, got {order!r}")
    if not isinstance(vocab_size, (int, np.integer)) or vocab_size < 2:
        raise ValueError(f"count_ngrams: vocab_size must be an integer >= 2, got {vocab_size!r}")
    if float(vocab_size + 1) ** order * vocab_size >= 2.0 ** 62:
        raise ValueError(f"count_ngrams: order {order} is too large for vocab_size {vocab_size} "
                         "(the codes would overflow int64)")
    ids = _ids("count_ngrams", "ids", ids, vocab_size)
    tables = []
    for length in range(order):
        context = _context_codes(ids, length, vocab_size)
        pairs, pair_counts = np.unique(context * vocab_size + ids, return_counts=True)
        contexts, context_counts = np.unique(context, return_counts=True)
        pair_context = pairs // vocab_size
        followers = np.bincount(np.searchsorted(contexts, pair_context), minlength=len(contexts))
        tables.append(dict(contexts=contexts, context_counts=context_counts,
                           followers=followers, pairs=pairs, pair_counts=pair_counts))
    return dict(order=int(order), vocab_size=int(vocab_size), tables=tables)


def _lookup(keys, counts, queries):
    """counts[keys == query] for each query, 0 where the key is absent."""
    at = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[at] == queries, counts[at], 0)


def _probabilities(counts, codes, nexts, order, smoothing, k):
    """p(next | context) for M queries; codes: list over context lengths 0..order-1 of (M,)."""
    V, tables = counts["vocab_size"], counts["tables"]
    if smoothing == "add_k":
        table, context = tables[order - 1], codes[order - 1]
        seen = _lookup(table["pairs"], table["pair_counts"], context * V + nexts)
        total = _lookup(table["contexts"], table["context_counts"], context)
        return (seen + k) / (total + k * V)
    p = np.full(len(nexts), 1.0 / V)
    for length in range(order):
        table, context = tables[length], codes[length]
        seen = _lookup(table["pairs"], table["pair_counts"], context * V + nexts)
        total = _lookup(table["contexts"], table["context_counts"], context)
        types = _lookup(table["contexts"], table["followers"], context)
        p = np.where(total > 0, (seen + types * p) / np.maximum(total + types, 1), p)
    return p


def _check_model(fn_name, counts, order, smoothing, k):
    if not isinstance(counts, dict) or not {"order", "vocab_size", "tables"} <= set(counts):
        raise ValueError(f"{fn_name}: counts must be the dict made by count_ngrams, got {type(counts).__name__}")
    order = counts["order"] if order is None else order
    if not isinstance(order, (int, np.integer)) or not 1 <= order <= counts["order"]:
        raise ValueError(f"{fn_name}: order must be an integer from 1 to {counts['order']} "
                         f"(the counts' order), got {order!r}")
    if smoothing not in SMOOTHINGS:
        raise ValueError(f"{fn_name}: smoothing must be one of {SMOOTHINGS}, got {smoothing!r}")
    if smoothing == "add_k" and not k > 0:
        raise ValueError(f"{fn_name}: k must be positive for add-k smoothing, got {k!r}")
    return int(order)


@checked(ids=Indices("T"), order=Int(1, 12), smoothing=Choice("add_k", "interpolated"),
         k=Number(0, low_open=True))
def log_probs(counts, ids, order=None, smoothing="interpolated", k=1.0):
    """Natural log-probability of each character of ids: (L,) given the order - 1 before it.

    counts: from count_ngrams (of a training text); order: at most counts["order"] (default:
    that). Returns (L,) float64; the mean of -log_probs / ln 2 is bits per character.
    """
    order = _check_model("log_probs", counts, order, smoothing, k)
    V = counts["vocab_size"]
    ids = _ids("log_probs", "ids", ids, V)
    codes = [_context_codes(ids, length, V) for length in range(order)]
    return np.log(_probabilities(counts, codes, ids, order, smoothing, k))


@checked(order=Int(1, 12), smoothing=Choice("add_k", "interpolated"), k=Number(0, low_open=True))
def next_char_probs(counts, context, order=None, smoothing="interpolated", k=1.0):
    """The model's distribution over the next character after context: (C,) ids (C may be 0).

    Returns (V,) float64 probabilities, which sum to 1.
    """
    order = _check_model("next_char_probs", counts, order, smoothing, k)
    V = counts["vocab_size"]
    context = _ids("next_char_probs", "context", context, V)
    text = np.concatenate([context, [0]])   # a placeholder where the next character goes
    codes = [np.full(V, _context_codes(text, length, V)[-1]) for length in range(order)]
    return _probabilities(counts, codes, np.arange(V), order, smoothing, k)
