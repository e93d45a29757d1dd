"""A search wherever a sweep goes (docs/guide.md, "Searches"): `ibc graph` draws the trials
stored and says the others are proposed at run time, `--dry-run` says so too, and the dask
executor (a LocalCluster that `ibc run --executor dask` starts) runs a search whose re-run
runs nothing. The bowl and its probe log are tests/search/test_search_run.py's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_search_run import BOWL, PROGRAM

pytest.importorskip("optuna")

TRIALS = 6


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "bowl.py").write_text(BOWL)
    text = PROGRAM.replace("TRIALS", str(TRIALS)).replace("KINDS", '["a", "b"]')
    (tmp_path / "main.ib").write_text(text)
    return tmp_path


def ibc(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "PROBE_LOG": str(project / "probe.log")},
        timeout=300,
    )


def executions(project: Path) -> int:
    log = project / "probe.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_graph_and_dry_run_show_the_trials_stored(project: Path) -> None:
    before = ibc(project, "graph", "main.ib", "tuned")
    assert before.returncode == 0, before.stderr
    assert "tuned: 0 of 6 trials stored; the graph shows those" in before.stderr
    assert "target:tuned[" not in before.stdout and "Traceback" not in before.stderr
    assert ibc(project, "run", "main.ib", "tuned[0]").returncode == 0  # one trial stored
    dry = ibc(project, "run", "main.ib", "tuned", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "tuned: 1 of 6 trials stored; the others are proposed at run time" in dry.stderr
    assert executions(project) == 1
    assert ibc(project, "run", "main.ib", "tuned").returncode == 0
    after = ibc(project, "graph", "main.ib", "final")
    assert after.returncode == 0, after.stderr
    assert "trials stored" not in after.stderr
    assert '"target:final"' in after.stdout and 'label="refit' in after.stdout
    trials = ibc(project, "graph", "main.ib", "tuned")
    shown = [f'"target:tuned[{i}]"' in trials.stdout for i in range(TRIALS)]
    assert shown == [True] * TRIALS
    assert executions(project) == TRIALS


def test_the_dask_executor_runs_a_search_and_a_rerun_runs_nothing(project: Path) -> None:
    pytest.importorskip("distributed")
    args = ("run", "main.ib", "tuned", "--json", "--jobs", "2")
    done = ibc(project, *args, "--executor", "dask")
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(done.stdout[done.stdout.index("{\n") :])
    assert list(results) == [f"tuned[{i}]" for i in range(TRIALS)]
    assert executions(project) == TRIALS  # in the cluster's workers
    again = ibc(project, *args, "--executor", "dask")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout[again.stdout.index("{\n") :]) == results
    assert executions(project) == TRIALS
    local = ibc(project, *args)  # the same batches locally: the same proposals, all stored
    assert json.loads(local.stdout[local.stdout.index("{\n") :]) == results
    assert executions(project) == TRIALS
