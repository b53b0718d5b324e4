"""Notebook 04 in a real browser: JupyterLab on 127.0.0.1, headless Chromium (Debian's, driven
by playwright; never `playwright install`), run all cells, move a slider, and check that the
plot changed. Screenshots go to ci-artifacts/browser/ (or $COURSE_ARTIFACTS).

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
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    token = "browser-test-token"
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    lab_args = ["--allow-root", f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True"]
    with running_jupyterlab(lab_args, work, tmp_path / "lab.log", token, env) as base:
        yield f"{base}/lab/tree/{NOTEBOOK}?token={token}"


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_sliders_redraw_the_plots_in_a_real_browser(jupyterlab):
    sync_playwright = _browser_or_skip()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(jupyterlab)
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
        page.wait_for_function("window.jupyterapp !== undefined", timeout=30_000)
        _wait_for(lambda: page.evaluate(
            "() => { const w = window.jupyterapp.shell.currentWidget;"
            " return !!(w && w.sessionContext && w.sessionContext.session &&"
            " w.sessionContext.session.kernel &&"
            " w.sessionContext.session.kernel.status === 'idle'); }"), 60, "the kernel")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # The last graded check prints a tick when the whole notebook has run.
        _wait_for(lambda: page.locator("text=is the smallest scale").count() > 0, 180,
                  "all cells to run")
        page.screenshot(path=str(ARTIFACTS / "01_after_run_all.png"), full_page=False)
        assert not page.locator(".jp-OutputArea-output[data-mime-type="
                                "'application/vnd.jupyter.stderr']").count(), \
            "a cell wrote to stderr (a warning or an error)"

        slider = page.locator(".widget-slider", has=page.locator("label", has_text="spectral radius"))
        slider.scroll_into_view_if_needed()
        image = page.locator("img.widget-image").first
        image.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        before = image.get_attribute("src")
        page.screenshot(path=str(ARTIFACTS / "02_eigenvalue_explorer_before.png"))
        handle = slider.locator(".noUi-handle")
        handle.focus()
        for _ in range(20):  # 20 steps of 0.01: spectral radius 0.95 -> 1.15
            handle.press("ArrowRight")
        _wait_for(lambda: image.get_attribute("src") != before, 15, "the plot to redraw")
        readout = slider.locator(".widget-readout").inner_text()
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "03_eigenvalue_explorer_after.png"))
        assert float(readout) > 0.95, f"the slider did not move (readout {readout})"
        status = page.locator(".widget-html", has_text="spectral radius ρ(W)").first.inner_text()
        assert f"ρ(W) = {float(readout):.3f}" in status, status
        explosion = page.locator("img.widget-image").nth(1)
        explosion.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "04_explosion_explorer.png"))
        browser.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
