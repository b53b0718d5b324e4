"""Every code cell survives being re-run after a full run, as students do: Run All, then scroll
up and run a cell again (often after changing it).

Each notebook is executed once, top to bottom, in one kernel (nbclient); then every code cell
is executed once more in the same kernel, from the last cell up to the first. Going upwards means
each cell meets the names that the cells *below* it left behind (section 4 of notebook 01 rebinds
N, T, D, H; notebook 07's section 5 rebinds a name its section 3 used), which is exactly what a
student meets; re-running downwards would quietly restore every name before it was read.

The kernels run with one torch thread (COURSE_NUM_THREADS=1, what the course's JupyterHub gives
every student), while the nbval pass over the notebooks runs with the threads they choose (2 on
CI's 2 cores). A different thread count adds the same numbers in a different order, so the
trained models come out a little different: between the two passes every check cell's claim is
tested at two thread counts.

It costs about two executions of each notebook (about 25 minutes for all ten on a busy 2-core
machine). COURSE_RERUN selects notebooks by stem prefix (COURSE_RERUN=01,07); unset, all run.
"""
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHOSEN = [p for p in NOTEBOOKS
          if not os.environ.get("COURSE_RERUN")
          or any(p.stem.startswith(w.strip()) for w in os.environ["COURSE_RERUN"].split(","))]


def _first_line_of_error(error):
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else repr(error)


@pytest.mark.parametrize("path", CHOSEN, ids=[p.stem for p in CHOSEN])
def test_every_cell_reruns_after_a_full_run(path, monkeypatch):
    monkeypatch.setenv("COURSE_NUM_THREADS", "1")  # the kernel inherits it
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    code = [(index, cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    failures = []
    with client.setup_kernel():
        for index, cell in code:  # the full run: any error here is a plain failure
            client.execute_cell(cell, index)
        for index, cell in reversed(code):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                failures.append(f"cell {index} ({first[:60]!r}): {_first_line_of_error(error)}")
    assert not failures, (f"{path.name}: cells that fail when re-run after a full run:\n"
                          + "\n".join(failures))
