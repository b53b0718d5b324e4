"""notebook_seconds:<stem>: the wall-clock seconds to execute a notebook headless, from a fresh
kernel (start-up included), the way CI and a student's "Restart and run all" do."""
import time
from functools import partial
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from . import ROOT, notebook_budgets, result


def execute_seconds(path, timeout=600):
    """Execute the notebook at `path` in its own folder; return the seconds it took. A cell
    running longer than `timeout` seconds fails it."""
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def measure(path, goal):
    return result(f"notebook_seconds:{Path(path).stem}", execute_seconds(path), "s", "lower", goal)


def benchmarks():
    budgets = notebook_budgets()
    return {f"notebook_seconds:{path.stem}": partial(measure, path, budgets.get(path.stem))
            for path in sorted((ROOT / "notebooks").glob("*.ipynb"))}
