"""A store shared through a `file://` remote (docs/running.md, "Remote stores"), through the
real `ibc` command: two clones of a project, read-through and pushes, `--no-push`, `ibc cache
push|pull`, the `[store] remote` setting and `$IBC_REMOTE`, concurrent pushers, and a remote
that cannot be reached."""

from __future__ import annotations

from build_kit import values
from remote_kit import SWEEP, clone, project, remote_entries

from ibc.runtime.store import check_file


def test_a_second_clone_runs_no_stage(tmp_path):
    remote = tmp_path / "remote"
    remote.mkdir()
    url = remote.as_uri()
    a = project(tmp_path / "a")
    first = a.ok("run", "main.ib", "--remote", url)
    assert sorted(a.calls()) == ["count", "make"]
    # the two stages, pushed when they finished, and the experiment's result
    assert len(remote_entries(remote)) == 3
    b = clone(a, tmp_path / "b")
    second = b.ok("run", "main.ib", "--remote", url)
    assert second == first and values(second)["e"] == '{"c": 600}'
    assert b.calls() == []
    # the printed result is kept locally (for ibc.runtime.load); nothing else was needed
    assert [e.meta.get("stage") for e in b.entries()] == ["result"]
    # a changed downstream stage loads its input from the remote instead of computing it
    b.write(
        "main.ib",
        'from "src/stages.py" import make, count\nexperiment e = {c = count(make(600), 2)}\n',
    )
    done = b.run("run", "main.ib", "--remote", url)
    assert done.returncode == 0 and values(done.stdout)["e"] == '{"c": 1200}'
    assert b.calls() == ["count"]
    assert "warning" not in done.stderr
    stages = sorted(e.meta.get("stage") for e in b.entries())
    assert stages == ["count", "make", "result", "result"]
    assert len(remote_entries(remote)) == 5
    assert all(check_file(k, f) == "sound" for k, f in remote_entries(remote).items())


def test_setting_and_environment_name_the_remote(tmp_path):
    remote = tmp_path / "shared"
    remote.mkdir()
    a = project(tmp_path / "a")
    a.write("ibc.toml", f'[store]\nremote = "{remote.as_uri()}"\n')
    a.ok("run", "main.ib")
    assert sorted(a.calls()) == ["count", "make"]
    assert len(remote_entries(remote)) == 3
    b = clone(a, tmp_path / "b")
    b.write("ibc.toml", "")
    b.ok("run", "main.ib", IBC_REMOTE=str(remote))
    assert b.calls() == []
    c = clone(a, tmp_path / "c")  # the setting, but `--remote=` turns it off
    c.ok("run", "main.ib", "--remote=")
    assert sorted(c.calls()) == ["count", "make"]


def test_no_push_then_push_and_pull_by_hand(tmp_path):
    remote = tmp_path / "remote"
    remote.mkdir()
    url = remote.as_uri()
    a = project(tmp_path / "a")
    a.ok("run", "main.ib", "--remote", url, "--no-push")
    assert sorted(a.calls()) == ["count", "make"] and remote_entries(remote) == {}
    out = a.ok("cache", "push", "main.ib", "--remote", url)
    assert out.startswith("pushed 3 entries") and "0 already there" in out
    assert len(remote_entries(remote)) == 3  # the two stages and the experiment's result
    assert not (remote / "runs").exists()  # run records stay local ...
    out = a.ok("cache", "push", "--runs", "--remote", url)
    assert "pushed 0 entries" in out and "3 already there" in out
    assert "2 run records pushed" in out  # ... unless pushed with --runs
    assert len(list((remote / "runs").glob("*.jsonl"))) == 2
    b = clone(a, tmp_path / "b")
    out = b.ok("cache", "pull", "main.ib", "--remote", url)
    assert out.startswith("pulled 3 entries")
    b.ok("run", "main.ib", "--remote=")  # no remote: everything is local now
    assert b.calls() == []
    out = b.ok("cache", "pull", "--runs", "--remote", url)
    assert "pulled 0 entries" in out and "2 run records pulled" in out
    assert "e" in b.ok("results", "main.ib")
    # the remote needs naming
    done = b.run("cache", "push")
    assert done.returncode == 2 and "needs a remote" in done.stderr


