"""A full disk, a read-only store, a writer killed in the middle of a large write, and a
record of a large array (docs/running.md, "The store")."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from build_kit import ibc_env
from fault_kit import Mounts, assert_no_traceback_of_ibc, fill, project, records

MAIN = """\
from "src/stages.py" import ok
experiment record = {v = ok(1)}
experiment plain = ok(2)
"""


@pytest.fixture
def mounts():
    m = Mounts()
    yield m
    m.close()


def test_full_disk_is_one_message_and_exit_3(tmp_path, mounts):
    # before: results printed, then an OSError traceback at exit, exit 1, an empty record file
    disk = mounts.tmpfs(tmp_path / "disk", size="2m")
    p = project(tmp_path, MAIN)
    store = disk / "store"
    (store / "runs").mkdir(parents=True)
    fill(disk)
    done = p.run("run", "main.ib", "--store", str(store))
    assert done.returncode == 3, done.stderr
    assert done.stdout == 'record: {"v": 2}\nplain: 3\n'  # computed, and shown
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: cannot write to the store at {store}: No space left on device; not saved: "
        "2 stage result(s), 1 experiment result(s), the run record (computed again next time)"
    ], done.stderr
    assert "hint: free some space" in done.stderr
    assert "Traceback" not in done.stderr
    assert_no_traceback_of_ibc(done.stderr)

    # space again: the next run stores and records everything
    os.unlink(disk / "filler")
    again = p.run("run", "main.ib", "--store", str(store))
    assert again.returncode == 0, again.stderr
    assert [r["experiment"] for r in records(p, store) if r["status"] == "ok"] == [
        "record",
        "plain",
    ]


def test_read_only_store(tmp_path, mounts):
    # before: `ibc cache clear` and `ibc cache gc` died with OSError tracebacks
    p = project(tmp_path, MAIN)
    assert p.ok("run", "main.ib") == 'record: {"v": 2}\nplain: 3\n'
    read_only = mounts.read_only(p.store_root, tmp_path / "ro")
    for command in (["clear"], ["gc", "--before", "0s"]):
        done = p.run("cache", *command, "--store", str(read_only))
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(
            f"error: cannot remove entries from the store at {read_only}: Read-only file system\n"
        ), done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout == ""
    listed = p.run("cache", "ls", "--store", str(read_only))
    assert listed.returncode == 0 and "3 entries" in listed.stdout

    # a run reads what the read-only store holds; that its record is not kept is a warning
    done = p.run("run", "main.ib", "--store", str(read_only))
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'record: {"v": 2}\nplain: 3\n'
    assert "hello from ok" not in done.stderr  # cached
    assert f"warning: cannot write to the store at {read_only}: Read-only file system" in (
        done.stderr
    )
    assert "not saved: the run record" in done.stderr
    assert "Traceback" not in done.stderr


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_removes_the_partial_files_of_dead_writers(tmp_path):
    # before: files of writers killed in a large write stayed in .ibc/tmp for good
    from ibc.runtime.store import _host

    p = project(tmp_path, MAIN)
    tmp = p.store_root / "tmp"
    tmp.mkdir(parents=True)
    host = _host()
    dead = _dead_pid()
    partial = tmp / f"{'a' * 32}.{host}.{dead}.0123456789ab"
    partial.write_bytes(b"\0" * 1_000_000)
    older = tmp / f"{'b' * 32}.{dead}.0123456789ab"  # no host in the name: its age tells
    older.write_bytes(b"\0" * 1000)
    living = tmp / f"{'c' * 32}.{host}.{os.getpid()}.0123456789ab"  # this test is alive
    living.write_bytes(b"\0" * 1000)
    elsewhere = tmp / f"{'d' * 32}.other-machine.{dead}.0123456789ab"  # pid unknowable
    elsewhere.write_bytes(b"\0" * 1000)
    stale = tmp / f"{'e' * 32}.other-machine.{dead}.ba9876543210"
    stale.write_bytes(b"\0" * 1000)
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))

    assert p.ok("run", "main.ib") == 'record: {"v": 2}\nplain: 3\n'
    left = sorted(path.name for path in tmp.iterdir())
    assert left == sorted([older.name, living.name, elsewhere.name])


def test_killed_writer_leaves_nothing_after_the_next_run(tmp_path):
    # a real `kill -9` of a run writing a large entry: whatever it left in tmp/ goes
    p = project(
        tmp_path, 'from "src/stages.py" import ones\nexperiment big = {v = ones(40000000)}\n'
    )
    tmp = p.store_root / "tmp"
    run = p.popen("run", "main.ib")
    deadline = time.time() + 60
    caught = False
    while time.time() < deadline and run.poll() is None:
        if tmp.is_dir() and any(tmp.iterdir()):
            run.kill()
            caught = True
            break
        time.sleep(0.001)
    run.kill()
    run.wait()
    run.stdout.close()
    run.stderr.close()
    if not caught:
        pytest.skip("the write finished before the kill could land")
    assert any(tmp.iterdir())  # the partial file of the killed writer
    p.write("main.ib", 'from "src/stages.py" import ok\nexperiment small = ok(1)\n')
    assert p.ok("run", "main.ib") == "small: 2\n"
    assert list(tmp.iterdir()) == []


def test_a_record_of_a_large_array_is_stored_once(tmp_path):
    # before: {v = ones(n)} stored the array in the stage's entry and again in the result's
    p = project(
        tmp_path, 'from "src/stages.py" import ones\nexperiment big = {v = ones(2000000)}\n'
    )
    p.ok("run", "main.ib")
    array_bytes = 2_000_000 * 8
    stored = sum(path.stat().st_size for path in p.entry_files())
    assert array_bytes <= stored < array_bytes * 1.01, stored
    script = (
        "import ibc.runtime as r; v = r.load('main.ib', 'big')['v']; "
        "print(v.shape, float(v.sum()))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=p.root, capture_output=True, text=True, env=ibc_env()
    )
    assert shown.stdout.strip() == "(2000000,) 2000000.0", shown.stderr
    # the stage's entry gone, the result cannot be put together: load says to run again
    for entry in p.entries():
        if entry.meta.get("stage") != "result":
            os.unlink(p.store_root / "store" / entry.key[:2] / entry.key)
    gone = subprocess.run(
        [sys.executable, "-c", script], cwd=p.root, capture_output=True, text=True, env=ibc_env()
    )
    assert "LookupError" in gone.stderr and "run `ibc run main.ib big` again" in gone.stderr
