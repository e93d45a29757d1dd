"""The processes of a process-executor run, recorded so that a later run can end them if the
run that started them was killed before it could (docs/running.md, "Worker processes").

Every worker watches the run that started it and exits when it is gone (`ibc.runtime.pool`),
and the forkserver and the resource tracker of multiprocessing then end on their own (each
exits when its last client closed its pipe). What can still be left behind is what could not
watch: a worker stopped or killed mid-start, a server stuck. So a run records, while its pool
lives, its own identity and that of every process of its pool in a small file
`$IBC_CACHE_DIR/pools/<pid>-<start>.json`, removes the file when it closes the pool, and a
process-executor run starts by `reap`ing the files of runs whose owner is dead.

A process is named by its pid *and* its start time (field 22 of `/proc/<pid>/stat`, in clock
ticks since boot) and the boot it belongs to (`/proc/sys/kernel/random/boot_id`), so a pid the
system has since given to another process is never signalled. Without `/proc` (macOS,
Windows) nothing is recorded and nothing reaped: the workers' own watch is all there is.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from ibc.base.cachedir import cache_dir, write_atomically

__all__ = ["PoolRecord", "alive", "reap", "start_time"]

# the resource tracker exits by itself (cleaning up what it tracks) once the workers and the
# forkserver are gone; it is killed only if it is still there after this long
_TRACKER_GRACE = 2.0


def _stat(pid: int) -> list[bytes] | None:
    """The fields of `/proc/<pid>/stat` after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    end = data.rfind(b")")
    return data[end + 2 :].split() if end >= 0 else None


def start_time(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot), or None: no such process, or no
    `/proc` here."""
    fields = _stat(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def alive(pid: int, started: int | None) -> bool:
    """Process `pid` exists, is not a zombie, and (when `started` is known) is the one that
    started then, not a later process given the same pid."""
    fields = _stat(pid)
    if fields is None:
        if os.path.isdir("/proc/self"):
            return False
        try:  # no /proc: only whether the pid is taken can be told
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            pass
        return True
    if fields[0] in (b"Z", b"X"):
        return False
    return started is None or start_time(pid) == started


def _boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return None


def _folder() -> Path:
    return cache_dir() / "pools"


class PoolRecord:
    """The record file of this process's pool: `update(pids)` writes the pids of its processes
    (with their start times) when they change, `remove()` deletes the file. Does nothing where
    start times cannot be read."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.started = start_time(self.pid)
        self.boot = _boot_id()
        self.path = _folder() / f"{self.pid}-{self.started}.json"
        self._written: tuple[int, ...] = ()

    @property
    def usable(self) -> bool:
        return self.started is not None and self.boot is not None

    def update(self, pids) -> None:
        pids = tuple(sorted({p for p in pids if p and p != self.pid}))
        if not self.usable or pids == self._written:
            return
        processes = [[p, s] for p in pids if (s := start_time(p)) is not None]
        record = {"boot": self.boot, "owner": [self.pid, self.started], "processes": processes}
        write_atomically(self.path, json.dumps(record).encode("utf-8"))
        self._written = pids

    def remove(self) -> None:
        if self._written:
            try:
                self.path.unlink()
            except OSError:
                pass
            self._written = ()


def reap() -> int:
    """End the processes recorded by runs that are gone (killed before they could end their
    pool) and remove their records; the number of processes signalled. Never raises."""
    try:
        files = list(_folder().glob("*.json"))
    except OSError:
        return 0
    if not files:
        return 0
    boot = _boot_id()
    if boot is None:
        return 0
    killed = 0
    for path in files:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            owner_pid, owner_start = record["owner"]
            processes = [(int(p), int(s)) for p, s in record["processes"]]
            same_boot = record["boot"] == boot
        except (OSError, ValueError, KeyError, TypeError):
            _unlink(path)  # unreadable: nothing can be trusted in it
            continue
        if same_boot and alive(int(owner_pid), owner_start):
            continue  # a run still going: its pool is its own
        if same_boot:
            killed += _end(processes)
        _unlink(path)
    return killed


def _end(processes: list[tuple[int, int]]) -> int:
    """SIGKILL the processes still alive as recorded, the resource tracker last (it frees what
    it tracks when it exits by itself, which it does once the others are gone)."""
    tracker = [(p, s) for p, s in processes if _is_tracker(p)]
    others = [(p, s) for p, s in processes if (p, s) not in tracker]
    killed = 0
    for pid, started in others:
        killed += _kill(pid, started)
    deadline = time.monotonic() + _TRACKER_GRACE
    for pid, started in tracker:
        while alive(pid, started) and time.monotonic() < deadline:
            time.sleep(0.05)
        killed += _kill(pid, started)
    return killed


def _is_tracker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"resource_tracker" in f.read()
    except OSError:
        return False


def _kill(pid: int, started: int) -> int:
    if not alive(pid, started):
        return 0
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:  # gone meanwhile, or not ours to signal
        return 0
    return 1


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
