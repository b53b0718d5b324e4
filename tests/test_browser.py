"""Notebook 04 in a real browser: JupyterLab on 127.0.0.1, headless Chromium (Debian's, driven
by playwright; never `playwright install`), with the settings the course ships
(jupyter-settings/rnn-course.json, read from an overrides.d folder as an installed course reads
it): run all cells, move a slider and check that the plot changed; set the explorer to its
smallest size and make W non-normal (the plot must change); re-run the check cell below it
(it must pass however the sliders were left); no news pop-up; save, shut the kernel down,
reopen, and the widgets must still show. Screenshots go to ci-artifacts/browser/ (or
$COURSE_ARTIFACTS).

Skipped when Chromium or playwright is missing, unless COURSE_REQUIRE_BROWSER=1 (set by CI),
which turns a missing browser into a failure.
"""
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from lab_server import running_jupyterlab

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = "04_vanishing_gradients.ipynb"
ARTIFACTS = Path(os.environ.get("COURSE_ARTIFACTS", ROOT / "ci-artifacts")) / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def _browser_or_skip():
    missing = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("the playwright package")
        sync_playwright = None
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return sync_playwright


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on a copy of the notebook; yields the notebook's URL."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, work / NOTEBOOK)
    # The course's shipped settings, where an installed course has them (overrides.d in the
    # app settings folder); the user settings folder starts empty, as on a first start.
    overrides = tmp_path / "app-settings" / "overrides.d"
    overrides.mkdir(parents=True)
    shutil.copy(ROOT / "jupyter-settings" / "rnn-course.json", overrides / "rnn-course.json")
    (tmp_path / "user-settings").mkdir()
    token = "browser-test-token"
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    lab_args = ["--allow-root", f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
                f"--LabApp.app_settings_dir={tmp_path / 'app-settings'}"]
    with running_jupyterlab(lab_args, work, tmp_path / "lab.log", token, env) as base:
        yield dict(url=f"{base}/lab/tree/{NOTEBOOK}?token={token}", base=base, token=token,
                   path=work / NOTEBOOK)


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _kernel_idle(page):
    return page.evaluate(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return !!(w && w.sessionContext && w.sessionContext.session &&"
        " w.sessionContext.session.kernel &&"
        " w.sessionContext.session.kernel.status === 'idle'); }")


def _open_notebook(page, url):
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_function("window.jupyterapp !== undefined", timeout=30_000)
    _wait_for(lambda: _kernel_idle(page), 60, "the kernel")


def _errors_in_outputs(page):
    return page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")


def _press(slider, key, times):
    handle = slider.locator(".noUi-handle")
    handle.focus()
    for _ in range(times):
        handle.press(key)


def _slider(page, label):
    return page.locator(".widget-slider", has=page.locator("label", has_text=label)).first


def test_sliders_redraw_the_plots_in_a_real_browser(jupyterlab):
    sync_playwright = _browser_or_skip()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        _open_notebook(page, jupyterlab["url"])
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # The last graded check prints a tick when the whole notebook has run.
        _wait_for(lambda: page.locator("text=is the smallest scale").count() > 0, 180,
                  "all cells to run")
        page.screenshot(path=str(ARTIFACTS / "01_after_run_all.png"), full_page=False)
        assert not _errors_in_outputs(page).count(), "a cell wrote to stderr (a warning or an error)"
        assert page.locator("text=Jupyter news").count() == 0, \
            "the news pop-up shows: the course's settings (fetchNews) were not applied"

        slider = _slider(page, "spectral radius")
        slider.scroll_into_view_if_needed()
        image = page.locator("img.widget-image").first
        image.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        before = image.get_attribute("src")
        page.screenshot(path=str(ARTIFACTS / "02_eigenvalue_explorer_before.png"))
        _press(slider, "ArrowRight", 20)  # 20 steps of 0.01: spectral radius 0.95 -> 1.15
        _wait_for(lambda: image.get_attribute("src") != before, 15, "the plot to redraw")
        readout = slider.locator(".widget-readout").inner_text()
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "03_eigenvalue_explorer_after.png"))
        assert float(readout) > 0.95, f"the slider did not move (readout {readout})"
        status = page.locator(".widget-html", has_text="spectral radius ρ(W)").first.inner_text()
        assert f"ρ(W) = {float(readout):.3f}" in status, status

        # The smallest matrix the size slider allows, then "non-normal": the plot must change.
        size = _slider(page, "matrix size n")
        _press(size, "Home", 1)
        smallest = int(size.locator(".widget-readout").inner_text())
        _press(_slider(page, "eigenvalue spread"), "End", 1)
        page.wait_for_timeout(1000)
        before = image.get_attribute("src")
        page.locator(".widget-toggle-button", has_text="non-normal").first.click()
        _wait_for(lambda: image.get_attribute("src") != before, 15,
                  f"'non-normal' to change the plot at size {smallest}")
        page.screenshot(path=str(ARTIFACTS / "04_smallest_non_normal.png"))

        # The check cell below the explorer passes however the sliders were left.
        check = page.locator(".jp-CodeCell", has_text="eigen_explorer.reset(structure").first
        check.scroll_into_view_if_needed()
        check.locator(".jp-InputArea-editor").click()
        count_before = check.locator(".jp-InputPrompt").inner_text()
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-cell')")
        _wait_for(lambda: check.locator(".jp-InputPrompt").inner_text() not in
                  (count_before, "[*]:"), 60, "the check cell to run again")
        assert not check.locator(".jp-OutputArea-output[data-mime-type="
                                 "'application/vnd.jupyter.stderr']").count(), \
            check.locator(".jp-OutputArea").inner_text()
        explosion = page.locator("img.widget-image").nth(1)
        explosion.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "05_explosion_explorer.png"))

        # Save; the widget state goes into the file (the shipped saveState setting).
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        def saved_widgets():
            metadata = json.loads(jupyterlab["path"].read_text()).get("metadata", {})
            state = metadata.get("widgets", {}).get(
                "application/vnd.jupyter.widget-state+json", {}).get("state", {})
            return len(state)
        _wait_for(lambda: saved_widgets() > 0, 30, "the widget state in the saved notebook")
        # Shut the kernel down and reopen the notebook: the widgets must still show.
        page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.wait_for_timeout(1000)
        _open_notebook(page, jupyterlab["url"])
        page.locator("img.widget-image").first.scroll_into_view_if_needed()
        _wait_for(lambda: page.locator("img.widget-image").count() >= 2, 30,
                  "the explorers to show from the saved widget state")
        page.screenshot(path=str(ARTIFACTS / "06_reopened.png"))
        assert page.locator("text=model not found").count() == 0, \
            "a reopened notebook shows 'Error displaying widget: model not found'"
        browser.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
