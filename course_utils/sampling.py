"""Sampling from a language model: temperature, top-k, priming."""
import numpy as np
import torch

from ._reference import top_k_filter as _top_k_filter
from .validate import Array, Number, checked


@checked(logits=Array("V"), temperature=Number(0, low_open=True))
def softmax_with_temperature(logits, temperature=1.0):
    """p = softmax(logits / temperature). logits: (V,) array. Returns p: (V,), sums to 1.

    temperature < 1 sharpens the distribution, > 1 flattens it; it must be > 0.
    """
    if temperature <= 0:
        raise ValueError(f"softmax_with_temperature: temperature must be > 0, got {temperature}")
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = np.exp(z - z.max())
    return z / z.sum()



_softmax = softmax_with_temperature.__wrapped__  # per character in sample(): checked there once

@checked(probs=Array())
def entropy_nats(probs):
    """Entropy -sum p log p of a distribution probs: (..., V), in nats."""
    probs = np.asarray(probs)
    return -np.sum(np.where(probs > 0, probs * np.log(np.where(probs > 0, probs, 1)), 0), axis=-1)


@torch.no_grad()
def sample(model, vocab, prime, length, temperature=1.0, top_k=None, seed=0):
    """Generate `length` characters after the priming text `prime`, one at a time, each fed
    back in as the next input; the draws are seeded with `seed` (as decoding.sample's).
    Returns the generated text (without the prime)."""
    if not prime:
        raise ValueError("sample: prime must be at least one character")
    if not (isinstance(temperature, (int, float)) and not isinstance(temperature, bool)
            and 0 < temperature < float("inf")):
        raise ValueError(f"sample: temperature must be a positive number, got {temperature!r}")
    model.eval()
    rng = np.random.default_rng(seed)
    logits, state = model(torch.tensor(vocab.encode(prime))[None])
    out = []
    for _ in range(length):
        probs = _top_k_filter(_softmax(logits[0, -1].numpy(), temperature), top_k)
        next_id = int(rng.choice(len(probs), p=probs))
        out.append(next_id)
        logits, state = model(torch.tensor([[next_id]]), state)
    return vocab.decode(out)
