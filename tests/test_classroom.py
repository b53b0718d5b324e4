"""The nbgrader round trip on every notebook: release student versions, then autograde an
instructor submission (full marks) and a partial one (every other exercise solved, the rest
left as released: exactly the solved exercises' points)."""
import importlib.util
from pathlib import Path

import pytest

from course_utils import grading
from course_utils.runtime import Timer

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("classroom", ROOT / "scripts" / "classroom.py")
classroom = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(classroom)
STEMS = classroom.stems()


_cells = classroom._cells
_nbgrader = classroom._nbgrader


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = classroom.make_course(tmp_path_factory.mktemp("course"), STEMS)
    classroom.generate(root, STEMS)
    return root


def leaked_lines(source_cells, released_cells):
    """Solution lines (over 12 characters) found in the released notebook, except lines the
    instructor notebook also shows outside its solution regions (the exercise gives them)."""
    solutions, given = [], []
    for cell in source_cells:
        parts = "".join(cell["source"]).split("### BEGIN SOLUTION")
        given.append(parts[0])
        for part in parts[1:]:
            solution, after = part.split("### END SOLUTION")
            solutions.append(solution)
            given.append(after)
    given = "\n".join(given)
    released = "\n".join("".join(c["source"]) for c in released_cells)
    lines = {l.strip() for text in solutions for l in text.splitlines() if len(l.strip()) > 12}
    return sorted(line for line in lines if line not in given and line in released)


@pytest.mark.parametrize("stem", STEMS)
def test_release_hides_every_solution(course, stem):
    source = _cells(course / "source" / stem / f"{stem}.ipynb")
    released = _cells(course / "release" / stem / f"{stem}.ipynb")
    text = "\n".join("".join(c["source"]) for c in released)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert leaked_lines(source, released) == []
    doctored = released + [{"source": [next(
        l for c in source if _nbgrader(c).get("solution")
        for l in "".join(c["source"]).split("### BEGIN SOLUTION")[1].splitlines()
        if len(l.strip()) > 12 and l.strip() not in text)]}]
    assert leaked_lines(source, doctored), "the leak check must catch a copied solution line"


def _partial_submission(course, stem, path):
    """The released notebook with exercises 1, 3, 5, ... solved. Returns the solved checks."""
    pairs = classroom.exercises(course / "source" / stem / f"{stem}.ipynb")
    solved = dict(pairs[::2])
    classroom.make_submission(course / "source" / stem / f"{stem}.ipynb",
                              course / "release" / stem / f"{stem}.ipynb", path, solved=solved)
    return set(solved.values())


def _errors(autograded):
    """The errors in an autograded notebook, one line per failing cell (for a failure's message)."""
    lines = [f"cell {i}: {o['ename']}: {o['evalue'][:300]}"
             for i, c in enumerate(_cells(autograded)) for o in c.get("outputs", [])
             if o["output_type"] == "error"]
    return "errors while autograding:\n" + "\n".join(lines)


@pytest.mark.parametrize("stem", STEMS)
def test_autograde_gives_full_marks_to_the_solutions_and_none_to_stubs(course, stem, capsys):
    teacher = course / "submitted" / "instructor" / stem / f"{stem}.ipynb"
    teacher.parent.mkdir(parents=True)
    teacher.write_bytes((course / "source" / stem / f"{stem}.ipynb").read_bytes())
    solved = _partial_submission(course, stem,
                                 course / "submitted" / "partial" / stem / f"{stem}.ipynb")
    points = classroom.graded_points(course / "release" / stem / f"{stem}.ipynb")

    with Timer() as timer:
        results = classroom.autograde(course, stem, ["instructor", "partial"], workers=2)

    score, max_score, _ = results["instructor"]
    assert max_score == sum(points.values()) > 0
    assert score == max_score, _errors(course / "autograded" / "instructor" / stem / f"{stem}.ipynb")
    score, _, per_cell = results["partial"]
    assert per_cell == {gid: (p if gid in solved else 0) for gid, p in points.items()}, \
        _errors(course / "autograded" / "partial" / stem / f"{stem}.ipynb")
    with capsys.disabled():
        print(f"\n  {stem}: {max_score:g} points in {len(points)} exercises; instructor "
              f"{results['instructor'][0]:g}, partial {score:g} (solved: {', '.join(sorted(solved))}); "
              f"both graded in {timer.seconds:.0f} s, 2 at a time")


@pytest.mark.parametrize("stem", STEMS)
def test_stubs_fail_with_the_checks_message_and_nothing_fails_before(course, stem):
    graded = course / "autograded" / "partial" / stem / f"{stem}.ipynb"
    if not graded.exists():
        pytest.skip("needs the autograde test above to have run")
    cells = [c for c in _cells(graded) if c["cell_type"] == "code"]
    first_exercise = next(i for i, c in enumerate(cells) if _nbgrader(c).get("solution"))
    for cell in cells[:first_exercise]:
        assert not [o for o in cell["outputs"] if o["output_type"] == "error"], cell["source"]
    for cell in filter(lambda c: _nbgrader(c).get("grade"), cells):
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        for error in errors:
            assert error["ename"] == "ExerciseError", error["ename"]
            assert len(error["traceback"]) == 1, "a friendly message, not a traceback wall"
            assert "not implemented yet" in error["evalue"] or "not answered yet" in error["evalue"]


@pytest.mark.parametrize("stem", STEMS)
def test_grading_runs_every_cell_but_the_lessons_heavy_ones(course, stem):
    graded = course / "autograded" / "instructor" / stem / f"{stem}.ipynb"
    if not graded.exists():
        pytest.skip("needs the autograde test above to have run")
    source = [c for c in _cells(course / "source" / stem / f"{stem}.ipynb") if c["cell_type"] == "code"]
    cells = [c for c in _cells(graded) if c["cell_type"] == "code"]
    assert len(cells) == len(source)
    for before, after in zip(source, cells):
        ran = after["execution_count"] is not None
        assert ran != grading.skipped_when_grading(before), "".join(before["source"])[:200]
        assert not [o for o in after["outputs"] if o["output_type"] == "error"], \
            "".join(before["source"])[:200]


def test_a_skip_tag_never_skips_a_graded_cell_or_a_solution():
    tagged = {"cell_type": "code", "metadata": {"tags": [grading.SKIP_TAG]}}
    assert grading.skipped_when_grading(tagged)
    assert not grading.skipped_when_grading({**tagged, "metadata": {}})
    for role in ("grade", "solution"):
        cell = {"cell_type": "code", "metadata": {"tags": [grading.SKIP_TAG], "nbgrader": {role: True}}}
        assert not grading.skipped_when_grading(cell), role
    with pytest.raises(ValueError, match="cell"):
        grading.skipped_when_grading("a cell")


@pytest.mark.parametrize("stem", STEMS)
def test_readme_points_table_matches_the_notebooks(stem):
    points = classroom.graded_points(ROOT / "notebooks" / f"{stem}.ipynb")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next((l for l in readme.splitlines() if l.startswith(f"| {stem[:2]} ")), None)
    assert row is not None, f"add {stem} to the README's points table"
    expected = " + ".join(f"{p:g}" for p in points.values()) + f" = {sum(points.values()):g}"
    assert expected in row, f"README says {row!r}, the notebook gives {expected}"
