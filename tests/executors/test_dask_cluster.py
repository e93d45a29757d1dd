"""`ibc run --executor dask` on a real cluster: a `dask scheduler` and two `dask worker`
processes started as separate processes in folders of their own, on loopback — the workers
share nothing with the project but the machine. A sweep of a project laid out the standard way
(`src/` without `__init__.py`) with a pinned revision runs there: same results as local, the
stages ran in the workers from the shipped sources and snapshot, a second run is all cached,
and an edited source reaches the (still running) workers, never a stale module."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")
if shutil.which("git") is None:  # pragma: no cover - the environment has git
    pytest.skip("git is not installed", allow_module_level=True)

from tests.revisions.gitrepo import commit, git, write  # noqa: E402

STARTUP_TIMEOUT = 90.0

MODEL = """\
import os

from src.util import factor


def _log(tag: str) -> None:
    path = os.environ.get("IBC_TEST_PROBE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{tag}\\t{os.getpid()}\\t{os.getcwd()}\\t{__file__}\\n")


def score(x: float) -> float:
    _log("score")
    return x * factor()


def total(a: float, b: float) -> float:
    _log("total")
    return a + b


class Scaler:
    def __init__(self, k: float) -> None:
        self.k = k


def use(s: Scaler, x: float) -> float:
    _log("use")
    return s.k * x * factor()
"""

MAIN = """\
from "src/model.py" import score, total
from "src/model.py" @ "v1" import Scaler as ScalerV1, use as use_v1
x = 1.0
experiment base = total(score(x), x)
sweep s = base with { x in [1.0, 2.0], score in [score, score @ "v1"] }
# an object of a pinned class, made on a worker, comes back and goes to another stage
experiment pinned_object = use_v1(ScalerV1(1.5), x)
"""


def _util(factor: float) -> dict[str, str]:
    return {"src/util.py": f"def factor() -> float:\n    return {factor}\n"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers (no nanny: the worker is the process
    started), each in its own folder; yields (scheduler address, {worker address: pid},
    worker folders, probe log)."""
    import distributed

    base = tmp_path_factory.mktemp("dask_cluster")
    log = base / "probe.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IBC_")}
    env["IBC_TEST_PROBE_LOG"] = str(log)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")])
    scheduler_file = base / "scheduler.json"
    procs: list[subprocess.Popen] = []

    def start(args: list[str], folder: Path) -> subprocess.Popen:
        folder.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(folder / "log.txt", "wb"),  # noqa: SIM115 - closed with the process
            start_new_session=True,
        )
        procs.append(proc)
        return proc

    try:
        start(
            [
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
                "--idle-timeout",  # should the test process die before tearing it down
                "600",
            ],
            base / "scheduler",
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, "the dask scheduler did not start"
            assert procs[0].poll() is None, (base / "scheduler" / "log.txt").read_text()
            time.sleep(0.1)
        time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        folders = [base / f"worker{i}" for i in range(2)]
        workers = [
            start(
                [
                    "distributed.cli.dask_worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--local-directory",
                    str(folder / "scratch"),
                    "--death-timeout",  # a worker whose scheduler is gone ends
                    "60",
                ],
                folder,
            )
            for folder in folders
        ]
        with distributed.Client(address, timeout=STARTUP_TIMEOUT) as client:
            client.wait_for_workers(2, timeout=STARTUP_TIMEOUT)
            pids = client.run(os.getpid)
        assert set(pids.values()) == {w.pid for w in workers}
        yield address, pids, folders, log
    finally:  # the workers first, while their scheduler still answers; then the scheduler
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture()
def project(tmp_path):
    """The standard layout, in git: v1 (factor 2.0), then today (factor 3.0)."""
    v1 = commit(
        tmp_path,
        {".gitignore": ".ibc*/\n", "ibc.toml": "", "src/model.py": MODEL, **_util(2.0)},
        "v1",
        tag="v1",
    )
    commit(tmp_path, {**_util(3.0), "main.ib": MAIN}, "bigger factor")
    assert not (tmp_path / "src" / "__init__.py").exists()
    return tmp_path, v1


def ibc_run(root: Path, store: str, *args: str) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if k != "IBC_TEST_PROBE_LOG"}
    env.update(IBC_STORE=str(root / store), IBC_PROGRESS="plain")
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "run", "main.ib", "--json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def ran_counts(err: str) -> list[int]:
    """The `N ran` of each experiment's summary line."""
    return [int(n) for n in re.findall(r": ok in [^\n]* — (\d+) ran, \d+ cached", err)]


