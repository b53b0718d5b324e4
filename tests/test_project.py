"""The project's promises: one dependency list, notebooks stored the agreed way, the README's
commands being the ones CI runs, and the benchmark runner's output format."""
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement

from benchmarks import notebook_budgets, result
from benchmarks.notebook_seconds import measure

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                        for r in extra]
    requirements = map(Requirement, listed)  # an extra may name another: course_utils[...]
    return {r.name.lower(): str(r.specifier) for r in requirements if r.name != project["name"]}


def _environment_requirements():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    listed = [d for d in conda if not re.match(r"(python|pip)\b", d)]
    listed += [p for p in pip if not p.startswith(("-e", "--"))]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in listed}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert _environment_requirements() == _pyproject_requirements()


def test_hypothesis_is_in_both_lists():
    """The property-based tests (tests/test_bad_inputs.py) need it wherever the tests run."""
    assert "hypothesis" in _pyproject_requirements() and "hypothesis" in _environment_requirements()


def test_environment_yml_installs_this_package_and_pins_torch():
    pip = next(d["pip"] for d in yaml.safe_load((ROOT / "environment.yml").read_text())
               ["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    assert _pyproject_requirements()["torch"] == "==2.13.0"


def test_drift_would_be_caught(monkeypatch):
    """The comparison above is not vacuous: an extra package on one side breaks it."""
    real = _pyproject_requirements()
    assert real and {**real, "scipy": ""} != _environment_requirements()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, \
                f"{path.name} has outputs; run python scripts/build_notebooks.py"


def test_notebooks_match_their_sources():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_notebooks.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_a_budget_and_a_row_in_the_readme_map(path):
    assert path.stem in notebook_budgets(), f"add {path.stem} to [tool.course.notebook_budget_seconds]"
    assert f"notebooks/{path.name}" in README, f"add {path.name} to the README's map"


def _readme_commands():
    """The two commands in the README's first fenced block, in order: open, test."""
    block = re.search(r"```(?:bash|sh)\n(.*?)```", README, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_shows_exactly_two_commands_and_ci_runs_the_second():
    commands = _readme_commands()
    assert len(commands) == 2, commands
    assert "jupyter lab" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines(), ".ci/run must run the README's test command verbatim"


def test_benchmark_result_format(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1 + 1")])
    nbformat.write(notebook, tmp_path / "tiny.ipynb")
    figure = measure(tmp_path / "tiny.ipynb", goal=60)
    assert set(figure) == {"name", "value", "unit", "better", "goal"}
    assert figure["name"] == "notebook_seconds:tiny" and 0 < figure["value"] < 60
    json.dumps(figure)
    with pytest.raises(ValueError, match="better must be"):
        result("x", 1, "s", "smaller")


def test_busy_benchmarks_time_a_notebook_three_ways(tmp_path, monkeypatch):
    """quiet as the notebook chooses, beside a busy process, quiet on one thread: each run once
    (shared by both figures), the one-thread run with COURSE_NUM_THREADS=1 in its kernel only."""
    import benchmarks.busy as busy

    (tmp_path / "notebooks").mkdir()
    record = "import os\nopen('seen.txt', 'a').write(os.environ.get('COURSE_NUM_THREADS', '-') + '\\n')"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(record)])
    nbformat.write(notebook, tmp_path / "notebooks" / "tiny.ipynb")
    monkeypatch.setattr(busy, "ROOT", tmp_path)
    monkeypatch.delenv("COURSE_NUM_THREADS", raising=False)
    busy.quiet_seconds.cache_clear()
    busy.busy_seconds.cache_clear()
    figure = busy.slowdown("tiny")
    assert figure["name"] == "busy_slowdown:tiny" and figure["value"] > 0
    assert figure["goal"] == 1.5 and figure["better"] == "lower"
    against = busy.against_one_core("tiny")
    assert against["name"] == "busy_vs_one_core:tiny" and against["value"] > 0
    assert (tmp_path / "notebooks" / "seen.txt").read_text().split() == ["-", "-", "1"]
    assert "COURSE_NUM_THREADS" not in os.environ


def test_lab_settings_ship_the_same_file_both_ways(tmp_path):
    """pip install . copies jupyter-settings/rnn-course.json (data-files); an editable install
    relies on `python -m course_utils.lab_settings`, which must write the same settings."""
    from course_utils import lab_settings

    with open(ROOT / "pyproject.toml", "rb") as file:
        data_files = tomllib.load(file)["tool"]["setuptools"]["data-files"]
    assert data_files == {"share/jupyter/lab/settings/overrides.d": ["jupyter-settings/rnn-course.json"]}
    shipped = json.loads((ROOT / "jupyter-settings" / "rnn-course.json").read_text())
    written = lab_settings.install(prefix=tmp_path)
    assert written == tmp_path / "share/jupyter/lab/settings/overrides.d/rnn-course.json"
    assert json.loads(written.read_text()) == shipped == lab_settings.SETTINGS
    assert shipped["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    assert "jupyter lab" in _readme_commands()[0]
    assert "course_utils.lab_settings" in _readme_commands()[0].split("jupyter lab")[0]


def test_benchmark_cli_lists_every_notebook_and_rejects_unknown_names():
    listed = subprocess.run([sys.executable, "-m", "benchmarks", "--list"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    assert [f"notebook_seconds:{p.stem}" for p in NOTEBOOKS] == \
        [n for n in listed if n.startswith("notebook_seconds:")]
    assert {"busy_slowdown:03_char_lm", "busy_vs_one_core:03_char_lm"} <= set(listed)
    bad = subprocess.run([sys.executable, "-m", "benchmarks", "no_such_thing"], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown benchmark" in bad.stderr


def test_a_slow_notebook_is_reported_and_only_a_hang_fails_the_run():
    from conftest import HANG_FACTOR, verdict

    assert verdict(50, 60) == "ok"
    assert verdict(61, 60) == "over budget"
    assert verdict(HANG_FACTOR * 60 + 1, 60) == "HUNG"
    assert verdict(5, None) == "NO BUDGET"
