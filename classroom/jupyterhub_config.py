"""JupyterHub for a class on one machine: local Linux users, the course's environment,
nbgrader's exchange, a course folder for each instructor, idle culling, and kernels capped to
their share of the CPU.

    sudo RNN_HUB_ENV=/opt/rnn-course/venv /opt/rnn-course/venv/bin/jupyterhub \\
        -f /opt/rnn-course/src/classroom/jupyterhub_config.py

Settings come from environment variables (defaults in brackets):
    RNN_HUB_ENV        the course's Python environment; every user must be able to read it,
                       so build it from /usr/bin/python3, not from a Python under /root
                       [the environment running the hub]
    RNN_INSTRUCTORS    comma-separated user names that grade [instructor]
    RNN_GROUP          the Linux group whose members may log in [rnn-course]
    RNN_COURSE_ID      nbgrader's course id [rnn-course]
    RNN_EXCHANGE       nbgrader's exchange folder, writable by all [/srv/nbgrader/exchange]
    RNN_HUB_STATE      the hub's database and cookie secret [/srv/jupyterhub]
    RNN_HUB_IP, RNN_HUB_PORT                                     [0.0.0.0, 8000]
    RNN_MEM_LIMIT      memory per user: enforced by SystemdSpawner, advisory (shown to the user
                       as MEM_LIMIT) with the local spawner [1G]
    RNN_CPU_LIMIT      CPU threads per user kernel [1]
    RNN_SPAWNER        "local" (LocalProcessSpawner) or "systemd" (jupyterhub-systemdspawner,
                       which enforces the memory and CPU limits with cgroups) [local]
    RNN_CULL_IDLE      seconds after which an idle server is stopped (0: never) [3600]
The measured figures behind the defaults are in classroom/CAPACITY.md.
"""
import importlib.util
import os
import pwd
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ENV = Path(os.environ.get("RNN_HUB_ENV", sys.prefix))
INSTRUCTORS = {u for u in os.environ.get("RNN_INSTRUCTORS", "instructor").split(",") if u}
GROUP = os.environ.get("RNN_GROUP", "rnn-course")
COURSE_ID = os.environ.get("RNN_COURSE_ID", "rnn-course")
EXCHANGE = Path(os.environ.get("RNN_EXCHANGE", "/srv/nbgrader/exchange"))
STATE = Path(os.environ.get("RNN_HUB_STATE", "/srv/jupyterhub"))
CPU_LIMIT = int(os.environ.get("RNN_CPU_LIMIT", "1"))
CULL_IDLE = int(os.environ.get("RNN_CULL_IDLE", "3600"))

c = get_config()  # noqa: F821 (JupyterHub defines it)

c.JupyterHub.ip = os.environ.get("RNN_HUB_IP", "0.0.0.0")
c.JupyterHub.port = int(os.environ.get("RNN_HUB_PORT", "8000"))
STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
# The formgrader answers slowly while it grades (a whole submission per request): the proxy
# waits up to 10 minutes instead of dropping the request after 20 s with a 503.
# The proxy is PyPI's, installed beside JupyterHub: found there, not on PATH.
c.ConfigurableHTTPProxy.command = [str(Path(sys.executable).parent / "configurable-http-proxy"),
                                   "--timeout=600000", "--proxy-timeout=600000"]

# Users: the Linux accounts in RNN_GROUP log in with their password; instructors are admins.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(INSTRUCTORS)
c.LocalAuthenticator.allowed_groups = {GROUP}
c.Authenticator.admin_users = set(INSTRUCTORS)

# Each user's server runs as that user, from the course's environment, in JupyterLab.
if os.environ.get("RNN_SPAWNER", "local") == "systemd":
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.isolate_tmp = True
else:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(ENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.mem_limit = os.environ.get("RNN_MEM_LIMIT", "1G")
c.Spawner.cpu_limit = float(CPU_LIMIT)
c.Spawner.start_timeout = 180   # 12-19 s alone, longer when a class logs in at once
c.Spawner.http_timeout = 180
c.Spawner.environment = {
    "PATH": f"{ENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    # Kernels on a shared machine take their share, not every core (MACHINE_NOTES: 2 threads
    # on a busy 2-core machine ran 4-15 times slower than 1).
    "COURSE_NUM_THREADS": str(CPU_LIMIT),
    "OMP_NUM_THREADS": str(CPU_LIMIT),
    "MKL_NUM_THREADS": str(CPU_LIMIT),
    # nbgrader's exchange and course id for everyone (classroom/jupyter/nbgrader_config.py),
    # and a server that lets JupyterLab show the formgrader in a tab: jupyterhub-singleuser
    # forbids every frame by default, and the tab stays blank ("refused to connect").
    "JUPYTER_CONFIG_PATH": str(HERE / "jupyter"),
    "RNN_COURSE_ID": COURSE_ID,
    "RNN_EXCHANGE": str(EXCHANGE),
}

# nbgrader's exchange: one folder every user can write (nbgrader keeps each course apart).
EXCHANGE.mkdir(parents=True, exist_ok=True)
os.chmod(EXCHANGE, 0o777)


def _classroom_script():
    spec = importlib.util.spec_from_file_location("classroom_script", REPO / "scripts" / "classroom.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def course_folder(username):
    """The instructor's nbgrader course folder: ~/<course id>."""
    return Path(pwd.getpwnam(username).pw_dir) / COURSE_ID


def prepare_user(spawner):
    """Before a server starts: an instructor gets a course folder with every notebook as an
    assignment, and a config pointing the formgrader at it (without it the formgrader lists
    nothing); a student's server has no formgrader and no assignment-creation tools
    (classroom/student/ comes first on its JUPYTER_CONFIG_PATH)."""
    name = spawner.user.name
    if name in INSTRUCTORS:
        account, script = pwd.getpwnam(name), _classroom_script()
        root, jupyter = course_folder(name), Path(account.pw_dir) / ".jupyter"
        fresh = [p for p in (root, jupyter) if not p.exists()]
        if not root.exists():
            script.make_course(root, script.stems())
        config = script.point_formgrader_at(root, jupyter)
        for top in [*fresh, config]:  # what was made here belongs to the instructor
            for path in [top, *top.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)
    else:
        spawner.environment = {**spawner.environment,
                               "JUPYTER_CONFIG_PATH": f"{HERE / 'student'}:{HERE / 'jupyter'}"}


c.Spawner.pre_spawn_hook = prepare_user

# Idle servers are stopped after RNN_CULL_IDLE seconds, so memory goes to active students.
if CULL_IDLE > 0:
    c.JupyterHub.load_roles = [{
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }]
    c.JupyterHub.services = [{
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_IDLE}"],
    }]
