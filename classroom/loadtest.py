"""Load test of the single-machine hub, on 127.0.0.1 only: N students at once start a kernel
on a real JupyterHub (classroom/localhub.py) and run notebook 04's explorer computations (the
eigenvalue explorer and the gradient-explosion explorer swept over their sliders), while a
poller times the hub's REST API. Needs root (it creates users); bounded: each stage has a
deadline and every process is removed at the end.

    sudo python classroom/loadtest.py --students 1 2 4 8 [--json results.json]

For each N it prints: seconds each student's sweep took (median, worst), hub API latency
(median, worst), failures, memory per active student (every process of the user: server and
kernel, resident, at its peak) and the machine's memory in use.
"""
import argparse
import json
import shutil
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import localhub  # noqa: E402

SWEEP = """
import time
import numpy as np
import torch
from course_utils import widgets
while time.time() < START:  # every student's kernel is started and warm: all begin together
    time.sleep(0.02)
start = time.perf_counter()
for radius in np.linspace(0.8, 1.2, 9):
    for structure in ("normal", "non-normal"):
        widgets.eigenvalue_state(32, radius, 0.3, 30.0, structure, 200)
for scale in np.linspace(0.5, 2.0, 6):
    widgets.explosion_state(scale, 100, "tanh", "1")
print(f"SWEEP {time.perf_counter() - start:.3f}")
"""


def resident_mib(pids):
    """Resident memory of these processes, MiB (from /proc/<pid>/status)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1024


def used_mib():
    fields = dict(line.split(":") for line in Path("/proc/meminfo").read_text().splitlines())
    kib = lambda key: int(fields[key].split()[0])  # noqa: E731
    return (kib("MemTotal") - kib("MemAvailable")) / 1024


class Poller(threading.Thread):
    """Times GET /hub/api/users every `interval` seconds until stopped."""

    def __init__(self, hub, interval=0.5):
        super().__init__(daemon=True)
        self.hub, self.interval, self.latencies, self.failures = hub, interval, [], 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            start = time.perf_counter()
            try:
                requests.get(f"{self.hub.url}/hub/api/users", timeout=30,
                             headers={"Authorization": f"token {self.hub.token}"}).raise_for_status()
                self.latencies.append(time.perf_counter() - start)
            except requests.RequestException:
                self.failures += 1
            self.stopped.wait(self.interval)


def stage(hub, students, memory_samples, warm_up=60):
    """All `students` start a kernel, import what notebook 04 imports, and `warm_up` seconds
    after the stage began run the sweep at the same moment; returns the stage's figures."""
    code = SWEEP.replace("START", repr(time.time() + warm_up))
    poller = Poller(hub)
    poller.start()
    peaks = {name: 0.0 for name in students}
    done = threading.Event()

    def sample():
        while not done.is_set():
            for name in students:
                peaks[name] = max(peaks[name], resident_mib(localhub.pids_of([name])))
            memory_samples.append(used_mib())
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def sweep(name):
        try:
            printed, error = hub.run_code(name, code, timeout=600)
            if error:
                return None
            return float(printed.split("SWEEP")[1])
        except Exception:  # a failed student is counted, not fatal
            return None

    with ThreadPoolExecutor(len(students)) as pool:
        seconds = list(pool.map(sweep, students))
    done.set()
    sampler.join()
    poller.stopped.set()
    poller.join()
    ok = [s for s in seconds if s is not None]
    latencies = sorted(poller.latencies) or [float("nan")]
    return {"students": len(students), "failures": seconds.count(None) + poller.failures,
            "sweep_median_s": statistics.median(ok) if ok else None,
            "sweep_worst_s": max(ok) if ok else None,
            "api_median_ms": 1000 * statistics.median(latencies),
            "api_worst_ms": 1000 * latencies[-1],
            "mib_per_active_student": statistics.mean(peaks.values()),
            "machine_used_mib": max(memory_samples)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    users = [f"rnnload-{i:03d}" for i in range(max(args.students))]
    workdir = localhub.make_temporary_workdir("rnn-load-")
    figures = []
    try:
        env, source = localhub.environment_for_users(workdir / "env")
        with localhub.LocalHub(users, [], env, source, workdir, group="rnnload") as hub:
            idle = {}
            for count in sorted(set(args.students)):
                newcomers = [u for u in users[:count] if u not in hub.user_tokens]
                spawned = hub.spawn_all(newcomers)
                idle.update({u: resident_mib(localhub.pids_of([u])) for u in newcomers})
                figures.append({**stage(hub, users[:count], []),
                                "spawn_worst_s": max(spawned.values()),
                                "idle_server_mib": statistics.mean(idle.values())})
                print(json.dumps(figures[-1]), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
