"""Classroom use with nbgrader: a thin wrapper that lays out an nbgrader course and calls
nbgrader's own commands. Needs the test extra (`pip install -e ".[test]"`), which has nbgrader.

    python scripts/classroom.py release [--out release] [STEM ...]
        Student versions of the notebooks (solutions replaced by stubs) in release/,
        and the points each notebook is worth.
    python scripts/classroom.py course DIR [STEM ...]
        An nbgrader course folder at DIR: nbgrader_config.py and source/<stem>/<stem>.ipynb.
        From there use nbgrader itself: generate_assignment, release_assignment, collect,
        autograde, formgrader (see the README's "For instructors").
    python scripts/classroom.py autograde DIR STEM STUDENT [STUDENT ...]
        `nbgrader autograde` in course DIR (submissions in DIR/submitted/<student>/<stem>/),
        then each student's score.

STEM is a notebook's name without .ipynb (e.g. 01_rnn_basics); by default, every notebook.
"""
import argparse
import json
import os
import signal
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CONFIG = '''c = get_config()
c.CourseDirectory.course_id = "rnn-course"
c.Execute.timeout = 300  # seconds per cell when autograding (the slowest takes about 60)
'''


def stems(requested=()):
    """Notebook stems in notebooks/, or the requested ones (checked to exist)."""
    available = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    unknown = [s for s in requested if s not in available]
    if unknown:
        raise SystemExit(f"no notebook named {', '.join(unknown)}; available: {', '.join(available)}")
    return list(requested) or available


def graded_points(notebook_path):
    """{grade_id: points} of a notebook's graded cells, from their nbgrader metadata."""
    cells = json.loads(Path(notebook_path).read_text(encoding="utf-8"))["cells"]
    return {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
            for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")}


def make_course(root, notebook_stems):
    """Lay out an nbgrader course at `root` with one assignment per notebook."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    for stem in notebook_stems:
        (root / "source" / stem).mkdir(parents=True, exist_ok=True)
        shutil.copy(NOTEBOOKS / f"{stem}.ipynb", root / "source" / stem / f"{stem}.ipynb")
    return root


def nbgrader(root, *args, timeout=900):
    """Run `nbgrader ARGS` in the course folder; raise with its log if it fails or takes
    longer than `timeout` seconds (then it is stopped). Returns its log."""
    with tempfile.TemporaryFile("w+") as log:  # a file, not a pipe: the kernel inherits it
        process = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=root,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.seek(0)
        output = log.read()
    if process.returncode != 0:
        why = f"took over {timeout} s" if process.returncode == -signal.SIGKILL else "failed"
        raise RuntimeError(f"nbgrader {' '.join(args)} {why}; its log ends:\n{output[-4000:]}")
    return output


def generate(root, notebook_stems):
    """nbgrader generate_assignment for each notebook; returns the student versions' paths."""
    for stem in notebook_stems:
        nbgrader(root, "generate_assignment", stem, "--force")
    return [Path(root) / "release" / stem / f"{stem}.ipynb" for stem in notebook_stems]


def scores(root, stem, student):
    """(score, max_score, {grade_id: score}) of one autograded submission, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(stem, stem, student)
        per_cell = {grade.name: grade.score for grade in submission.grades}
        return submission.score, submission.max_score, per_cell


def autograde(root, stem, students):
    """nbgrader autograde one assignment for each student; returns {student: scores(...)}."""
    for student in students:
        nbgrader(root, "autograde", stem, "--student", student, "--force")
    return {student: scores(root, stem, student) for student in students}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    commands = parser.add_subparsers(dest="command", required=True)
    release_cmd = commands.add_parser("release", help="student versions into a folder")
    release_cmd.add_argument("--out", default=str(ROOT / "release"))
    release_cmd.add_argument("stems", nargs="*", metavar="STEM")
    course_cmd = commands.add_parser("course", help="an nbgrader course folder")
    course_cmd.add_argument("dir")
    course_cmd.add_argument("stems", nargs="*", metavar="STEM")
    grade_cmd = commands.add_parser("autograde", help="autograde submissions in a course")
    grade_cmd.add_argument("dir")
    grade_cmd.add_argument("stem")
    grade_cmd.add_argument("students", nargs="+", metavar="STUDENT")
    args = parser.parse_args(argv)

    if args.command == "release":
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            chosen = stems(args.stems)
            course = make_course(tmp, chosen)
            for stem, student_version in zip(chosen, generate(course, chosen)):
                shutil.copy(student_version, out / student_version.name)
                points = graded_points(student_version)
                print(f"{out / student_version.name}: {len(points)} graded exercises, "
                      f"{sum(points.values()):g} points")
    elif args.command == "course":
        course = make_course(args.dir, stems(args.stems))
        print(f"nbgrader course at {course}; next: cd {course} && nbgrader generate_assignment STEM")
    else:
        for student, (score, max_score, _) in autograde(args.dir, args.stem, args.students).items():
            print(f"{args.stem} {student}: {score:g} / {max_score:g} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
