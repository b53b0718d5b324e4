"""Notebook 08's parts: calibration (ECE, reliability bins, temperature scaling), the synthetic
health records, the character n-gram models, the two exercise checks, and the benchmark."""
import numpy as np
import pytest

from course_utils import calibration, checks, ngram
from course_utils.data import ehr
from notebook_cells import notebook_definitions

# --- calibration ---------------------------------------------------------------------------


def test_ece_matches_a_hand_computed_case():
    # Confidences 0.72, 0.76 (bin 8 of 10: (0.7, 0.8]), 0.62 (bin 7), 0.93 (bin 10).
    probs = np.array([[0.72, 0.28], [0.76, 0.24], [0.38, 0.62], [0.93, 0.07]])
    labels = np.array([0, 1, 1, 1])
    # bin (0.7, 0.8]: accuracy 1/2, confidence 0.74; bin (0.6, 0.7]: 1 vs 0.62; bin (0.9, 1]: 0 vs 0.93
    expected = 2 / 4 * abs(0.5 - 0.74) + 1 / 4 * abs(1 - 0.62) + 1 / 4 * abs(0 - 0.93)
    assert calibration.expected_calibration_error(probs, labels) == pytest.approx(expected)
    bins = calibration.reliability_bins(probs, labels)
    assert bins["count"].tolist() == [0, 0, 0, 0, 0, 0, 1, 2, 0, 1]
    assert bins["accuracy"][7] == 0.5 and bins["confidence"][7] == pytest.approx(0.74)
    assert np.isnan(bins["accuracy"][0]) and np.isnan(bins["confidence"][0])
    assert bins["edges_low"][7] == pytest.approx(0.7) and bins["edges_high"][7] == pytest.approx(0.8)


def test_ece_is_near_zero_for_a_calibrated_model_and_large_for_an_overconfident_one():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=20_000)
    labels = (rng.random((20_000, 1)) > probs.cumsum(axis=1)).sum(axis=1)   # drawn from probs
    assert calibration.expected_calibration_error(probs, labels, n_bins=10) < 0.02
    certain = np.zeros((1000, 2))
    certain[:, 0] = 1.0
    half_right = np.arange(1000) % 2
    assert calibration.expected_calibration_error(certain, half_right) == pytest.approx(0.5)


def test_ece_does_not_depend_on_the_order_of_the_examples():
    rng = np.random.default_rng(1)
    probs, labels = rng.dirichlet(np.ones(4), size=500), rng.integers(0, 4, 500)
    order = rng.permutation(500)
    assert calibration.expected_calibration_error(probs, labels, 15) == pytest.approx(
        calibration.expected_calibration_error(probs[order], labels[order], 15))


@pytest.mark.parametrize("probs, labels, n_bins, match", [
    (np.full((3, 2), 0.5), np.zeros(4, dtype=int), 10, "labels must have shape"),
    (np.full(3, 0.5), np.zeros(3, dtype=int), 10, "probs must have shape"),
    (np.full((3, 2), 0.6), np.zeros(3, dtype=int), 10, "probabilities"),
    (np.full((3, 2), 0.5), np.array([0, 2, 1]), 10, "labels must hold indices"),
    (np.full((3, 2), 0.5), np.zeros(3, dtype=int), 0, "n_bins"),
])
def test_calibration_rejects_bad_input(probs, labels, n_bins, match):
    with pytest.raises(ValueError, match=match):
        calibration.expected_calibration_error(probs, labels, n_bins)


def test_binary_probs_shape_and_no_overflow():
    probs = calibration.binary_probs(np.array([-1e4, 0.0, 2.0, 1e4]), temperature=2.0)
    assert probs.shape == (4, 2) and np.all(np.isfinite(probs))
    assert np.allclose(probs.sum(axis=1), 1)
    assert probs[1, 1] == 0.5 and probs[2, 1] == pytest.approx(1 / (1 + np.exp(-1.0)))
    with pytest.raises(ValueError, match="temperature"):
        calibration.binary_probs(np.zeros(3), temperature=0)


