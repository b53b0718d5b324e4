"""How notebook 03 fares on a busy machine, both figures measured in this run:

- busy_slowdown:03_char_lm: its headless time beside one competing busy process, divided by its
  time on the machine as it is (quiet first). Goal <= 1.5: a busy machine's student should be
  only somewhat slower, not several times (torch's default of 2 threads on 2 cores: 55 s quiet,
  335 s busy). Two things keep it low: the thread choice (course_utils.runtime.threads) and the
  LSTM's row groups (course_utils.parallel, train.QUICK_CHARLM's row_groups), which keep working
  on a shared core where torch's own threads would wait for each other.
- busy_vs_one_core:03_char_lm: the same busy time divided by the quiet time on one thread
  (COURSE_NUM_THREADS=1: torch and the row groups both on one thread). With one of two cores
  taken, about 1.0 means the notebook lost nothing but the busy core; below 1.0, it still got
  part of that core's work done. busy_slowdown is this figure times the speed-up the second
  core gives on a quiet machine (printed to stderr: the time on 1 thread / the time as it is).

"Quiet" means quiet apart from whatever else the machine runs: on a shared machine every run
carries that noise, so read the figures with the machine's load (printed to stderr) in mind.
"""
import os
import subprocess
import sys
import time
from functools import cache, partial
from unittest import mock

from . import ROOT, result
from .notebook_seconds import execute_seconds

BUSY_LOOP = "while True:\n    pass\n"
CELL_TIMEOUT = 3600  # seconds: a crowded machine makes the live-training cell slow


def busy_process():
    """Start one Python process that keeps one core busy; the caller stops it."""
    return subprocess.Popen([sys.executable, "-c", BUSY_LOOP])


def _path(stem):
    return ROOT / "notebooks" / f"{stem}.ipynb"


@cache
def quiet_seconds(stem, threads=None):
    """The notebook's headless seconds with no busy process; threads=None lets the notebook
    choose, an int sets COURSE_NUM_THREADS for its kernel."""
    setting = {} if threads is None else {"COURSE_NUM_THREADS": str(threads)}
    with mock.patch.dict(os.environ, setting):  # the kernel inherits it; restored after
        seconds = execute_seconds(_path(stem), CELL_TIMEOUT)
    print(f"{stem}: {seconds:.1f} s quiet, threads {threads or 'as the notebook chooses'}",
          file=sys.stderr, flush=True)
    return seconds


@cache
def busy_seconds(stem):
    """The notebook's headless seconds beside one busy process, threads as it chooses."""
    busy = busy_process()
    try:
        time.sleep(1.0)  # let it take its core before the notebook chooses its threads
        seconds = execute_seconds(_path(stem), CELL_TIMEOUT)
    finally:
        busy.terminate()
        busy.wait(timeout=30)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{stem}: {seconds:.1f} s beside one busy process (1-minute load average now "
          f"{load:.1f})", file=sys.stderr, flush=True)
    return seconds


def slowdown(stem):
    quiet, loaded = quiet_seconds(stem), busy_seconds(stem)
    return result(f"busy_slowdown:{stem}", loaded / quiet, "ratio", "lower", 1.5)


def against_one_core(stem):
    quiet, loaded, one = quiet_seconds(stem), busy_seconds(stem), quiet_seconds(stem, 1)
    print(f"{stem}: a second core speeds the quiet run up {one / quiet:.2f}x; busy_slowdown is "
          f"busy_vs_one_core times that", file=sys.stderr, flush=True)
    return result(f"busy_vs_one_core:{stem}", loaded / one, "ratio", "lower", 1.1)


def benchmarks():
    return {"busy_slowdown:03_char_lm": partial(slowdown, "03_char_lm"),
            "busy_vs_one_core:03_char_lm": partial(against_one_core, "03_char_lm")}
