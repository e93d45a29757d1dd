"""`ibc run --executor dask --remote file://…` on a real cluster (the `dask scheduler` and two
`dask worker` processes of test_dask_cluster.py, in folders of their own): a large result is
stored in the remote by the worker that computed it and never travels to the client; a stage on
a worker reads it from the remote; a second clone of the project runs nothing; a remote entry
a worker wrote, then damaged, is detected by the worker that reads it and computed again,
never loaded by the client (docs/running.md, "What travels where")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")
np = pytest.importorskip("numpy")

from tests.executors.test_dask_cluster import cluster, probe_lines  # noqa: E402, F401

N = 2_500_000  # float64: a 20 MB array

BIG = """\
import os

import numpy as np


def _log(tag: str) -> None:
    path = os.environ.get("IBC_TEST_PROBE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{tag}\\t{os.getpid()}\\t{os.getcwd()}\\t{__file__}\\n")


def make(n: int, seed: int) -> np.ndarray:
    _log("make")
    return np.random.default_rng(seed).standard_normal(n)


def total(a: np.ndarray, scale: float) -> float:
    _log("total")
    return round(float(a.sum()) * scale, 6)


def head(a: np.ndarray) -> float:
    _log("head")
    return float(a[0])
"""

MAIN = """\
from "src/big.py" import make, total
experiment e = total(make({n}, 7), {scale})
"""


def _project(root: Path, scale: float = 1.0) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "ibc.toml").write_text("")
    (root / "src" / "big.py").write_text(BIG)
    (root / "main.ib").write_text(MAIN.format(n=N, scale=scale))
    return root


def _expected(scale: float) -> float:
    return round(float(np.random.default_rng(7).standard_normal(N).sum()) * scale, 6)


def _run(root: Path, remote: Path, address: str, *args: str, ok: bool = True, key: str = ""):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IBC_")}
    if key:
        env["IBC_STORE_KEY"] = key
    env.update(
        IBC_STORE=str(root / ".ibc"),
        IBC_PROGRESS="plain",
        IBC_CACHE_DIR=os.environ.get("IBC_CACHE_DIR", str(root / ".cache")),
        PYTHONPATH=os.environ.get("PYTHONPATH", ""),
    )
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "run", "main.ib", "--json", "--executor", "dask"]
        + ["--address", address, "--remote", remote.as_uri(), *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert (done.returncode == 0) == ok, done.stderr
    return (json.loads(done.stdout) if ok else None), done.stderr


def _entries(folder: Path) -> dict[str, dict]:
    """{key: header metadata} of the entries of a store folder (a local store or a remote)."""
    from ibc.runtime.store import parse_header

    out = {}
    for path in (folder / "store").glob("*/*"):
        with open(path, "rb") as f:
            entry = parse_header(path.name, f.read(4096), f.read)
        assert entry is not None, path
        out[path.name] = entry
    return out


def _key_of(entries: dict, stage: str) -> str:
    [key] = [k for k, e in entries.items() if e.meta.get("stage") == stage]
    return key


def test_a_large_result_stays_on_the_remote_written_by_its_worker(cluster, tmp_path):
    address, workers, folders, log = cluster
    remote = tmp_path / "remote"
    remote.mkdir()
    first = _project(tmp_path / "a")
    before = len(probe_lines(log))

    result, err = _run(first, remote, address)
    assert result == {"e": _expected(1.0)}
    rows = probe_lines(log)[before:]
    assert sorted(tag for tag, *_ in rows) == ["make", "total"]
    assert {pid for _, pid, *_ in rows} <= set(workers.values())

    shared = _entries(remote)
    make_key, total_key = _key_of(shared, "make"), _key_of(shared, "total")
    big = shared[make_key]
    assert big.codec == "npy" and big.size >= N * 8
    # written by the worker process that ran `make`, not by the client ...
    [make_pid] = [pid for tag, pid, *_ in rows if tag == "make"]
    assert big.meta["written_by"]["pid"] == make_pid != os.getpid()
    # ... which never held the array: its store has the small result only
    local = _entries(first / ".ibc")
    assert make_key not in local and total_key in local
    assert "written_by" not in shared[total_key].meta  # small: came back, pushed by the client

    # a second clone with the same remote runs nothing and fetches nothing large
    second = _project(tmp_path / "b")
    again, err = _run(second, remote, address)
    assert again == result
    assert len(probe_lines(log)) == before + 2
    assert make_key not in _entries(second / ".ibc")

    # the array damaged on the remote: the worker of the next stage that needs it rejects it,
    # `make` runs again on a worker and rewrites it; the client loads neither copy
    path = remote / "store" / make_key[:2] / make_key
    data = bytearray(path.read_bytes())
    data[big.offset + 1000] ^= 0xFF
    path.write_bytes(bytes(data))
    (second / "main.ib").write_text(MAIN.format(n=N, scale=2.0))
    scaled, err = _run(second, remote, address)
    assert scaled == {"e": _expected(2.0)}
    new_rows = probe_lines(log)[before + 2 :]
    # total tried (rejected its input before running), then make, then total
    assert sorted(tag for tag, *_ in new_rows) == ["make", "total"]
    assert "failed verification (its checksum is wrong)" in err and make_key[:12] in err
    from ibc.runtime.store import check_file

    assert check_file(make_key, path) == "sound"
    assert _entries(remote)[make_key].meta["written_by"]["pid"] in set(workers.values())
    assert make_key not in _entries(second / ".ibc")


def test_a_printed_large_result_is_fetched_and_without_a_remote_nothing_changes(cluster, tmp_path):
    address, workers, folders, log = cluster
    remote = tmp_path / "remote"
    remote.mkdir()
    root = _project(tmp_path / "p")
    (root / "main.ib").write_text(
        'from "src/big.py" import make, head\n'
        f"experiment arr = make({N}, 3)\n"
        f"experiment first = head(make({N}, 3))\n"
    )
    expected = np.random.default_rng(3).standard_normal(N)
    result, err = _run(root, remote, address, "first")
    assert result == {"first": float(expected[0])}
    make_key = _key_of(_entries(remote), "make")
    assert _entries(remote)[make_key].meta["written_by"]["pid"] in set(workers.values())
    assert make_key not in _entries(root / ".ibc")  # consumed on a worker only
    # run again with --force: the remote keeps its entry, the one the run goes on with
    written = _entries(remote)[make_key].meta["time"]
    result, err = _run(root, remote, address, "first", "--force")
    assert result == {"first": float(expected[0])}
    assert _entries(remote)[make_key].meta["time"] == written

    # exported: the client fetches the array from the remote (checked) and writes it
    out = tmp_path / "out"
    result, err = _run(root, remote, address, "arr", "--out", f"{out}/")
    assert [p.name for p in out.iterdir()] == ["arr.npy"], err
    assert np.array_equal(np.load(out / "arr.npy"), expected)
    assert make_key in _entries(root / ".ibc")  # exported: kept here too

    # another clone exports it after the remote's copy was damaged: the client's download
    # fails its check (nothing unpickled), `make` runs again on a worker, which replaces it
    clone = _project(tmp_path / "clone")
    (clone / "main.ib").write_text((root / "main.ib").read_text())
    path = remote / "store" / make_key[:2] / make_key
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    before = len(probe_lines(log))
    result, err = _run(clone, remote, address, "arr", "--out", f"{tmp_path / 'out2'}/")
    assert np.array_equal(np.load(tmp_path / "out2" / "arr.npy"), expected)
    assert [tag for tag, *_ in probe_lines(log)[before:]] == ["make"]
    assert "failed verification (its checksum is wrong)" in err
    from ibc.runtime.store import check_file

    assert check_file(make_key, path) == "sound"

    # without a remote, the value comes back to the client as before
    plain = _project(tmp_path / "q")
    (plain / "main.ib").write_text((root / "main.ib").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("IBC_")}
    env.update(IBC_STORE=str(plain / ".ibc"), PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "run", "main.ib", "--json", "--executor", "dask"]
        + ["--address", address],
        cwd=plain,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["first"] == float(expected[0])
    local = _entries(plain / ".ibc")
    assert "written_by" not in local[_key_of(local, "make")].meta


def test_a_signed_store_and_workers_without_the_key(cluster, tmp_path, monkeypatch):
    """The signing key is never sent to workers: these have no `$IBC_STORE_KEY`, so in a
    signed run they neither write the remote (the client signs and pushes) nor read it (the
    client downloads, checks the signature, and sends the value)."""
    address, workers, folders, log = cluster
    remote = tmp_path / "remote"
    remote.mkdir()
    first = _project(tmp_path / "a")
    result, err = _run(first, remote, address, key="team secret")
    assert result == {"e": _expected(1.0)}
    shared = _entries(remote)
    make_key = _key_of(shared, "make")
    assert "written_by" not in shared[make_key].meta
    assert make_key in _entries(first / ".ibc")  # came back to the client, which signed it
    from ibc.runtime.store import check_file

    path = remote / "store" / make_key[:2] / make_key
    monkeypatch.setenv("IBC_STORE_KEY", "team secret")
    assert check_file(make_key, path) == "sound"
    monkeypatch.setenv("IBC_STORE_KEY", "another secret")
    assert check_file(make_key, path) == "untrusted"
    monkeypatch.delenv("IBC_STORE_KEY")

    second = _project(tmp_path / "b", scale=3.0)
    before = len(probe_lines(log))
    scaled, err = _run(second, remote, address, key="team secret")
    assert scaled == {"e": _expected(3.0)}
    assert [tag for tag, *_ in probe_lines(log)[before:]] == ["total"]
    assert make_key in _entries(second / ".ibc")  # downloaded and checked by the client
    assert "failed verification" not in err
