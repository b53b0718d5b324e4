"""A class on a real JupyterHub, end to end through its REST APIs (classroom/localhub.py):
real Linux users, LocalProcessSpawner, the hub config instructors deploy
(classroom/jupyterhub_config.py). The instructor generates and releases notebook 01 through the
formgrader's API; three students fetch it, answer it through the contents API (everything, half,
nothing) and submit it; the instructor collects, autogrades with the course's wrapper and
exports. Needs root; CI sets COURSE_REQUIRE_HUB=1, so there it must not skip."""
import csv
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
STEM = "01_rnn_basics"
COURSE_ID = "rnn-course"
TEACHER = "rnnci-teacher"
STUDENTS = {"rnnci-ada": "everything", "rnnci-ben": "half", "rnnci-cy": "nothing"}


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


classroom = _load("classroom_script", ROOT / "scripts" / "classroom.py")

if os.geteuid() != 0 or not shutil.which("useradd"):
    if os.environ.get("COURSE_REQUIRE_HUB"):
        pytest.fail("the JupyterHub test needs root and useradd (COURSE_REQUIRE_HUB is set)",
                    pytrace=False)
    pytest.skip("the JupyterHub test needs root (it creates Linux users)", allow_module_level=True)

localhub = _load("localhub", ROOT / "classroom" / "localhub.py")


@pytest.fixture(scope="module")
def hub():
    workdir = localhub.make_temporary_workdir()
    try:
        env, source = localhub.environment_for_users(workdir / "env")
        with localhub.LocalHub([TEACHER, *STUDENTS], [TEACHER], env, source, workdir) as running:
            running.spawned = running.spawn_all()
            yield running
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _answers(how):
    """The solution grade_ids a student answers: every exercise, every other one, or none."""
    solutions = [solution for solution, _ in classroom.exercises(ROOT / "notebooks" / f"{STEM}.ipynb")]
    return {"everything": solutions, "half": solutions[::2], "nothing": []}[how]


def _expected_scores():
    points = classroom.graded_points(ROOT / "notebooks" / f"{STEM}.ipynb")
    checks = dict(classroom.exercises(ROOT / "notebooks" / f"{STEM}.ipynb"))
    return {student: sum(points[checks[s]] for s in _answers(how)) for student, how in STUDENTS.items()}


def _student_turn(hub, student, how):
    """Fetch the released notebook, answer `how` much of it in the file, submit it."""
    listed = hub.user_api(student, "GET", f"assignments?course_id={COURSE_ID}")
    assert any(a["assignment_id"] == STEM and a["status"] == "released" for a in listed["value"]), listed
    query = f"course_id={COURSE_ID}&assignment_id={STEM}"
    hub.user_api(student, "POST", f"assignments/fetch?{query}")
    path = f"{STEM}/{STEM}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        released, answered = Path(tmp) / "released.ipynb", Path(tmp) / "answered.ipynb"
        released.write_text(json.dumps(hub.read_notebook(student, path)))
        classroom.make_submission(ROOT / "notebooks" / f"{STEM}.ipynb", released, answered,
                                  solved=_answers(how))
        hub.write_notebook(student, path, json.loads(answered.read_text()))
    submitted = hub.user_api(student, "POST", f"assignments/submit?{query}")
    assert any(a["assignment_id"] == STEM and a["status"] == "submitted"
               for a in submitted["value"]), submitted


def test_a_class_round_trip_on_a_real_hub(hub, capsys):
    course = f"/home/{TEACHER}/{COURSE_ID}"
    api = f"formgrader/api/assignment/{STEM}"
    page = requests.get(f"{hub.url}/user/{TEACHER}/formgrader/manage_assignments", timeout=60,
                        headers={"Authorization": f"token {hub.user_tokens[TEACHER]}"})
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"], \
        "JupyterLab shows the formgrader in a frame of the same server"
    listed = hub.user_api(TEACHER, "GET", "formgrader/api/assignments")
    assert STEM in {a["name"] for a in listed}, "the instructor's course folder lists notebook 01"
    assert hub.user_api(TEACHER, "POST", f"{api}/assign")["success"]
    assert hub.user_api(TEACHER, "POST", f"{api}/release")["success"]

    for student, how in STUDENTS.items():
        _student_turn(hub, student, how)

    assert hub.user_api(TEACHER, "POST", f"{api}/collect")["success"]
    script = hub.source / "scripts" / "classroom.py"
    printed, error = hub.run_code(TEACHER, (
        "import subprocess, sys\n"
        f"grade = subprocess.run([sys.executable, {str(script)!r}, 'autograde', {course!r}, "
        f"{STEM!r}, '--workers', '2'], capture_output=True, text=True)\n"
        "print(grade.stdout, grade.stderr[-3000:])\n"
        f"export = subprocess.run(['nbgrader', 'export'], cwd={course!r}, capture_output=True, "
        "text=True)\n"
        "print(export.stderr[-2000:])\n"
        "assert grade.returncode == 0 and export.returncode == 0\n"))
    assert error is None, f"{error}\n{printed}\n{hub.log_tail()}"

    rows = list(csv.DictReader(io.StringIO(hub.read_text(TEACHER, f"{COURSE_ID}/grades.csv"))))
    max_score = sum(classroom.graded_points(ROOT / "notebooks" / f"{STEM}.ipynb").values())
    graded = {(r["assignment"], r["student_id"], float(r["raw_score"]), float(r["score"]),
               float(r["max_score"])) for r in rows}
    assert graded == {(STEM, student, score, score, max_score)
                      for student, score in _expected_scores().items()}, rows

    submissions = hub.user_api(TEACHER, "GET", f"formgrader/api/submissions/{STEM}")
    assert {s["student"]: s["score"] for s in submissions} == _expected_scores()
    assert all(s["autograded"] for s in submissions)
    with capsys.disabled():
        spawned = ", ".join(f"{n} {s:.0f} s" for n, s in hub.spawned.items())
        summary = next(l for l in printed.splitlines() if "graded in" in l)
        print(f"\n  hub round trip: spawned {spawned}; {summary.strip()}")


def test_a_student_cannot_use_the_formgrader(hub):
    with pytest.raises(RuntimeError, match="404"):
        hub.user_api("rnnci-cy", "GET", "formgrader/api/assignments")


def test_what_a_student_sees_in_the_assignments_panel(hub):
    """A student logs in with their Linux password and opens the Assignments panel; the
    screenshot goes to ci-artifacts/hub/ (the README shows a copy of it)."""
    from test_browser import CHROMIUM, CHROMIUM_ARGS, _browser_or_skip

    sync_playwright = _browser_or_skip()
    student, password = "rnnci-ada", "a-class-of-100"
    localhub.set_password(student, password)
    artifacts = Path(os.environ.get("COURSE_ARTIFACTS", ROOT / "ci-artifacts")) / "hub"
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", student)
        page.fill("#password_input", password)
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{student}/lab**", timeout=120_000)
        page.wait_for_selector(".jp-LauncherCard", timeout=120_000)
        try:
            page.keyboard.press("Control+Shift+C")
            page.keyboard.type("Assignment List")
            page.keyboard.press("Enter")
            page.get_by_text("Submitted assignments").first.wait_for(timeout=60_000)
            page.get_by_text(STEM).first.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
        finally:
            page.screenshot(path=str(artifacts / "assignments-panel.png"))
        text = page.inner_text("body")
        browser.close()
    assert STEM in text and "Released assignments" in text