def test_temperature_scaling_recovers_a_known_temperature_and_lowers_nll():
    rng = np.random.default_rng(2)
    logits = rng.normal(0, 6, 20_000)
    labels = (rng.random(20_000) < 1 / (1 + np.exp(-logits / 3.0))).astype(np.int64)
    T = calibration.fit_temperature(logits[:10_000], labels[:10_000])
    assert T == pytest.approx(3.0, rel=0.1)
    held_out = logits[10_000:], labels[10_000:]
    assert calibration.binary_nll(*held_out, T) < calibration.binary_nll(*held_out, 1.0) - 0.1
    before, after = (calibration.expected_calibration_error(calibration.binary_probs(
        held_out[0], t), held_out[1]) for t in (1.0, T))
    assert after < before / 3
    # the predictions do not change
    assert np.array_equal(calibration.binary_probs(held_out[0], T).argmax(1),
                          calibration.binary_probs(held_out[0]).argmax(1))


def test_fit_temperature_below_one_for_an_underconfident_model():
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 1, 5000)
    labels = (rng.random(5000) < 1 / (1 + np.exp(-4 * logits))).astype(np.int64)
    assert calibration.fit_temperature(logits, labels) < 0.5


def test_binary_nll_rejects_labels_outside_0_1():
    with pytest.raises(ValueError, match="labels"):
        calibration.binary_nll(np.zeros(3), np.array([0, 1, 2]))

# --- synthetic health records --------------------------------------------------------------


def test_make_ehr_shapes_padding_and_seed():
    x, lengths, y, pattern = ehr.make_ehr(300, visits=(4, 9), seed=5)
    assert x.shape == (300, 9, len(ehr.CODES)) and x.dtype == np.float32
    assert lengths.dtype == y.dtype == pattern.dtype == np.int64
    assert lengths.min() >= 4 and lengths.max() <= 9
    visits_with_codes = (x.sum(axis=2) > 0).sum(axis=1)
    assert np.array_equal(visits_with_codes, lengths), "every real visit has a code"
    for row in range(300):
        assert x[row, :9 - lengths[row]].sum() == 0, "left-padded with zeros"
    assert set(np.unique(x)) <= {0.0, 1.0} and set(np.unique(y)) <= {0, 1}
    again = ehr.make_ehr(300, visits=(4, 9), seed=5)
    other = ehr.make_ehr(300, visits=(4, 9), seed=6)
    assert all(np.array_equal(a, b) for a, b in zip((x, lengths, y, pattern), again))
    assert not np.array_equal(x, other[0])


def test_make_ehr_pattern_says_the_order_of_a_and_b():
    x, _, _, pattern = ehr.make_ehr(500, seed=1)
    a, b = (ehr.CODES.index(code) for code in ehr.ORDER_PAIR)
    for row in range(500):
        when_a, when_b = np.flatnonzero(x[row, :, a]), np.flatnonzero(x[row, :, b])
        if pattern[row] == 0:
            assert len(when_a) == 0 or len(when_b) == 0
        else:
            assert len(when_a) == len(when_b) == 1
            assert (when_a[0] < when_b[0]) == (pattern[row] == 1)


def test_make_ehr_label_depends_on_order_not_on_counts():
    x, _, y, pattern = ehr.make_ehr(4000, seed=2)
    a_then_b, b_then_a = y[pattern == 1].mean(), y[pattern == -1].mean()
    assert a_then_b > b_then_a + 0.4
    # both groups hold the same codes A and B once each: counts cannot tell them apart
    a, b = (ehr.CODES.index(code) for code in ehr.ORDER_PAIR)
    counts = x.sum(axis=1)
    for group in (1, -1):
        assert np.all(counts[pattern == group][:, [a, b]] == 1)
    no_effect = ehr.make_ehr(4000, order_effect=0.0, seed=2)
    assert abs(no_effect[2][no_effect[3] == 1].mean() - no_effect[2][no_effect[3] == -1].mean()) < 0.08


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0), "n must be"), (dict(n=2.5), "n must be"),
    (dict(n=10, visits=(1, 5)), "visits must be"), (dict(n=10, visits=(6, 5)), "visits must be"),
    (dict(n=10, codes_per_visit=(0, 2)), "codes_per_visit"),
    (dict(n=10, codes_per_visit=(1, 99)), "codes_per_visit"),
    (dict(n=10, order_effect=float("nan")), "order_effect"),
])
def test_make_ehr_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=f"make_ehr: {match}"):
        ehr.make_ehr(**kwargs)

