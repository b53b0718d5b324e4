"""Exercise checks with friendly messages.

Each check runs the student's function on fresh random inputs, compares it with the course's
reference, and raises ExerciseError (an AssertionError) that says what was expected and what
came back: shape, dtype, and where the largest difference is. They never show the solution.
On success they print one line.
"""
import numpy as np

from . import layers


class ExerciseError(AssertionError):
    """An exercise's result is missing or differs from what was expected.

    In Jupyter it shows as one short message, not a traceback (IPython's _render_traceback_).
    """

    def _render_traceback_(self):
        return [f"\x1b[1;31mExerciseError:\x1b[0m {self}"]


def _call(fn, name, promise, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseError(f"{name} is not implemented yet: replace `raise NotImplementedError()` "
                            f"with your code. It should {promise}.") from None


def _compare(name, what, got, expected, tol):
    """Shape first, then values; the message names the worst entry."""
    if got is None:
        raise ExerciseError(f"{name}: {what} is None; did you forget a `return`?")
    got = np.asarray(got.detach() if hasattr(got, "detach") else got)
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        raise ExerciseError(f"{name}: {what} should have shape {expected.shape}, got {got.shape}")
    if not np.all(np.isfinite(got)):
        raise ExerciseError(f"{name}: {what} contains NaN or inf")
    err = np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected))
    if err.max() > tol:
        where = np.unravel_index(np.argmax(err), err.shape) if err.ndim else ()
        raise ExerciseError(
            f"{name}: {what} differs from the expected values (largest relative error "
            f"{err.max():.1e} at index {tuple(int(i) for i in where)}: got "
            f"{got[where]:.6f}, expected {expected[where]:.6f})")
    return float(err.max())


def _rnn_step_inputs(seed, N=3, D=4, H=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, D)), rng.standard_normal((N, H)),
            0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)),
            0.1 * rng.standard_normal(H))


def check_rnn_step_forward(rnn_step_forward, seed=0):
    """Check a student's rnn_step_forward(x, prev_h, Wx, Wh, b) -> (next_h, cache)."""
    name = "rnn_step_forward"
    args = _rnn_step_inputs(seed)
    out = _call(rnn_step_forward, name, "return (next_h, cache) with next_h of shape (N, H)", *args)
    if not isinstance(out, tuple) or len(out) != 2:
        raise ExerciseError(f"{name} should return a pair (next_h, cache), got {type(out).__name__}")
    expected, _ = layers.rnn_step_forward(*args)
    err = _compare(name, "next_h", out[0], expected, tol=1e-8)
    print(f"✓ {name} matches the reference (max relative error {err:.1e})")


def check_rnn_step_backward(rnn_step_backward, seed=0):
    """Check rnn_step_backward(dnext_h, cache) -> (dx, dprev_h, dWx, dWh, db).

    The cache is the course's layout, (x, prev_h, Wx, Wh, next_h), made by the reference
    forward pass, so this exercise is graded independently of rnn_step_forward.
    """
    name = "rnn_step_backward"
    args = _rnn_step_inputs(seed)
    next_h, cache = layers.rnn_step_forward(*args)
    dnext_h = np.random.default_rng(seed + 1).standard_normal(next_h.shape)
    grads = _call(rnn_step_backward, name,
                  "return (dx, dprev_h, dWx, dWh, db), each shaped like what it differentiates",
                  dnext_h, cache)
    if not isinstance(grads, tuple) or len(grads) != 5:
        raise ExerciseError(f"{name} should return 5 gradients (dx, dprev_h, dWx, dWh, db)")
    expected = layers.rnn_step_backward(dnext_h, cache)
    worst = max(_compare(name, label, g, e, tol=1e-7)
                for label, g, e in zip(["dx", "dprev_h", "dWx", "dWh", "db"], grads, expected))
    print(f"✓ {name}: all five gradients match (max relative error {worst:.1e})")


