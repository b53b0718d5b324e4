"""Exercise checks with friendly messages.

Each check runs the student's function on fresh inputs FIRST, then computes the course's answer
(so the answer never sits in a frame the student's code could read), and raises ExerciseError
(an AssertionError) with one line saying what was expected: a shape, a dtype, the index of a
wrong entry and what the student's code gave there, never the expected value. On success it
prints one line.

Every correct form is accepted: NumPy or torch, float32 or float64 (the tolerance follows the
dtype), and lists or tuples where the exercise's contract allows. Whatever the student's code
returns or raises becomes one ExerciseError line.

A graded function that merely calls the course's or torch's version of what it is asked to
write fails (see _call's `forbidden`): its code is inspected (names it reaches, helpers it calls,
recursively) and, while it runs, those versions are replaced by tripwires.
"""
import builtins
import functools
import importlib
import sys
import types
import warnings

import numpy as np

from . import _reference, calibration, layers, sampling
from .numerics import relative_errors

# The answers the checks compare with, captured when the module is imported: replacing
# `layers.rnn_step_forward` in a notebook does not change what the checks compare with.
_REF = dict(rnn_step_forward=layers.rnn_step_forward,
            rnn_step_backward=_reference.rnn_step_backward,
            softmax_with_temperature=sampling.softmax_with_temperature,
            top_k_filter=_reference.top_k_filter,
            expected_calibration_error=calibration.expected_calibration_error)


class ExerciseError(AssertionError):
    """An exercise's result is missing or differs from what was expected.

    In Jupyter it shows as one short message, not a traceback (IPython's _render_traceback_).
    """

    def _render_traceback_(self):
        return [f"\x1b[1;31mExerciseError:\x1b[0m {self}"]


