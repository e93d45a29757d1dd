"""The store survives what happens to real runs (docs/running.md "The store"): `kill -9` in the
middle of a run, damaged entry files, and two `ibc run` processes on one store at the same time."""

from __future__ import annotations

import os
import signal
import time

from build_kit import Project

STAGES = """\
import os
import time


def first(n: int) -> list:
    log("first")
    return list(range(n))


def slow(xs: list) -> list:
    log("slow start")
    time.sleep(float(os.environ.get("SLOW", "0")))
    log("slow end")
    return [x * 3 for x in xs]


def total(xs: list) -> int:
    log("total")
    return sum(xs)
"""

MAIN = """\
from "src/stages.py" import first, slow, total
data = first(10)
tripled = slow(data)
experiment result = {total = total(tripled)}
"""

EXPECTED = 'result: {"total": 135}\n'


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    return p


def assert_store_sound(p: Project) -> None:
    """Every entry file reads back whole (header and value checksums)."""
    from ibc.runtime.store import DiskStore

    store = DiskStore(p.store_root)
    files = p.entry_files()
    assert files
    for path in files:
        assert store.meta(path.name) is not None, path
        store.load(path.name)  # raises when damaged
    assert len(list(store.entries())) == len(files)


def wait_for(p: Project, line: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    log = p.root / "calls.log"
    while time.monotonic() < deadline:
        if log.exists() and line in log.read_text().splitlines():
            return
        time.sleep(0.05)
    raise AssertionError(f"{line!r} never appeared in calls.log")


def test_kill_9_mid_run_then_resume(tmp_path):
    p = project(tmp_path)
    proc = p.popen("run", "main.ib", SLOW="60")
    try:
        wait_for(p, "slow start")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert p.calls() == ["first", "slow start"]
    assert [e.meta.get("stage") for e in p.entries()] == ["first"]
    assert_store_sound(p)
    assert p.ok("run", "main.ib") == EXPECTED
    assert p.calls() == ["slow start", "slow end", "total"]  # first is not run again
    assert_store_sound(p)
    assert p.ok("run", "main.ib") == EXPECTED
    assert p.calls() == []


def test_damaged_entries_are_detected_and_recomputed(tmp_path):
    p = project(tmp_path)
    assert p.ok("run", "main.ib") == EXPECTED
    p.calls()
    from ibc.runtime.store import DiskStore

    store = DiskStore(p.store_root)
    (total_entry,) = p.entry_of("total")
    (slow_entry,) = p.entry_of("slow")
    # `total` is truncated: its header no longer matches the file, so it re-runs; for that
    # it needs `slow`'s value, whose bytes are garbage: caught by the checksum, re-run too.
    total_path = store.path(total_entry.key)
    size = os.path.getsize(total_path)
    with open(total_path, "r+b") as f:
        f.truncate(size - 7)
    slow_path = store.path(slow_entry.key)
    with open(slow_path, "r+b") as f:
        f.seek(slow_entry.offset)
        f.write(b"\xde\xad\xbe\xef" * 4)
    assert os.path.getsize(slow_path) == slow_entry.file_size  # same size, wrong bytes
    assert p.ok("run", "main.ib") == EXPECTED
    assert p.calls() == ["slow start", "slow end", "total"]
    assert_store_sound(p)
    # a file that is garbage from its first byte
    (first_entry,) = p.entry_of("first")
    with open(store.path(first_entry.key), "wb") as f:
        f.write(os.urandom(300))
    assert p.ok("run", "main.ib") == EXPECTED
    # keys are computed from the entries' headers: first's is unreadable, so first re-runs;
    # its result is the same, so slow's key is unchanged and slow stays cached
    assert p.calls() == ["first"]
    assert_store_sound(p)


def test_two_runs_at_once_on_one_store(tmp_path):
    p = project(tmp_path)
    procs = [p.popen("run", "main.ib", SLOW="1") for _ in range(2)]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(out)
    assert outs == [EXPECTED, EXPECTED]
    calls = p.calls()
    assert 1 <= calls.count("total") <= 2 and calls.count("slow end") >= 1
    assert_store_sound(p)
    assert p.ok("run", "main.ib") == EXPECTED
    assert p.calls() == []
