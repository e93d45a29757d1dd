"""Where the process executor's workers come from (docs/running.md, "Worker processes"): a
server forked from the run when its pool is made, idle until a stage has to run, then warm
(no second Python interpreter to start and import the libraries in); a fully cached run
starts no worker and imports nothing ahead; the server keeps none of the run's files open;
Ctrl-C while it imports ends the run at once, leaving nothing behind; where the run already
has other threads, a spawned forkserver does the same work. Real `ibc run` processes, whose
process starts and forks are logged by an audit hook (`sitecustomize` on PYTHONPATH)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

_RUNS = str(Path(__file__).resolve().parent.parent / "runs")
if _RUNS not in sys.path:
    sys.path.insert(0, _RUNS)

from build_kit import Project, ibc_env  # noqa: E402

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the forkserver start method and /proc, as on Linux"
)

# Logs, to $PROCESS_LOG, every Python interpreter that starts ("start PID PPID ARGV") and
# every process forked from one ("fork PID PPID"), whatever forks it.
SITECUSTOMIZE = """\
import os

_LOG = os.environ.get("PROCESS_LOG")


def _write(line):
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, (line + "\\n").encode())
    finally:
        os.close(fd)


if _LOG:
    with open("/proc/self/cmdline", "rb") as f:
        _argv = f.read().replace(b"\\0", b" ").decode(errors="replace").strip()
    _write(f"start {os.getpid()} {os.getppid()} {_argv}")
    os.register_at_fork(after_in_child=lambda: _write(f"fork {os.getpid()} {os.getppid()}"))
"""

STAGES = """\
import os


def where(i: int) -> list:
    log(f"where {i}")
    return [os.getpid(), os.getppid(), i]
"""

MAIN = """\
from "src/stages.py" import where
experiment a = where(1)
experiment b = where(2)
experiment c = where(3)
"""


def _project(tmp_path: Path) -> tuple[Project, dict[str, str], Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    project = Project(tmp_path / "proj")
    project.stages(STAGES)
    project.write("main.ib", MAIN)
    log = tmp_path / "processes.log"
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return project, {"PYTHONPATH": path, "PROCESS_LOG": str(log)}, log


def _read(log: Path) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """(interpreters started: (pid, parent, argv)), (processes forked: (pid, parent))."""
    starts, forks = [], []
    for line in log.read_text().splitlines():
        kind, pid, parent, *argv = line.split(" ")
        if kind == "start":
            starts.append((int(pid), int(parent), " ".join(argv)))
        else:
            forks.append((int(pid), int(parent)))
    return starts, forks


def test_workers_are_forked_from_a_server_forked_from_the_run(tmp_path):
    project, env, log = _project(tmp_path)
    done = project.run("run", "main.ib", "--json", "--executor", "process", "--jobs", "2", **env)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert sorted(v[2] for v in results.values()) == [1, 2, 3]
    starts, forks = _read(log)
    (run,) = [pid for pid, _, argv in starts if "run main.ib" in argv]
    (server,) = [pid for pid, parent in forks if parent == run]  # the run forks one process
    workers = {v[0] for v in results.values()}
    assert {v[1] for v in results.values()} == {server}  # the workers' parent is the server
    assert workers <= {pid for pid, parent in forks if parent == server}
    assert 1 <= len(workers) <= 2
    # no interpreter started for a forkserver: the run, and multiprocessing's resource tracker
    others = [argv for pid, _, argv in starts if pid != run]
    assert all("resource_tracker" in argv for argv in others), others
    assert not any("forkserver" in argv for _, _, argv in starts)


def test_a_fully_cached_process_run_starts_no_worker_and_imports_nothing_ahead(tmp_path):
    project, env, log = _project(tmp_path)
    first = project.ok("run", "main.ib", "--json", "--executor", "local", **env)
    assert len(project.calls()) == 3
    log.write_text("")
    again = project.run("run", "main.ib", "--json", "--executor", "process", "--jobs", "2", **env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(first)  # the stored values (local's pids)
    starts, forks = _read(log)
    assert len(starts) == 1, starts  # the run alone: no forkserver, no resource tracker
    run = starts[0][0]
    # its idle server, and nothing forked from it: no worker
    assert [parent for _, parent in forks] == [run], forks
    assert project.calls() == []


# A run that holds a lock on a file when its pool is made: the server, forked then, must not
# keep the lock once the run lets it go (nor any other file of the run).
LOCKER = """\
import fcntl, sys
from ibc.runtime.pool import ProcessExecutor

held = open(sys.argv[1], "w")
fcntl.flock(held, fcntl.LOCK_EX)
executor = ProcessExecutor(1, sys.argv[2])
assert executor._zygote is not None, "no server forked"
held.close()
again = open(sys.argv[1], "w")
try:
    fcntl.flock(again, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("still locked")
else:
    print("free")
executor.close()
"""


def test_the_forked_server_keeps_no_file_of_the_run_open(tmp_path):
    env = ibc_env(IBC_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-c", LOCKER, str(tmp_path / "lock"), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "free\n"


# Another thread already runs in the process (as in a notebook's kernel): no fork of it, the
# spawned forkserver instead, with the same results.
THREADED = """\
import os, sys, threading
from ibc.runtime.executors import Call
from ibc.runtime.pool import ProcessExecutor
from ibc.runtime.values import Ref

stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()
with ProcessExecutor(2, sys.argv[1]) as executor:
    assert executor._zygote is None
    outcomes = [executor.submit(Call(Ref("os", "getppid"), [], {})).result(60) for _ in range(3)]
assert all(o.ok for o in outcomes), [o.error_text for o in outcomes]
print(len({o.value for o in outcomes}), int(os.getpid() in {o.value for o in outcomes}))
stop.set()
"""


def test_with_another_thread_running_the_forkserver_is_spawned_instead(tmp_path):
    env = ibc_env(IBC_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-c", THREADED, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # the workers' parent: one process (the forkserver), not this one
    assert done.stdout == "1 0\n"


# A library that takes a minute to import: Ctrl-C while the server (and the run) import it.
SLOWLIB = "import time\ntime.sleep(60)\n"
SLOW_STAGES = "import slowlib\n\n\ndef one(x: int) -> int:\n    return x\n"


def test_ctrl_c_while_the_server_imports_ends_the_run_at_once_and_leaves_nothing(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "slowlib.py").write_text(SLOWLIB)
    project = Project(tmp_path / "proj")
    project.stages(SLOW_STAGES)
    project.write("main.ib", 'from "src/stages.py" import one\nexperiment a = one(1)\n')
    cache = tmp_path / "cache"
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    run = subprocess.Popen(
        project.command("run", "main.ib", "--executor", "process", "--jobs", "2"),
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ibc_env(IBC_CACHE_DIR=str(cache), PYTHONPATH=path),
    )
    try:
        # the server is importing once its pool's record names it
        assert _wait(lambda: list((cache / "pools").glob("*.json")), 60)
        time.sleep(0.5)
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=30)  # the import takes a minute
        assert run.returncode == 130, stderr
    finally:
        if run.poll() is None:
            run.kill()
    assert _wait(lambda: not _processes_of(cache), 10), _processes_of(cache)


def _wait(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    return condition()


def _processes_of(cache: Path) -> list[int]:
    mark = f"IBC_CACHE_DIR={cache}".encode()
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        found.append(int(name))
            except OSError:
                pass
    return found