def _one_line(text, limit=160):
    """Whitespace collapsed, cut to `limit` characters: an error message in one line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _kind(value):
    """What a value is, for a message: 'a str', 'a list', 'a Tensor'."""
    name = type(value).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


# ---------------------------------------------------------------- shortcuts

class _ShortcutUsed(BaseException):
    """Raised by a tripwire; a BaseException so that `except Exception` in student code does
    not swallow it."""


_HITS = []


def _shortcut_hit(label):
    _HITS.append(label)
    raise _ShortcutUsed(label)


def _resolve(path):
    """'torch.nn.functional:scaled_dot_product_attention' -> the object, or None if missing."""
    module_name, _, attributes = path.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for attribute in attributes.split("."):
            obj = getattr(obj, attribute)
        return obj
    except (ImportError, AttributeError):
        return None


def _forbidden_objects(forbidden):
    """[(label, object)] for a spec of (label, path) pairs; 'module:*' means every public
    function defined in that module."""
    found = []
    for label, path in forbidden:
        if path.endswith(":*"):
            module = importlib.import_module(path[:-2])
            for name, obj in vars(module).items():
                if (not name.startswith("_") and isinstance(obj, types.FunctionType)
                        and obj.__module__ == module.__name__):
                    found.append((f"{label}.{name}", obj))
        else:
            obj = _resolve(path)
            if obj is not None:
                found.append((label, obj))
    return found


def _python_functions(obj):
    """The Python functions behind obj (itself, what it wraps, NumPy's implementation)."""
    seen = []
    while obj is not None and len(seen) < 5:
        if isinstance(obj, types.FunctionType) and obj not in seen:
            seen.append(obj)
        obj = getattr(obj, "__wrapped__", None) or getattr(obj, "_implementation", None)
    return seen


_LIBRARIES = ("torch", "numpy", "scipy", "IPython", "ipykernel", "matplotlib", "tqdm", "builtins")


def _reachable(fn, limit=200):
    """Objects that fn's code can reach by name: its globals, closure and defaults, attribute
    chains from modules (`F.scaled_dot_product_attention`, `torch.nn.functional...`), and the
    same for the helpers it calls (student code and course_utils, not library internals)."""
    stack, seen_code, reached = [fn], set(), []
    while stack and len(seen_code) < limit:
        f = stack.pop()
        if isinstance(f, functools.partial):
            stack += [f.func, *f.args, *f.keywords.values()]
            continue
        if isinstance(f, types.MethodType):
            f = f.__func__
        if hasattr(f, "__wrapped__"):
            stack.append(f.__wrapped__)
        if not isinstance(f, types.FunctionType) or f.__code__ in seen_code:
            continue
        seen_code.add(f.__code__)
        names, codes = set(), [f.__code__]
        while codes:
            code = codes.pop()
            names.update(code.co_names)
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        values = [f.__globals__[n] if n in f.__globals__ else getattr(builtins, n, None)
                  for n in names]
        values += [sys.modules[n] for n in names if "." in n and n in sys.modules]
        values += [cell.cell_contents for cell in (f.__closure__ or ())
                   if _cell_is_set(cell)]
        values += list(f.__defaults__ or ()) + list((f.__kwdefaults__ or {}).values())
        for value in values:
            reached.append(value)
            frontier = [value] if isinstance(value, types.ModuleType) else []
            for _ in range(4):  # torch.nn.functional.scaled_dot_product_attention: 3 steps
                next_frontier = []
                for obj in frontier:
                    for n in names:
                        try:
                            attribute = getattr(obj, n, None)
                        except Exception:
                            continue
                        if attribute is not None:
                            reached.append(attribute)
                            if isinstance(attribute, (types.ModuleType, type)):
                                next_frontier.append(attribute)
                frontier = next_frontier
            if isinstance(value, (types.FunctionType, functools.partial, types.MethodType)):
                module = getattr(value, "__module__", None) or ""
                if not module.split(".")[0] in _LIBRARIES:
                    stack.append(value)
    return reached


def _cell_is_set(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def _tripwire_code(func, label):
    """A code object with func's free variables that calls _shortcut_hit(label)."""
    free = func.__code__.co_freevars
    lines = ["def _outer():"]
    if free:
        lines.append("    " + " = ".join(free) + " = None")
    lines.append("    def _wire(*args, **kwargs):")
    if free:
        lines.append("        (" + ", ".join(free) + ",)")
    lines.append(f"        __import__({__name__!r}, fromlist=['_'])._shortcut_hit({label!r})")
    lines.append("    return _wire")
    namespace = {}
    exec(compile("\n".join(lines), "<tripwire>", "exec"), namespace)
    return namespace["_outer"]().__code__


class _Tripwires:
    """While active: each forbidden Python function's code is swapped for a tripwire (so every
    name bound to it trips), and torch functions (C builtins) trip through a TorchFunctionMode."""

    def __init__(self, objects):
        self.objects = objects
        self.saved, self.mode = [], None

    def __enter__(self):
        builtin = {}
        for label, obj in self.objects:
            functions = _python_functions(obj)
            for f in functions:
                self.saved.append((f, f.__code__, f.__defaults__, f.__kwdefaults__))
                f.__code__, f.__defaults__, f.__kwdefaults__ = _tripwire_code(f, label), None, None
            if not functions and callable(obj):
                builtin[id(obj)] = label
        if builtin and "torch" in sys.modules:
            from torch.overrides import TorchFunctionMode

            class Mode(TorchFunctionMode):
                def __torch_function__(self, func, types_, args=(), kwargs=None):
                    if id(func) in builtin:
                        _shortcut_hit(builtin[id(func)])
                    return func(*args, **(kwargs or {}))

            self.mode = Mode()
            self.mode.__enter__()
        return self

    def __exit__(self, *exc):
        if self.mode is not None:
            self.mode.__exit__(None, None, None)
        for f, code, defaults, kwdefaults in reversed(self.saved):
            f.__code__, f.__defaults__, f.__kwdefaults__ = code, defaults, kwdefaults
        return False


def _shortcut_message(name, label):
    return (f"{name} uses {label}: the exercise is to write it yourself, so a call to the "
            f"course's or a library's own version is not accepted")


def _call(fn, name, promise, *args, forbidden=()):
    """Run the student's fn(*args); whatever it raises becomes a one-line ExerciseError.

    forbidden: (label, 'module:attribute') pairs (or 'module:*') that fn must not use: found
    in its code, or tripped while it runs, they fail the check with a clear message.
    """
    if fn is None or not callable(fn):
        raise ExerciseError(f"{name} should be a function; got {_kind(fn)}")
    objects = _forbidden_objects(forbidden)
    if objects:
        reached = _reachable(fn)
        for label, obj in objects:
            if any(value is obj for value in reached):
                raise ExerciseError(_shortcut_message(name, label))
    del _HITS[:]
    try:
        with _Tripwires(objects):
            return fn(*args)
    except NotImplementedError:
        raise ExerciseError(f"{name} is not implemented yet: replace `raise NotImplementedError()` "
                            f"with your code. It should {promise}.") from None
    except _ShortcutUsed as used:
        raise ExerciseError(_shortcut_message(name, used.args[0])) from None
    except ExerciseError:
        raise
    except Exception as error:
        raise ExerciseError(f"{name} raised {type(error).__name__}: {_one_line(error, 120)} "
                            f"(it should {promise})") from None
    finally:
        if _HITS:
            label, _HITS[:] = _HITS[0], []
            raise ExerciseError(_shortcut_message(name, label)) from None


def _never_crash(check):
    """Any error inside a check that is not an ExerciseError (an odd value the check could not
    read) becomes a one-line ExerciseError too."""
    @functools.wraps(check)
    def guarded(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ExerciseError:
            raise
        except Exception as error:
            name = check.__name__.removeprefix("check_")
            raise ExerciseError(f"{name}: the check could not read your answer "
                                f"({type(error).__name__}: {_one_line(error, 100)})") from None
    return guarded


# ---------------------------------------------------------------- reading answers

def _as_array(name, what, value):
    """An array-like answer (NumPy, torch, nested lists or tuples) as a NumPy array of numbers."""
    if value is None:
        raise ExerciseError(f"{name}: {what} is None; did you forget a `return`?")
    if type(value).__module__.startswith("torch"):
        value = value.detach().cpu()
        if value.is_floating_point() and value.dtype not in (_torch_float32(), _torch_float64()):
            value = value.float()  # float16, bfloat16: NumPy reads them as float32
        value = value.resolve_conj().resolve_neg().numpy()
    elif isinstance(value, (list, tuple)) and any(
            type(v).__module__.startswith("torch") or isinstance(v, np.ndarray) for v in value):
        parts = [_as_array(name, what, v) for v in value]
        if len({p.shape for p in parts}) > 1:
            raise ExerciseError(f"{name}: {what} should be one array; got a {type(value).__name__} "
                                "of pieces with different shapes")
        value = np.stack(parts)
    if isinstance(value, (str, bytes, dict, set)):
        raise ExerciseError(f"{name}: {what} should be an array of numbers; got {_kind(value)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = np.asarray(value)
    except Exception:
        raise ExerciseError(f"{name}: {what} should be an array of numbers; could not read "
                            f"{_kind(value)} as one (a ragged list?)") from None
    if array.dtype.kind not in "iuf":
        held = {"b": "True/False values", "U": "strings", "S": "bytes", "O": "Python objects",
                "c": "complex numbers"}.get(array.dtype.kind, f"dtype {array.dtype}")
        raise ExerciseError(f"{name}: {what} should hold real numbers; it holds {held}")
    return array


def _torch_float32():
    return sys.modules["torch"].float32


def _torch_float64():
    return sys.modules["torch"].float64


def _tolerance(array, tol):
    """The float64 tolerance tol, loosened for float32 (and float16) results."""
    if array.dtype == np.float32:
        return max(tol, 2e-5)
    if array.dtype == np.float16:
        return max(tol, 2e-3)
    return tol


def _compare(name, what, got, expected, tol):
    """Shape first, then values; the message names the worst entry and what the student's code
    gave there (never the expected value). tol is the float64 tolerance on the relative error
    |got - expected| / (|got| + |expected|); float32 results get a float32 tolerance."""
    got = _as_array(name, what, got)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise ExerciseError(f"{name}: {what} should have shape {expected.shape}, got {got.shape}")
    if not np.all(np.isfinite(got)):
        raise ExerciseError(f"{name}: {what} contains NaN or inf")
    tol = _tolerance(got, tol)
    floor = 1e-12 if tol < 1e-6 else 1e-6 * max(1.0, float(np.abs(expected).max(initial=0)))
    values = got.astype(np.float64)
    err = relative_errors(values, expected, floor)
    if err.size and err.max() > tol:
        where = np.unravel_index(np.argmax(err), err.shape) if err.ndim else ()
        wrong = int(np.sum(err > tol))
        scale = int(np.floor(np.log10(max(err.max(), 1e-300))))
        raise ExerciseError(
            f"{name}: {what} differs from the expected values: {wrong} of {err.size} entries "
            f"are off; the worst is at index {tuple(int(i) for i in where)}, where you have "
            f"{float(values[where]):.6g} (relative error about 1e{scale})")
    return float(err.max(initial=0.0))


def _as_items(name, out, count, labels):
    """A tuple or list of `count` results (the contract says 'return (a, b)')."""
    if not isinstance(out, (tuple, list)) or len(out) != count:
        size = f" of {len(out)}" if isinstance(out, (tuple, list)) else ""
        raise ExerciseError(f"{name} should return {count} results ({', '.join(labels)}), "
                            f"got {_kind(out)}{size}")
    return tuple(out)


def _as_number(name, what, value, integer=False):
    """One number: int or float, a NumPy scalar, or an array/tensor of one element."""
    if value is None:
        raise ExerciseError(f"{name}: {what} is None; did you forget a `return`?")
    if isinstance(value, (bool, np.bool_)):
        raise ExerciseError(f"{name}: {what} should be a number, got the bool {value}")
    if isinstance(value, (str, bytes)):
        raise ExerciseError(f"{name}: {what} should be a number, got the string "
                            f"{_one_line(repr(value), 40)}; write the number without quotes")
    array = _as_array(name, what, value)
    if array.size != 1:
        raise ExerciseError(f"{name}: {what} should be one number, got an array of shape "
                            f"{array.shape}")
    number = array.reshape(()).item()
    if not np.isfinite(number):
        raise ExerciseError(f"{name}: {what} should be a finite number, got {number}")
    if integer:
        if number != int(number):
            raise ExerciseError(f"{name}: {what} should be a whole number, got {number}")
        return int(number)
    return float(number)


# ---------------------------------------------------------------- what each exercise may not call

_LABELS = {"torch.nn.modules.rnn:RNNBase.__init__": "torch.nn.RNN / LSTM / GRU",
           "torch.nn.modules.rnn:RNNCellBase.__init__": "torch.nn.RNNCell / LSTMCell / GRUCell",
           "torch.nn:MultiheadAttention.__init__": "torch.nn.MultiheadAttention"}


def _forbid(*paths):
    """(label, path) pairs for _call: 'module:attribute' or 'module:*' (every public function)."""
    def label(path):
        module, _, attribute = path.partition(":")
        if path in _LABELS:
            return _LABELS[path]
        if module == "course_utils._reference":
            return f"the course's {attribute}"
        return module if attribute == "*" else f"{module}.{attribute}"
    return [(label(path), path) for path in paths]


_TORCH_RNNS = ("torch.nn.modules.rnn:RNNBase.__init__", "torch.nn.modules.rnn:RNNCellBase.__init__")
_FORBIDDEN = {
    "rnn_step_forward": _forbid("course_utils.layers:rnn_step_forward", "course_utils.layers:rnn_forward",
                                "torch:rnn_tanh_cell", *_TORCH_RNNS),
    "rnn_step_backward": _forbid("course_utils._reference:rnn_step_backward",
                                 "course_utils.layers:rnn_backward", "torch.autograd:grad",
                                 "torch.autograd:backward", "torch:Tensor.backward"),
    "clip_by_norm": _forbid("course_utils._reference:clip_by_norm", "torch.nn.utils:clip_grad_norm_",
                            "torch.nn.utils:clip_grad_norm", "torch.nn.utils:clip_grads_with_norm_"),
    "lstm_step_forward": _forbid("course_utils._reference:lstm_step_forward",
                                 "course_utils.layers:lstm_forward", "torch:lstm_cell", *_TORCH_RNNS),
    "lstm_parameter_count": _forbid(*_TORCH_RNNS),
    "softmax_with_temperature": _forbid(
        "course_utils.sampling:*", "course_utils._reference:top_k_filter", "torch:softmax",
        "torch:log_softmax", "torch:Tensor.softmax", "torch.nn.functional:softmax",
        "torch.nn.functional:log_softmax", "torch.special:softmax", "scipy.special:softmax"),
    "top_k_filter": _forbid("course_utils._reference:top_k_filter", "course_utils.sampling:*"),
    "sliding_windows": _forbid("numpy.lib.stride_tricks:sliding_window_view", "torch:Tensor.unfold",
                               "torch.nn.functional:unfold"),
    "greedy_ids": _forbid("course_utils.decoding:*", "course_utils.decoding:_decode"),
    "causal_self_attention": _forbid("torch.nn.functional:scaled_dot_product_attention",
                                     "torch.nn:MultiheadAttention.__init__",
                                     "torch.nn.functional:multi_head_attention_forward"),
    "expected_calibration_error": _forbid("course_utils.calibration:*"),
}


# ---------------------------------------------------------------- the checks

def _rnn_step_inputs(seed, N=3, D=4, H=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, D)), rng.standard_normal((N, H)),
            0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)),
            0.1 * rng.standard_normal(H))


