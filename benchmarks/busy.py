"""busy_slowdown:03_char_lm: notebook 03's headless time with one competing busy process,
divided by its time on a quiet machine, both measured in this run (quiet first). The goal is
<= 1.5: the course's thread choice (course_utils.runtime.threads) should leave a busy machine's
student only somewhat slower, not several times (2 threads on 2 cores: 55 s quiet, 335 s busy).

"Quiet" means quiet apart from whatever else the machine runs: on a shared machine both runs
carry that noise, so read the figure with the machine's load (printed to stderr) in mind.
"""
import os
import subprocess
import sys
import time
from functools import partial

from . import ROOT, result
from .notebook_seconds import execute_seconds

BUSY_LOOP = "while True:\n    pass\n"
CELL_TIMEOUT = 3600  # seconds: a crowded machine makes the live-training cell slow


def busy_process():
    """Start one Python process that keeps one core busy; the caller stops it."""
    return subprocess.Popen([sys.executable, "-c", BUSY_LOOP])


def slowdown(stem):
    path = ROOT / "notebooks" / f"{stem}.ipynb"
    quiet = execute_seconds(path, CELL_TIMEOUT)
    print(f"busy_slowdown:{stem}: quiet {quiet:.1f} s; now beside one busy process ...",
          file=sys.stderr, flush=True)
    busy = busy_process()
    try:
        time.sleep(1.0)  # let it take its core before the notebook chooses its threads
        loaded = execute_seconds(path, CELL_TIMEOUT)
    finally:
        busy.terminate()
        busy.wait(timeout=30)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"busy_slowdown:{stem}: quiet {quiet:.1f} s, with one busy process {loaded:.1f} s "
          f"(1-minute load average now {load:.1f})", file=sys.stderr, flush=True)
    return result(f"busy_slowdown:{stem}", loaded / quiet, "ratio", "lower", 1.5)


def benchmarks():
    return {"busy_slowdown:03_char_lm": partial(slowdown, "03_char_lm")}
