"""Where the code runs and how to make it repeatable: device(), seed_everything(), Timer."""
import os
import random
import time

import numpy as np


def device(verbose=True):
    """The best available torch device: CUDA, then Apple's MPS, then the CPU.

    Returns a torch.device; with verbose=True it also prints which one was chosen.
    """
    import torch

    if torch.cuda.is_available():
        chosen = torch.device("cuda")
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        chosen = torch.device("mps")
    else:
        chosen = torch.device("cpu")
    if verbose:
        threads = f", {torch.get_num_threads()} threads" if chosen.type == "cpu" else ""
        print(f"Running on {chosen.type.upper()}{threads}")
    return chosen


def seed_everything(seed):
    """Seed Python's `random`, NumPy's global generator and torch (if installed).

    seed: a non-negative int. Returns a fresh np.random.Generator seeded the same way,
    for code that prefers an explicit generator.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed_everything: seed must be a non-negative int, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:  # the NumPy-only parts of the course work without torch
        pass
    else:
        torch.manual_seed(seed)  # seeds CUDA and MPS generators too
    return np.random.default_rng(seed)


class Timer:
    """Wall-clock timer for `with` blocks: `with Timer() as t: ...; t.seconds`."""

    def __enter__(self):
        self._start = time.perf_counter()
        self.seconds = None
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False


class SavedTensorMeter:
    """Counts the bytes autograd keeps for the backward pass inside a `with` block.

    with SavedTensorMeter() as meter:
        loss = model(x).sum()
    meter.bytes  # memory held for backward (tensors saved by several ops count each time)
    """

    def __enter__(self):
        import torch

        self.bytes = 0

        def pack(tensor):
            self.bytes += tensor.numel() * tensor.element_size()
            return tensor

        self._hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)
        return False
