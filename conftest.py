"""Times every notebook that nbval runs and prints each duration beside its budget
([tool.course.notebook_budget_seconds]). Speed is held by the `notebook_seconds:*` benchmarks;
the test run fails only when a notebook has no budget or runs past its hang ceiling
(HANG_FACTOR times its budget), so a machine's slow minute does not stop a landing."""
from collections import defaultdict
from pathlib import Path

from benchmarks import notebook_budgets

HANG_FACTOR = 2
_seconds = defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[Path(path).stem] += report.duration


def verdict(seconds, budget):
    """'ok', 'over budget' (reported only), 'HUNG' (fails the run) or 'NO BUDGET' (fails)."""
    if budget is None:
        return "NO BUDGET"
    if seconds > HANG_FACTOR * budget:
        return "HUNG"
    return "ok" if seconds <= budget else "over budget"


def _failing():
    budgets = notebook_budgets()
    return sorted(stem for stem, s in _seconds.items()
                  if verdict(s, budgets.get(stem)) in ("HUNG", "NO BUDGET"))


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    budgets = notebook_budgets()
    terminalreporter.section("notebook durations (headless, nbval)")
    for stem, seconds in sorted(_seconds.items()):
        budget = budgets.get(stem)
        terminalreporter.write_line(f"{stem:40s} {seconds:6.1f} s   budget {budget} s   "
                                    f"{verdict(seconds, budget)}")
    if _failing():
        terminalreporter.write_line(f"FAILED: notebooks without a budget or past {HANG_FACTOR}x "
                                    "it (a hang): " + ", ".join(_failing()), red=True, bold=True)


def pytest_sessionfinish(session, exitstatus):
    if _failing() and exitstatus == 0:
        session.exitstatus = 1