def check_masked_cross_entropy(masked_cross_entropy, seed=0):
    """Check masked_cross_entropy(scores, targets, lengths) -> scalar tensor.

    scores: (N, T, V) float tensor   targets: (N, T) int64   lengths: (N,) int64
    Expected: the mean cross-entropy over the real (unpadded) steps only.
    """
    import torch
    import torch.nn.functional as F

    name = "masked_cross_entropy"
    g = torch.Generator().manual_seed(seed)
    N, T, V = 4, 6, 5
    scores = torch.randn(N, T, V, generator=g, dtype=torch.float64)
    targets = torch.randint(0, V, (N, T), generator=g)
    lengths = torch.tensor([6, 4, 2, 5])
    mask = torch.arange(T)[None, :] < lengths[:, None]
    per_step = F.cross_entropy(scores.reshape(-1, V), targets.reshape(-1), reduction="none")
    expected = per_step[mask.reshape(-1)].mean()
    promise = "return one number: the mean loss over the real (unpadded) steps"
    got = _call(masked_cross_entropy, name, promise, scores, targets, lengths)
    if not torch.is_tensor(got) or got.numel() != 1:
        raise ExerciseError(f"{name} should {promise}, as a tensor; got {got!r}")
    _compare(name, "the loss", got.reshape(()), expected.numpy(), tol=1e-6)
    noisy = scores.clone()
    noisy[~mask] = 100 * torch.randn(int((~mask).sum()), V, generator=g, dtype=torch.float64)
    changed = _call(masked_cross_entropy, name, promise, noisy, targets, lengths)
    if abs(float(changed) - float(got)) > 1e-9:
        raise ExerciseError(f"{name}: the loss changed when only padded steps changed "
                            f"({float(got):.4f} -> {float(changed):.4f}); padding must not count")
    print(f"✓ {name} ignores padding and matches the reference ({float(got):.4f})")


def check_clip_by_norm(clip_by_norm, seed=0):
    """Check clip_by_norm(grad, threshold) -> grad rescaled to norm <= threshold.

    Compared with torch.nn.utils.clip_grad_norm_ on gradients above and below the threshold.
    """
    import torch

    name = "clip_by_norm"
    rng = np.random.default_rng(seed)
    promise = "return the gradient, rescaled to norm `threshold` when its norm is larger"
    for shape, scale, threshold in [((5,), 10.0, 1.0), ((3, 4), 0.01, 1.0), ((2, 3), 3.0, 2.5)]:
        grad = scale * rng.standard_normal(shape)
        got = _call(clip_by_norm, name, promise, grad.copy(), threshold)
        param = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        param.grad = torch.tensor(grad)
        torch.nn.utils.clip_grad_norm_([param], threshold)
        label = f"the result for a gradient of norm {np.linalg.norm(grad):.3g}, threshold {threshold}"
        # torch divides by (norm + 1e-6), hence the tolerance
        _compare(name, label, got, param.grad.numpy(), tol=1e-5)
    print(f"✓ {name} rescales large gradients to the threshold and leaves small ones alone")


def check_smallest_surviving_scale(answer, T=100, floor=-3.0, resolution=0.02):
    """Check the smallest weight scale at which ||d h_T / d h_0|| >= 10**floor (tanh RNN of
    course_utils.dynamics.gradient_survival), to within `resolution`."""
    from .dynamics import gradient_survival

    name = "smallest_surviving_scale"
    if answer is None:
        raise ExerciseError(f"{name} is not answered yet: set it to one number, a weight scale")
    if not isinstance(answer, (int, float, np.integer, np.floating)) or not np.isfinite(answer):
        raise ExerciseError(f"{name}: give one number (a weight scale), got {answer!r}")
    answer = float(answer)
    at_answer = gradient_survival(answer, T)
    if at_answer < floor:
        raise ExerciseError(f"{name}: at scale {answer:g} the gradient is 1e{at_answer:.1f} after "
                            f"{T} steps, below 1e{floor:g}: try a larger scale")
    below = np.arange(0.25, answer - resolution / 2, resolution / 2)
    survives = [s for s in below if gradient_survival(s, T) >= floor]
    if survives:
        raise ExerciseError(f"{name}: {answer:g} works, but a smaller scale does too: look lower")
    print(f"✓ {name}: {answer:g} is the smallest scale (to within {resolution}) whose gradient "
          f"survives {T} steps (1e{at_answer:.1f})")


