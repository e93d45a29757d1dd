"""`ibc results [FILE] SEARCH` (docs/guide.md, "Searches"): one search's trials by number,
with the axes' values, the objective, the status (failed trials too) and the best completed
trial marked; `--plot trial,loss` draws the optimization history. The bowl is
tests/search/test_search_run.py's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_search_run import BOWL, PROGRAM

pytest.importorskip("optuna")


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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path
    (root / "ibc.toml").write_text("")
    (root / "bowl.py").write_text(BOWL)
    text = PROGRAM.replace("TRIALS", "10").replace("KINDS", '["a", "b", "bad"]')
    (root / "main.ib").write_text(text)
    done = ibc(root, "run", "main.ib", "tuned", "base")
    assert done.returncode == 3, done.stderr  # a "bad" trial fails; the search goes on
    return root


def test_the_trials_of_a_search_with_the_best_marked(project: Path) -> None:
    done = ibc(project, "results", "main.ib", "tuned", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["trial"]["number"] for r in rows] == list(range(10))  # base is not a trial
    failed = [r for r in rows if r["status"] == "failed"]
    assert failed and all(r["params"]["kind"] == "bad" and r["objective"] is None for r in failed)
    ok = [r for r in rows if r["status"] == "ok"]
    best = min(ok, key=lambda r: r["objective"])
    assert [r["trial"]["number"] for r in rows if r["trial"]["best"]] == [best["trial"]["number"]]
    assert rows[0]["trial"]["axes"] == ["x", "n", "kind"]
    assert rows[0]["trial"]["direction"] == "minimize"
    table = ibc(project, "results", "tuned")  # the search's name alone: this project's
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "trial",
        "x",
        "n",
        "kind",
        "loss",
        "best",
        "status",
        "started",
        "seconds",
    ]
    assert len(lines) == 12
    marked = [line for line in lines[2:] if " * " in line]
    assert len(marked) == 1 and marked[0].split()[0] == str(best["trial"]["number"])
    assert sum(" failed " in line for line in lines) == len(failed)


def test_a_run_of_one_trial_keeps_the_best_mark(project: Path) -> None:
    before = json.loads(ibc(project, "results", "tuned", "--format", "json").stdout)
    best = next(r for r in before if r["trial"]["best"])
    done = ibc(project, "run", "main.ib", f"tuned[{best['trial']['number']}]")
    assert done.returncode == 0, done.stderr
    after = json.loads(ibc(project, "results", "tuned", "--format", "json").stdout)
    assert [r["trial"]["number"] for r in after if r["trial"]["best"]] == [best["trial"]["number"]]
    table = ibc(project, "results", "main.ib").stdout  # the whole table marks it too
    marked = [line.split()[0] for line in table.splitlines() if "(best)" in line]
    assert marked == [f"tuned[{best['trial']['number']}]"]
    # the whole table's JSON agrees with it, though the one-trial run recorded `best: false`
    whole = json.loads(ibc(project, "results", "main.ib", "--format", "json").stdout)
    flagged = [r["experiment"] for r in whole if (r.get("trial") or {}).get("best")]
    assert flagged == [f"tuned[{best['trial']['number']}]"]
    newest = [r for r in whole if r["experiment"] == f"tuned[{best['trial']['number']}]"]
    assert newest and newest[-1]["trial"]["best"] is True


def test_the_optimization_history_plot(project: Path) -> None:
    pytest.importorskip("matplotlib")
    done = ibc(project, "results", "tuned", "--plot", "trial,loss", "-o", "history.png")
    assert done.returncode == 0, done.stderr
    rows = json.loads(ibc(project, "results", "tuned", "--format", "json").stdout)
    ok = [r for r in rows if r["status"] == "ok"]
    best = min(ok, key=lambda r: r["objective"])
    said = (
        f"({len(ok)} of 10 trials of tuned; best loss {best['objective']:.6g} at "
        f"tuned[{best['trial']['number']}])"
    )
    assert said in done.stderr
    assert (project / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    other = ibc(project, "results", "tuned", "--plot", "x,loss", "-o", "x.png")
    assert other.returncode == 0 and (project / "x.png").stat().st_size > 0


def test_an_unknown_search_is_a_clear_error(project: Path) -> None:
    done = ibc(project, "results", "tunde")
    assert done.returncode == 2
    assert (
        "error: no recorded trial of a search or point of a sweep `tunde` (recorded searches: tuned)"
        in done.stderr
    )
    assert "hint: run the search first" in done.stderr
