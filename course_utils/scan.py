"""One linear recurrence, h_t = a_t * h_{t-1} + b_t (element-wise), computed three ways.

    linear_recurrence_loop   the RNN way: one step after another (T sequential steps)
    hillis_steele_scan       an associative scan with combine(): log2(T) rounds, all steps at once
    parallel_scan            the same idea with less work: neighbours paired, then recurse on half
    log_space_scan           Heinsen (2023): cumulative sums in log space (a > 0), two torch calls
    fft_convolution          a time-invariant model's kernel applied with an FFT (S4's view)

a, b, h: (N, T, H), real or complex (log_space_scan: real only), h_0 = 0 unless given.
Notebook 10 writes combine() and the scan itself; these are the course's reference copies.
"""
import numpy as np
import torch

from .validate import Int, _shown, checked, expect_shape, expect_tensor


def _expect_pair(fn_name, a, b, h0=None, names=("a", "b", "h0"), complex_ok=True):
    """The public entries' one check (the internals below run unchecked, inside loops too)."""
    for name, value in zip(names, (a, b)):
        expect_tensor(fn_name, name, value, "N, T, H", complex_ok=complex_ok)
    if a.shape != b.shape:
        raise ValueError(f"{fn_name}: {names[0]} and {names[1]} must have the same shape (N, T, H), got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if h0 is not None:
        expect_tensor(fn_name, names[2], h0, "N, H", complex_ok=complex_ok)
        expect_shape(fn_name, names[2], h0, "N, H", (a.shape[0], a.shape[2]))


def _combine(left, right):
    (a1, b1), (a2, b2) = left, right
    return a1 * a2, a2 * b1 + b2


def _expect_step(fn_name, arg_name, step):
    if not isinstance(step, (tuple, list)) or len(step) != 2 or not all(
            torch.is_tensor(v) or (isinstance(v, np.ndarray) and v.dtype.kind in "iufc")
            or (isinstance(v, (int, float, complex, np.number)) and not isinstance(v, bool))
            for v in step):
        raise ValueError(f"{fn_name}: {arg_name} must be a pair (a, b) of tensors, arrays or numbers, "
                         f"got {_shown(step)}")


def combine(left, right):
    """The scan's operator: (a1, b1) o (a2, b2) = (a1 a2, a2 b1 + b2).

    left = (a1, b1) covers the earlier steps, right = (a2, b2) the later ones; the result is the
    one affine step h -> a1 a2 h + (a2 b1 + b2) that does both. Any shapes that broadcast.
    """
    _expect_step("combine", "left", left)
    _expect_step("combine", "right", right)
    try:
        return _combine(left, right)
    except (RuntimeError, ValueError) as error:
        raise ValueError(f"combine: left and right must hold tensors whose shapes broadcast "
                         f"({str(error).splitlines()[0]})") from None


def _loop(a, b, h0=None):
    h = torch.zeros_like(b[:, 0]) if h0 is None else h0
    states = []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1)):  # unbind: a[:, t] would cost O(T) backward
        h = a_t * h + b_t
        states.append(h)
    return torch.stack(states, dim=1)


