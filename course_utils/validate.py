"""Input checks shared by course_utils: a wrong input raises ValueError naming the argument
and the expected shape, e.g. `rnn_forward: Wh must have shape (H, H) = (6, 6), got (6, 5)`.
"""
import functools
import inspect

import numpy as np


def _tuple_text(items):
    """(a, b) for two items, (a,) for one, like Python prints tuples."""
    inside = ", ".join(str(item) for item in items)
    return f"({inside},)" if len(items) == 1 else f"({inside})"


def expect_shape(fn_name, arg_name, array, symbols, sizes):
    """Raise ValueError unless array's shape matches sizes; return the shape.

    symbols names the axes for the message, e.g. "N, T, D".
    sizes gives the sizes already known, None for "any", e.g. (None, None, 5).
    """
    shape = tuple(np.shape(array))
    fits = len(shape) == len(sizes) and all(
        size is None or size == got for size, got in zip(sizes, shape))
    if not fits:
        names = [name.strip() for name in symbols.split(",")]
        expected = _tuple_text(names)
        if any(size is not None for size in sizes):
            known = [name if size is None else size for name, size in zip(names, sizes)]
            expected += " = " + _tuple_text(known)
        raise ValueError(f"{fn_name}: {arg_name} must have shape {expected}, got {shape}")
    return shape


