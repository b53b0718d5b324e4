"""Numeric gradients for checking hand-written backward passes (NumPy only).

A backward pass is trusted once its gradient matches centred differences,
df/dx ~ (f(x + h) - f(x - h)) / 2h, up to a small relative error.
"""

import numpy as np

from .numerics import relative_errors
from .validate import Array, Flag, Number, checked


def _float_array(fn, arg, x):
    """x is nudged in place by +-h, so it must be a float NumPy array (an int array would
    round the nudge away and give a wrong gradient)."""
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        got = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else repr(x)[:40]
        raise ValueError(f"{fn}: {arg} must be a float NumPy array (it is nudged in place by "
                         f"+-h; use x.astype(float)), got {got}")
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"{fn}: {arg} must be non-empty and finite")


@checked(x=Array(nonempty=False), y=Array(nonempty=False))
def rel_error(x, y):
    """Largest relative error between two arrays: max(|x - y| / max(1e-8, |x| + |y|)).

    x, y: arrays of the same shape (or scalars)
    Returns a float; in float64 a correct gradient usually gives 1e-7 or less.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error: x and y must have the same shape, got x {x.shape} and "
                         f"y {y.shape} (they would be broadcast and compared entry by wrong entry)")
    if x.size == 0:
        raise ValueError("rel_error: x and y must not be empty")
    return float(np.max(relative_errors(x, y, 1e-8)))


@checked(x=_float_array, verbose=Flag, h=Number(0, low_open=True))
def eval_numerical_gradient(f, x, verbose=False, h=1e-5):
    """Numeric gradient of a scalar function: grad[i] = (f(x + h e_i) - f(x - h e_i)) / 2h.

    f: function taking the array x and returning a scalar
    x: array of any shape; nudged in place one entry at a time and restored
    Returns grad with x's shape (float64).
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(i, grad[i])
    return grad


@checked(x=_float_array, df=Array(), h=Number(0, low_open=True))
def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numeric gradient of sum(f(x) * df): grad[i] = sum((f(x + h e_i) - f(x - h e_i)) * df) / 2h.

    f: function taking the array x and returning an array shaped like df
    x: array of any shape; nudged in place one entry at a time and restored
    df: upstream gradient, the weights of the sum
    Returns grad with x's shape (float64).
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        f_plus = np.array(f(x), copy=True)  # copy: f may return a view of x
        x[i] = original - h
        f_minus = np.array(f(x), copy=True)
        x[i] = original
        grad[i] = np.sum((f_plus - f_minus) * df) / (2 * h)
    return grad
