"""Input checks shared by course_utils: a wrong input raises ValueError naming the argument
and the expected shape, e.g. `rnn_forward: Wh must have shape (H, H) = (6, 6), got (6, 5)`.
"""
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
