"""The line per finished target of `ibc run` (docs/running.md, "Progress on a terminal") when
its stages were computed for another target earlier in the same run: `b = {v = a}` reads a's
stage, `c = f(x)` is the same stage as a's, `d = g(a)` runs one of its own and shares one.
Such a target says `… shared with a` instead of `0 ran, 0 cached`, in the plain lines (standard
error not a terminal) and in the live display (a pseudo-terminal, `terminal_kit`), and the run
record's counts have `shared`."""

from __future__ import annotations

import json
import re
import sys

import pytest
from build_kit import Project, ibc_env

STAGES = """\
def f(x: int) -> int:
    log("f")
    return x + 1


def g(y: int) -> int:
    log("g")
    return 2 * y
"""

MAIN = """\
from "src/stages.py" import f, g

x = 1
experiment a = f(x)
experiment b = {v = a}
experiment c = f(x)
experiment d = g(a)
"""

# target -> (ran, cached, shared) on the first run and on a second, all cached, one
FIRST = {"a": (1, 0, 0), "b": (0, 0, 1), "c": (0, 0, 1), "d": (1, 0, 1)}
AGAIN = {"a": (0, 1, 0), "b": (0, 0, 1), "c": (0, 0, 1), "d": (0, 1, 1)}
LINE = re.compile(r"^(\w+): ok in [0-9.]+ s — (\d+) ran, (\d+) cached(?:, (\d+) shared with a)?$")


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    return p


def summaries(text: str) -> dict[str, tuple[int, int, int]]:
    out = {}
    for line in text.splitlines():
        found = LINE.match(line)
        if found:
            name, ran, cached, shared = found.groups()
            out[name] = (int(ran), int(cached), int(shared or 0))
    return out


def test_plain_lines_say_what_was_shared(tmp_path):
    p = project(tmp_path)
    done = p.run("run", "main.ib", IBC_PROGRESS="plain")
    assert done.returncode == 0, done.stderr
    assert sorted(p.calls()) == ["f", "g"]
    assert summaries(done.stderr) == FIRST, done.stderr
    runs = [f for f in (p.store_root / "runs").glob("*.jsonl") if ".stages." not in f.name]
    records = [json.loads(line) for line in runs[0].read_text().splitlines()]
    counts = {r["experiment"]: r["counts"] for r in records}
    assert counts["b"] == {"ran": 0, "cached": 0, "failed": 0, "shared": 1}
    assert counts["a"] == {"ran": 1, "cached": 0, "failed": 0}
    again = p.run("run", "main.ib", IBC_PROGRESS="plain")
    assert again.returncode == 0 and p.calls() == []
    assert summaries(again.stderr) == AGAIN, again.stderr


def test_the_live_display_says_what_was_shared(tmp_path):
    pytest.importorskip("pyte")
    pytest.importorskip("rich")
    from terminal_kit import run_in_terminal

    p = project(tmp_path)
    env = ibc_env(IBC_PROGRESS="auto")
    command = [sys.executable, "-m", "ibc", "run", "main.ib"]
    capture = run_in_terminal(command, p.root, env, rows=30, columns=100)
    text = "\n".join(capture.lines)
    assert capture.code == 0, text
    assert b"/4 targets" in capture.raw  # the live display was up
    assert summaries(text) == FIRST, text
