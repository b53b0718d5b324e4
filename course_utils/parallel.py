"""Independent rows on separate cores: rows_in_groups(), group_workers().

The rows of a batch of parallel text streams (notebook 03's truncated BPTT) never meet: each row
has its own state. So a recurrent layer can run its rows as a few groups on separate threads,
torch on one thread inside each, and put the pieces back together: the outputs and gradients of
the whole batch, up to rounding.

Why not leave it to torch? Torch's own threads share out every matrix product and wait for each
other at the end of each one, thousands of times per training step; beside another busy program
one of them is nearly always waiting for a core. Groups meet only twice per step (after the
forward pass and after the backward pass); with more groups than threads, a thread that gets
more of the machine takes more groups; and when the threads are as many as the cores, each stays
on its own core. Notebook 03's live training step on 2 cores (medians of runs of 15 steps):

                               quiet      beside one busy process
    torch, 2 threads           145 ms     450-540 ms
    torch, 1 thread            250 ms     245 ms
    4 groups on 2 threads      140 ms     200 ms

The caller fixes the number of groups, not the machine: each group always runs on one torch
thread, so the numbers are the same bit for bit with 1 worker or several (the groups then run one
after another on the caller's thread).
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import torch
from torch import nn

from . import runtime
from .validate import expect_int, expect_tensor

RECURRENT_LAYERS = (nn.RNN, nn.LSTM, nn.GRU)
MAX_GROUPS = 64
_pools = {}  # workers -> a ThreadPoolExecutor whose threads run torch on one thread each


def group_workers(groups):
    """How many threads should run `groups` groups of rows: an int from 1 to groups.

    COURSE_NUM_THREADS decides when set (a JupyterHub sets 1 per user); otherwise every core this
    process may use (runtime.usable_cores), at most runtime.MAX_USEFUL_THREADS. Unlike
    runtime.threads() it does not subtract the cores other programs keep busy: groups do not wait
    for each other inside an operation, so sharing a core with another program costs them only
    that core's share.
    """
    expect_int("group_workers", "groups", groups, 1, MAX_GROUPS)
    if os.environ.get(runtime.THREADS_VARIABLE, "").strip():
        count, _ = runtime.choose_threads()  # checks the setting
    else:
        count = min(runtime.usable_cores()[1], runtime.MAX_USEFUL_THREADS)
    return max(1, min(groups, count))


def _pool(workers):
    """The threads that run groups: torch on one thread in each. When they are exactly as many as
    the usable cores, each stays on its own core: otherwise the scheduler may put two of them on
    one core and leave a busy program alone on the other."""
    if workers not in _pools:
        cpus, _ = runtime.usable_cores()
        pin = len(cpus) == workers and hasattr(os, "sched_setaffinity")
        next_cpu, lock = iter(cpus), threading.Lock()

        def start_worker():
            torch.set_num_threads(1)
            if pin:
                with lock:
                    cpu = next(next_cpu)
                os.sched_setaffinity(0, {cpu})  # 0: this thread only

        _pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="row-group",
                                             initializer=start_worker)
    return _pools[workers]


def _run_all(fn, items, workers):
    """[fn(item) for item in items], on `workers` threads (in order, on this thread, when 1)."""
    if workers == 1:
        with _one_torch_thread():
            return [fn(item) for item in items]
    return list(_pool(workers).map(fn, items))


@contextmanager
def _one_torch_thread():
    """Torch on one thread inside the block, as in the workers: the numbers do not depend on the
    worker count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _pieces(state):
    return list(state) if isinstance(state, tuple) else [state]


def _join(per_group):
    """Put the groups' tensors back together, position by position: the first (outputs, or x)
    has its rows on dim 0, the states (layers, N, H) on dim 1."""
    return [torch.cat(parts, dim=0 if k == 0 else 1) for k, parts in enumerate(zip(*per_group))]


def _as_state(pieces, is_lstm):
    return tuple(pieces) if is_lstm else pieces[0]


