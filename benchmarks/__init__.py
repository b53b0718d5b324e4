"""The course's benchmarks: `python -m benchmarks [NAME ...]` prints one JSON object per line.

Each result is {"name", "value", "unit", "better": "higher" | "lower", "goal"}. A module here
adds benchmarks by defining `benchmarks()`, which returns {name: zero-argument function}, each
function returning a result made by `result(...)`; list the module in MODULES.
"""
import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["benchmarks.notebook_seconds", "benchmarks.widget_update", "benchmarks.longrange",
           "benchmarks.charlm", "benchmarks.eeg", "benchmarks.captioning", "benchmarks.beyond",
           "benchmarks.practice", "benchmarks.imaging", "benchmarks.linear", "benchmarks.busy",
           "benchmarks.classroom"]


def result(name, value, unit, better, goal=None):
    """One benchmark figure. better: "higher" or "lower"; goal: the target value, or None."""
    if better not in ("higher", "lower"):
        raise ValueError(f"result: better must be 'higher' or 'lower', got {better!r}")
    return {"name": name, "value": float(value), "unit": unit, "better": better,
            "goal": None if goal is None else float(goal)}


def notebook_budgets():
    """{notebook stem: seconds} from [tool.course.notebook_budget_seconds] in pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["tool"]["course"]["notebook_budget_seconds"]


def registry():
    """{name: function} of every benchmark, in a stable order."""
    found = {}
    for module in MODULES:
        found.update(importlib.import_module(module).benchmarks())
    return found