def linear_recurrence_loop(a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t for t = 1..T, one step at a time.

    a, b: (N, T, H)   h0: (N, H) or None (zeros). Returns h: (N, T, H), the states h_1..h_T.
    """
    _expect_pair("linear_recurrence_loop", a, b, h0)
    return _loop(a, b, h0)


def _hillis_steele(a, b, h0=None):
    A, B = a, b
    T, offset = a.shape[1], 1
    while offset < T:
        earlier_a = torch.cat([torch.ones_like(A[:, :offset]), A[:, :-offset]], dim=1)
        earlier_b = torch.cat([torch.zeros_like(B[:, :offset]), B[:, :-offset]], dim=1)
        A, B = _combine((earlier_a, earlier_b), (A, B))
        offset *= 2
    return B if h0 is None else B + A * h0[:, None]


def hillis_steele_scan(a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t by an inclusive Hillis-Steele scan with `combine`.

    Round k combines every step t with the summary of the 2^k steps before it, so after
    ceil(log2 T) rounds position t summarises steps 1..t: (a_1...a_t, h_t given h_0 = 0).
    T log2 T combines in all. a, b: (N, T, H)   h0: (N, H) or None. Returns h: (N, T, H).
    """
    _expect_pair("hillis_steele_scan", a, b, h0)
    return _hillis_steele(a, b, h0)


def _pairwise_scan(a, b):
    """Inclusive scan of (a, b): (N, T, H) by combining neighbours and recursing on half."""
    N, T = a.shape[:2]
    if T == 1:
        return a, b
    if T % 2:  # pad with the identity step (a = 1, b = 0)
        a = torch.cat([a, torch.ones_like(a[:, :1])], dim=1)
        b = torch.cat([b, torch.zeros_like(b[:, :1])], dim=1)
    even, odd = (a[:, 0::2], b[:, 0::2]), (a[:, 1::2], b[:, 1::2])
    A_odd, B_odd = _pairwise_scan(*_combine(even, odd))  # prefixes ending at steps 2, 4, 6, ...
    A_rest, B_rest = _combine((A_odd[:, :-1], B_odd[:, :-1]), (even[0][:, 1:], even[1][:, 1:]))
    A_even = torch.cat([even[0][:, :1], A_rest], dim=1)  # prefixes ending at steps 1, 3, 5, ...
    B_even = torch.cat([even[1][:, :1], B_rest], dim=1)
    A = torch.stack([A_even, A_odd], dim=2).flatten(1, 2)[:, :T]
    B = torch.stack([B_even, B_odd], dim=2).flatten(1, 2)[:, :T]
    return A, B


def _parallel(a, b, h0=None):
    A, B = _pairwise_scan(a, b)
    return B if h0 is None else B + A * h0[:, None]


def parallel_scan(a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t by a work-efficient scan (Blelloch's idea, written recursively):
    combine neighbours (1,2), (3,4), ..., scan those T/2 summaries, then fill in the odd steps.

    About 2T combines in 2 log2 T rounds. a, b: (N, T, H), real or complex
    h0: (N, H) or None. Returns h: (N, T, H).
    """
    _expect_pair("parallel_scan", a, b, h0)
    return _parallel(a, b, h0)


def _log_space(log_a, b, h0=None):
    if h0 is not None:  # h0 enters as an extra first step with a = 1
        log_a = torch.cat([torch.zeros_like(log_a[:, :1]), log_a], dim=1)
        b = torch.cat([h0[:, None], b], dim=1)
    A = torch.cumsum(log_a, dim=1)
    tiny = torch.finfo(b.dtype).tiny
    parts = [torch.logcumsumexp(torch.log(part.clamp_min(0) + tiny) - A, dim=1)
             for part in (b, -b)]
    h = torch.exp(A + parts[0]) - torch.exp(A + parts[1])
    return h if h0 is None else h[:, 1:]


def log_space_scan(log_a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t with a_t = exp(log_a_t) > 0 and real b of any sign (Heinsen 2023).

    h_t = exp(A_t) * sum_{s<=t} exp(-A_s) b_s with A_t = sum_{s<=t} log a_s; the sum is taken
    as a logcumsumexp, separately for the positive and negative parts of b, so nothing
    overflows. log_a, b: (N, T, H) real   h0: (N, H) or None. Returns h: (N, T, H).
    """
    if any(torch.is_tensor(v) and v.is_complex() for v in (log_a, b, h0)):
        raise ValueError("log_space_scan: log_a, b and h0 must be real; use parallel_scan for complex")
    _expect_pair("log_space_scan", log_a, b, h0, ("log_a", "b", "h0"), complex_ok=False)
    return _log_space(log_a, b, h0)


def _log_space_positive(log_a, log_b, log_h0=None):
    if log_h0 is not None:
        log_a = torch.cat([torch.zeros_like(log_a[:, :1]), log_a], dim=1)
        log_b = torch.cat([log_h0[:, None], log_b], dim=1)
    A = torch.cumsum(log_a, dim=1)
    log_h = A + torch.logcumsumexp(log_b - A, dim=1)
    return log_h if log_h0 is None else log_h[:, 1:]


def log_space_scan_positive(log_a, log_b, log_h0=None):
    """log h_t for h_t = a_t h_{t-1} + b_t with a, b > 0 given as logs (minGRU, minLSTM).

    log_a, log_b: (N, T, H)   log_h0: (N, H) or None (h_0 = 0). Returns log h: (N, T, H).
    """
    _expect_pair("log_space_scan_positive", log_a, log_b, log_h0, ("log_a", "log_b", "log_h0"),
                 complex_ok=False)
    return _log_space_positive(log_a, log_b, log_h0)


def _fft(kernel, u):
    T = u.shape[1]
    spectrum = torch.fft.rfft(kernel, n=2 * T, dim=-2) * torch.fft.rfft(u, n=2 * T, dim=-2)
    return torch.fft.irfft(spectrum, n=2 * T, dim=-2)[..., :T, :]


def fft_convolution(kernel, u):
    """Causal convolution y_t = sum_{k=0}^{t} K_k u_{t-k}, per channel, with an FFT.

    kernel: (T, H) or (N, T, H)   u: (N, T, H), real. Returns y: (N, T, H).
    Zero-padding to 2T makes the FFT's circular convolution a causal one.
    """
    expect_tensor("fft_convolution", "u", u, "N, T, H")
    expect_tensor("fft_convolution", "kernel", kernel)
    if kernel.ndim not in (2, 3) or kernel.shape[-2:] != u.shape[-2:] or (
            kernel.ndim == 3 and kernel.shape[0] not in (1, u.shape[0])):
        raise ValueError(f"fft_convolution: kernel must have shape (T, H) = {tuple(u.shape[1:])} "
                         f"or (N, T, H), got {tuple(kernel.shape)} and u {tuple(u.shape)}")
    return _fft(kernel, u)


@checked(repeats=Int(1, 100))
def time_forward_backward(fn, inputs, repeats=3):

    """Median wall-clock seconds of fn(*inputs) (forward, no autograd) and of
    fn(*inputs).sum().backward() (forward + backward), over `repeats` runs each.

    inputs: tensors; fresh leaf copies that require grad are made for the backward runs.
    Returns (forward_seconds, forward_backward_seconds).
    """
    import statistics
    import time

    if not callable(fn):
        raise ValueError(f"time_forward_backward: fn must be a function, got {type(fn).__name__}")
    if not isinstance(inputs, (tuple, list)) or not inputs or not all(torch.is_tensor(x) for x in inputs):
        raise ValueError("time_forward_backward: inputs must be a non-empty tuple of tensors, got "
                         f"{type(inputs).__name__}")

    forward, both = [], []
    for _ in range(repeats):
        with torch.no_grad():
            start = time.perf_counter()
            fn(*inputs)
            forward.append(time.perf_counter() - start)
        leaves = [x.detach().clone().requires_grad_(x.is_floating_point() or x.is_complex())
                  for x in inputs]
        start = time.perf_counter()
        out = fn(*leaves)
        (out.real if out.is_complex() else out).sum().backward()
        both.append(time.perf_counter() - start)
    return statistics.median(forward), statistics.median(both)