@_never_crash
def check_rnn_step_forward(rnn_step_forward, seed=0):
    """Check a student's rnn_step_forward(x, prev_h, Wx, Wh, b) -> (next_h, cache).

    next_h: (N, H), NumPy or torch, float32 or float64; the pair as a tuple or a list.
    """
    name = "rnn_step_forward"
    args = _rnn_step_inputs(seed)
    out = _call(rnn_step_forward, name, "return (next_h, cache) with next_h of shape (N, H)",
                *(a.copy() for a in args), forbidden=_FORBIDDEN[name])
    next_h, _ = _as_items(name, out, 2, ["next_h", "cache"])
    expected, _ = _REF["rnn_step_forward"](*args)
    err = _compare(name, "next_h", next_h, expected, tol=1e-8)
    print(f"✓ {name} matches the reference (max relative error {err:.1e})")


@_never_crash
def check_rnn_step_backward(rnn_step_backward, seed=0):
    """Check rnn_step_backward(dnext_h, cache) -> (dx, dprev_h, dWx, dWh, db).

    The cache is the course's layout, (x, prev_h, Wx, Wh, next_h), made by the reference
    forward pass, so this exercise is graded independently of rnn_step_forward. The five
    gradients come as a tuple or a list, each NumPy or torch, float32 or float64.
    """
    name = "rnn_step_backward"
    args = _rnn_step_inputs(seed)
    next_h, cache = _REF["rnn_step_forward"](*args)
    dnext_h = np.random.default_rng(seed + 1).standard_normal(next_h.shape)
    labels = ["dx", "dprev_h", "dWx", "dWh", "db"]
    grads = _call(rnn_step_backward, name,
                  "return (dx, dprev_h, dWx, dWh, db), each shaped like what it differentiates",
                  dnext_h.copy(), tuple(c.copy() for c in cache), forbidden=_FORBIDDEN[name])
    grads = _as_items(name, grads, 5, labels)
    expected = _REF["rnn_step_backward"](dnext_h, cache)
    worst = max(_compare(name, label, g, e, tol=1e-7) for label, g, e in zip(labels, grads, expected))
    print(f"✓ {name}: all five gradients match (max relative error {worst:.1e})")


