"""course_utils.parallel: a recurrent layer's rows as groups on separate threads gives the layer's
own outputs and gradients, the same numbers for any worker count, and clear errors."""
import os
import threading

import pytest
import torch
from torch import nn

from course_utils import parallel, train
from course_utils.models import CharLM, detach_state


def _pieces(state):
    return list(state) if isinstance(state, tuple) else [state]


def _layer_and_inputs(cls, bidirectional, n=5, layers=2):
    torch.manual_seed(0)
    rnn = cls(3, 4, num_layers=layers, batch_first=True, bidirectional=bidirectional).double()
    x = torch.randn(n, 6, 3, dtype=torch.double, requires_grad=True)
    shape = (layers * (2 if bidirectional else 1), n, 4)
    h0 = torch.randn(shape, dtype=torch.double, requires_grad=True)
    state = (h0, torch.randn(shape, dtype=torch.double, requires_grad=True)) if cls is nn.LSTM else h0
    return rnn, x, state


def _loss(out, state):
    return out.sin().sum() + sum(s.square().sum() for s in _pieces(state))


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_groups_give_the_layers_outputs_and_gradients(cls, bidirectional):
    rnn, x, state = _layer_and_inputs(cls, bidirectional)
    inputs = [x, *_pieces(state), *rnn.parameters()]
    expected_out, expected_state = rnn(x, state)
    expected = torch.autograd.grad(_loss(expected_out, expected_state), inputs)
    for groups, workers in [(2, 2), (3, 2), (3, 1), (5, 3)]:  # uneven groups too: 2 + 1 + 2 rows
        out, new_state = parallel.rows_in_groups(rnn, x, state, groups, workers)
        assert torch.allclose(out, expected_out)
        assert all(torch.allclose(a, b) for a, b in zip(_pieces(new_state), _pieces(expected_state)))
        got = torch.autograd.grad(_loss(out, new_state), inputs)
        for name, a, b in zip(["x", "h0", "c0"][:1 + len(_pieces(state))] + ["weight"] * 99, got, expected):
            assert torch.allclose(a, b), (groups, workers, name)
    with torch.no_grad():  # evaluation takes the path without graphs
        out, new_state = parallel.rows_in_groups(rnn, x, state, 2, 2)
    assert torch.allclose(out, expected_out)


def test_gradcheck_through_the_groups():
    """Numeric against analytic gradients for x and both LSTM states, 2 groups on 2 threads."""
    rnn, x, (h0, c0) = _layer_and_inputs(nn.LSTM, False, n=3, layers=1)

    def outputs(x, h0, c0):
        out, (h, c) = parallel.rows_in_groups(rnn, x, (h0, c0), groups=2, workers=2)
        return out, h, c

    assert torch.autograd.gradcheck(outputs, (x, h0, c0))