def check_lstm_step_forward(lstm_step_forward, seed=0):
    """Check lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b) -> (next_h, next_c) against
    torch.nn.LSTMCell with the same weights (gate blocks mapped to the order i, f, o, g)."""
    import torch

    name = "lstm_step_forward"
    torch.manual_seed(seed)
    N, D, H = 3, 4, 5
    cell = torch.nn.LSTMCell(D, H).double()
    Wx, Wh, b = layers.lstm_params_from_torch(
        *(p.detach().numpy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)))
    rng = np.random.default_rng(seed)
    x, prev_h, prev_c = (rng.standard_normal(shape) for shape in ((N, D), (N, H), (N, H)))
    out = _call(lstm_step_forward, name, "return (next_h, next_c), each of shape (N, H)",
                x, prev_h, prev_c, Wx, Wh, b)
    if not isinstance(out, tuple) or len(out) < 2:
        raise ExerciseError(f"{name} should return (next_h, next_c), got {type(out).__name__}")
    with torch.no_grad():
        expected_h, expected_c = cell(torch.tensor(x), (torch.tensor(prev_h), torch.tensor(prev_c)))
    worst = max(_compare(name, "next_c", out[1], expected_c.numpy(), tol=1e-8),
                _compare(name, "next_h", out[0], expected_h.numpy(), tol=1e-8))
    print(f"✓ {name} matches torch.nn.LSTMCell (max relative error {worst:.1e})")


def check_lstm_parameter_count(lstm_parameter_count):
    """Check lstm_parameter_count(D, H, num_layers, bidirectional) against torch.nn.LSTM."""
    import torch

    name = "lstm_parameter_count"
    for D, H, num_layers, bidirectional in [(3, 5, 1, False), (3, 5, 1, True), (8, 4, 2, False),
                                            (8, 4, 3, True), (1, 16, 2, True)]:
        lstm = torch.nn.LSTM(D, H, num_layers=num_layers, bidirectional=bidirectional)
        expected = sum(p.numel() for p in lstm.parameters())
        got = _call(lstm_parameter_count, name, "return one integer", D, H, num_layers,
                    bidirectional)
        if got != expected:
            raise ExerciseError(
                f"{name}(D={D}, H={H}, num_layers={num_layers}, bidirectional={bidirectional}) "
                f"returned {got}; nn.LSTM has {expected} parameters")
    print(f"✓ {name} agrees with torch.nn.LSTM on 5 configurations")


def check_softmax_with_temperature(softmax_with_temperature):
    """Check softmax_with_temperature(logits, temperature) -> probabilities of shape (V,)."""
    from .sampling import softmax_with_temperature as reference

    name = "softmax_with_temperature"
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, 12)
    for temperature in (0.3, 1.0, 2.5):
        got = _call(softmax_with_temperature, name, "return a probability for each score",
                    logits.copy(), temperature)
        _compare(name, f"the probabilities at temperature {temperature}", got,
                 reference(logits, temperature), tol=1e-8)
    huge = _call(softmax_with_temperature, name, "return probabilities",
                 np.array([1000.0, 999.0, 0.0]), 1.0)
    if not np.all(np.isfinite(huge)):
        raise ExerciseError(f"{name}: scores of 1000 overflow; subtract the largest score first")
    print(f"✓ {name}: right distribution at 3 temperatures, and no overflow")


def check_top_k_filter(top_k_filter):
    """Check top_k_filter(probs, k) -> probs with all but the k largest set to 0, renormalised."""
    from .sampling import top_k_filter as reference

    name = "top_k_filter"
    probs = np.random.default_rng(1).dirichlet(np.ones(10))
    for k in (1, 3, 10):
        got = _call(top_k_filter, name, "return the filtered, renormalised probabilities",
                    probs.copy(), k)
        _compare(name, f"the result for k = {k}", got, reference(probs, k), tol=1e-9)
    print(f"✓ {name}: keeps the k most likely characters and sums to 1")


def check_sliding_windows(sliding_windows, seed=0):
    """Check sliding_windows(x, window, stride) -> (N, W, window) with W = 1 + (T - window) // stride."""
    name = "sliding_windows"
    rng = np.random.default_rng(seed)
    for N, T, window, stride in [(2, 20, 5, 5), (3, 17, 6, 4), (1, 10, 10, 3), (2, 30, 8, 1)]:
        x = rng.standard_normal((N, T))
        got = _call(sliding_windows, name, "return an array of shape (N, W, window)",
                    x.copy(), window, stride)
        starts = np.arange(0, T - window + 1, stride)
        expected = np.stack([x[:, s:s + window] for s in starts], axis=1)
        _compare(f"{name}(x of shape {(N, T)}, window={window}, stride={stride})", "the windows",
                 got, expected, tol=0)
    print(f"✓ {name}: right windows for 4 shapes, strides and window sizes")