def _masked_ce_inputs(seed, N=4, T=6, V=5):
    import torch

    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(N, T, V, generator=g, dtype=torch.float64)
    targets = torch.randint(0, V, (N, T), generator=g)
    lengths = torch.tensor([6, 4, 2, 5])
    mask = torch.arange(T)[None, :] < lengths[:, None]
    noisy = scores.clone()
    noisy[~mask] = 100 * torch.randn(int((~mask).sum()), V, generator=g, dtype=torch.float64)
    return scores, noisy, targets, lengths


@_never_crash
def check_masked_cross_entropy(masked_cross_entropy, seed=0):
    """Check masked_cross_entropy(scores, targets, lengths) -> one number.

    scores: (N, T, V) float64 tensor   targets: (N, T) int64   lengths: (N,) int64
    Expected: the mean cross-entropy over the real (unpadded) steps only, as a 0-d (or
    one-element) tensor, float32 or float64, or a Python/NumPy float.
    """
    import torch.nn.functional as F

    name = "masked_cross_entropy"
    scores, noisy, targets, lengths = _masked_ce_inputs(seed)
    promise = "return one number: the mean loss over the real (unpadded) steps"
    got = _call(masked_cross_entropy, name, promise, scores.clone(), targets.clone(),
                lengths.clone())
    changed = _call(masked_cross_entropy, name, promise, noisy.clone(), targets.clone(),
                    lengths.clone())
    loss = _as_number(name, "the loss", got)
    loss_noisy = _as_number(name, "the loss", changed)
    if abs(loss_noisy - loss) > 1e-5 * max(1.0, abs(loss)):
        raise ExerciseError(f"{name}: the loss changed when only padded steps changed "
                            f"({loss:.4f} -> {loss_noisy:.4f}); padding must not count")
    N, T, V = scores.shape
    mask = (np.arange(T)[None, :] < lengths.numpy()[:, None]).reshape(-1)
    per_step = F.cross_entropy(scores.reshape(-1, V), targets.reshape(-1), reduction="none")
    expected = per_step.numpy()[mask].mean()
    _compare(name, "the loss", np.asarray(loss, dtype=_dtype_of(got)), expected, tol=1e-6)
    print(f"✓ {name} ignores padding and matches the reference ({loss:.4f})")


def _dtype_of(value):
    """float32 for float32 answers (tensor or array), float64 otherwise."""
    dtype = getattr(value, "dtype", None)
    return np.float32 if str(dtype).endswith("float32") else np.float64


@_never_crash
def check_clip_by_norm(clip_by_norm, seed=0):
    """Check clip_by_norm(grad, threshold) -> grad rescaled to norm <= threshold.

    grad: a NumPy float64 array of any shape; the result has grad's shape (NumPy or torch,
    float32 or float64). Compared with torch.nn.utils.clip_grad_norm_ on gradients above and
    below the threshold.
    """
    import torch

    name = "clip_by_norm"
    rng = np.random.default_rng(seed)
    promise = "return the gradient, rescaled to norm `threshold` when its norm is larger"
    cases = [(scale * rng.standard_normal(shape), threshold)
             for shape, scale, threshold in [((5,), 10.0, 1.0), ((3, 4), 0.01, 1.0), ((2, 3), 3.0, 2.5)]]
    answers = [_call(clip_by_norm, name, promise, grad.copy(), threshold, forbidden=_FORBIDDEN[name])
               for grad, threshold in cases]
    for (grad, threshold), got in zip(cases, answers):
        param = torch.zeros(grad.shape, dtype=torch.float64, requires_grad=True)
        param.grad = torch.tensor(grad)
        torch.nn.utils.clip_grad_norm_([param], threshold)
        label = f"the result for a gradient of norm {np.linalg.norm(grad):.3g}, threshold {threshold}"
        # torch divides by (norm + 1e-6), hence the tolerance
        _compare(name, label, got, param.grad.numpy(), tol=1e-5)
    print(f"✓ {name} rescales large gradients to the threshold and leaves small ones alone")


@_never_crash
def check_smallest_surviving_scale(answer, T=100, floor=-3.0, resolution=0.02):
    """Check the smallest weight scale at which ||d h_T / d h_0|| >= 10**floor (tanh RNN of
    course_utils.small_rnn.gradient_survival), to within `resolution`.

    answer: one positive number (int or float, NumPy or a one-element tensor); not a string
    and not a bool.
    """
    from .small_rnn import gradient_survival

    name = "smallest_surviving_scale"
    if answer is None:
        raise ExerciseError(f"{name} is not answered yet: set it to one number, a weight scale")
    answer = _as_number(name, "the answer", answer)
    if answer <= 0:
        raise ExerciseError(f"{name}: a weight scale is a positive number, got {answer:g}")
    at_answer = gradient_survival(answer, T)
    if not at_answer >= floor:
        lower = np.arange(0.25, min(answer, 4.0) - resolution / 4, resolution / 2)
        if any(gradient_survival(s, T) >= floor for s in lower):
            raise ExerciseError(
                f"{name}: at scale {answer:g} the gradient has vanished after {T} steps (below "
                f"10^{floor:g}) because tanh saturates: with weights this large the units sit "
                "near ±1, where tanh' is almost 0. Look at smaller scales")
        shown = "0" if not np.isfinite(at_answer) else f"10^{at_answer:.2f}"
        raise ExerciseError(f"{name}: at scale {answer:g} the gradient is {shown} after {T} "
                            f"steps, below 10^{floor:g}: try a larger scale")
    below = np.arange(0.25, answer - resolution / 2, resolution / 2)
    if any(gradient_survival(s, T) >= floor for s in below):
        raise ExerciseError(f"{name}: {answer:g} works, but a smaller scale does too: look lower")
    print(f"✓ {name}: {answer:g} is the smallest scale (to within {resolution}) whose gradient "
          f"survives {T} steps (10^{at_answer:.2f})")


