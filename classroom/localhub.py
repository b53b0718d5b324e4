"""A real JupyterHub on 127.0.0.1 with real Linux users, driven through its REST APIs: used by
the hub round-trip test (tests/test_hub.py) and the load test (classroom/loadtest.py). Needs
root (it creates users) and the classroom extra (JupyterHub, the Python proxy).

    with LocalHub(users=["rnnci-teacher", "rnnci-ada"], instructors=["rnnci-teacher"]) as hub:
        hub.spawn_all()
        hub.user_api("rnnci-ada", "GET", "api/contents")

Everything it starts or creates (hub, proxy, user servers, kernels, users, their homes, the
exchange) is removed on exit, processes by PID, also when the body raised.
"""
import asyncio
import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def readable_by_all(path):
    """True when every user can reach and read `path` (each folder above it o+x, it o+r)."""
    path = Path(path).resolve()
    for folder in [*reversed(path.parents), path]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH or (folder == path and not mode & stat.S_IROTH):
            return False
    return True


def environment_for_users(folder, log=print):
    """A Python environment every user can run, with the course installed from a copy of this
    checkout: the current one when its Python and this checkout are world-readable, else a
    new virtual environment in `folder` built from /usr/bin/python3 (the README's rule: a
    Python under /root makes every spawn fail with "Permission denied").
    Returns (the environment's prefix, the world-readable checkout installed in it)."""
    if readable_by_all(sys.base_prefix) and readable_by_all(sys.prefix) and readable_by_all(REPO):
        return Path(sys.prefix), REPO
    return build_environment(folder, log)


def build_environment(folder, log=print):
    """environment_for_users' new environment: a world-readable copy of this checkout's files
    in folder/course, installed with the classroom extra into folder/venv, a virtual
    environment of /usr/bin/python3. Returns (folder/venv, folder/course)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    source = folder / "course"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    subprocess.run(["chmod", "-R", "a+rX", str(folder)], check=True)
    env = folder / "venv"
    log(f"building the users' environment in {env} from /usr/bin/python3 ...")
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(env)], check=True)
    subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "-e", f"{source}[classroom]"], check=True)
    subprocess.run([str(env / "bin" / "python"), "-m", "course_utils.lab_settings"], check=True)
    subprocess.run(["chmod", "-R", "a+rX", str(folder)], check=True)
    return env, source


def set_password(user, password):
    """Give a Linux user a password (for logging in through the hub's page)."""
    subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True,
                   capture_output=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*command):
    subprocess.run(command, check=True, capture_output=True)


def pids_of(usernames):
    """PIDs of the processes owned by these users."""
    uids = set()
    for name in usernames:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except FileNotFoundError:
                pass
    return found