def expect_indices(fn_name, arg_name, indices, symbol, upper):
    """Raise ValueError unless indices are integers in [0, upper)."""
    dtype = np.asarray(indices).dtype
    if not np.issubdtype(dtype, np.integer):
        raise ValueError(f"{fn_name}: {arg_name} must hold integer indices, got dtype {dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= upper):
        raise ValueError(
            f"{fn_name}: {arg_name} must hold indices in [0, {symbol}) = [0, {upper}), "
            f"got values from {indices.min()} to {indices.max()}")


# ---------------------------------------------------------------- values, arrays, files

# Ceilings: a call above them is refused at once rather than hanging or allocating gigabytes.
MAX_STEPS = 100_000        # sequence lengths T, iterations, steps
MAX_COUNT = 1_000_000      # examples n, N, batch sizes
MAX_WIDTH = 100_000        # hidden sizes, vocabularies, matrix sizes, bins
MAX_ELEMENTS = 50_000_000  # entries of one array a call would make (400 MB in float64)


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_tensor(value):
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def expect_int(fn_name, arg_name, value, low=None, high=None):
    """Raise ValueError unless value is a whole number (int, NumPy integer, a float with a whole
    value) in [low, high]; return it as an int. A bool or a string is refused."""
    whole = (isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))) or (
        isinstance(value, (float, np.floating)) and np.isfinite(value) and value == int(value))
    if not whole:
        raise ValueError(f"{fn_name}: {arg_name} must be a whole number, got {_shown(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]" if low is not None else f"<= {high}"
        raise ValueError(f"{fn_name}: {arg_name} must be {bounds}, got {value}")
    return value


def expect_number(fn_name, arg_name, value, low=None, high=None, low_open=False):
    """Raise ValueError unless value is a finite real number (not a bool or string) in the range
    [low, high] ((low, high] when low_open); return it as a float."""
    if _is_tensor(value) and value.numel() == 1:
        value = value.item()
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise ValueError(f"{fn_name}: {arg_name} must be a finite number, got {_shown(value)}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high):
        left = "(" if low_open else "["
        bounds = (f"{left}{low}, {high}]" if low is not None and high is not None
                  else f"> {low}" if low_open else f">= {low}" if low is not None else f"<= {high}")
        raise ValueError(f"{fn_name}: {arg_name} must be {'in ' if high is not None and low is not None else ''}"
                         f"{bounds}, got {value:g}")
    return value


def expect_choice(fn_name, arg_name, value, choices):
    """Raise ValueError unless value is one of choices; return it."""
    if not any(value is c or (type(value) is type(c) and value == c) for c in choices):
        raise ValueError(f"{fn_name}: {arg_name} must be one of {tuple(choices)}, got {_shown(value)}")
    return value


def expect_bool(fn_name, arg_name, value):
    """Raise ValueError unless value is True or False (a string like "no" is refused)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{fn_name}: {arg_name} must be True or False, got {_shown(value)}")
    return bool(value)


def expect_array(fn_name, arg_name, value, symbols=None, sizes=None, kind="float", finite=True,
                 nonempty=True):
    """value as a NumPy array, or ValueError naming the function and the argument.

    symbols / sizes: as for expect_shape (symbols alone checks the number of axes).
    kind: "float" (real numbers; ints are accepted and kept), "int" (whole numbers),
    "bool", or "number". finite: refuse NaN and inf. nonempty: refuse an array without entries.
    """
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise ValueError(f"{fn_name}: {arg_name} must be an array, got {_shown(value)}")
    if _is_tensor(value):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        raise ValueError(f"{fn_name}: {arg_name} must be an array of numbers, got "
                         f"{type(value).__name__} that is not one (a ragged list?)") from None
    allowed = {"float": "biuf", "number": "iuf", "int": "iu", "bool": "b"}[kind]
    if kind == "int" and array.dtype.kind == "f" and array.size and np.all(np.isfinite(array)) \
            and np.all(array == np.round(array)):
        array = array.astype(np.int64)
    if kind == "bool" and array.dtype.kind in "iu" and np.isin(array, (0, 1)).all():
        array = array.astype(bool)
    if array.dtype.kind not in allowed:
        wanted = {"float": "real numbers", "number": "real numbers", "int": "whole numbers (integer ids)",
                  "bool": "True/False values"}[kind]
        raise ValueError(f"{fn_name}: {arg_name} must hold {wanted}, got dtype {array.dtype}")
    if symbols is not None:
        if sizes is None:  # "N, 2": a number is a fixed size
            sizes = tuple(int(s) if s.strip().isdigit() else None for s in symbols.split(","))
        expect_shape(fn_name, arg_name, array, symbols, sizes)
    if nonempty and array.size == 0:
        raise ValueError(f"{fn_name}: {arg_name} must not be empty, got shape {array.shape}")
    if array.size > MAX_ELEMENTS:
        raise ValueError(f"{fn_name}: {arg_name} has {array.size:,} entries, more than this course's "
                         f"ceiling of {MAX_ELEMENTS:,}")
    if finite and array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError(f"{fn_name}: {arg_name} must be finite, got NaN or inf")
    return array


def expect_elements(fn_name, what, count):
    """Refuse a call that would make more than MAX_ELEMENTS entries (in milliseconds)."""
    if count > MAX_ELEMENTS:
        raise ValueError(f"{fn_name}: {what} would make {int(count):,} entries, more than this "
                         f"course's ceiling of {MAX_ELEMENTS:,}; use smaller sizes")


def expect_seed(fn_name, arg_name, value):
    """A seed for numpy/torch: a whole number >= 0."""
    return expect_int(fn_name, arg_name, value, 0, 2 ** 63 - 1)


def expect_file(fn_name, path, remake):
    """Raise FileNotFoundError naming the file and the command that remakes it."""
    if not path.exists():
        raise FileNotFoundError(f"{fn_name}: {path} is missing; remake it with `{remake}` "
                                "(see data/README.md), or restore it with `git checkout -- data/`")
    return path


# ---------------------------------------------------------------- declared arguments

def checked(**specs):
    """Decorator: check the named arguments before the call, each with a spec from below, e.g.
    @checked(n=Int(1, MAX_COUNT), kind=Choice("burst", "startle"), x=Array("N, T")).

    Arguments are passed on unchanged; an argument whose default is None may be None.
    """
    size = specs.pop("_size", None)  # a function of the arguments: entries the call would make

    def decorate(fn):
        signature = inspect.signature(fn)
        display = fn.__qualname__.replace(".__init__", "")

        @functools.wraps(fn)
        def checked_call(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise ValueError(f"{display}: {error}") from None
            bound.apply_defaults()
            for arg_name, spec in specs.items():
                value = bound.arguments[arg_name]
                if value is None and signature.parameters[arg_name].default is None:
                    continue
                spec(display, arg_name, value)
            if size is not None:
                expect_elements(display, "these sizes", size(bound.arguments))
            return fn(*args, **kwargs)
        return checked_call
    return decorate


def Int(low=None, high=None):
    return lambda fn, arg, value: expect_int(fn, arg, value, low, high)


def Number(low=None, high=None, low_open=False):
    return lambda fn, arg, value: expect_number(fn, arg, value, low, high, low_open)


def Choice(*choices):
    return lambda fn, arg, value: expect_choice(fn, arg, value, choices)


def Array(symbols=None, kind="float", finite=True, nonempty=True):
    return lambda fn, arg, value: expect_array(fn, arg, value, symbols, None, kind, finite, nonempty)


def Pair(low=None, high=None, kind="number"):
    """(a, b) with low <= a <= b <= high: a range of numbers."""
    def check(fn, arg, value):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"{fn}: {arg} must be a pair (low, high), got {_shown(value)}")
        a, b = ((expect_int if kind == "int" else expect_number)(fn, arg, v, low, high) for v in value)
        if a > b:
            raise ValueError(f"{fn}: {arg} must be a pair (low, high) with low <= high, got {_shown(value)}")
    return check


def Words(depth=1):
    """A list of words (depth 1), of word lists (2), or of lists of word lists (3)."""
    shapes = ["a word", "a list of words", "a list of word lists", "a list of lists of word lists"]

    def check(fn, arg, value, level):
        if level == 0:
            if not isinstance(value, str):
                raise ValueError(f"{fn}: {arg} must hold words (strings), got {_shown(value)}")
            return
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ValueError(f"{fn}: {arg} must be {shapes[level]}, got {_shown(value)}")
        for item in value:
            check(fn, arg, item, level - 1)
    return lambda fn, arg, value: check(fn, arg, value, depth)


def Indices(symbols=None, upper=None, nonempty=True):
    """Integer ids >= 0 (and < upper when given): labels, token ids, digits."""
    def check(fn, arg, value):
        array = expect_array(fn, arg, value, symbols, None, "int", nonempty=nonempty)
        if array.size and (array.min() < 0 or (upper is not None and array.max() >= upper)):
            bounds = f"[0, {upper})" if upper is not None else ">= 0"
            raise ValueError(f"{fn}: {arg} must hold ids {bounds}, got values from {array.min()} "
                             f"to {array.max()}")
    return check


def IntList(low=None, high=None):
    """A non-empty list, tuple or range of whole numbers in [low, high]."""
    def check(fn, arg, value):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ValueError(f"{fn}: {arg} must be a list of whole numbers, got {_shown(value)}")
        items = list(value)
        if not items:
            raise ValueError(f"{fn}: {arg} must not be empty")
        for item in items:
            expect_int(fn, arg, item, low, high)
    return check


def expect_text(fn_name, arg_name, value, nonempty=False):
    """Raise ValueError unless value is a string (non-empty when asked)."""
    if not isinstance(value, str) or (nonempty and not value):
        raise ValueError(f"{fn_name}: {arg_name} must be a{' non-empty' if nonempty else ''} "
                         f"string, got {_shown(value)}")
    return value


def Text(nonempty=False):
    return lambda fn, arg, value: expect_text(fn, arg, value, nonempty)


def Captions(depth=1):
    """Like Words(depth + 1), but a caption may also be one string (compared as a whole)."""
    words = Words(1)

    def check(fn, arg, value, level):
        if level == 0:
            if not isinstance(value, str):
                words(fn, arg, value)
            return
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            what = "a list of captions" if level == 1 else "a list of lists of captions"
            raise ValueError(f"{fn}: {arg} must be {what} (strings or word lists), got {_shown(value)}")
        for item in value:
            check(fn, arg, item, level - 1)
    return lambda fn, arg, value: check(fn, arg, value, depth)


Flag = expect_bool
Seed = expect_seed


def expect_tensor(fn_name, arg_name, value, symbols=None, sizes=None, complex_ok=False, finite=True,
                  nonempty=True, kind="float"):
    """value if it is a torch tensor of the right shape, else ValueError naming the function and
    the argument. Unlike expect_array it copies nothing and keeps autograd and the device.

    kind: "float" (a floating dtype; complex too when complex_ok) or "int" (integer ids).
    finite: refuse NaN and inf (one sum over the tensor: call it at public entries, not in loops).
    """
    if not _is_tensor(value):
        raise ValueError(f"{fn_name}: {arg_name} must be a torch tensor, got {_shown(value)}")
    import torch

    if kind == "int":
        good = not value.is_floating_point() and not value.is_complex() and value.dtype != torch.bool
    else:
        good = value.is_floating_point() or (complex_ok and value.is_complex())
    if not good:
        wanted = "integer ids" if kind == "int" else "real" + (" or complex" if complex_ok else "") + " numbers"
        raise ValueError(f"{fn_name}: {arg_name} must hold {wanted}, got dtype {value.dtype}")
    if symbols is not None:
        if sizes is None:
            sizes = tuple(int(s) if s.strip().isdigit() else None for s in symbols.split(","))
        expect_shape(fn_name, arg_name, value, symbols, sizes)
    if nonempty and value.numel() == 0:
        raise ValueError(f"{fn_name}: {arg_name} must not be empty, got shape {tuple(value.shape)}")
    if value.numel() > MAX_ELEMENTS:
        raise ValueError(f"{fn_name}: {arg_name} has {value.numel():,} entries, more than this course's "
                         f"ceiling of {MAX_ELEMENTS:,}")
    if finite and kind == "float":
        with torch.no_grad():  # a finite sum means finite entries: one pass, nothing allocated
            # (isfinite().all() costs ~20x more); an overflowing sum gets the exact test
            if not bool(torch.isfinite(value.sum())) and not bool(torch.isfinite(value).all()):
                raise ValueError(f"{fn_name}: {arg_name} must be finite, got NaN or inf")
    return value


def Tensor(symbols=None, complex_ok=False, finite=True, nonempty=True, kind="float"):
    return lambda fn, arg, value: expect_tensor(fn, arg, value, symbols, None, complex_ok, finite,
                                                nonempty, kind)
