"""The live progress display on a real terminal (docs/running.md, "Progress on a terminal"):
`ibc run` in a pseudo-terminal of a fixed size, its output fed to a terminal emulator
(`terminal_kit`), on a sweep of 27 points whose stages print. What the terminal holds at the
end, scrollback included, is checked line by line: every result line and every line a stage
printed is there exactly once, nothing else is (no frame of the live region, no torn
fragment), and the run's summary line ends it."""

from __future__ import annotations

import os
import sys

import pytest
from build_kit import Project, ibc_env
from terminal_kit import run_in_terminal

pytest.importorskip("pyte")
pytest.importorskip("rich")

WORK = """\
import sys
import time


def base(n: int) -> int:
    time.sleep(0.05)
    return n


def step(x: int, a: int, b: int) -> int:
    time.sleep(0.05)
    print(f"computing a={a} b={b}")
    print(f"note from a={a} b={b}", file=sys.stderr)
    if a == 2 and b == 8 and x == 1:
        raise ValueError("the last point fails")
    return x + 10 * a + b
"""

MAIN = """\
from "src/work.py" import base, step

a = 0
b = 0
start = 100
x = base(start)
experiment point = {value = step(x, a, b)}
sweep grid = point with { a in range(0, 3), b in range(0, 9) }
"""

POINTS = [(a, b) for a in range(3) for b in range(9)]


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.write("src/work.py", WORK)
    p.write("main.ib", MAIN)
    return p


def run(p: Project, rows: int, *args: str, progress: str = "auto"):
    env = ibc_env(IBC_PROGRESS=progress)
    env.pop("NO_COLOR", None)  # colours as a person gets them
    command = [sys.executable, "-m", "ibc", "run", "main.ib", "grid", *args]
    return run_in_terminal(command, p.root, env, rows=rows, columns=100)


def live_frames(lines: list[str]) -> list[str]:
    """Lines of the live region: its bar, its stage counts, a running stage (a spinner's
    braille dots), "… and N more running"."""
    return [
        line
        for line in lines
        if " targets · " in line
        or line.startswith("  stages: ")
        or any("\u2800" <= c <= "\u28ff" for c in line)
        or (line.strip().startswith("… and ") and line.endswith(" more running"))
    ]


def expected_lines(start: int = 100) -> dict[str, str]:
    """The lines the run must leave exactly once, by kind."""
    lines = {}
    for a, b in POINTS:
        lines[f'grid[a={a},b={b}]: {{"value": {start + 10 * a + b}}}'] = "result"
        lines[f"computing a={a} b={b}"] = "stage output"
        lines[f"note from a={a} b={b}"] = "stage output"
    return lines


def check_each_once(capture, expected: dict[str, str]) -> list[str]:
    """Every expected line is on the terminal exactly once; the other lines are returned."""
    counts: dict[str, int] = {}
    others = []
    for line in capture.lines:
        if line in expected:
            counts[line] = counts.get(line, 0) + 1
        elif line:
            others.append(line)
    wrong = {line: counts.get(line, 0) for line in expected if counts.get(line, 0) != 1}
    assert not wrong, f"lines not there exactly once: {wrong}\n" + "\n".join(capture.lines)
    return others


def test_a_27_point_sweep_on_a_30_row_terminal_leaves_each_line_once(tmp_path):
    p = project(tmp_path)
    capture = run(p, rows=30)
    text = "\n".join(capture.lines)
    assert capture.code == 0, text
    assert b"/27 targets" in capture.raw and b"ETA" in capture.raw  # the display was up
    assert not live_frames(capture.lines), text  # ... and left no frame behind
    others = check_each_once(capture, expected_lines())
    # the results in the order of the points, a line per finished target (27 fit on 30 rows)
    results = [line for line in capture.lines if line.startswith("grid[") and "value" in line]
    assert results == [f'grid[a={a},b={b}]: {{"value": {100 + 10 * a + b}}}' for a, b in POINTS]
    status = sorted(line for line in others if line.startswith("grid[") and ": ok in " in line)
    assert len(status) == 27 and len({line.split(":")[0] for line in status}) == 27, text
    summary = [line for line in others if line not in status]
    assert len(summary) == 1, text
    assert summary[0].startswith("27 targets: 27 ok in ")
    assert summary[0].endswith(" — 28 stages ran, 0 cached")
    assert capture.screen[-1] == summary[0]

    # all cached: the same lines from the store (the stages print nothing now)
    again = run(p, rows=30)
    assert again.code == 0
    assert not live_frames(again.lines)
    results = [line for line in again.lines if line.startswith("grid[") and "value" in line]
    assert len(results) == 27
    assert again.screen[-1].endswith(" — 0 stages ran, 28 cached")


def test_on_a_10_row_terminal_the_targets_collapse_into_a_line_per_sweep(tmp_path):
    p = project(tmp_path)
    capture = run(p, 10, "-s", "start=1")
    text = "\n".join(capture.lines)
    assert capture.code == 3, text  # the last point fails
    assert b"/27 targets" in capture.raw
    assert not live_frames(capture.lines), text
    expected = expected_lines(start=1)
    del expected['grid[a=2,b=8]: {"value": 29}']
    others = check_each_once(capture, expected)
    assert not any(": ok in " in line for line in others if line.startswith("grid[")), text
    group = [line for line in others if line.startswith("grid: ")]
    assert len(group) == 1 and group[0].startswith("grid: 26 points ok, 1 failed in "), text
    assert group[0].endswith(" — 27 ran, 0 cached, 1 failed")  # the base and 26 points
    failed = [line for line in others if line.startswith("grid[a=2,b=8]: failed in ")]
    assert len(failed) == 1, text
    assert sum("the last point fails" in line for line in others) >= 1
    summary = [line for line in others if line.startswith("27 targets:")]
    assert len(summary) == 1 and summary[0].startswith("27 targets: 26 ok, 1 failed in ")
    assert summary[0].endswith(" — 27 stages ran, 0 cached, 1 failed")
    assert capture.screen[-1] == summary[0]


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_what_worker_processes_print_goes_through_the_display(tmp_path, executor):
    # the workers (a local dask cluster's are started before the run begins) write to
    # the terminal through the display, and never underneath it
    if executor == "dask":
        pytest.importorskip("distributed")
    p = project(tmp_path)
    capture = run(p, 30, "--executor", executor, "-j", "2")
    text = "\n".join(capture.lines)
    assert capture.code == 0, text
    assert not live_frames(capture.lines), text
    others = check_each_once(capture, expected_lines())
    assert others[-1].startswith("27 targets: 27 ok in "), text


def test_plain_lines_on_a_terminal_never_move_the_cursor(tmp_path):
    p = project(tmp_path)
    capture = run(p, rows=30, progress="plain")
    assert capture.code == 0
    for movement in (b"\x1b[1A", b"\x1b[2K", b"\x1b[?25l"):  # cursor up, erase line, hide
        assert movement not in capture.raw
    check_each_once(capture, expected_lines())
    assert sum(line.startswith("  ran    step at main.ib:") for line in capture.lines) == 27


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on Linux")
def test_the_kit_sees_the_terminal_size(tmp_path):
    code = "import os; print(os.get_terminal_size(1))"
    capture = run_in_terminal([sys.executable, "-c", code], tmp_path, dict(os.environ), 10, 42)
    assert capture.screen == ["os.terminal_size(columns=42, lines=10)"]
