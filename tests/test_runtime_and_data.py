"""runtime helpers and the generated sentence data."""
import numpy as np
import pytest
import torch

from course_utils.data import years
from course_utils import runtime
from course_utils.runtime import SavedTensorMeter, Timer, device, seed_everything


def test_seed_everything_repeats_numpy_and_torch():
    seed_everything(3)
    a = (np.random.rand(3), torch.rand(3))
    seed_everything(3)
    b = (np.random.rand(3), torch.rand(3))
    assert np.array_equal(a[0], b[0]) and torch.equal(a[1], b[1])


@pytest.mark.parametrize("bad", [-1, 1.5, "0"])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        seed_everything(bad)


def test_device_is_usable(capsys):
    chosen = device()
    assert torch.zeros(1, device=chosen).device.type == chosen.type
    assert "Running on" in capsys.readouterr().out


@pytest.mark.parametrize("busy, cap, expected", [(0.0, 4, 2), (0.1, 4, 2), (0.6, 4, 1),
                                                 (1.0, 4, 1), (2.0, 4, 1), (0.0, 1, 1)])
def test_threads_follow_the_free_cores(monkeypatch, busy, cap, expected):
    monkeypatch.delenv(runtime.THREADS_VARIABLE, raising=False)
    monkeypatch.setattr(runtime, "usable_cores", lambda: ([0, 1], 2))
    monkeypatch.setattr(runtime, "busy_cores", lambda cpus: busy)
    count, reason = runtime.choose_threads(cap)
    assert count == expected
    assert "2 usable cores" in reason and f"{busy:.1f} busy" in reason


def test_threads_variable_overrides_and_is_checked(monkeypatch, capsys):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv(runtime.THREADS_VARIABLE, "3")
        assert runtime.choose_threads(1) == (3, "set by COURSE_NUM_THREADS")
        device(max_threads=1)
        assert torch.get_num_threads() == 3
        assert "3 torch threads (set by COURSE_NUM_THREADS)" in capsys.readouterr().out
        for bad in ("0", "two", "-1", "1.5"):
            monkeypatch.setenv(runtime.THREADS_VARIABLE, bad)
            with pytest.raises(ValueError, match="COURSE_NUM_THREADS must be a positive whole"):
                runtime.choose_threads()
        with pytest.raises(ValueError, match="choose_threads: max_threads must be a positive int"):
            runtime.choose_threads(0)
    finally:
        torch.set_num_threads(before)


def test_usable_and_busy_cores_are_sane():
    cpus, count = runtime.usable_cores()
    assert 1 <= count <= len(cpus)
    assert 0.0 <= runtime.busy_cores(cpus, interval=0.05) <= len(cpus)


def test_timer_and_meter():
    with Timer() as timer, SavedTensorMeter() as meter:
        w = torch.ones(1000, requires_grad=True)
        (w * w).sum()
    assert timer.seconds >= 0
    assert meter.bytes >= 2 * 1000 * 4  # w is saved twice by the product


def test_year_sentences_respect_positions_and_seed():
    sentences, positions = years.make_year_sentences(200, range(8, 15), seed=5)
    assert all(8 <= p <= 14 for p in positions)
    assert all(s[p - 1] == "in" and s[p].isdigit() for s, p in zip(sentences, positions))
    again, _ = years.make_year_sentences(200, range(8, 15), seed=5)
    assert again == sentences


def test_encode_pads_and_maps_unknown_words():
    vocab = years.build_vocabulary()
    tokens, lengths = years.encode([["I", "went", "to", "Narnia"], ["we"]], vocab, length=6)
    assert tokens.shape == (2, 6) and lengths.tolist() == [4, 1]
    assert tokens[0, 3] == vocab[years.UNK] and tokens[1, 1:].tolist() == [0] * 5
    with pytest.raises(ValueError, match="length must be >= the longest sentence"):
        years.encode([["a"] * 7], vocab, length=6)


def test_impossible_positions_are_reported():
    with pytest.raises(ValueError, match="rarely puts a year"):
        years.make_year_sentences(5, [40])