def test_an_unreachable_remote_is_one_warning(tmp_path):
    a = project(tmp_path / "a")
    missing = (tmp_path / "not-mounted").as_uri()
    done = a.run("run", "main.ib", "--remote", missing)
    assert done.returncode == 0, done.stderr
    assert values(done.stdout)["e"] == '{"c": 600}'
    lines = [line for line in done.stderr.splitlines() if "remote" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: the remote ")
    assert "cannot be reached" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "not-mounted").exists()  # never created on the local disk
    done = a.run("cache", "pull", "--remote", missing)
    assert done.returncode == 2 and "cannot use the remote" in done.stderr
    assert "Traceback" not in done.stderr


def test_concurrent_pushes_of_one_sweep(tmp_path):
    remote = tmp_path / "remote"
    remote.mkdir()
    url = remote.as_uri()
    a = project(tmp_path / "a")
    a.write("main.ib", SWEEP)
    b = clone(a, tmp_path / "b")
    runs = [p.popen("run", "main.ib", "grid", "--remote", url) for p in (a, b)]
    outs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outs
    assert outs[0][0] == outs[1][0] and len(values(outs[0][0])) == 9
    assert "warning" not in outs[0][1] + outs[1][1]
    entries = remote_entries(remote)
    # make(n) for 3 n, count for 9 points, a result for each of the 6 distinct values
    assert len(entries) == 3 + 9 + 6
    assert all(check_file(k, f) == "sound" for k, f in entries.items())
    assert list((remote / "tmp").iterdir()) == []  # no upload left half-done
    c = clone(a, tmp_path / "c")
    assert c.ok("run", "main.ib", "grid", "--remote", url) == outs[0][0]
    assert c.calls() == []


def test_a_notebook_load_fetches_what_only_the_remote_holds(tmp_path):
    import subprocess
    import sys

    from build_kit import ibc_env

    remote = tmp_path / "remote"
    remote.mkdir()
    a = project(tmp_path / "a")
    # the record holds make's 100 kB value: its result entry refers to make's entry
    a.write(
        "main.ib",
        'from "src/stages.py" import make, count\ns = make(100000)\nexperiment e = {s = s, c = count(s, 1)}\n',
    )
    a.ok("run", "main.ib", "--remote", remote.as_uri())
    b = clone(a, tmp_path / "b")
    b.ok("run", "main.ib", IBC_REMOTE=remote.as_uri())
    assert b.calls() == []
    for entry in b.entry_of("make"):  # (printing the record loaded it): gone here again
        (b.store_root / "store" / entry.key[:2] / entry.key).unlink()
    assert [e.meta.get("stage") for e in b.entries()] == ["result"]
    script = "import ibc.runtime as r; v = r.load('main.ib', 'e'); print(len(v['s']), v['c'])"

    def load(**env):
        command = [sys.executable, "-c", script]
        return subprocess.run(
            command, cwd=b.root, capture_output=True, text=True, env=ibc_env(**env)
        )

    assert "no longer in the store" in load().stderr  # without the remote
    done = load(IBC_REMOTE=remote.as_uri())
    assert done.returncode == 0 and done.stdout.split() == ["100000", "100000"], done.stderr
    assert sorted(e.meta.get("stage") for e in b.entries()) == ["make", "result"]


def test_uploads_of_dead_pushers_are_removed(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from ibc.runtime.store import _host

    remote = tmp_path / "remote"
    (remote / "tmp").mkdir(parents=True)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = remote / "tmp" / f"{'ab' * 16}.{_host()}.{gone.stdout.strip()}.0a0b0c0d0e0f"
    dead.write_bytes(b"half an upload")
    old = remote / "tmp" / f"{'cd' * 16}.elsewhere.4242.0a0b0c0d0e0f"
    old.write_bytes(b"another machine's, two hours old")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    young = remote / "tmp" / f"{'ef' * 16}.elsewhere.4242.0a0b0c0d0e0f"
    young.write_bytes(b"another machine's upload under way")
    a = project(tmp_path / "a")
    a.ok("run", "main.ib", "--remote", remote.as_uri())
    assert sorted(p.name for p in (remote / "tmp").iterdir()) == [young.name]


def test_a_back_end_that_is_not_installed_is_one_warning(tmp_path):
    import importlib.util

    import pytest

    if importlib.util.find_spec("gcsfs") is not None:
        pytest.skip("gcsfs is installed: gs:// would reach the network")
    a = project(tmp_path / "a")
    done = a.run("run", "main.ib", "--remote", "gs://team/ibc")
    assert done.returncode == 0 and values(done.stdout)["e"] == '{"c": 600}'
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "gs:// needs gcsfs (pip install 'iterbuild[gcs]')" in lines[0]
