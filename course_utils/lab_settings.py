"""The JupyterLab settings the course ships: widget state saved in notebooks (a reopened notebook
shows its progress bars and explorers instead of "Error displaying widget: model not found"),
and no "Jupyter news?" pop-up over the notebook.

JupyterLab reads every `<sys.prefix>/share/jupyter/lab/settings/overrides.d/*.json` as default
settings (a user can still change them). `pip install .` puts the file there by itself (a
data-files entry in pyproject.toml); an editable install (`pip install -e .`) cannot, so the
README's launch command runs this module once:

    python3 -m course_utils.lab_settings      # writes the file, says where
"""
import json
import sys
from pathlib import Path

SETTINGS = {
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}
FILE_NAME = "rnn-course.json"


def overrides_dir(prefix=None):
    """The folder JupyterLab reads override files from, for the environment at `prefix`
    (default: this Python's sys.prefix)."""
    return Path(sys.prefix if prefix is None else prefix) / "share" / "jupyter" / "lab" / \
        "settings" / "overrides.d"


def install(prefix=None):
    """Write the course's settings to overrides_dir(prefix)/rnn-course.json; return its path.
    Rewrites the file only when its content changed."""
    path = overrides_dir(prefix) / FILE_NAME
    text = json.dumps(SETTINGS, indent=2) + "\n"
    if not path.exists() or path.read_text() != text:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        except OSError as error:
            raise OSError(f"lab_settings.install: cannot write {path} ({error.strerror}); "
                          "run it with the rights to this Python's environment, or copy "
                          f"the file there by hand") from error
    return path


if __name__ == "__main__":
    print(f"JupyterLab settings for the course: {install()}")