def _lstm_torch_weights(seed, D, H):
    """torch.nn.LSTMCell-shaped weights (gate order i, f, g, o), uniform in ±1/sqrt(H)."""
    rng = np.random.default_rng(seed + 7)
    bound = 1 / np.sqrt(H)
    return [rng.uniform(-bound, bound, shape) for shape in ((4 * H, D), (4 * H, H), (4 * H,), (4 * H,))]


@_never_crash
def check_lstm_step_forward(lstm_step_forward, seed=0):
    """Check lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b) -> (next_h, next_c) against
    torch.nn.LSTMCell with the same weights (gate blocks mapped to the order i, f, o, g).

    next_h, next_c: (N, H) each, NumPy or torch, float32 or float64, as a tuple or list (a
    third item, a cache, is allowed).
    """
    import torch

    name = "lstm_step_forward"
    N, D, H = 3, 4, 5
    torch_weights = _lstm_torch_weights(seed, D, H)
    Wx, Wh, b = layers.lstm_params_from_torch(*torch_weights)
    rng = np.random.default_rng(seed)
    x, prev_h, prev_c = (rng.standard_normal(shape) for shape in ((N, D), (N, H), (N, H)))
    out = _call(lstm_step_forward, name, "return (next_h, next_c), each of shape (N, H)",
                x.copy(), prev_h.copy(), prev_c.copy(), Wx.copy(), Wh.copy(), b.copy(),
                forbidden=_FORBIDDEN[name])
    if isinstance(out, (tuple, list)) and len(out) == 3:
        out = out[:2]
    next_h, next_c = _as_items(name, out, 2, ["next_h", "next_c"])
    cell = torch.nn.LSTMCell(D, H).double()
    with torch.no_grad():
        for parameter, value in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh),
                                    torch_weights):
            parameter.copy_(torch.from_numpy(value))
        expected_h, expected_c = cell(torch.tensor(x), (torch.tensor(prev_h), torch.tensor(prev_c)))
    worst = max(_compare(name, "next_c", next_c, expected_c.numpy(), tol=1e-8),
                _compare(name, "next_h", next_h, expected_h.numpy(), tol=1e-8))
    print(f"✓ {name} matches torch.nn.LSTMCell (max relative error {worst:.1e})")


@_never_crash
def check_lstm_parameter_count(lstm_parameter_count):
    """Check lstm_parameter_count(D, H, num_layers, bidirectional) against torch.nn.LSTM.

    The answer: one whole number (int, NumPy integer, a one-element tensor, or a float with a
    whole value). Computed from the shapes, not by building an nn.LSTM.
    """
    import torch

    name = "lstm_parameter_count"
    configurations = [(3, 5, 1, False), (3, 5, 1, True), (8, 4, 2, False), (8, 4, 3, True),
                      (1, 16, 2, True)]
    answers = [_call(lstm_parameter_count, name, "return one integer", D, H, num_layers,
                     bidirectional, forbidden=_FORBIDDEN[name])
               for D, H, num_layers, bidirectional in configurations]
    counts = [_as_number(name, f"the count for {c}", a, integer=True)
              for c, a in zip(configurations, answers)]
    wrong = []
    for (D, H, num_layers, bidirectional), got in zip(configurations, counts):
        lstm = torch.nn.LSTM(D, H, num_layers=num_layers, bidirectional=bidirectional)
        if got != sum(p.numel() for p in lstm.parameters()):
            wrong.append((D, H, num_layers, bidirectional, got))
    if wrong:
        D, H, num_layers, bidirectional, got = wrong[0]
        raise ExerciseError(
            f"{name}(D={D}, H={H}, num_layers={num_layers}, bidirectional={bidirectional}) "
            f"returned {got}, which is not the number of parameters of that nn.LSTM "
            f"({len(wrong)} of {len(configurations)} configurations wrong); count each layer's "
            "and direction's weights from its input width")
    print(f"✓ {name} agrees with torch.nn.LSTM on {len(configurations)} configurations")


@_never_crash
def check_softmax_with_temperature(softmax_with_temperature):
    """Check softmax_with_temperature(logits, temperature) -> probabilities of shape (V,).

    logits: a 1-D NumPy float64 array; the result: (V,) NumPy or torch, float32 or float64.
    Written with exp and a sum: torch's or SciPy's softmax does not count.
    """
    name = "softmax_with_temperature"
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, 12)
    temperatures = (0.3, 1.0, 2.5)
    forbidden = _FORBIDDEN[name]
    answers = [_call(softmax_with_temperature, name, "return a probability for each score",
                     logits.copy(), t, forbidden=forbidden) for t in temperatures]
    huge = _call(softmax_with_temperature, name, "return probabilities",
                 np.array([1000.0, 999.0, 0.0]), 1.0, forbidden=forbidden)
    for temperature, got in zip(temperatures, answers):
        _compare(name, f"the probabilities at temperature {temperature}", got,
                 _REF["softmax_with_temperature"](logits, temperature), tol=1e-8)
    huge = _as_array(name, "the probabilities for scores (1000, 999, 0)", huge)
    if huge.shape != (3,) or not np.all(np.isfinite(huge)):
        raise ExerciseError(f"{name}: scores of 1000 overflow; subtract the largest score first")
    print(f"✓ {name}: right distribution at 3 temperatures, and no overflow")