def check_failure_prediction(prediction, measured, threshold=0.7):
    """Check a prediction {model: {task: "works" | "fails"}} against measured accuracies
    {model: {task: accuracy}}: a model "fails" a task when its accuracy is below `threshold`."""
    name = "prediction"
    if prediction is None:
        raise ExerciseError(f"{name} is not answered yet: fill in 'works' or 'fails' for each "
                            "model and task")
    wrong = []
    for model, tasks in measured.items():
        for task, acc in tasks.items():
            said = prediction.get(model, {}).get(task) if isinstance(prediction, dict) else None
            if said not in ("works", "fails"):
                raise ExerciseError(f"{name}[{model!r}][{task!r}] must be 'works' or 'fails', got {said!r}")
            if said != ("works" if acc >= threshold else "fails"):
                wrong.append(f"{model} on {task}")
    if wrong:
        raise ExerciseError(f"{name}: the measurements disagree with you for {', '.join(wrong)} "
                            f"(a model 'fails' below {threshold:.0%} accuracy); look at the table")
    print(f"✓ {name}: every model's fate predicted right")


def check_teacher_forcing_pairs(teacher_forcing_pairs, vocab):
    """Check teacher_forcing_pairs(ids: (N, L)) -> (inputs, targets), each (N, L - 1)."""
    import torch

    name = "teacher_forcing_pairs"
    ids = torch.from_numpy(vocab.encode([["a", "red", "circle"], ["two", "blue", "squares"],
                                         ["a", "small", "green", "triangle"]]))
    out = _call(teacher_forcing_pairs, name, "return (inputs, targets)", ids.clone())
    if not isinstance(out, tuple) or len(out) != 2:
        raise ExerciseError(f"{name} should return a pair (inputs, targets), got {type(out).__name__}")
    start, end = vocab.index["<start>"], vocab.index["<end>"]
    for what, got, expected in [("inputs", out[0], ids[:, :-1]), ("targets", out[1], ids[:, 1:])]:
        _compare(name, what, np.asarray(got), expected.numpy(), tol=0)
    if (out[1] == start).any() or not (out[1] == end).any(dim=1).all():
        raise ExerciseError(f"{name}: targets should never hold <start> and should hold <end>")
    print(f"✓ {name}: the model reads <start> w1 ... and is scored on w1 ... <end>")


def check_greedy_ids(greedy_ids, model, vocab, max_length=16):
    """Check greedy_ids(model, images, vocab, max_length) -> (N, max_length) ids against the
    course's greedy decoder, on generated scenes."""
    import torch

    from .data.shapes import make_scenes
    from .decoding import greedy

    name = "greedy_ids"
    images = torch.from_numpy(make_scenes(12, seed=321)[0])
    got = _call(greedy_ids, name, "return the chosen ids, shape (N, max_length)", model, images,
                vocab, max_length)
    if got is None:
        raise ExerciseError(f"{name} returned None; did you forget a `return`?")
    got = torch.as_tensor(got)
    if tuple(got.shape) != (12, max_length):
        raise ExerciseError(f"{name}: the ids should have shape (N, max_length) = (12, {max_length}), "
                            f"got {tuple(got.shape)}")
    expected = greedy(model, images, vocab, max_length)
    for row, (ids, words) in enumerate(zip(got.tolist(), expected)):
        if vocab.decode(ids) != words:
            raise ExerciseError(f"{name}: for scene {row} your ids decode to "
                                f"{' '.join(vocab.decode(ids))!r}, greedy decoding gives a different "
                                "caption; feed back the likeliest word (argmax) at every step")
    print(f"✓ {name}: the same captions as greedy decoding on 12 scenes")


def check_expected_calibration_error(expected_calibration_error, seed=0):
    """Check expected_calibration_error(probs: (N, C), labels: (N,), n_bins) -> one float
    against course_utils.calibration on fresh random inputs (binary and multi-class, several
    bin counts) and on four hand-made predictions."""
    from .calibration import expected_calibration_error as reference

    name = "expected_calibration_error"
    rng = np.random.default_rng(seed)
    promise = "return one number: the expected calibration error"
    cases = []
    for N, C, n_bins in [(200, 2, 10), (300, 5, 15), (50, 3, 4)]:
        probs = rng.dirichlet(np.full(C, 0.4), size=N)
        cases.append((probs, rng.integers(0, C, N), n_bins))
    small = np.array([[0.72, 0.28], [0.76, 0.24], [0.38, 0.62], [0.93, 0.07]])
    cases.append((small, np.array([0, 1, 1, 1]), 10))
    for probs, labels, n_bins in cases:
        got = _call(expected_calibration_error, name, promise, probs.copy(), labels.copy(), n_bins)
        if got is None:
            raise ExerciseError(f"{name} returned None; did you forget a `return`?")
        if np.size(got) != 1:
            raise ExerciseError(f"{name} should {promise}, got an array of shape {np.shape(got)}")
        _compare(f"{name}(probs of shape {probs.shape}, n_bins={n_bins})", "the ECE",
                 np.float64(np.asarray(got).item()), reference(probs, labels, n_bins), tol=1e-8)
    print(f"✓ {name} matches the reference on {len(cases)} sets of predictions")


