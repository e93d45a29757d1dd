"""`ibc run` options over the store (docs/running.md "The store", "Executors"): `--dry-run`,
`--force`, `--logs`, `--out` (JSON, pickle), and loading a stored value with `load(file, name)`
without running."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

from build_kit import Project, ibc_env

STAGES = """\
def load(n: int) -> list:
    log("load")
    return list(range(n))


def chatty(xs: list) -> dict:
    log("chatty")
    print(f"hello from chatty, {len(xs)} items")
    return {"total": sum(xs), "items": xs}
"""

MAIN = """\
from "src/stages.py" import load, chatty
data = load(4)
experiment summary = chatty(data)
experiment size = {n = len(data)}
"""


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    return p


def test_dry_run_then_force(tmp_path):
    p = project(tmp_path)
    plan = p.ok("run", "main.ib", "--dry-run")
    assert "would run" in plan and "load" in plan and "chatty" in plan
    assert "2 stage(s) would run, 0 cached" in plan
    assert p.calls() == [] and p.entries() == []
    first = p.run("run", "main.ib")  # the stage's print passes through, to standard error
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        'summary: {"total": 6, "items": [0, 1, 2, 3]}',
        'size: {"n": 4}',
    ]
    assert "hello from chatty, 4 items\n" in first.stderr
    assert p.calls() == ["load", "chatty"]
    plan = p.ok("run", "main.ib", "--dry-run")
    assert "would run" not in plan.replace("0 stage(s) would run", "")
    assert "0 stage(s) would run, 2 cached" in plan
    assert p.calls() == []
    p.edit("src/stages.py", '"total": sum(xs)', '"total": sum(xs) + 1')
    plan = p.ok("run", "main.ib", "--dry-run")
    assert [line.split()[:2] for line in plan.splitlines() if "would run" in line][:1] == [
        ["would", "run"]
    ]
    assert "chatty" in next(
        line for line in plan.splitlines() if line.strip().startswith("would run")
    )
    assert "1 stage(s) would run, 1 cached" in plan
    assert p.calls() == []
    forced = p.ok("run", "main.ib", "--force").splitlines()
    assert forced == ['summary: {"total": 7, "items": [0, 1, 2, 3]}', 'size: {"n": 4}']
    assert p.calls() == ["load", "chatty"]


def test_logs_replays_captured_output_of_cached_stages(tmp_path):
    p = project(tmp_path)
    first = p.run("run", "main.ib", "summary")
    assert "hello from chatty, 4 items" in first.stdout + first.stderr
    again = p.run("run", "main.ib", "summary")
    assert "hello from chatty" not in again.stdout + again.stderr
    logs = p.run("run", "main.ib", "summary", "--logs")
    assert logs.returncode == 0
    assert "hello from chatty, 4 items" in logs.stderr
    assert "main.ib:3:22" in logs.stderr
    assert logs.stdout == again.stdout
    assert p.calls() == ["load", "chatty"]  # only the first run ran anything


def test_out_writes_the_value(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib", "summary", "--out", "summary.json")
    assert json.loads((p.root / "summary.json").read_text()) == {"total": 6, "items": [0, 1, 2, 3]}
    p.ok("run", "main.ib", "size", "--out", str(p.root / "size.pkl"))
    with open(p.root / "size.pkl", "rb") as f:
        assert pickle.load(f) == {"n": 4}
    assert p.calls() == ["load", "chatty"]


def test_out_writes_a_dataframe_as_csv_and_durable_runs_store_as_usual(tmp_path):
    p = project(tmp_path)
    p.write(
        "src/frames.py",
        "import pandas as pd\n\n\ndef frame(n: int):\n"
        "    return pd.DataFrame({'x': list(range(n)), 'y': [v * v for v in range(n)]})\n",
    )
    p.write("frames.ib", 'from "src/frames.py" import frame\nexperiment table = frame(3)\n')
    p.ok("run", "frames.ib", "--durable", "--out", "table.csv")
    assert (p.root / "table.csv").read_text().splitlines() == ["x,y", "0,0", "1,1", "2,4"]
    assert len(p.entries()) >= 1  # the durable run stored its stage
    again = p.run("run", "frames.ib", "--dry-run")
    assert "0 stage(s) would run, 1 cached" in again.stdout


LOAD = """\
import sys
from ibc.runtime.runlog import load
print(repr(load(sys.argv[1], sys.argv[2])))
print(sorted(m for m in sys.modules if m == "src" or m.startswith("src.")))
"""


def test_runlog_load_returns_the_stored_value_without_running(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.calls()
    probe = subprocess.run(
        [sys.executable, "-c", LOAD, str(p.root / "main.ib"), "summary"],
        capture_output=True,
        text=True,
        env=ibc_env(),
        cwd=tmp_path,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    value, modules = probe.stdout.splitlines()
    assert value == "{'total': 6, 'items': [0, 1, 2, 3]}"
    assert modules == "[]"  # nothing of the project was imported
    assert p.calls() == []


def test_ibc_runtime_load_is_exported(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    code = textwrap.dedent(f"""
        import ibc.runtime
        print(ibc.runtime.load({str(p.root / "main.ib")!r}, "size"))
        """)
    probe = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ibc_env(), timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout == "{'n': 4}\n"