@_never_crash
def check_top_k_filter(top_k_filter):
    """Check top_k_filter(probs, k) -> probs with all but the k largest set to 0, renormalised.

    probs: a 1-D NumPy float64 array; the result: (V,) NumPy or torch, float32 or float64.
    """
    name = "top_k_filter"
    probs = np.random.default_rng(1).dirichlet(np.ones(10))
    ks = (1, 3, 10)
    answers = [_call(top_k_filter, name, "return the filtered, renormalised probabilities",
                     probs.copy(), k, forbidden=_FORBIDDEN[name]) for k in ks]
    for k, got in zip(ks, answers):
        _compare(name, f"the result for k = {k}", got, _REF["top_k_filter"](probs, k), tol=1e-9)
    print(f"✓ {name}: keeps the k most likely characters and sums to 1")


@_never_crash
def check_sliding_windows(sliding_windows, seed=0):
    """Check sliding_windows(x, window, stride) -> (N, W, window) with W = 1 + (T - window) // stride.

    x: (N, T) NumPy float64; the result NumPy or torch (float32 accepted), or nested lists.
    """
    name = "sliding_windows"
    rng = np.random.default_rng(seed)
    cases = [(rng.standard_normal((N, T)), window, stride)
             for N, T, window, stride in [(2, 20, 5, 5), (3, 17, 6, 4), (1, 10, 10, 3), (2, 30, 8, 1)]]
    answers = [_call(sliding_windows, name, "return an array of shape (N, W, window)",
                     x.copy(), window, stride, forbidden=_FORBIDDEN[name])
               for x, window, stride in cases]
    for (x, window, stride), got in zip(cases, answers):
        starts = np.arange(0, x.shape[1] - window + 1, stride)
        expected = np.stack([x[:, s:s + window] for s in starts], axis=1)
        _compare(f"{name}(x of shape {x.shape}, window={window}, stride={stride})", "the windows",
                 got, expected, tol=0)
    print(f"✓ {name}: right windows for 4 shapes, strides and window sizes")


def failure_fates(measured, threshold=0.7):
    """{model: {task: "works" | "fails"}} from measured accuracies {model: {task: accuracy}}:
    a model fails a task when its accuracy is below `threshold`."""
    return {model: {task: "works" if acc >= threshold else "fails" for task, acc in tasks.items()}
            for model, tasks in measured.items()}


def assert_lesson_fates(measured, threshold=0.7):
    """Raise AssertionError unless notebook 02's measurements give the fates that
    check_failure_prediction grades against (without saying which they are)."""
    fates = failure_fates(measured, threshold)
    differ = [f"{model} on {task}" for model, tasks in _reference.EEG_FATES.items()
              for task, fate in tasks.items() if fates.get(model, {}).get(task) != fate]
    assert not differ, ("the measurements no longer give the outcome the prediction exercise "
                        f"grades against, for {', '.join(differ)}: update _reference.EEG_FATES")


@_never_crash
def check_failure_prediction(prediction, measured=None, threshold=0.7):
    """Check a prediction {model: {task: "works" | "fails"}}. Against measured accuracies
    {model: {task: accuracy}} when given (a model "fails" a task below `threshold`), else
    against notebook 02's measured outcome, which its lesson cell holds the live measurements
    to (so grading need not retrain the models). Case and surrounding spaces do not matter."""
    name = "prediction"
    if prediction is None:
        raise ExerciseError(f"{name} is not answered yet: fill in 'works' or 'fails' for each "
                            "model and task")
    if not isinstance(prediction, dict):
        raise ExerciseError(f"{name} should be a dict {{model: {{task: 'works' or 'fails'}}}}, "
                            f"got {_kind(prediction)}")
    truth = _reference.EEG_FATES if measured is None else failure_fates(measured, threshold)
    wrong = []
    for model, tasks in truth.items():
        for task, fate in tasks.items():
            row = prediction.get(model, {})
            said = row.get(task) if isinstance(row, dict) else None
            said = said.strip().lower() if isinstance(said, str) else said
            if said not in ("works", "fails"):
                raise ExerciseError(f"{name}[{model!r}][{task!r}] must be 'works' or 'fails', "
                                    f"got {_one_line(repr(said), 40)}")
            if said != fate:
                wrong.append(f"{model} on {task}")
    if wrong:
        raise ExerciseError(f"{name}: the measurements disagree with you for {', '.join(wrong)} "
                            f"(a model 'fails' below {threshold:.0%} accuracy); look at the table")
    print(f"✓ {name}: every model's fate predicted right")


@_never_crash
def check_teacher_forcing_pairs(teacher_forcing_pairs, vocab):
    """Check teacher_forcing_pairs(ids: (N, L)) -> (inputs, targets), each (N, L - 1).

    ids: an int64 tensor; inputs and targets come as a tuple or list, each a tensor, a NumPy
    array or nested lists of the ids.
    """
    import torch

    name = "teacher_forcing_pairs"
    ids = torch.from_numpy(vocab.encode([["a", "red", "circle"], ["two", "blue", "squares"],
                                         ["a", "small", "green", "triangle"]]))
    out = _call(teacher_forcing_pairs, name, "return (inputs, targets)", ids.clone())
    inputs, targets = _as_items(name, out, 2, ["inputs", "targets"])
    for what, got, expected in [("inputs", inputs, ids[:, :-1]), ("targets", targets, ids[:, 1:])]:
        _compare(name, what, got, expected.numpy(), tol=0)
    targets = _as_array(name, "targets", targets)
    start, end = vocab.index["<start>"], vocab.index["<end>"]
    if (targets == start).any() or not (targets == end).any(axis=1).all():
        raise ExerciseError(f"{name}: targets should never hold <start> and should hold <end>")
    print(f"✓ {name}: the model reads <start> w1 ... and is scored on w1 ... <end>")


