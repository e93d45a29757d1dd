"""What stages print never breaks `ibc run --json`, and every executor stores the results
`ibc.runtime.load` reads (docs/running.md, "Running, failing, resuming")."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
from build_kit import ibc_env
from fault_kit import project

MAIN = """\
from "src/stages.py" import ok
experiment record = {v = ok(1), w = ok(2)}
experiment plain = ok(3)
"""

EXECUTORS = [
    "local",
    "process",
    pytest.param(
        "dask",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("distributed") is None, reason="dask.distributed missing"
        ),
    ),
]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_json_output_parses_when_stages_print(tmp_path, executor):
    # before: "hello from ok 1" on standard output before the JSON object
    p = project(tmp_path, MAIN)
    done = p.run("run", "main.ib", "--json", "--executor", executor, "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"record": {"v": 2, "w": 3}, "plain": 4}
    for x in (1, 2, 3):
        assert f"hello from ok {x}" in done.stderr


@pytest.mark.parametrize("executor", EXECUTORS)
def test_load_after_a_run_on_any_executor(tmp_path, executor):
    # before: with process or dask, `load(..., "record")` raised LookupError (no result entry)
    p = project(tmp_path, MAIN)
    done = p.run("run", "main.ib", "--executor", executor, "--jobs", "2")
    assert done.returncode == 0, done.stderr
    script = (
        "import ibc.runtime as r; print(r.load('main.ib', 'record'), r.load('main.ib', 'plain'))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=p.root, capture_output=True, text=True, env=ibc_env()
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "{'v': 2, 'w': 3} 4"
