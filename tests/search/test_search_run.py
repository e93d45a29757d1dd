"""Searches run through `ibc run` (docs/guide.md, "Searches"): a cheap bowl over a Float, an
Int and a categorical axis whose optimum is known (x = 0.3, n = 7, kind = "b": loss 0). The
objective logs each execution to a file (one line per trial, in trial order), so the tests
count what really ran: a re-run runs nothing, raising `trials` runs only the new ones, a run
killed with SIGKILL during a trial resumes where it stopped, a failing trial is recorded as
failed while the search goes on, and `refit with best(tuned)` runs with the best trial's
parameters."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("optuna")

BOWL = """\
import os
import time


def probe(x: float, n: int, kind: str) -> dict:
    log = os.environ["PROBE_LOG"]
    done = len(open(log).read().splitlines()) if os.path.exists(log) else 0
    with open(log, "a") as f:
        f.write(json.dumps([x, n, kind]) + "\\n")
    if os.environ.get("PROBE_HANG_AT") == str(done):
        time.sleep(600)
    if kind == "bad":
        raise ValueError("this kind always fails")
    offset = {"a": 1.0, "b": 0.0}[kind]
    return {"loss": (x - 0.3) ** 2 + (n - 7) ** 2 / 100 + offset}


def refit(x: float, n: int, kind: str) -> dict:
    return {"x": x, "n": n, "kind": kind}


import json
"""

PROGRAM = """\
from "bowl.py" import probe, refit

