"""runtime helpers and the generated sentence data."""
import numpy as np
import pytest
import torch

from course_utils.data import years
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