class _RowGroups(torch.autograd.Function):
    """Forward: each group's rows through rnn on its own worker, with autograd on; keeps the
    groups' graphs. Backward: each group's graph backward on its own worker; the weights'
    gradients are summed over the groups in a fixed order (group 0 first)."""

    @staticmethod
    def forward(ctx, rnn, rows, workers, x, *states_then_weights):
        is_lstm = isinstance(rnn, nn.LSTM)
        states = states_then_weights[:2 if is_lstm else 1]
        ctx.weights = states_then_weights[len(states):]

        def run(r):
            with torch.enable_grad():
                xr = x[r].detach().requires_grad_(x.requires_grad)
                hr = [h[:, r].detach().requires_grad_(h.requires_grad) for h in states]
                out, new = rnn(xr, _as_state(hr, is_lstm))
            return [xr, *hr], [out, *_pieces(new)]

        ctx.groups, ctx.rows, ctx.workers = _run_all(run, rows, workers), rows, workers
        return tuple(o.detach() for o in _join([outputs for _, outputs in ctx.groups]))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, *grads):
        weights = list(ctx.weights)

        def back(i):
            inputs, outputs = ctx.groups[i]
            r, dim = ctx.rows[i], [0] + [1] * (len(outputs) - 1)
            pairs = [(o, g[r] if d == 0 else g[:, r]) for o, g, d in zip(outputs, grads, dim)
                     if g is not None]
            wanted = [t for t in inputs + weights if t.requires_grad]
            found = iter(torch.autograd.grad([o for o, _ in pairs], wanted, [g for _, g in pairs],
                                             retain_graph=True, allow_unused=True))
            return [next(found) if t.requires_grad else None for t in inputs + weights]

        # the groups' graphs are kept (a second backward works) until the outputs are freed
        per_group = _run_all(back, range(len(ctx.rows)), ctx.workers)
        n_inputs = len(per_group[0]) - len(weights)
        result = []
        for k in range(len(per_group[0])):
            pieces = [g[k] for g in per_group]  # None in every group or in none
            if pieces[0] is None:
                result.append(None)
            elif k < n_inputs:  # x: rows on dim 0; states: (layers, N, H), rows on dim 1
                result.append(torch.cat(pieces, dim=0 if k == 0 else 1))
            else:  # a weight: every group's contribution, summed in order
                total = pieces[0]
                for p in pieces[1:]:
                    total = total + p
                result.append(total)
        return (None, None, None, *result)


def rows_in_groups(rnn, x, state=None, groups=2, workers=None):
    """rnn(x, state), computed as `groups` groups of rows on separate threads.

    rnn: an nn.RNN, nn.LSTM or nn.GRU with batch_first=True; x: (N, T, D) with D = rnn.input_size;
    state: None, or what rnn takes: h0 (layers * directions, N, H), a pair (h0, c0) for an LSTM.
    groups: how many groups the N rows are cut into (sizes differ by at most 1; with N < groups,
    or off the CPU, rnn runs as usual). workers: threads to run them, default group_workers(groups).
    Returns rnn's (outputs (N, T, directions * H), final state); gradients flow to x, state and
    rnn's weights as through rnn itself. With dropout between layers, in training mode, the groups
    run one after another so that the random masks come in a fixed order.
    """
    if not isinstance(rnn, RECURRENT_LAYERS) or not rnn.batch_first:
        raise ValueError("rows_in_groups: rnn must be an nn.RNN, nn.LSTM or nn.GRU with "
                         f"batch_first=True, got {type(rnn).__name__}"
                         + ("" if not isinstance(rnn, RECURRENT_LAYERS) else " with batch_first=False"))
    expect_tensor("rows_in_groups", "x", x, "N, T, D", (None, None, rnn.input_size))
    expect_int("rows_in_groups", "groups", groups, 1, MAX_GROUPS)
    workers = group_workers(groups) if workers is None else workers
    expect_int("rows_in_groups", "workers", workers, 1, MAX_GROUPS)
    is_lstm, n = isinstance(rnn, nn.LSTM), x.shape[0]
    layers = rnn.num_layers * (2 if rnn.bidirectional else 1)
    if state is None:
        zeros = x.new_zeros(layers, n, rnn.hidden_size)
        state = (zeros, torch.zeros_like(zeros)) if is_lstm else zeros
    pieces = _pieces(state)
    if is_lstm and (not isinstance(state, tuple) or len(state) != 2):
        raise ValueError("rows_in_groups: an LSTM's state must be a pair (h0, c0), got "
                         f"{type(state).__name__}")
    for name, h in zip(("h0", "c0"), pieces):
        expect_tensor("rows_in_groups", f"state's {name}", h, "layers * directions, N, H",
                      (layers, n, rnn.hidden_size))
    if groups == 1 or n < groups or x.device.type != "cpu":  # a GPU takes the batch whole
        return rnn(x, state)
    if rnn.training and rnn.dropout > 0 and rnn.num_layers > 1:
        workers = 1
    bounds = torch.linspace(0, n, groups + 1).round().long().tolist()
    rows = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    if not torch.is_grad_enabled():  # evaluation: no graphs to keep
        def run(r):
            out, new = rnn(x[r], _as_state([h[:, r] for h in pieces], is_lstm))
            return [out, *_pieces(new)]
        outs = _join(_run_all(run, rows, workers))
    else:
        outs = _RowGroups.apply(rnn, rows, workers, x, *pieces, *rnn.parameters())
    return outs[0], _as_state(list(outs[1:]), is_lstm)
