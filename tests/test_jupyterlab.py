"""The README's first command really opens the course: start JupyterLab the way it says (on
127.0.0.1, with a token, no browser) and fetch the first notebook through the server."""
import json
import re
import shlex
import urllib.request
from pathlib import Path

from lab_server import running_jupyterlab

ROOT = Path(__file__).resolve().parents[1]


def _open_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh)\n(.*?)```", readme, re.S).group(1)
    first = next(line for line in block.splitlines() if line and not line.startswith("#"))
    return shlex.split(first.split("&&")[-1])  # the part after the install


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_readme_open_command_serves_the_first_notebook(tmp_path):
    command = _open_command()
    assert command[:4] == ["python3", "-m", "jupyter", "lab"], command
    token = "course-test-token"
    with running_jupyterlab(command[4:], ROOT, tmp_path / "lab.log", token) as base:
        opened = Path(next(a for a in command if a.endswith(".ipynb"))).name  # served from its folder
        status, body = _get(f"{base}/api/contents/{opened}?token={token}")
        assert status == 200 and json.loads(body)["type"] == "notebook"
        status, page = _get(f"{base}/lab/tree/{opened}?token={token}")
        assert status == 200 and "JupyterLab" in page
