"""A worker's watch of its run (docs/running.md, "Worker processes"): the process watching
exits once the watched one is gone, through a pidfd and through the polling fallback of
platforms without one; and `leftovers.alive` never takes a reused pid for the process it
recorded."""

import os
import signal
import subprocess
import sys

import pytest

from ibc.runtime.leftovers import alive, start_time

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self"), reason="process start times come from /proc (Linux)"
)

# Watches process argv[1] (started at argv[2]) the way a worker does, then waits: only the
# watch can end it. With argv[3] == "poll", the pidfd is left out (the fallback).
WATCHER = """\
import sys, time
from ibc.runtime import pool
owner, started = int(sys.argv[1]), int(sys.argv[2])
if sys.argv[3] == "poll":
    import threading
    threading.Thread(target=pool._wait_for_owner, args=(owner, started, None), daemon=True).start()
else:
    pool._watch_owner(owner, started)
print("watching", flush=True)
time.sleep(120)
sys.exit(5)
"""


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])


@pytest.mark.parametrize("how", ["pidfd", "poll"])
def test_the_watcher_exits_when_the_watched_process_is_killed(how):
    owner = _sleeper()
    try:
        started = start_time(owner.pid)
        assert started is not None and alive(owner.pid, started)
        watcher = subprocess.Popen(
            [sys.executable, "-c", WATCHER, str(owner.pid), str(started), how],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert watcher.stdout.readline() == "watching\n"
        assert watcher.poll() is None  # the owner lives: the watcher waits
        owner.send_signal(signal.SIGKILL)  # a zombie until reaped below: gone all the same
        assert watcher.wait(timeout=30) == 1
        assert not alive(owner.pid, started)
    finally:
        owner.kill()
        owner.wait()


def test_a_watcher_of_a_process_already_replaced_exits_at_once():
    owner = _sleeper()
    try:
        started = start_time(owner.pid)
        # the pid is taken, but not by the process that started then: a reused pid
        assert not alive(owner.pid, started + 1)
        done = subprocess.run(
            [sys.executable, "-c", WATCHER, str(owner.pid), str(started + 1), "pidfd"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1 and done.stdout == ""
    finally:
        owner.kill()
        owner.wait()