# --- n-gram models -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_counts():
    rng = np.random.default_rng(0)
    text = rng.choice(5, size=3000, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    text[1::7] = 2                                   # some structure for longer contexts
    return text, ngram.count_ngrams(text, 4, 6)      # character 5 never appears


@pytest.mark.parametrize("smoothing, k", [("interpolated", 1.0), ("add_k", 1.0), ("add_k", 0.01)])
@pytest.mark.parametrize("order", [1, 2, 4])
def test_ngram_distribution_sums_to_one(tiny_counts, smoothing, order, k):
    _, counts = tiny_counts
    for context in ([], [0], [2, 1, 0], [5, 5, 5], [3, 3, 1, 2, 0]):
        p = ngram.next_char_probs(counts, context, order, smoothing, k)
        assert p.shape == (6,) and np.all(p > 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_ngram_log_probs_agree_with_the_distribution(tiny_counts):
    text, counts = tiny_counts
    sample = text[100:130]
    for smoothing in ("interpolated", "add_k"):
        logp = ngram.log_probs(counts, sample, 3, smoothing, 0.5)
        for i in range(len(sample)):
            p = ngram.next_char_probs(counts, sample[max(0, i - 2):i], 3, smoothing, 0.5)
            if i >= 2:
                assert logp[i] == pytest.approx(np.log(p[sample[i]]))


def test_add_k_matches_hand_counts():
    text = np.array([0, 1, 0, 1, 0, 2])           # after 0: 1, 1, 2; after 1: 0, 0
    counts = ngram.count_ngrams(text, 2, 3)
    p = ngram.next_char_probs(counts, [0], 2, "add_k", 1.0)
    assert p == pytest.approx(np.array([0 + 1, 2 + 1, 1 + 1]) / (3 + 3))
    unigram = ngram.next_char_probs(counts, [], 1, "add_k", 0.5)
    assert unigram == pytest.approx((np.array([3, 2, 1]) + 0.5) / (6 + 1.5))


def test_interpolated_unigram_is_witten_bell_with_uniform():
    text = np.array([0, 0, 0, 1])                  # 4 characters, 2 distinct, V = 4
    counts = ngram.count_ngrams(text, 1, 4)
    p = ngram.next_char_probs(counts, [], 1, "interpolated")
    assert p == pytest.approx((np.array([3, 1, 0, 0]) + 2 * 0.25) / (4 + 2))


def test_longer_contexts_fit_the_training_text_better(tiny_counts):
    text, counts = tiny_counts
    nats = [-ngram.log_probs(counts, text, n).mean() for n in (1, 2, 3, 4)]
    assert all(a > b for a, b in zip(nats, nats[1:]))


@pytest.mark.parametrize("call, match", [
    (lambda c: ngram.log_probs(c, np.array([0, 7]), 2), "ids must hold indices"),
    (lambda c: ngram.log_probs(c, np.zeros((2, 2), dtype=int), 2), "ids must have shape"),
    (lambda c: ngram.log_probs(c, np.array([0, 1]), 5), "order must be"),
    (lambda c: ngram.log_probs(c, np.array([0, 1]), 2, "kneser_ney"), "smoothing must be"),
    (lambda c: ngram.next_char_probs(c, [0], 2, "add_k", 0.0), "k must be (positive|> 0)"),
    (lambda c: ngram.count_ngrams(np.array([0, 1]), 0, 6), "order must be"),
    (lambda c: ngram.count_ngrams(np.array([0, 1]), 12, 76), "too large"),
])
def test_ngram_rejects_bad_input(tiny_counts, call, match):
    with pytest.raises(ValueError, match=match):
        call(tiny_counts[1])

# --- the exercise checks -------------------------------------------------------------------


def test_check_ece_accepts_the_reference_and_rejects_mistakes(capsys):
    def gaps(probs, labels, n_bins):   # a student's own binning, and the weight of each bin
        confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == labels
        which = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
        return [((which == b).mean(), abs(correct[which == b].mean() - confidence[which == b].mean()))
                for b in np.unique(which)]

    def ece(probs, labels, n_bins=10):
        return sum(weight * gap for weight, gap in gaps(probs, labels, n_bins))

    def unweighted(probs, labels, n_bins=10):   # a common slip: a plain mean over bins
        return np.mean([gap for _, gap in gaps(probs, labels, n_bins)])

    checks.check_expected_calibration_error(ece)
    assert "✓" in capsys.readouterr().out
    with pytest.raises(checks.ExerciseError, match="course_utils.calibration"):
        checks.check_expected_calibration_error(calibration.expected_calibration_error)

    def stub(probs, labels, n_bins=10):
        raise NotImplementedError()

    with pytest.raises(checks.ExerciseError, match="differs"):
        checks.check_expected_calibration_error(unweighted)
    with pytest.raises(checks.ExerciseError, match="not implemented yet"):
        checks.check_expected_calibration_error(stub)
    with pytest.raises(checks.ExerciseError, match="return"):
        checks.check_expected_calibration_error(lambda probs, labels, n_bins: None)


def test_check_sensor_filter(capsys):
    checks.check_sensor_filter((0.08, 0.78, 0.14))
    assert "✓" in capsys.readouterr().out
    with pytest.raises(checks.ExerciseError, match="not answered yet"):
        checks.check_sensor_filter(None)
    with pytest.raises(checks.ExerciseError, match="smallest gap"):
        checks.check_sensor_filter((0.299, 0.587, 0.114))
    with pytest.raises(checks.ExerciseError, match="sum to 1"):
        checks.check_sensor_filter((0.5, 0.5, 0.5))
    with pytest.raises(checks.ExerciseError, match="sum to 1"):
        checks.check_sensor_filter((1.2, -0.1, -0.1))
    with pytest.raises(checks.ExerciseError, match="three numbers"):
        checks.check_sensor_filter((0.5, 0.5))

# --- the benchmark -------------------------------------------------------------------------


def test_benchmark_reports_both_figures(monkeypatch):
    import benchmarks.practice as practice

    monkeypatch.setattr(practice, "calibration_run",
                        lambda: dict(T=3.0, accuracy=0.8, ece_before=0.2, ece_after=0.03))
    figures = {name: make() for name, make in practice.benchmarks().items()}
    assert set(figures) == {"beyond_ece_before", "beyond_ece_after"}
    assert figures["beyond_ece_before"]["value"] == 0.2 and figures["beyond_ece_after"]["value"] == 0.03
    assert all(f["better"] == "lower" for f in figures.values())


def test_notebook_reliability_bins_are_the_package_ones():
    # Notebook 08 defines reliability_bins in an editable cell; the package keeps its own.
    ours = notebook_definitions("08_rnns_in_practice", "reliability_bins",
                                namespace={"np": np})["reliability_bins"]
    rng = np.random.default_rng(3)
    for N, C, n_bins in [(500, 2, 10), (300, 4, 7), (5, 3, 20), (1, 2, 1)]:
        probs = rng.dirichlet(np.ones(C) * 0.5, size=N)
        probs[:2] = np.eye(C)[:2] if N >= 2 else probs[:2]         # confidence exactly 1
        labels = rng.integers(0, C, N)
        got, expected = ours(probs, labels, n_bins), calibration.reliability_bins(probs, labels,
                                                                                n_bins)
        for key in ("count", "confidence", "accuracy"):
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-12, equal_nan=True)
    # confidences on (or, in floating point, near) the bin edges land in the same bins
    edges = np.array([[0.5, 0.5], [0.3, 0.7], [0.2, 0.8], [0.0, 1.0]])
    got = ours(edges, np.array([0, 1, 0, 1]), 10)
    np.testing.assert_array_equal(got["count"], calibration.reliability_bins(
        edges, np.array([0, 1, 0, 1]), 10)["count"])