def probe_lines(log: Path) -> list[tuple[str, int, str, str]]:
    if not log.exists():
        return []
    rows = [line.split("\t") for line in log.read_text().splitlines()]
    return [(tag, int(pid), cwd, file) for tag, pid, cwd, file in rows]


def test_a_sweep_with_a_namespace_src_and_a_pinned_revision_runs_on_the_workers(cluster, project):
    address, workers, folders, log = cluster
    pids = set(workers.values())
    root, v1 = project
    local, _ = ibc_run(root, ".ibc-local", "--executor", "local")
    assert local == {
        "base": 4.0,
        "s[x=1.0,score=score]": 4.0,
        "s[x=2.0,score=score]": 8.0,
        's[x=1.0,score=score @ "v1"]': 3.0,
        's[x=2.0,score=score @ "v1"]': 6.0,
        "pinned_object": 3.0,
    }
    assert not log.exists()  # the local run is not probed: its environment has no log

    remote, err = ibc_run(root, ".ibc", "--executor", "dask", "--address", address)
    assert remote == local
    rows = probe_lines(log)
    # score runs for 4 distinct calls (base and s[x=1.0,score=score] are the same stage),
    # total for 4, and the pinned use once
    assert sorted(tag for tag, *_ in rows) == ["score"] * 4 + ["total"] * 4 + ["use"]
    assert {pid for _, pid, _, _ in rows} <= pids and os.getpid() not in pids
    worker_dirs = [str(f) for f in folders]
    for tag, _, cwd, file in rows:
        assert not cwd.startswith(str(root)) and cwd in worker_dirs
        assert any(file.startswith(d + os.sep) for d in worker_dirs), file
    files = {file for *_, file in rows}
    today = {f for f in files if re.search(r"ibc_project_[0-9a-f]{16}\.zip/src/model\.py$", f)}
    pinned = {f for f in files if f.endswith(f"store/snapshots/{v1}/src/model.py")}
    assert {file for tag, *_, file in rows if tag == "use"} <= pinned
    assert today and pinned and today | pinned == files
    # the progress lines and the run's stage log name the worker of each stage that ran
    shown = re.findall(r"^  ran +(score|total|use)\w*.* s  on (tcp://\S+)", err, re.M)
    assert sorted(name for name, _ in shown) == ["score"] * 4 + ["total"] * 4 + ["use"]
    assert {where for _, where in shown} <= set(workers)
    [stage_log] = (root / ".ibc" / "runs").glob("*.stages.jsonl")
    records = [json.loads(line) for line in stage_log.read_text().splitlines()]
    ran = [r for r in records if r.get("state") == "ran"]
    assert len(ran) == 10 and {r["worker"] for r in ran} <= set(workers)  # and ScalerV1

    # a second run consults the store only
    again, err = ibc_run(root, ".ibc", "--executor", "dask", "--address", address)
    assert again == local
    assert ran_counts(err) == [0] * 6
    assert len(probe_lines(log)) == 9

    # an edited helper reaches the running workers; the pinned points stay cached
    write(root, _util(5.0))
    edited, err = ibc_run(root, ".ibc", "--executor", "dask", "--address", address)
    assert edited == {
        "base": 6.0,
        "s[x=1.0,score=score]": 6.0,
        "s[x=2.0,score=score]": 12.0,
        's[x=1.0,score=score @ "v1"]': 3.0,
        's[x=2.0,score=score @ "v1"]': 6.0,
        "pinned_object": 3.0,
    }
    new_rows = probe_lines(log)[9:]
    assert sorted(tag for tag, *_ in new_rows) == ["score"] * 2 + ["total"] * 2
    assert {pid for _, pid, _, _ in new_rows} <= pids
    new_files = {file for *_, file in new_rows if file.endswith("src/model.py")}
    assert new_files and not new_files & files  # a new zip: new content, new name
    assert ibc_run(root, ".ibc-local", "--executor", "local")[0] == edited
    git(root, "status", "--short")  # the repository is intact