def check_sensor_filter(sensor_filter, tolerance=0.9, resolution=401):
    """Check a colour filter (w_R, w_G, w_B), non-negative, summing to 1, whose smallest gap
    between the grey levels of notebook 06's four colours and the background (0.9) is at least
    `tolerance` times the best gap (found by a grid search over the filters)."""
    from .data.shapes import COLOURS

    name = "sensor_filter"
    if sensor_filter is None:
        raise ExerciseError(f"{name} is not answered yet: set it to three fractions "
                            "(w_R, w_G, w_B), each >= 0, summing to 1")
    w = np.asarray(sensor_filter, dtype=np.float64).ravel()
    if w.shape != (3,) or not np.all(np.isfinite(w)):
        raise ExerciseError(f"{name} must be three numbers (w_R, w_G, w_B), got {sensor_filter!r}")
    if w.min() < -1e-9 or abs(w.sum() - 1) > 1e-6:
        raise ExerciseError(f"{name}: a filter passes a fraction >= 0 of each colour, and the "
                            f"fractions sum to 1; got {w.round(4).tolist()} (sum {w.sum():.4f})")
    rgb = np.array(list(COLOURS.values()) + [(0.9, 0.9, 0.9)])
    smallest_gap = lambda filters: np.diff(np.sort(filters @ rgb.T, axis=-1), axis=-1).min(axis=-1)
    r, g = np.meshgrid(np.linspace(0, 1, resolution), np.linspace(0, 1, resolution))
    keep = r + g <= 1
    best = smallest_gap(np.stack([r[keep], g[keep], 1 - r[keep] - g[keep]], axis=1)).max()
    got = float(smallest_gap(w[None])[0])
    if got < tolerance * best:
        raise ExerciseError(f"{name}: the smallest gap between two grey levels is {got:.3f}; a "
                            f"better filter reaches {best:.3f}. Spread the five levels more evenly")
    luminance = float(smallest_gap(np.array([[0.299, 0.587, 0.114]]))[0])
    print(f"✓ {name}: the smallest gap between grey levels is {got:.3f} (the best possible is "
          f"{best:.3f}; luminance gives {luminance:.3f})")


def check_evaluate_tree(evaluate_tree, seed=0):
    """Check evaluate_tree(leaves, operators) -> values (N,) on random expressions of depth 1-5."""
    from .data.expressions import as_text, make_expressions

    name = "evaluate_tree"
    for depth in range(1, 6):
        leaves, operators, values = make_expressions(20, depth, seed=seed + depth)
        got = _call(evaluate_tree, name, "return the (N,) values of the expressions, mod 10",
                    leaves.copy(), [level.copy() for level in operators])
        if got is None:
            raise ExerciseError(f"{name}: it returned None; did you forget a `return`?")
        got = np.asarray(got)
        if got.shape != values.shape:
            raise ExerciseError(f"{name}: for N = 20 expressions of depth {depth} it should return "
                                f"shape {values.shape}, got {got.shape}")
        wrong = np.flatnonzero(got != values)
        if wrong.size:
            row = int(wrong[0])
            raise ExerciseError(f"{name}: {as_text(leaves, operators, row)} (mod 10) should be "
                                f"{values[row]}, got {got[row]} ({wrong.size} of 20 wrong at "
                                f"depth {depth})")
    print(f"✓ {name}: 100 expressions of depths 1 to 5 evaluated correctly")


