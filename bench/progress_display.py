"""What the live progress display costs (docs/running.md, "Progress on a terminal").

`python bench/progress_display.py [--rounds N]` runs `ibc run main.ib grid` of a 27-point
sweep (the project of tests/runs/test_progress_terminal.py: a 50 ms stage, then 27 points
of a 50 ms stage that prints two lines) in a 30 × 100 pseudo-terminal, with the live display
(`IBC_PROGRESS=rich`) and with plain lines (`IBC_PROGRESS=plain`), alternately, N rounds of
each (default 7):
- *cached*: every stage in the store, so the run is start-up, loading and printing: the
  display's own cost (importing rich, the pipe, the redraws) is largest here;
- *fresh*: the store emptied before each run, 28 stages run (about 1.4 s of sleeping).
The pty's output is read as it comes and kept, not emulated (pyte would slow the writer
down). Each round times both variants back to back, and the ratio of each round is kept, so the load
of the shared machine (recorded before and after) affects both alike. Writes
`bench/RESULTS_progress.md`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "runs"))

from build_kit import ibc_env  # noqa: E402
from terminal_kit import run_in_terminal  # noqa: E402
from test_progress_terminal import project  # noqa: E402


def timed(root: Path, progress: str, fresh: bool) -> float:
    if fresh:
        shutil.rmtree(root / ".ibc", ignore_errors=True)
    env = ibc_env(IBC_PROGRESS=progress)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "ibc", "run", "main.ib", "grid"]
    started = time.perf_counter()
    capture = run_in_terminal(command, root, env, rows=30, columns=100, emulate=False)
    took = time.perf_counter() - started
    if capture.code != 0:
        raise SystemExit("\n".join(capture.lines))
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    before = os.getloadavg()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = project(Path(tmp)).root
        timed(root, "plain", fresh=True)  # compiled once, .pyc written
        for kind in ("cached", "fresh"):
            rounds = []
            for _ in range(args.rounds):
                plain = timed(root, "plain", fresh=kind == "fresh")
                live = timed(root, "rich", fresh=kind == "fresh")
                rounds.append((plain, live))
            results[kind] = rounds
    after = os.getloadavg()
    lines = [
        "# The live progress display's cost",
        "",
        f"Written by `python bench/progress_display.py --rounds {args.rounds}` (see its "
        f"docstring), Python {sys.version.split()[0]}, {os.cpu_count()} CPUs shared with other "
        f"work: load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in before)} before, "
        f"{', '.join(f'{x:.2f}' for x in after)} after.",
        "",
        "| `ibc run` of 27 sweep points in a 30 × 100 pty | plain lines | live display | "
        "median of the rounds' ratios |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, rounds in results.items():
        plain = statistics.median(p for p, _ in rounds)
        live = statistics.median(v for _, v in rounds)
        ratio = statistics.median(v / p for p, v in rounds)
        lines.append(f"| {kind} | {plain * 1000:.0f} ms | {live * 1000:.0f} ms | {ratio:.3f} |")
    lines += ["", "Rounds (ms, plain / live), in the order measured:", ""]
    for kind, rounds in results.items():
        shown = ", ".join(f"{p * 1000:.0f}/{v * 1000:.0f}" for p, v in rounds)
        lines.append(f"- {kind}: {shown}")
    text = "\n".join(lines) + "\n"
    (HERE / "RESULTS_progress.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
