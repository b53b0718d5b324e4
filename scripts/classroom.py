"""Classroom use with nbgrader: a thin wrapper that lays out an nbgrader course and calls
nbgrader's own commands. Needs the test extra (`pip install -e ".[test]"`), which has nbgrader.

    python scripts/classroom.py release [--out release] [STEM ...]
        Student versions of the notebooks (solutions replaced by stubs) in release/,
        and the points each notebook is worth.
    python scripts/classroom.py course DIR [STEM ...]
        An nbgrader course folder at DIR: nbgrader_config.py and source/<stem>/<stem>.ipynb,
        and ~/.jupyter/nbgrader_config.py pointing the formgrader at it (unless one exists).
        From there use nbgrader itself: generate_assignment, release_assignment, collect,
        autograde, formgrader (see the README's "For instructors").
    python scripts/classroom.py autograde DIR STEM [STUDENT ...] [--workers N]
        `nbgrader autograde` in course DIR for each student (by default every student with a
        submission in DIR/submitted/<student>/<stem>/), N at a time, then each one's score.
        Cells tagged `autograde-skip` (training, measuring, drawing) are not executed, every
        graded cell and every solution is (course_utils.grading).

STEM is a notebook's name without .ipynb (e.g. 01_rnn_basics); by default, every notebook.
"""
import argparse
import json
import os
import re
import signal
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CONFIG = '''import os

from course_utils.grading import configure

c = get_config()
c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Several graders may write the gradebook at once (classroom.py autograde --workers): SQLite
# serialises the writes, and each waits up to 60 s for the lock instead of the default 5 s.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db?timeout=60")
# Autograde and validate skip the cells tagged autograde-skip; 300 s per cell at most.
configure(c, cell_timeout=300)
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


def point_formgrader_at(root, jupyter_dir=None):
    """Write <jupyter_dir>/nbgrader_config.py (default ~/.jupyter) setting
    CourseDirectory.root to the course folder `root`, unless that file exists: without it the
    formgrader, which starts in the home folder, lists nothing. Returns the file's path."""
    path = Path(jupyter_dir or Path.home() / ".jupyter") / "nbgrader_config.py"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"c = get_config()\nc.CourseDirectory.root = {str(Path(root).resolve())!r}\n")
    return path


def nbgrader(root, *args, timeout=900, threads=None):
    """Run `nbgrader ARGS` in the course folder; raise with its log if it fails or takes
    longer than `timeout` seconds (then it is stopped). Returns its log. threads: the CPU
    threads each kernel it starts may use (OMP_NUM_THREADS, COURSE_NUM_THREADS), or None."""
    # nbgrader runs `alembic` when it makes a gradebook: this Python's scripts come first.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")])}
    if threads is not None:
        env.update(OMP_NUM_THREADS=str(threads), COURSE_NUM_THREADS=str(threads))
    with tempfile.TemporaryFile("w+") as log:  # a file, not a pipe: the kernel inherits it
        process = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
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


def submitted_students(root, stem):
    """The students with a submission of `stem` in the course folder, sorted."""
    return sorted(p.parent.parent.name for p in Path(root).glob(f"submitted/*/{stem}/{stem}.ipynb"))


def autograde(root, stem, students=None, workers=1):
    """nbgrader autograde one assignment for each student (default: every submitted one),
    `workers` submissions at a time, each kernel on its share of the CPU cores.
    Returns {student: scores(...)}, in the order of `students`."""
    students = list(students) if students else submitted_students(root, stem)
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"autograde: workers must be a positive int, got {workers!r}")
    threads = max(1, len(os.sched_getaffinity(0)) // workers)

    def grade(student):
        nbgrader(root, "autograde", stem, "--student", student, "--force", threads=threads)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(grade, students))  # re-raises the first failure, with its log
    return {student: scores(root, stem, student) for student in students}


def _cells(notebook_path):
    return json.loads(Path(notebook_path).read_text(encoding="utf-8"))["cells"]


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def exercises(source_notebook):
    """[(solution grade_id, check grade_id)] of an instructor notebook, in order."""
    cells = _cells(source_notebook)
    solutions = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c).get("solution")]
    graded = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c).get("grade")]
    if len(solutions) != len(graded):
        raise ValueError(f"exercises: {source_notebook} needs one graded check per solution cell, "
                         f"found {len(solutions)} solutions and {len(graded)} checks")
    return list(zip(solutions, graded))


def make_submission(source_notebook, released_notebook, path, solved=(), wrong=()):
    """Write a student's submission to `path`: the released notebook with the exercises whose
    solution grade_id is in `solved` answered by the instructor's solution, and those in
    `wrong` answered with `return None` in place of the stub. Returns `path`."""
    by_id = {_nbgrader(c).get("grade_id"): c for c in _cells(source_notebook)}
    notebook = json.loads(Path(released_notebook).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in solved:
            cell["source"] = by_id[grade_id]["source"]
        elif grade_id in wrong:
            text = "".join(cell["source"])
            cell["source"] = re.sub(r"raise NotImplementedError\(\)", "return None", text)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(notebook), encoding="utf-8")
    return Path(path)


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
    grade_cmd.add_argument("students", nargs="*", metavar="STUDENT")
    grade_cmd.add_argument("--workers", type=int, default=1,
                           help="submissions graded at once (default 1; about one per 2 cores)")
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
        config = point_formgrader_at(course)
        print(f"nbgrader course at {course} (the formgrader finds it through {config}); next: "
              f"cd {course} && nbgrader generate_assignment STEM")
    else:
        from course_utils.runtime import Timer

        with Timer() as timer:
            graded = autograde(args.dir, args.stem, args.students, args.workers)
        for student, (score, max_score, _) in graded.items():
            print(f"{args.stem} {student}: {score:g} / {max_score:g} points")
        print(f"{len(graded)} submissions graded in {timer.seconds:.0f} s, "
              f"{args.workers} at a time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