def kill(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class LocalHub:
    """A JupyterHub run from classroom/jupyterhub_config.py, on 127.0.0.1, with real users.

    users: Linux user names to create (removed on exit); instructors: those who grade.
    env, source: the users' Python environment and the checkout installed in it
    (environment_for_users); workdir: where the hub keeps its state and the exchange;
    cpu_limit: threads per user kernel."""

    def __init__(self, users, instructors, env, source, workdir, cpu_limit=1,
                 group="rnnci-course"):
        self.users, self.instructors = list(users), list(instructors)
        self.env, self.source = Path(env), Path(source)
        self.workdir, self.group = Path(workdir), group
        self.cpu_limit = cpu_limit
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.process = None
        self.user_tokens = {}

    # --- lifecycle -------------------------------------------------------------------
    def __enter__(self):
        try:
            self._make_users()
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _make_users(self):
        self._remove_users()  # left over from an interrupted run
        _run("groupadd", "-f", self.group)
        for name in self.users:
            _run("useradd", "--create-home", "--gid", self.group, "--shell", "/bin/bash", name)

    def _remove_users(self):
        kill(pids_of(self.users))
        for name in self.users:
            subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)
        try:
            grp.getgrnam(self.group)
            subprocess.run(["groupdel", self.group], capture_output=True)
        except KeyError:
            pass

    def _start(self):
        state = self.workdir / "hub"
        state.mkdir(parents=True, exist_ok=True)
        config = state / "test_config.py"
        config.write_text(
            f"load_subconfig({str(self.source / 'classroom' / 'jupyterhub_config.py')!r})\n"
            "c = get_config()\n"
            f"c.JupyterHub.services.append({{'name': 'course-test', 'api_token': {self.token!r}}})\n"
            "c.JupyterHub.load_roles.append({'name': 'course-test', 'services': ['course-test'], "
            "'scopes': ['admin:users', 'admin:servers', 'tokens', 'list:users', 'read:users', "
            "'access:servers']})\n")
        environment = {
            **os.environ,
            "RNN_HUB_ENV": str(self.env), "RNN_INSTRUCTORS": ",".join(self.instructors),
            "RNN_GROUP": self.group, "RNN_EXCHANGE": str(self.workdir / "exchange"),
            "RNN_HUB_STATE": str(state), "RNN_HUB_IP": "127.0.0.1", "RNN_HUB_PORT": str(self.port),
            "RNN_CPU_LIMIT": str(self.cpu_limit), "RNN_CULL_IDLE": "0",
            "PATH": f"{self.env / 'bin'}:{os.environ.get('PATH', '')}",
        }
        self.hub_log = open(state / "hub.log", "w")
        self.process = subprocess.Popen(
            [str(self.env / "bin" / "jupyterhub"), "-f", str(config),
             f"--JupyterHub.hub_port={free_port()}",
             f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}"],
            cwd=state, env=environment, stdout=self.hub_log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterHub did not answer in 120 s:\n{self.log_tail()}")

    def log_tail(self, characters=4000):
        path = self.workdir / "hub" / "hub.log"
        return path.read_text(errors="replace")[-characters:] if path.exists() else ""

    def close(self):
        """Stop the hub (its process group: hub and proxy), every process of the users, and
        remove the users, their homes and the exchange."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self._remove_users()
        shutil.rmtree(self.workdir / "exchange", ignore_errors=True)

    # --- the hub's REST API ----------------------------------------------------------
    def api(self, method, path, **kwargs):
        """A call to the hub's REST API (/hub/api/<path>) with the service's token."""
        response = requests.request(method, f"{self.url}/hub/api/{path}", timeout=60,
                                    headers={"Authorization": f"token {self.token}"}, **kwargs)
        if not response.ok:
            raise RuntimeError(f"{method} /hub/api/{path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def spawn(self, name, timeout=240):
        """Create the hub user `name`, start their server, wait until it answers; seconds taken."""
        start = time.monotonic()
        if requests.get(f"{self.url}/hub/api/users/{name}", timeout=60,
                        headers={"Authorization": f"token {self.token}"}).status_code == 404:
            self.api("POST", f"users/{name}")
        self.api("POST", f"users/{name}/server")
        while time.monotonic() - start < timeout:
            server = self.api("GET", f"users/{name}")["servers"].get("", {})
            if server.get("ready"):
                self.user_tokens[name] = self.api("POST", f"users/{name}/tokens",
                                                  json={"note": "course test"})["token"]
                return time.monotonic() - start
            time.sleep(0.5)
        raise RuntimeError(f"{name}'s server did not start in {timeout} s:\n{self.log_tail()}")

    def spawn_all(self, names=None, workers=4):
        """Spawn several users at once; returns {name: seconds}."""
        names = list(names or self.users)
        with ThreadPoolExecutor(workers) as pool:
            return dict(zip(names, pool.map(self.spawn, names)))

    # --- a user's own server ---------------------------------------------------------
    def user_api(self, name, method, path, timeout=600, **kwargs):
        """A call to user `name`'s Jupyter server (/user/<name>/<path>) with their token;
        returns the decoded JSON (or None)."""
        response = requests.request(method, f"{self.url}/user/{name}/{path}", timeout=timeout,
                                    headers={"Authorization": f"token {self.user_tokens[name]}"},
                                    **kwargs)
        if not response.ok:
            hub_log = f"\nthe hub's log ends:\n{self.log_tail()}" if response.status_code >= 500 else ""
            raise RuntimeError(f"{name}: {method} {path}: {response.status_code} "
                               f"{response.text[:500]}{hub_log}")
        return response.json() if response.content else None

    def read_notebook(self, name, path):
        return self.user_api(name, "GET", f"api/contents/{path}")["content"]

    def write_notebook(self, name, path, notebook):
        self.user_api(name, "PUT", f"api/contents/{path}",
                      json={"type": "notebook", "format": "json", "content": notebook})

    def read_text(self, name, path):
        return self.user_api(name, "GET", f"api/contents/{path}?type=file&format=text")["content"]

    def run_code(self, name, code, timeout=600):
        """Run `code` in a new kernel of user `name`'s server, over the kernel's websocket
        (Jupyter's messaging protocol); returns (everything it printed, error or None)."""
        kernel = self.user_api(name, "POST", "api/kernels", json={"name": "python3"})
        try:
            return asyncio.run(self._execute(name, kernel["id"], code, timeout))
        finally:
            self.user_api(name, "DELETE", f"api/kernels/{kernel['id']}")

    async def _execute(self, name, kernel_id, code, timeout):
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = f"ws://127.0.0.1:{self.port}/user/{name}/api/kernels/{kernel_id}/channels"
        connection = await websocket_connect(HTTPRequest(
            url, headers={"Authorization": f"token {self.user_tokens[name]}"}))
        msg_id = uuid.uuid4().hex
        await connection.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": name, "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        printed, error = [], None
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{name}: code still running after {timeout} s")
                message = await asyncio.wait_for(connection.read_message(), left)
                if message is None:
                    raise RuntimeError(f"{name}: the kernel's websocket closed")
                message = json.loads(message)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    printed.append(content["text"])
                elif kind == "error":
                    error = f"{content['ename']}: {content['evalue']}"
                elif kind == "status" and content["execution_state"] == "idle":
                    return "".join(printed), error
        finally:
            connection.close()


def make_temporary_workdir(prefix="rnn-hub-"):
    """A world-traversable folder for the hub's state and the exchange."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/srv" if os.access("/srv", os.W_OK) else None))
    os.chmod(folder, 0o755)
    return folder
