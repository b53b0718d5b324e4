"""Build notebooks/*.ipynb from their single source of truth, notebooks/src/*.py.

The sources are jupytext "percent" scripts: `# %% [markdown]` and `# %%` start cells, and
nbgrader metadata rides on the cell line (`# %% nbgrader={...}`). The .ipynb files students
open are generated from them, without outputs, and committed.

    python scripts/build_notebooks.py          # rewrite every notebook from its source
    python scripts/build_notebooks.py --check  # exit 1 if a notebook differs from its source
"""
import argparse
import json
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "notebooks" / "src"
NOTEBOOKS = ROOT / "notebooks"
KEPT_CELL_METADATA = ("nbgrader", "tags")
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def build(source):
    """Return the notebook text (JSON) made from one percent script."""
    notebook = jupytext.read(source)
    notebook.metadata = dict(NOTEBOOK_METADATA)
    for index, cell in enumerate(notebook.cells):
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEPT_CELL_METADATA}
        cell.id = f"{source.stem[:2]}-{index:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(notebook)
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks out of date")
    args = parser.parse_args(argv)
    stale = []
    for source in sorted(SOURCES.glob("*.py")):
        target = NOTEBOOKS / f"{source.stem}.ipynb"
        text = build(source)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target.relative_to(ROOT))
        if not args.check:
            target.write_text(text, encoding="utf-8")
    orphans = [nb.relative_to(ROOT) for nb in sorted(NOTEBOOKS.glob("*.ipynb"))
               if not (SOURCES / f"{nb.stem}.py").exists()]
    for nb in orphans:
        print(f"{nb}: has no source notebooks/src/{nb.stem}.py", file=sys.stderr)
    if args.check and stale:
        for nb in stale:
            print(f"{nb}: differs from its source; run python scripts/build_notebooks.py",
                  file=sys.stderr)
    elif stale:
        print("\n".join(f"wrote {nb}" for nb in stale))
    return 1 if (orphans or (args.check and stale)) else 0


if __name__ == "__main__":
    sys.exit(main())
