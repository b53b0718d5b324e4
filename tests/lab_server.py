"""Helpers shared by the tests that start a real JupyterLab server."""
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request


@contextlib.contextmanager
def running_jupyterlab(lab_args, cwd, log_path, token, env=None):
    """Start `python -m jupyter lab` on 127.0.0.1 with `lab_args` added; yield its base URL
    once /api/status answers; stop it afterwards. The server's output goes to log_path."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", *lab_args, "--no-browser", "--ip=127.0.0.1",
             f"--port={port}", f"--IdentityProvider.token={token}"],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    assert server.poll() is None, open(log_path).read()
                    time.sleep(0.25)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)