@_never_crash
def check_greedy_ids(greedy_ids, model, vocab, max_length=16):
    """Check greedy_ids(model, images, vocab, max_length) -> (N, max_length) ids against the
    course's greedy decoder, on generated scenes.

    The ids: a tensor, NumPy array or nested lists of integers, shape (N, max_length).
    """
    import torch

    from .data.scenes import make_scenes
    from .decoding import greedy

    name = "greedy_ids"
    images = torch.from_numpy(make_scenes(12, seed=321)[0])
    got = _call(greedy_ids, name, "return the chosen ids, shape (N, max_length)", model, images,
                vocab, max_length, forbidden=_FORBIDDEN[name])
    got = _as_array(name, "the ids", got)
    if got.shape != (12, max_length):
        raise ExerciseError(f"{name}: the ids should have shape (N, max_length) = (12, {max_length}), "
                            f"got {got.shape}")
    if np.any(got != np.round(got)) or got.min() < 0 or got.max() >= len(vocab):
        raise ExerciseError(f"{name}: the ids should be whole numbers in [0, {len(vocab)}), "
                            "the vocabulary's indices")
    got = got.astype(np.int64)
    expected = greedy(model, images, vocab, max_length)
    for row, (ids, words) in enumerate(zip(got.tolist(), expected)):
        if vocab.decode(ids) != words:
            raise ExerciseError(f"{name}: for scene {row} your ids decode to "
                                f"{' '.join(vocab.decode(ids))!r}, greedy decoding gives a different "
                                "caption; feed back the likeliest word (argmax) at every step")
    print(f"✓ {name}: the same captions as greedy decoding on 12 scenes")


@_never_crash
def check_expected_calibration_error(expected_calibration_error, seed=0):
    """Check expected_calibration_error(probs: (N, C), labels: (N,), n_bins) -> one number
    (a float, a NumPy scalar or a 0-d tensor) against the course's ECE on fresh random inputs
    (binary and multi-class, several bin counts) and on four hand-made predictions."""
    name = "expected_calibration_error"
    rng = np.random.default_rng(seed)
    promise = "return one number: the expected calibration error"
    cases = []
    for N, C, n_bins in [(200, 2, 10), (300, 5, 15), (50, 3, 4)]:
        probs = rng.dirichlet(np.full(C, 0.4), size=N)
        cases.append((probs, rng.integers(0, C, N), n_bins))
    small = np.array([[0.72, 0.28], [0.76, 0.24], [0.38, 0.62], [0.93, 0.07]])
    cases.append((small, np.array([0, 1, 1, 1]), 10))
    answers = [_call(expected_calibration_error, name, promise, probs.copy(), labels.copy(), n_bins,
                     forbidden=_FORBIDDEN[name]) for probs, labels, n_bins in cases]
    for (probs, labels, n_bins), got in zip(cases, answers):
        ece = np.asarray(_as_number(name, "the ECE", got), dtype=_dtype_of(got))
        _compare(f"{name}(probs of shape {probs.shape}, n_bins={n_bins})", "the ECE", ece,
                 _REF["expected_calibration_error"](probs, labels, n_bins), tol=1e-8)
    print(f"✓ {name} matches the reference on {len(cases)} sets of predictions")


@_never_crash
def check_sensor_filter(sensor_filter, tolerance=0.9, resolution=401):
    """Check a colour filter (w_R, w_G, w_B), non-negative, summing to 1, whose smallest gap
    between the grey levels of notebook 06's four colours and the background (0.9) is at least
    `tolerance` times the best gap (found by a grid search over the filters).

    sensor_filter: three numbers as a tuple, list, NumPy array or tensor."""
    from .data.scenes import COLOURS

    name = "sensor_filter"
    if sensor_filter is None:
        raise ExerciseError(f"{name} is not answered yet: set it to three fractions "
                            "(w_R, w_G, w_B), each >= 0, summing to 1")
    try:
        w = _as_array(name, "the filter", sensor_filter).astype(np.float64).ravel()
    except ExerciseError:
        raise ExerciseError(f"{name} must be three numbers (w_R, w_G, w_B), got "
                            f"{_kind(sensor_filter)}") from None
    if w.shape != (3,) or not np.all(np.isfinite(w)):
        raise ExerciseError(f"{name} must be three numbers (w_R, w_G, w_B), finite, got "
                            f"{w.size} value(s)")
    if w.min() < -1e-9 or abs(w.sum() - 1) > 1e-6:
        raise ExerciseError(f"{name}: a filter passes a fraction >= 0 of each colour, and the "
                            f"fractions sum to 1; got {w.round(4).tolist()} (sum {w.sum():.4f})")
    rgb = np.array(list(COLOURS.values()) + [(0.9, 0.9, 0.9)])
    smallest_gap = lambda filters: np.diff(np.sort(filters @ rgb.T, axis=-1), axis=-1).min(axis=-1)
    got = float(smallest_gap(w[None])[0])
    r, g = np.meshgrid(np.linspace(0, 1, resolution), np.linspace(0, 1, resolution))
    keep = r + g <= 1
    best = smallest_gap(np.stack([r[keep], g[keep], 1 - r[keep] - g[keep]], axis=1)).max()
    if got < tolerance * best:
        raise ExerciseError(f"{name}: the smallest gap between two grey levels is {got:.3f}, "
                            f"less than {tolerance:.0%} of the best possible. Spread the five "
                            "levels more evenly")
    luminance = float(smallest_gap(np.array([[0.299, 0.587, 0.114]]))[0])
    print(f"✓ {name}: the smallest gap between grey levels is {got:.3f} (the best possible is "
          f"{best:.3f}; luminance gives {luminance:.3f})")


def _expression_inputs(depth, seed):
    """The leaves and operators of 20 expressions, without their values."""
    from .data.expressions import make_expressions

    leaves, operators, _ = make_expressions(20, depth, seed=seed)
    return leaves, operators


@_never_crash
def check_evaluate_tree(evaluate_tree, seed=0):
    """Check evaluate_tree(leaves, operators) -> values (N,) on random expressions of depth 1-5.

    The values: integers in 0..9 (NumPy, torch or a list; whole-valued floats accepted).
    """
    from .data.expressions import as_text, make_expressions

    name = "evaluate_tree"
    inputs = [_expression_inputs(depth, seed + depth) for depth in range(1, 6)]
    answers = [_call(evaluate_tree, name, "return the (N,) values of the expressions, mod 10",
                     leaves.copy(), [level.copy() for level in operators])
               for leaves, operators in inputs]
    for depth, (leaves, operators), got in zip(range(1, 6), inputs, answers):
        got = _as_array(name, f"the values at depth {depth}", got)
        if got.shape != (len(leaves),):
            raise ExerciseError(f"{name}: for N = {len(leaves)} expressions of depth {depth} it "
                                f"should return shape ({len(leaves)},), got {got.shape}")
        values = make_expressions(20, depth, seed=seed + depth)[2]
        wrong = np.flatnonzero(got != values)
        if wrong.size:
            row = int(wrong[0])
            raise ExerciseError(f"{name}: {as_text(leaves, operators, row)} (mod 10) is not "
                                f"{got[row]:g} ({wrong.size} of {len(leaves)} wrong at depth {depth})")
    print(f"✓ {name}: 100 expressions of depths 1 to 5 evaluated correctly")