def _train_quick(workers, steps=3, cell="lstm"):
    torch.manual_seed(0)
    model = CharLM(7, embed_size=4, hidden_size=16, layers=1, cell=cell, row_groups=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    ids, state, losses = torch.randint(7, (8, 41)), None, []
    for step in range(steps):
        x, y = ids[:, step * 10:step * 10 + 10], ids[:, step * 10 + 1:step * 10 + 11]
        logits, state = model(x, detach_state(state))
        loss = nn.functional.cross_entropy(logits.reshape(-1, 7), y.reshape(-1))
        losses.append(train.training_step(model, optimizer, loss))
    return losses, model.state_dict()


def test_the_numbers_do_not_depend_on_the_worker_count(monkeypatch):
    """Each group runs on one torch thread whatever the worker count, so one worker (groups one
    after another, as on a JupyterHub with COURSE_NUM_THREADS=1) and two give the same bits."""
    runs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("COURSE_NUM_THREADS", workers)
        assert parallel.group_workers(2) == int(workers)
        runs[workers] = _train_quick(workers)
    (losses_1, weights_1), (losses_2, weights_2) = runs["1"], runs["2"]
    assert losses_1 == losses_2
    assert all(torch.equal(weights_1[k], weights_2[k]) for k in weights_1)


def test_the_groups_run_at_the_same_time_on_worker_threads():
    """Each group's forward waits at a barrier for the other: run one after another, they would
    never meet (BrokenBarrierError after the timeout)."""
    rnn, x, state = _layer_and_inputs(nn.GRU, False, n=4)
    both, seen = threading.Barrier(2, timeout=10), set()

    def meet(module, args, output):
        seen.add(threading.current_thread().name)
        both.wait()

    hook = rnn.register_forward_hook(meet)
    parallel.rows_in_groups(rnn, x, state, groups=2, workers=2)
    assert len(seen) == 2 and all(name.startswith("row-group") for name in seen), seen
    hook.remove()
    seen.clear()
    rnn.register_forward_hook(lambda module, args, output: seen.add(threading.current_thread().name))
    before = torch.get_num_threads()
    parallel.rows_in_groups(rnn, x, state, groups=2, workers=1)
    assert seen == {threading.current_thread().name}
    assert torch.get_num_threads() == before  # one worker: torch on one thread only inside


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux's per-thread affinity and 2 cores")
def test_as_many_workers_as_cores_stay_one_per_core():
    """Otherwise the scheduler may put two workers on one core beside a busy program."""
    cores = sorted(os.sched_getaffinity(0))
    rnn, x, state = _layer_and_inputs(nn.GRU, False, n=4 * len(cores))
    seen = {}

    def note_affinity(module, args, output):
        seen[threading.current_thread().name] = sorted(os.sched_getaffinity(0))

    rnn.register_forward_hook(note_affinity)
    parallel.rows_in_groups(rnn, x, state, groups=4 * len(cores), workers=len(cores))
    assert sorted(cpu for cpus in seen.values() for cpu in cpus) == cores, seen
    assert os.sched_getaffinity(0) == set(cores)  # the caller's thread is not pinned


def test_dropout_between_layers_keeps_a_fixed_order():
    """With dropout in training mode the groups run one after another, so a seed fixes the masks."""
    rnn = nn.LSTM(3, 4, num_layers=2, dropout=0.5, batch_first=True)
    x = torch.randn(6, 5, 3)
    outs = []
    for _ in range(2):
        torch.manual_seed(1)
        outs.append(parallel.rows_in_groups(rnn, x, None, groups=3, workers=2)[0])
    assert torch.equal(*outs)


def test_group_workers_follows_the_setting_and_the_groups(monkeypatch):
    monkeypatch.setenv("COURSE_NUM_THREADS", "3")
    assert parallel.group_workers(2) == 2 and parallel.group_workers(8) == 3
    monkeypatch.delenv("COURSE_NUM_THREADS")
    assert 1 <= parallel.group_workers(4) <= 4
    monkeypatch.setenv("COURSE_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="COURSE_NUM_THREADS"):
        parallel.group_workers(2)


def test_bad_inputs_say_what_is_wrong():
    gru = nn.GRU(3, 4, batch_first=True)
    with pytest.raises(ValueError, match="rnn must be an nn.RNN, nn.LSTM or nn.GRU"):
        parallel.rows_in_groups(nn.Linear(3, 4), torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="batch_first=False"):
        parallel.rows_in_groups(nn.GRU(3, 4), torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\)"):
        parallel.rows_in_groups(gru, torch.zeros(2, 5, 2))
    with pytest.raises(ValueError, match="state's h0 must have shape"):
        parallel.rows_in_groups(gru, torch.zeros(2, 5, 3), torch.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"state must be a pair \(h0, c0\)"):
        parallel.rows_in_groups(nn.LSTM(3, 4, batch_first=True), torch.zeros(2, 5, 3), torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="groups must be"):
        parallel.rows_in_groups(gru, torch.zeros(2, 5, 3), groups=0)
    with pytest.raises(ValueError, match="row_groups must be"):
        CharLM(5, row_groups=0)