def check_causal_self_attention(causal_self_attention, seed=0):
    """Check causal_self_attention(X, W_q, W_k, W_v) against torch's scaled_dot_product_attention
    with is_causal=True, and that changing a later position leaves earlier outputs unchanged."""
    import torch

    name = "causal_self_attention"
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(7, 5, generator=generator, dtype=torch.float64)
    W_q, W_k, W_v = (torch.randn(5, 3, generator=generator, dtype=torch.float64) for _ in range(3))
    got = _call(causal_self_attention, name, "return a (T, d) tensor", X, W_q, W_k, W_v)
    expected = torch.nn.functional.scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v,
                                                                is_causal=True)
    _compare(name, "the output for X (7, 5) and W (5, 3)", got, expected.numpy(), 1e-6)
    changed = X.clone()
    changed[-1] += 10.0
    later = np.asarray(causal_self_attention(changed, W_q, W_k, W_v))
    if not np.allclose(later[:-1], np.asarray(got)[:-1]):
        raise ExerciseError(f"{name}: changing the last position changed earlier outputs; "
                            "position t must only see positions 0..t")
    print(f"✓ {name}: matches torch's causal attention, and the past ignores the future")


# ==================================================================== notebook 10: linear recurrences
# (a separate block, so that merging with other changes to this file stays easy)

def _as_numpy(value):
    return np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)


def check_combine(combine, seed=0):
    """Check combine((a1, b1), (a2, b2)) -> (a1 a2, a2 b1 + b2), element-wise, on NumPy arrays and
    torch tensors (float32, float64, complex), and that a scan built from it gives h_t."""
    import torch

    name = "combine"
    promise = "return a pair (a, b): the one step that does `left` and then `right`"
    rng = np.random.default_rng(seed)
    cases = []
    for shape in [(5,), (2, 3, 4)]:
        a1, b1, a2, b2 = (rng.uniform(0.2, 1.0, shape) if i % 2 == 0 else rng.standard_normal(shape)
                          for i in range(4))
        cases += [("NumPy float64", (a1, b1), (a2, b2)),
                  ("torch float32", *[tuple(torch.tensor(v, dtype=torch.float32) for v in pair)
                                      for pair in ((a1, b1), (a2, b2))])]
    z = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    cases.append(("torch complex128", (torch.tensor(0.9 * z), torch.tensor(z.conj())),
                  (torch.tensor(z.T), torch.tensor(z))))
    for label, left, right in cases:
        got = _call(combine, name, promise, left, right)
        if got is None:
            raise ExerciseError(f"{name} returned None; did you forget a `return`?")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise ExerciseError(f"{name} should {promise}; got {type(got).__name__}")
        (a1, b1), (a2, b2) = [tuple(_as_numpy(v) for v in pair) for pair in (left, right)]
        tol = 1e-5 if "float32" in label else 1e-10
        _compare(name, f"the a part ({label}, shape {a1.shape})", _as_numpy(got[0]), a1 * a2, tol)
        _compare(name, f"the b part ({label}, shape {a1.shape})", _as_numpy(got[1]), a2 * b1 + b2,
                 tol)
    print(f"✓ {name}: right on {len(cases)} pairs (NumPy, float32, complex): order respected")


def check_min_gru_step(min_gru_step, seed=0):
    """Check min_gru_step(x_t: (N, D), h_prev: (N, H), W: (D, 2H), b: (2H,)) -> h_t: (N, H)
    against minGRU's definition, in float64 and float32, with pre-activations of both signs."""
    import torch

    name = "min_gru_step"
    promise = "return h_t, a tensor of shape (N, H)"
    generator = torch.Generator().manual_seed(seed)
    for dtype, tol in ((torch.float64, 1e-9), (torch.float32, 1e-5)):
        N, D, H = 4, 3, 5
        x, h_prev = (torch.randn(*s, generator=generator, dtype=dtype) for s in ((N, D), (N, H)))
        W = 1.5 * torch.randn(D, 2 * H, generator=generator, dtype=dtype)
        b = torch.randn(2 * H, generator=generator, dtype=dtype)
        got = _call(min_gru_step, name, promise, x.clone(), h_prev.clone(), W.clone(), b.clone())
        pre = x @ W + b
        z, v = torch.sigmoid(pre[:, :H]), pre[:, H:]
        expected = (1 - z) * h_prev + z * torch.where(v >= 0, v + 0.5, torch.sigmoid(v))
        _compare(name, f"h_t ({str(dtype).replace('torch.', '')}, N={N}, D={D}, H={H})",
                 None if got is None else _as_numpy(got), expected.numpy(), tol)
    print(f"✓ {name} matches minGRU's step in float64 and float32")
