"""Where the code runs and how to make it repeatable: device(), threads(), seed_everything(),
Timer.

On a CPU, torch's default of one thread per core collapses on a busy machine: its threads wait
for each other at every operation, and one of them is always waiting for a core that another
program holds (notebook 03 ran 55 s quiet but 335 s beside one busy process with 2 threads on 2
cores, 75 s and 71 s with 1 thread). threads() therefore gives torch only the cores that are
free when the notebook starts; the environment variable COURSE_NUM_THREADS overrides it (a
JupyterHub sets it per user). Notebook 03's LSTM goes further: course_utils.parallel runs its
independent rows as groups on separate threads, which a busy core slows far less (notebook 03
beside one busy process: 1.65 times its quiet time with threads() alone, 1.23 with row groups).
"""
import os
import random
import time

THREADS_VARIABLE = "COURSE_NUM_THREADS"
# Beyond this many threads the course's models (hidden sizes up to 384, batches up to 128) gain
# little, and on a shared machine the cores are better left to others.
MAX_USEFUL_THREADS = 4

import numpy as np


def device(verbose=True, max_threads=MAX_USEFUL_THREADS):
    """The best available torch device: CUDA, then Apple's MPS, then the CPU.

    It also sets torch's CPU thread count with threads(max_threads). Returns a torch.device;
    with verbose=True it prints one line saying what was chosen and why.
    """
    import torch

    if torch.cuda.is_available():
        chosen = torch.device("cuda")
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        chosen = torch.device("mps")
    else:
        chosen = torch.device("cpu")
    count, reason = threads(max_threads)  # the CPU's share of the work, on any device
    if verbose:
        print(f"Running on {chosen.type.upper()}, {count} torch thread{'s' * (count != 1)} "
              f"({reason})")
    return chosen


def usable_cores():
    """The CPU cores this process may run on: (cpu ids, count). The ids come from the
    process's affinity (os.sched_getaffinity, where the OS has it); the count is also capped
    by a cgroup CPU quota (containers, JupyterHub's cpu_limit), so it may be smaller."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        cpus = list(range(os.cpu_count() or 1))
    count = len(cpus)
    try:  # cgroup v2: "max 100000" or "<quota> <period>" in microseconds
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus, count


def _cpu_times(cpus):
    """{cpu id: (busy jiffies, total jiffies)} from Linux's /proc/stat; {} where it is missing."""
    times = {}
    try:
        with open("/proc/stat") as stat:
            for line in stat:
                name, *fields = line.split()
                if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
                    values = [int(v) for v in fields[:8]]
                    idle = values[3] + values[4]  # idle + iowait
                    times[int(name[3:])] = (sum(values) - idle, sum(values))
    except (OSError, ValueError):
        return {}
    return times


def busy_cores(cpus, interval=0.3):
    """How many of the cores `cpus` other programs kept busy during the next `interval` seconds
    (this process sleeps meanwhile), from /proc/stat; on systems without it, the 1-minute load
    average (os.getloadavg), else 0.0. Returns a float between 0 and len(cpus)."""
    before = _cpu_times(cpus)
    if before:
        time.sleep(interval)
        after = _cpu_times(cpus)
        busy = 0.0
        for cpu, (used, total) in after.items():
            if cpu in before and total > before[cpu][1]:
                busy += (used - before[cpu][0]) / (total - before[cpu][1])
        return min(float(len(cpus)), busy)
    try:
        return min(float(len(cpus)), os.getloadavg()[0])
    except (AttributeError, OSError):
        return 0.0


def choose_threads(max_threads=MAX_USEFUL_THREADS):
    """How many threads torch should use here: (count, reason).

    COURSE_NUM_THREADS, when set, decides (a positive int). Otherwise: the cores this process may
    use (usable_cores) less those other programs keep busy right now (busy_cores), rounded down
    unless at least three quarters of a core is free, at least 1, at most max_threads (a
    notebook whose models are too small for threads to pay passes 1).
    """
    if isinstance(max_threads, bool) or not isinstance(max_threads, int) or max_threads < 1:
        raise ValueError(f"choose_threads: max_threads must be a positive int, got {max_threads!r}")
    setting = os.environ.get(THREADS_VARIABLE, "").strip()
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise ValueError(f"choose_threads: the environment variable {THREADS_VARIABLE} must "
                             f"be a positive whole number, got {setting!r}")
        return int(setting), f"set by {THREADS_VARIABLE}"
    cpus, cores = usable_cores()
    busy = busy_cores(cpus)
    free = max(0.0, cores - busy)
    count = max(1, min(cores, max_threads, int(free + 0.25)))
    reason = (f"{cores} usable core{'s' * (cores != 1)}, {busy:.1f} busy elsewhere"
              + (f", at most {max_threads} here" if count == max_threads < cores else "")
              + f"; {THREADS_VARIABLE} overrides")
    return count, reason


def threads(max_threads=MAX_USEFUL_THREADS):
    """Set torch's intra-op thread count to choose_threads(max_threads); return (count, reason)."""
    import torch

    count, reason = choose_threads(max_threads)
    torch.set_num_threads(count)
    return count, reason


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
