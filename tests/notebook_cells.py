"""Run a notebook's defining cells alone, from its jupytext source, so a test can compare the
code a notebook teaches (defined in an editable cell) with the package's copy of it."""
import re
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "notebooks" / "src"


def notebook_definitions(notebook, *names, namespace=None):
    """Execute, in order, the cells of notebooks/src/<notebook>.py that define each of `names`
    (`def name` or `class name` at the start of a line; exactly one cell each), in `namespace`
    (a dict of the imports they need; it is not copied). Returns the namespace."""
    path = SOURCES / f"{notebook}.py"
    cells = re.split(r"^# %%.*$", path.read_text(encoding="utf-8"), flags=re.M)
    namespace = {} if namespace is None else namespace
    for name in names:
        found = [cell for cell in cells if re.search(rf"^(def|class) {name}\b", cell, flags=re.M)]
        if len(found) != 1:
            raise LookupError(f"{path.name} defines {name} in {len(found)} cells, not one")
        exec(compile(found[0], str(path), "exec"), namespace)
    return namespace