x = 0.0
n = 1
kind = "a"
experiment base = probe(x, n, kind)
search tuned = base with {
    x in uniform(-1.0, 1.0),
    n in int_range(0, 20),
    kind in KINDS,
} minimize loss trials TRIALS
experiment final = refit(x, n, kind) with best(tuned)
"""


def write(project: Path, trials: int = 16, kinds: str = '["a", "b"]') -> None:
    text = PROGRAM.replace("TRIALS", str(trials)).replace("KINDS", kinds)
    (project / "main.ib").write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "bowl.py").write_text(BOWL)
    write(tmp_path)
    return tmp_path


def env(project: Path, **extra: str) -> dict:
    return {**os.environ, "NO_COLOR": "1", "PROBE_LOG": str(project / "probe.log"), **extra}


def ibc(project: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        env=env(project, **extra),
        timeout=600,
    )


def executions(project: Path) -> list:
    log = project / "probe.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def run_json(project: Path, *targets: str) -> dict:
    done = ibc(project, "run", "main.ib", *targets, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout[done.stdout.index("{\n") :])


def test_the_best_of_16_trials_is_near_the_optimum_and_a_rerun_runs_nothing(
    project: Path,
) -> None:
    results = run_json(project, "tuned")
    assert list(results) == [f"tuned[{i}]" for i in range(16)]
    ran = executions(project)
    assert len(ran) == 16
    losses = [results[f"tuned[{i}]"]["loss"] for i in range(16)]
    best = min(range(16), key=lambda i: losses[i])
    x, n, kind = ran[best]
    assert losses[best] < 0.1, (losses[best], ran[best])
    assert kind == "b" and abs(x - 0.3) < 0.3 and abs(n - 7) <= 2
    # the trials are not a grid: the numeric axes take many values
    assert len({round(r[0], 6) for r in ran}) == 16
    assert run_json(project, "tuned") == results  # the same proposals, from the store
    assert len(executions(project)) == 16  # nothing ran again
    gc = ibc(project, "cache", "gc", "main.ib")  # keeps what the file reaches: its trials
    assert gc.returncode == 0 and "removed 0 entries" in gc.stdout + gc.stderr, gc.stderr
    assert run_json(project, "tuned") == results and len(executions(project)) == 16


def test_raising_trials_runs_only_the_new_trials(project: Path) -> None:
    first = run_json(project, "tuned")
    assert len(executions(project)) == 16
    write(project, trials=20)
    results = run_json(project, "tuned")
    assert len(executions(project)) == 20
    assert list(results) == [f"tuned[{i}]" for i in range(20)]
    assert all(results[name] == value for name, value in first.items())


def test_a_run_killed_during_trial_8_resumes_where_it_stopped(project: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ibc", "run", "main.ib", "tuned"],
        cwd=project,
        env=env(project, PROBE_HANG_AT="8"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 300
        while len(executions(project)) < 9:  # trial 8 has started (and hangs)
            assert process.poll() is None, "the run ended before trial 8"
            assert time.time() < deadline
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert len(executions(project)) == 9
    results = run_json(project, "tuned")
    assert list(results) == [f"tuned[{i}]" for i in range(16)]
    ran = executions(project)
    assert len(ran) <= 17
    assert ran[9] == ran[8]  # trial 8 proposed again with the same parameters, then run


def test_a_failing_trial_is_recorded_as_failed_and_the_search_goes_on(project: Path) -> None:
    write(project, kinds='["a", "b", "bad"]')
    done = ibc(project, "run", "main.ib", "tuned")
    out = done.stdout + done.stderr
    assert done.returncode == 3, out  # a failed job: the run says so
    ran = executions(project)
    assert len(ran) == 16  # every trial was tried
    failed = [i for i, (_, _, kind) in enumerate(ran) if kind == "bad"]
    assert failed and len(failed) < 16
    for i in failed:
        assert f"error: sweep point tuned[{i}] failed" in out, out
        assert "this kind always fails" in out
    assert 'Traceback (most recent call last):\n  File "<frozen runpy>"' not in out
    # the trials that did not fail are the search's, and best() is one of them
    final = run_json(project, "final")["final"]
    assert final["kind"] != "bad"
    assert [final["x"], final["n"], final["kind"]] in ran


def test_refit_with_the_best_trial_runs_with_its_parameters(project: Path) -> None:
    results = run_json(project, "tuned", "final")
    ran = executions(project)
    losses = [results[f"tuned[{i}]"]["loss"] for i in range(16)]
    best = ran[min(range(16), key=lambda i: losses[i])]
    assert results["final"] == {"x": best[0], "n": best[1], "kind": best[2]}
    assert len(ran) == 16  # the refit is another function: the probe ran once per trial
    dry = ibc(project, "run", "main.ib", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "final:\n  cached     call of refit" in dry.stdout  # best(tuned), from the store
    shown = ibc(project, "results", "main.ib")
    assert shown.returncode == 0, shown.stderr
    index = min(range(16), key=lambda i: losses[i])
    marked = [line.split()[0] for line in shown.stdout.splitlines() if "(best)" in line]
    assert marked == [f"tuned[{index}]"]
    rows = json.loads(ibc(project, "results", "main.ib", "--format", "json").stdout)
    trials = {r["experiment"]: r["trial"] for r in rows if "trial" in r}
    assert trials[f"tuned[{index}]"] == {
        "search": "tuned",
        "number": index,
        "best": True,
        "axes": ["x", "n", "kind"],
        "objective": "loss",
        "direction": "minimize",
    }
    assert sum(t["best"] for t in trials.values()) == 1 and len(trials) == 16


def test_a_dry_run_before_any_trial_says_they_are_proposed_at_run_time(project: Path) -> None:
    done = ibc(project, "run", "main.ib", "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tuned: 0 of 16 trials stored; the others are proposed at run time" in done.stderr
    assert executions(project) == []


def test_jobs_proposes_n_trials_at_a_time_deterministically(project: Path) -> None:
    results = run_json(project, "tuned", "--jobs", "4")
    assert len(results) == 16 and len(executions(project)) == 16
    assert run_json(project, "tuned", "--jobs", "4") == results
    assert len(executions(project)) == 16  # same N, same proposals: nothing ran again
    # worker processes evaluate a batch side by side; the proposals are the batch size's
    assert run_json(project, "tuned", "--jobs", "4", "--executor", "process") == results
    assert len(executions(project)) == 16
    # a dry run and a trial by name propose as the run with the same N did: all stored
    dry = ibc(project, "run", "main.ib", "tuned", "--jobs", "4", "--dry-run")
    assert dry.returncode == 0 and "trials stored" not in dry.stderr, dry.stderr
    assert "16 cached" in dry.stdout, dry.stdout
    one = run_json(project, "tuned[14]", "--jobs", "4")
    assert one == {"tuned[14]": results["tuned[14]"]} and len(executions(project)) == 16
    # `ibc graph --jobs 4` replays them as that run proposed them; one at a time, it cannot
    graph = ibc(project, "graph", "main.ib", "tuned", "--jobs", "4")
    assert graph.returncode == 0 and "trials stored" not in graph.stderr, graph.stderr
    assert all(f'"tuned[{i}]"' in graph.stdout for i in range(16)), graph.stdout
    ones = ibc(project, "graph", "main.ib", "tuned")
    assert ones.returncode == 0 and "of 16 trials stored" in ones.stderr, ones.stderr
    (project / "ibc.toml").write_text("jobs = 4\n")  # the setting is graph's default too
    setting = ibc(project, "graph", "main.ib", "tuned")
    assert setting.returncode == 0 and "trials stored" not in setting.stderr, setting.stderr
    assert setting.stdout == graph.stdout
    bad = ibc(project, "graph", "main.ib", "tuned", "--jobs", "0")
    assert bad.returncode == 2 and "error: --jobs needs a number of at least 1" in bad.stderr


def test_a_command_line_sweep_of_a_search_is_refused(project: Path) -> None:
    done = ibc(project, "run", "main.ib", "tuned", "-s", "n in [1, 2]")
    assert done.returncode != 0
    assert "error[E0701]: the search `tuned` under `-s PATH in […]`" in done.stderr
    assert executions(project) == []


def test_without_optuna_a_search_stops_with_an_error_naming_the_extra(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    blocked = tmp_path_factory.mktemp("blocked")
    (blocked / "optuna").mkdir()
    (blocked / "optuna" / "__init__.py").write_text("raise ImportError('no optuna here')\n")
    path = os.pathsep.join([str(blocked), os.environ.get("PYTHONPATH", "")])
    done = ibc(project, "run", "main.ib", "tuned", PYTHONPATH=path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: a search needs Optuna, which is not installed" in done.stderr
    assert "pip install 'iterbuild[search]'" in done.stderr
    assert "Traceback" not in done.stderr and executions(project) == []
    done = ibc(project, "run", "main.ib", "base", PYTHONPATH=path)  # no search: no Optuna
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_trial_runs_alone_by_its_name_once_the_trials_before_it_are_stored(
    project: Path,
) -> None:
    """`ibc run FILE 'tuned[i]'` replays the trials before it from the store and runs (or
    loads) trial i alone; a trial whose predecessors are not stored, or past `trials`, is a
    clear error with a hint."""
    first = run_json(project, "tuned[0]")  # nothing stored before trial 0: it runs alone
    assert list(first) == ["tuned[0]"] and len(executions(project)) == 1
    early = ibc(project, "run", "main.ib", "tuned[5]")
    assert early.returncode == 2, early.stdout + early.stderr
    assert "error: `tuned[5]` is not proposed yet" in early.stderr
    assert "1 of them are (`tuned[1]` is not)" in early.stderr
    assert "hint: run the search first (`ibc run FILE tuned`)" in early.stderr
    assert len(executions(project)) == 1
    whole = run_json(project, "tuned")
    assert whole["tuned[0]"] == first["tuned[0]"] and len(executions(project)) == 16
    again = run_json(project, "tuned[5]", "tuned[3]")  # from the store
    assert again == {"tuned[5]": whole["tuned[5]"], "tuned[3]": whole["tuned[3]"]}
    assert len(executions(project)) == 16
    past = ibc(project, "run", "main.ib", "tuned[16]")
    assert past.returncode == 2
    assert "error: `tuned[16]`: the search `tuned` has 16 trials, `tuned[0]` to `tuned[15]`" in (
        past.stderr
    )
    assert "hint: raise `trials` in the file (`trials 17`)" in past.stderr
    write(project, trials=20)  # raising `trials`: trial 17 needs trials 16 run first
    assert "`tuned[16]` is not" in ibc(project, "run", "main.ib", "tuned[17]").stderr
