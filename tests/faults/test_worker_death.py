"""Killed runs and dying workers of `--executor process` (docs/running.md, "Worker processes"):
`kill -9` of a run leaves none of its processes behind, a new run ends what a killed run left,
and a worker that dies fails only the stage it was running (after one retry), never the stages
of the other workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from build_kit import Project, ibc_env
from fault_kit import assert_no_traceback_of_ibc, records

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self"), reason="process start times come from /proc (Linux)"
)

SLOW = """\
import ctypes
import os
import signal
import time
from pathlib import Path


def slow(x: int) -> int:
    log(f"slow {x} {os.getpid()}")
    time.sleep(60)
    return x


def nap(x: int) -> int:
    log(f"nap {x}")
    time.sleep(0.5)
    return x * 10


def segfault(x: int) -> int:
    log("segfault")
    time.sleep(0.2)  # the innocents are in flight by now
    return ctypes.string_at(0)


def once(x: int) -> int:
    # kills its own worker the first time only: the marker says it happened
    log("once")
    marker = Path(__file__).resolve().parent.parent / "killed-once"
    if not marker.exists():
        marker.write_text("")
        os.kill(os.getpid(), signal.SIGKILL)
    return x + 100
"""


def make(tmp_path: Path, main: str) -> tuple[Project, Path]:
    p = Project(tmp_path / "proj")
    p.stages(SLOW)
    p.write("main.ib", main)
    return p, tmp_path / "cache"


def processes_of(cache: Path) -> list[int]:
    """The processes whose environment names `cache` as their cache dir: the `ibc` runs of a
    test, their forkserver, workers and resource tracker."""
    mark = f"IBC_CACHE_DIR={cache}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            with open(f"/proc/{name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if mark in environ and state != b"Z":
            found.append(int(name))
    return found


def gone(pid: int) -> bool:
    """Process `pid` ended (an ended process may stay a zombie until its parent reaps it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except OSError:
        return True


def stopped(pid: int) -> bool:
    """Every thread of process `pid` is stopped (SIGSTOP takes effect thread by thread)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        states = []
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/stat", "rb") as f:
                states.append(f.read().rsplit(b")", 1)[1].split()[0])
    except OSError:
        return False
    return bool(states) and all(state == b"T" for state in states)


def wait_until(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


SLOW_MAIN = """\
from "src/stages.py" import slow
experiment a = slow(1)
experiment b = slow(2)
experiment c = slow(3)
"""


def test_kill_9_of_a_run_leaves_none_of_its_processes(tmp_path):
    # before: the forkserver, both workers and the resource tracker stayed, 4 a kill
    p, cache = make(tmp_path, SLOW_MAIN)
    for _ in range(3):
        p.calls()
        # output to a file: a pipe would stay open as long as any process left behind
        with open(tmp_path / "run.err", "w") as err:
            run = subprocess.Popen(
                p.command("run", "main.ib", "--executor", "process", "--jobs", "2", "--force"),
                cwd=p.root,
                stdout=err,
                stderr=err,
                env=ibc_env(IBC_CACHE_DIR=str(cache)),
            )
        started = wait_until(lambda: len(p.calls(reset=False)) >= 2)
        assert started, (tmp_path / "run.err").read_text()
        workers = [int(line.split()[2]) for line in p.calls(reset=False)]
        assert len(processes_of(cache)) >= 5  # the run, 2 workers, forkserver, tracker
        run.send_signal(signal.SIGKILL)
        run.wait()
        # the workers notice at once (their watch of the run); the forkserver and the
        # resource tracker follow when their last client is gone; no new run helps here
        left = wait_until(lambda: not processes_of(cache), 30) or processes_of(cache)
        for pid in left if left is not True else ():
            os.kill(pid, signal.SIGKILL)  # this test's own leftovers, for a clean machine
        assert left is True, f"left behind: {left}"
        assert all(gone(pid) for pid in workers)


def test_a_new_run_ends_workers_that_could_not_watch_their_killed_run(tmp_path):
    # workers stopped (SIGSTOP) when their run is killed cannot act on it: they, and the
    # forkserver they keep alive, are what the next process-executor run ends
    p, cache = make(tmp_path, SLOW_MAIN)
    with open(tmp_path / "run.err", "w") as err:
        run = subprocess.Popen(
            p.command("run", "main.ib", "--executor", "process", "--jobs", "2"),
            cwd=p.root,
            stdout=err,
            stderr=err,
            env=ibc_env(IBC_CACHE_DIR=str(cache)),
        )
    assert wait_until(lambda: len(p.calls(reset=False)) >= 2), (tmp_path / "run.err").read_text()
    workers = [int(line.split()[2]) for line in p.calls()]
    try:
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        # every thread of both stopped (a thread still running could see the run die)
        assert wait_until(lambda: all(stopped(pid) for pid in workers), 30)
        run.send_signal(signal.SIGKILL)
        run.wait()
        time.sleep(1)
        assert set(workers) <= set(processes_of(cache))  # still there: they could not watch
        assert len(list((cache / "pools").glob("*.json"))) == 1
        p.write("one.ib", 'from "src/stages.py" import nap\nexperiment one = nap(1)\n')
        out = p.ok(
            "run", "one.ib", "--executor", "process", "--jobs", "1", IBC_CACHE_DIR=str(cache)
        )
        assert out == "one: 10\n"
        assert wait_until(lambda: not processes_of(cache), 30), processes_of(cache)
        assert not list((cache / "pools").glob("*.json"))
    finally:
        for pid in processes_of(cache):
            os.kill(pid, signal.SIGKILL)


def test_ctrl_c_ends_a_run_without_waiting_for_its_stages(tmp_path):
    # before: the run waited for the stages running (a minute here), then exited 130
    p, cache = make(tmp_path, SLOW_MAIN)
    with open(tmp_path / "run.err", "w") as err:
        run = subprocess.Popen(
            p.command("run", "main.ib", "--executor", "process", "--jobs", "2"),
            cwd=p.root,
            stdout=err,
            stderr=err,
            env=ibc_env(IBC_CACHE_DIR=str(cache)),
        )
    try:
        assert wait_until(lambda: len(p.calls(reset=False)) >= 2), (
            tmp_path / "run.err"
        ).read_text()
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=40) == 130  # the stages sleep for 60 s
    finally:
        if run.poll() is None:
            run.kill()
    assert "interrupted" in (tmp_path / "run.err").read_text()
    assert wait_until(lambda: not processes_of(cache), 30), processes_of(cache)
    assert not list((cache / "pools").glob("*.json"))  # the pool's record went with it


def _start_time(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as f:
        return int(f.read().rsplit(b")", 1)[1].split()[19])


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])


# A run killed before its workers could act: it records its pool the way a run does, then
# dies by SIGKILL (nothing of it runs after).
DYING_RUN = """\
import os, sys
from ibc.runtime.leftovers import PoolRecord
record = PoolRecord()
record.update([int(p) for p in sys.argv[1:]])
print(record.path, flush=True)
os.kill(os.getpid(), 9)
"""


def test_a_new_run_ends_what_a_killed_run_left(tmp_path):
    p, cache = make(tmp_path, 'from "src/stages.py" import nap\nexperiment a = nap(4)\n')
    env = ibc_env(IBC_CACHE_DIR=str(cache))
    leftover, reused, owned = _sleeper(), _sleeper(), _sleeper()
    try:
        dying = subprocess.run(
            [sys.executable, "-c", DYING_RUN, str(leftover.pid), str(reused.pid)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert dying.returncode == -signal.SIGKILL, dying.stderr
        dead_record = Path(dying.stdout.strip())
        record = json.loads(dead_record.read_text())
        assert sorted(pid for pid, _ in record["processes"]) == sorted([leftover.pid, reused.pid])
        # `reused` stands for a process that got a recorded pid after the recorded one ended:
        # its start time differs from the record's, so it must never be signalled
        record["processes"] = [
            [pid, start + (pid == reused.pid)] for pid, start in record["processes"]
        ]
        dead_record.write_text(json.dumps(record))
        # the pool of a run still going (this test's process) is its own
        me = os.getpid()
        live_record = cache / "pools" / f"{me}-{_start_time(me)}.json"
        live_record.write_text(
            json.dumps(
                {
                    "boot": record["boot"],
                    "owner": [me, _start_time(me)],
                    "processes": [[owned.pid, _start_time(owned.pid)]],
                }
            )
        )

        assert (
            p.ok("run", "main.ib", "--executor", "process", "--jobs", "1", IBC_CACHE_DIR=str(cache))
            == "a: 40\n"
        )
        assert leftover.wait(timeout=30) == -signal.SIGKILL
        assert reused.poll() is None and owned.poll() is None
        assert not dead_record.exists() and live_record.exists()
        assert [f.name for f in (cache / "pools").iterdir()] == [live_record.name]
    finally:
        for sleeper in (leftover, reused, owned):
            if sleeper.poll() is None:
                sleeper.kill()
            sleeper.wait()


CRASH_MAIN = """\
from "src/stages.py" import nap, segfault
experiment a = nap(1)
experiment b = nap(2)
experiment crash = segfault(1)
experiment c = nap(3)
experiment d = nap(4)
"""


def test_a_segfault_fails_only_its_own_stage(tmp_path):
    # before: the innocent stages in flight beside it failed with BrokenProcessPool
    p, cache = make(tmp_path, CRASH_MAIN)
    done = p.run("run", "main.ib", "--executor", "process", "--jobs", "3", IBC_CACHE_DIR=str(cache))
    assert done.returncode == 3, done.stderr
    assert done.stdout == "a: 10\nb: 20\nc: 30\nd: 40\n"
    assert done.stderr.count("error: experiment crash failed") == 1, done.stderr
    assert done.stderr.count("failed") == 1, done.stderr
    assert "in call of segfault at main.ib:4:20" in done.stderr
    assert "was killed by signal 11 (SIGSEGV), also when run again" in done.stderr
    assert_no_traceback_of_ibc(done.stderr)
    calls = p.calls()
    assert calls.count("segfault") == 2  # run once more, in a fresh worker, then failed
    assert sorted(c for c in calls if c.startswith("nap")) == [f"nap {i}" for i in range(1, 5)]
    status = {r["experiment"]: r["status"] for r in records(p)}
    assert status == {"a": "ok", "b": "ok", "crash": "failed", "c": "ok", "d": "ok"}


ONCE_MAIN = """\
from "src/stages.py" import nap, once
experiment a = nap(1)
experiment flaky = once(1)
experiment b = nap(2)
"""


def test_a_stage_that_killed_its_worker_once_succeeds_when_retried(tmp_path):
    p, cache = make(tmp_path, ONCE_MAIN)
    done = p.run("run", "main.ib", "--executor", "process", "--jobs", "2", IBC_CACHE_DIR=str(cache))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "a: 10\nflaky: 101\nb: 20\n"
    assert p.calls().count("once") == 2
    assert (p.root / "killed-once").exists()
    assert "error" not in done.stderr, done.stderr
