"""Does "90 % confident" come true 90 % of the time? Calibration of a classifier, in NumPy.

A classifier gives each of N examples a probability for each of C classes, probs: (N, C).
Its *confidence* is the largest probability, its *prediction* that class. Sort the examples
into n_bins equal-width bins of confidence over [0, 1] (bin b holds (b / n_bins,
(b + 1) / n_bins], the first bin also holds 0). A calibrated model's accuracy in each bin
equals its mean confidence there. The expected calibration error (Naeini et al. 2015; Guo et
al. 2017) weighs the gaps by how many examples each bin holds:

    ECE = sum_b (n_b / N) |accuracy_b - confidence_b|

Temperature scaling (Guo et al. 2017) divides the logits by one number T > 0, fitted by
minimising the negative log-likelihood on a validation set: T > 1 softens overconfident
probabilities, and the predictions (the argmax) do not change.
"""
import numpy as np

from .numerics import sigmoid
from .validate import (
    MAX_STEPS, MAX_WIDTH, Array, Int, Number, checked, expect_indices, expect_shape,
)


def _probs_and_labels(fn_name, probs, labels):
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels)
    expect_shape(fn_name, "probs", probs, "N, C", (None, None))
    N, C = probs.shape
    if N == 0 or C < 2:
        raise ValueError(f"{fn_name}: probs must have shape (N, C) with N >= 1 and C >= 2, "
                         f"got {probs.shape}")
    if not np.all(np.isfinite(probs)) or probs.min() < 0 or \
            np.abs(probs.sum(axis=1) - 1).max() > 1e-6:
        raise ValueError(f"{fn_name}: each row of probs must hold probabilities (>= 0, summing "
                         "to 1)")
    expect_shape(fn_name, "labels", labels, "N", (N,))
    expect_indices(fn_name, "labels", labels, "C", C)
    return probs, labels


def _check_bins(fn_name, n_bins):
    if not isinstance(n_bins, (int, np.integer)) or isinstance(n_bins, bool) or n_bins < 1:
        raise ValueError(f"{fn_name}: n_bins must be a positive integer, got {n_bins!r}")


@checked(logits=Array("N"), temperature=Number(0, low_open=True))
def binary_probs(logits, temperature=1.0):
    """Class probabilities of a binary classifier: logits (N,) -> probs (N, 2), the second
    column sigmoid(logits / temperature)."""
    logits = np.asarray(logits, dtype=np.float64)
    expect_shape("binary_probs", "logits", logits, "N", (None,))
    if not np.isscalar(temperature) or not temperature > 0:
        raise ValueError(f"binary_probs: temperature must be a positive number, got {temperature!r}")
    p = sigmoid(logits / temperature)
    return np.stack([1 - p, p], axis=1)


@checked(probs=Array("N, C"), labels=Array("N", "int"), n_bins=Int(1, MAX_WIDTH))
def reliability_bins(probs, labels, n_bins=10):
    """The reliability diagram's numbers.

    probs: (N, C) class probabilities; labels: (N,) int true classes; n_bins: equal-width
    bins of confidence over [0, 1].
    Returns a dict of arrays of shape (n_bins,): edges_low, edges_high, count (examples in the
    bin), confidence (their mean confidence) and accuracy (the fraction predicted right);
    confidence and accuracy are NaN in an empty bin.
    """
    probs, labels = _probs_and_labels("reliability_bins", probs, labels)
    _check_bins("reliability_bins", n_bins)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)
    which = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, confidence, minlength=n_bins) / count
        accuracy = np.bincount(which, correct, minlength=n_bins) / count
    edges = np.linspace(0, 1, n_bins + 1)
    return dict(edges_low=edges[:-1], edges_high=edges[1:], count=count,
                confidence=mean_confidence, accuracy=accuracy)


@checked(probs=Array("N, C"), labels=Array("N", "int"), n_bins=Int(1, MAX_WIDTH))
def expected_calibration_error(probs, labels, n_bins=10):
    """ECE = sum over bins of (examples in the bin / N) * |accuracy - mean confidence|.

    probs: (N, C) class probabilities; labels: (N,) int true classes. Returns a float in [0, 1].
    """
    _probs_and_labels("expected_calibration_error", probs, labels)
    bins = reliability_bins(probs, labels, n_bins)
    full = bins["count"] > 0
    gaps = np.abs(bins["accuracy"][full] - bins["confidence"][full])
    return float(np.sum(bins["count"][full] / bins["count"].sum() * gaps))


@checked(logits=Array("N"), labels=Array("N", "int"), temperature=Number(0, low_open=True))
def binary_nll(logits, labels, temperature=1.0):
    """Mean negative log-likelihood (nats) of labels (N,) in {0, 1} under sigmoid(logits / T)."""
    logits, labels = np.asarray(logits, dtype=np.float64), np.asarray(labels)
    expect_shape("binary_nll", "logits", logits, "N", (None,))
    expect_shape("binary_nll", "labels", labels, "N", (len(logits),))
    expect_indices("binary_nll", "labels", labels, "2", 2)
    if not np.isscalar(temperature) or not temperature > 0:
        raise ValueError(f"binary_nll: temperature must be a positive number, got {temperature!r}")
    z = logits / temperature
    return float(np.mean(np.logaddexp(0, z) - labels * z))


@checked(logits=Array("N"), labels=Array("N", "int"), low=Number(0, low_open=True),
         high=Number(0, low_open=True), steps=Int(1, MAX_STEPS))
def fit_temperature(logits, labels, low=0.05, high=20.0, steps=60):
    """The temperature T in [low, high] that minimises binary_nll(logits, labels, T), found by
    golden-section search on log T (the NLL is smooth and, in practice, has one minimum).

    logits: (N,) a binary classifier's logits on a *validation* set; labels: (N,) in {0, 1}.
    Returns T as a float.
    """
    if not 0 < low < high:
        raise ValueError(f"fit_temperature: need 0 < low < high, got low={low!r}, high={high!r}")
    logits, labels = np.asarray(logits, dtype=np.float64), np.asarray(labels)
    expect_shape("fit_temperature", "labels", labels, "N", (len(logits),))
    expect_indices("fit_temperature", "labels", labels, "2", 2)
    a, b = np.log(low), np.log(high)
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(steps):
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        if binary_nll(logits, labels, np.exp(c)) <= binary_nll(logits, labels, np.exp(d)):
            b = d
        else:
            a = c
    return float(np.exp((a + b) / 2))