@_never_crash
def check_causal_self_attention(causal_self_attention, seed=0):
    """Check causal_self_attention(X, W_q, W_k, W_v) against torch's scaled_dot_product_attention
    with is_causal=True, and that changing a later position leaves earlier outputs unchanged.

    X: (T, D) float64 tensor, W_*: (D, d); the result (T, d), torch or NumPy, float32 or float64.
    Written by hand: torch's attention functions do not count.
    """
    import torch

    name = "causal_self_attention"
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(7, 5, generator=generator, dtype=torch.float64)
    W_q, W_k, W_v = (torch.randn(5, 3, generator=generator, dtype=torch.float64) for _ in range(3))
    changed = X.clone()
    changed[-1] += 10.0
    promise = "return a (T, d) tensor"
    got = _call(causal_self_attention, name, promise, X.clone(), W_q.clone(), W_k.clone(),
                W_v.clone(), forbidden=_FORBIDDEN[name])
    later = _call(causal_self_attention, name, promise, changed, W_q.clone(), W_k.clone(),
                  W_v.clone(), forbidden=_FORBIDDEN[name])
    expected = torch.nn.functional.scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v,
                                                                is_causal=True)
    _compare(name, "the output for X (7, 5) and W (5, 3)", got, expected.numpy(), 1e-6)
    got, later = _as_array(name, "the output", got), _as_array(name, "the output", later)
    if later.shape != got.shape or not np.allclose(later[:-1], got[:-1], rtol=1e-4, atol=1e-6):
        raise ExerciseError(f"{name}: changing the last position changed earlier outputs; "
                            "position t must only see positions 0..t")
    print(f"✓ {name}: matches torch's causal attention, and the past ignores the future")


# ---------------------------------------------------------------------------------------------
# Notebook 09 (RNNs for imaging): the ridge read-out of an echo-state network, and one
# directional sweep of ReNet. Both accept NumPy or torch results, float32 or float64.

def _dtype_tolerance(got, float64=1e-8, float32=1e-4):
    """The relative tolerance for a result of got's dtype (float32 earns a looser one)."""
    dtype = getattr(got, "dtype", None)
    return float32 if dtype is not None and "float32" in str(dtype) else float64


@_never_crash
def check_ridge_readout(ridge_readout, seed=0):
    """Check ridge_readout(states: (T, H), targets: (T, K), alpha) -> W_out: (H, K) against
    (S^T S + alpha I)^-1 S^T Y on fresh random inputs: several alphas, one target or several,
    and nearly collinear states (where alpha matters)."""
    from .reservoir import ridge_readout as reference

    name = "ridge_readout"
    rng = np.random.default_rng(seed)
    cases = []
    for T, H, K, alpha in [(200, 10, 1, 1e-6), (150, 8, 3, 1.0), (60, 12, 2, 10.0)]:
        cases.append((np.tanh(rng.standard_normal((T, H))), rng.standard_normal((T, K)), alpha))
    collinear = rng.standard_normal((100, 4)) @ rng.standard_normal((4, 6))   # rank 4 of 6
    cases.append((collinear + 1e-6 * rng.standard_normal((100, 6)), rng.standard_normal((100, 2)),
                  0.1))
    for states, targets, alpha in cases:
        got = _call(ridge_readout, name, "return W_out of shape (H, K)", states.copy(),
                    targets.copy(), alpha)
        where = f"{name}(states {states.shape}, targets {targets.shape}, alpha={alpha:g})"
        _compare(where, "W_out", got, reference(states, targets, alpha), _dtype_tolerance(got))
    print(f"✓ {name} matches (S^T S + alpha I)^-1 S^T Y on {len(cases)} problems")


@_never_crash
def check_sweep(sweep, seed=0):
    """Check sweep(x: (N, R, C, D), Wx: (D, H), Wh: (H, H), b: (H,), reverse) -> h: (N, R, C, H)
    against the course's imaging.sweep, both directions, and that rows do not mix."""
    from .imaging import sweep as reference

    name = "sweep"
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 5, 4))
    Wx, Wh, b = 0.5 * rng.standard_normal((4, 6)), 0.5 * rng.standard_normal((6, 6)), \
        0.1 * rng.standard_normal(6)
    for reverse in (False, True):
        got = _call(sweep, name, "return h of shape (N, R, C, H)", x.copy(), Wx, Wh, b, reverse)
        _compare(f"{name}(x of shape {x.shape}, reverse={reverse})", "h", got,
                 reference(x, Wx, Wh, b, reverse), _dtype_tolerance(got))
    changed = x.copy()
    changed[:, 0] += 1.0                                    # change the first row only
    other_rows = np.asarray(sweep(changed, Wx, Wh, b, False))[:, 1:]
    if not np.allclose(other_rows, reference(x, Wx, Wh, b, False)[:, 1:], atol=1e-4):
        raise ExerciseError(f"{name}: changing row 0 changed the other rows; each row of the "
                            "grid is swept on its own")
    print(f"✓ {name} matches the reference in both directions, and keeps the rows apart")


# ==================================================================== notebook 10: linear recurrences
# (a separate block, so that merging with other changes to this file stays easy)

def _as_numpy(value):
    return np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)


def _real_and_imaginary(array):
    """A complex array as its real and imaginary parts stacked (2, ...); real arrays too."""
    return np.stack([np.real(array), np.imag(array)])


@_never_crash
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
        for part, value, expected in (("a", got[0], a1 * a2), ("b", got[1], a2 * b1 + b2)):
            _compare(name, f"the {part} part ({label}, shape {a1.shape}; real and imaginary parts)",
                     _real_and_imaginary(_as_numpy(value)), _real_and_imaginary(expected), tol)
    print(f"✓ {name}: right on {len(cases)} pairs (NumPy, float32, complex): order respected")


@_never_crash
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
