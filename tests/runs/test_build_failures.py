"""Failing stages (docs/running.md "Purity", "Running, failing, resuming"): a stage that writes into
its NumPy input fails the same way on every run; `--check-purity` names the culprit; a failing stage
reports its `.ib` location and the user's traceback, the other experiments still print, the next run
resumes."""

from __future__ import annotations

import json

from build_kit import Project

STAGES = """\
import numpy as np


def arange(n: int) -> np.ndarray:
    log("arange")
    return np.arange(n, dtype=float)


def bump(a: np.ndarray) -> float:
    log("bump")
    a += 1
    return float(a.sum())


def square(x: int) -> int:
    log(f"square {x}")
    return x * x


def boom(x: int) -> int:
    log("boom")
    return check(x)


def check(x):
    raise ValueError(f"bad value {x}")
"""

PURE = """\
from "src/stages.py" import arange, bump
experiment mutate = bump(arange(3))
"""

FAIL = """\
from "src/stages.py" import square, boom
a = square(4)
experiment first = {v = square(2)}
experiment bad = boom(a)
experiment last = {v = square(3)}
"""


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("pure.ib", PURE)
    p.write("fail.ib", FAIL)
    return p


def test_writing_into_a_numpy_input_fails_with_the_location(tmp_path):
    p = project(tmp_path)
    for attempt in range(2):  # fresh input, then loaded from the store: the same failure
        done = p.run("run", "pure.ib")
        assert done.returncode == 3, done.stderr
        assert "read-only" in done.stderr
        assert "pure.ib:2:21" in done.stderr
        assert "a += 1" in done.stderr  # the user's line in the traceback
        assert p.calls() == (["arange", "bump"] if attempt == 0 else ["bump"])


def test_check_purity_names_the_function_and_argument(tmp_path):
    p = project(tmp_path)
    done = p.run("run", "pure.ib", "--check-purity")
    assert done.returncode == 3
    assert "`bump`" in done.stderr and "argument 1 (`a`)" in done.stderr
    assert "pure.ib:2:21" in done.stderr
    assert "read-only" not in done.stderr  # the check, not NumPy, caught it


def test_a_failing_stage_does_not_stop_the_others_and_the_next_run_resumes(tmp_path):
    p = project(tmp_path)
    done = p.run("run", "fail.ib")
    assert done.returncode == 3
    assert done.stdout == 'first: {"v": 4}\nlast: {"v": 9}\n'
    err = done.stderr
    assert "bad" in err and "fail.ib:4:18" in err
    assert "Traceback" in err and "raise ValueError" in err and "ValueError: bad value 16" in err
    assert "in check" in err and "in boom" in err  # the user's frames
    assert "ibc/runtime" not in err  # trimmed to the user's code
    assert sorted(p.calls()) == ["boom", "square 2", "square 3", "square 4"]
    rows = json.loads(p.ok("results", "fail.ib", "--format", "json"))
    assert [(r["experiment"], r["status"]) for r in rows] == [
        ("first", "ok"),
        ("bad", "failed"),
        ("last", "ok"),
    ]
    # the next run resumes: only the failed stage runs again
    again = p.run("run", "fail.ib")
    assert again.returncode == 3
    assert again.stdout == done.stdout
    assert p.calls() == ["boom"]
    # fixed: only it runs
    p.edit("src/stages.py", "    return check(x)", "    return x + 1")
    assert p.ok("run", "fail.ib") == 'first: {"v": 4}\nbad: 17\nlast: {"v": 9}\n'
    assert p.calls() == ["boom"]
