"""Searches on the plain target (docs/running.md, "The plain target"; docs/guide.md,
"Searches"): `ibc compile --target plain` writes a program that carries the optimizer loop
and needs Optuna (no ibc) to run. With the same seed it proposes the trials the cached run
proposes, its `best(tuned)` is the same, a failed trial is reported while the search goes on,
its study lives in memory only (a second run runs every trial again), and what it cannot do
(a trial by name, `-s` on an axis, no Optuna) is a clear error. The bowl and its probe log
are tests/search/test_search_run.py's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_search_run import BOWL, PROGRAM

pytest.importorskip("optuna")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "bowl.py").write_text(BOWL)
    text = PROGRAM.replace("TRIALS", "8").replace("KINDS", '["a", "b", "bad"]')
    (tmp_path / "main.ib").write_text(text)
    return tmp_path


def env(project: Path, log: str, **extra: str) -> dict:
    return {**os.environ, "NO_COLOR": "1", "PROBE_LOG": str(project / log), **extra}


def run(project: Path, args: list[str], log: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        env=env(project, log, **extra),
        timeout=300,
    )


def executions(project: Path, log: str) -> list:
    path = project / log
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def parsed(done: subprocess.CompletedProcess) -> dict:
    return json.loads(done.stdout[done.stdout.index("{\n") :])


@pytest.fixture
def compiled(project: Path) -> Path:
    done = run(
        project, ["-m", "ibc", "compile", "main.ib", "--target", "plain", "-o", "out.py"], "x"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return project / "out.py"


def test_the_plain_program_proposes_the_trials_of_the_cached_run(
    project: Path, compiled: Path
) -> None:
    cached = run(project, ["-m", "ibc", "run", "main.ib", "tuned", "final", "--json"], "cached.log")
    plain = run(project, ["out.py", "tuned", "final", "--json"], "plain.log")
    # a kind "bad" fails: both report it, go on, and exit with 3
    assert cached.returncode == 3 and plain.returncode == 3, plain.stdout + plain.stderr
    assert "Traceback (most recent call last)" in plain.stderr  # the user's, for the failure
    failed = [t for t in executions(project, "plain.log") if t[2] == "bad"]
    assert failed and "error: trial tuned[" in plain.stderr
    assert executions(project, "plain.log") == executions(project, "cached.log")
    ours, theirs = parsed(plain), parsed(cached)
    assert [k for k in ours if k.startswith("tuned[")] == [
        k for k in theirs if k.startswith("tuned[")
    ]
    assert len([k for k in ours if k.startswith("tuned[")]) == 8 - len(failed)
    assert ours == theirs  # the same trials' values and the same best(tuned) for `final`
    best = min((v["loss"], k) for k, v in ours.items() if k.startswith("tuned["))[1]
    assert f"best of tuned: {best}" in plain.stderr
    assert ours["final"]["kind"] == "b"
    # the study is in memory only: a second run runs every trial (and the objective) again
    again = run(project, ["out.py", "tuned", "final", "--json"], "plain.log")
    assert parsed(again) == ours
    assert len(executions(project, "plain.log")) == 16


def test_the_plain_program_prints_each_trial_with_its_axes(project: Path, compiled: Path) -> None:
    done = run(project, ["out.py", "tuned"], "plain.log")
    assert done.returncode == 3
    lines = [line for line in done.stdout.splitlines() if line.startswith("tuned[")]
    ran = executions(project, "plain.log")
    assert len(ran) == 8 and len(lines) == sum(1 for r in ran if r[2] != "bad")
    x, n, kind = ran[0]
    assert f"  x={x!r}, n={n}, kind={json.dumps(kind)}" in done.stderr.splitlines()


def test_a_trial_or_an_axis_set_with_s_is_a_clear_error(project: Path, compiled: Path) -> None:
    done = run(project, ["out.py", "tuned[3]"], "plain.log")
    assert done.returncode == 2
    assert "error: tuned[3] is a trial of the search `tuned`" in done.stderr
    assert "hint: run `tuned`" in done.stderr
    done = run(project, ["out.py", "final", "-s", "x=0.5"], "plain.log")  # final needs tuned
    assert done.returncode == 2
    assert "error: -s x: `x` is an axis of the search `tuned`" in done.stderr
    assert executions(project, "plain.log") == []
    done = run(project, ["out.py", "base", "-s", "x=0.5"], "plain.log")  # no search: fine
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.split(": ", 1)[1])["loss"] == pytest.approx(1.4)


def test_without_optuna_the_plain_program_says_so(
    project: Path, compiled: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    blocked = tmp_path_factory.mktemp("blocked")
    (blocked / "optuna").mkdir()
    (blocked / "optuna" / "__init__.py").write_text("raise ImportError('no optuna here')\n")
    done = run(project, ["out.py"], "plain.log", PYTHONPATH=str(blocked))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: the search `tuned` needs Optuna, which is not installed" in done.stderr
    assert "hint: pip install optuna" in done.stderr
    assert "Traceback" not in done.stderr
    done = run(project, ["out.py", "base"], "plain.log", PYTHONPATH=str(blocked))
    assert done.returncode == 0, done.stdout + done.stderr  # no search: no Optuna needed
