"""Times every notebook that nbval runs, prints the durations, and fails the run when a
notebook has no budget or exceeds it (budgets: [tool.course.notebook_budget_seconds])."""
from collections import defaultdict
from pathlib import Path

from benchmarks import notebook_budgets

_seconds = defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[Path(path).stem] += report.duration


def _over_budget():
    budgets = notebook_budgets()
    return {stem: budgets.get(stem) for stem, s in _seconds.items()
            if budgets.get(stem) is None or s > budgets[stem]}


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    budgets = notebook_budgets()
    terminalreporter.section("notebook durations (headless, nbval)")
    for stem, seconds in sorted(_seconds.items()):
        budget = budgets.get(stem)
        verdict = "NO BUDGET" if budget is None else ("ok" if seconds <= budget else "OVER BUDGET")
        terminalreporter.write_line(f"{stem:40s} {seconds:6.1f} s   budget {budget} s   {verdict}")
    if _over_budget():
        terminalreporter.write_line("FAILED: notebooks over (or without) their budget: "
                                    + ", ".join(sorted(_over_budget())), red=True, bold=True)


def pytest_sessionfinish(session, exitstatus):
    if _seconds and _over_budget() and exitstatus == 0:
        session.exitstatus = 1
