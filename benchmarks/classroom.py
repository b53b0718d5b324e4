"""Grading a class: how long nbgrader takes with the course's wrapper (scripts/classroom.py,
cells tagged autograde-skip not executed).

autograde_seconds:<stem>: one submission (the instructor's solutions), graded from a fresh
kernel, nbgrader's own start-up included; goal 15 s on 2 cores.
autograde_cohort_seconds: 30 generated submissions of notebook 01 (right, wrong, blank, half
right) graded 2 at a time; goal 300 s, and every score must be the one expected (else it
raises).
"""
import importlib.util
import tempfile
from functools import partial
from pathlib import Path

from . import ROOT, result

_spec = importlib.util.spec_from_file_location("classroom_script", ROOT / "scripts" / "classroom.py")
classroom = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(classroom)


def _course(folder, stem):
    course = classroom.make_course(folder, [stem])
    classroom.generate(course, [stem])
    return course, course / "source" / stem / f"{stem}.ipynb", course / "release" / stem / f"{stem}.ipynb"


def autograde_seconds(stem):
    from course_utils.runtime import Timer

    with tempfile.TemporaryDirectory() as tmp:
        course, source, released = _course(tmp, stem)
        solutions = [s for s, _ in classroom.exercises(source)]
        classroom.make_submission(source, released, course / "submitted" / "student" / stem /
                                  f"{stem}.ipynb", solved=solutions)
        with Timer() as timer:
            (score, max_score, _), = classroom.autograde(course, stem, ["student"]).values()
    if score != max_score:
        raise RuntimeError(f"autograde_seconds:{stem}: the solutions scored {score} of {max_score}")
    return result(f"autograde_seconds:{stem}", timer.seconds, "s", "lower", 15)


def cohort_submissions(course, source, released, stem, count=30):
    """`count` submissions in the course folder, cycling through right, wrong, blank and half
    right; returns {student: expected score}."""
    pairs = classroom.exercises(source)
    points = classroom.graded_points(source)
    kinds = {"right": ([s for s, _ in pairs], []), "wrong": ([], [s for s, _ in pairs]),
             "blank": ([], []), "half": ([s for s, _ in pairs[::2]], [])}
    expected = {}
    for i in range(count):
        kind = list(kinds)[i % len(kinds)]
        solved, wrong = kinds[kind]
        student = f"{kind}{i:02d}"
        classroom.make_submission(source, released, course / "submitted" / student / stem /
                                  f"{stem}.ipynb", solved=solved, wrong=wrong)
        expected[student] = sum(points[check] for solution, check in pairs if solution in solved)
    return expected


def autograde_cohort_seconds(stem="01_rnn_basics", count=30, workers=2):
    from course_utils.runtime import Timer

    with tempfile.TemporaryDirectory() as tmp:
        course, source, released = _course(tmp, stem)
        expected = cohort_submissions(course, source, released, stem, count)
        with Timer() as timer:
            graded = classroom.autograde(course, stem, list(expected), workers=workers)
    scores = {student: score for student, (score, _, _) in graded.items()}
    if scores != expected:
        wrong = {s: (scores[s], expected[s]) for s in expected if scores[s] != expected[s]}
        raise RuntimeError(f"autograde_cohort_seconds: scores differ (got, expected): {wrong}")
    return result("autograde_cohort_seconds", timer.seconds, "s", "lower", 300)


def benchmarks():
    stems = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    found = {f"autograde_seconds:{stem}": partial(autograde_seconds, stem) for stem in stems}
    found["autograde_cohort_seconds"] = autograde_cohort_seconds
    return found
