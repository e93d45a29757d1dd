"""Benchmark `ibc fmt`: a 10,000-line file in at most 5 s, and time linear in size.

    python bench/fmt.py [--runs N] [--write]

Generates the 1,000- and 10,000-line files of the scaling benchmark
(`bench/fixtures/gen_lines.py`), squeezed out of shape (no spaces around `=` and after
commas) so that `ibc fmt` has every line to rewrite, then times `python -m ibc.commands.fmt FILE`
in fresh processes (start-up, parse, layout, the re-parse that verifies the result, and the
atomic write; a fresh ugly copy before each run). It also times `format_source` in this
process, split into its steps. `--write` records the results in `bench/RESULTS_fmt.md`.
Targets: 10k lines <= 5 s (median wall time); 10k/1k ratio <= 12 (linear: 10x the lines).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "fixtures"))

from gen_lines import generate


def ugly(text: str) -> str:
    """The same program without the spaces the formatter puts back."""
    return re.sub(r" = ", "=", text).replace(", ", ",")


def time_command(path: Path, text: str, runs: int) -> dict:
    walls, cpus = [], []
    command = [sys.executable, "-m", "ibc.commands.fmt", str(path)]
    for _ in range(runs + 1):  # the first run primes the caches (parse tables, .pyc)
        path.write_text(text, encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"ibc fmt failed: {done.stderr}")
        walls.append(wall)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    walls, cpus = walls[1:], cpus[1:]
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls),
            "cpu": statistics.median(cpus)}  # fmt: skip


def time_steps(text: str) -> dict:
    """`format_source`'s steps, in this process (CPU seconds, cycle collector off)."""
    from ibc.syntax import format as fmt
    from ibc.syntax.parser import parse_module
    from ibc.base.spans import Source

    gc.disable()
    try:
        source = Source("big.ib", text)
        t0 = time.process_time()
        module, tokens = fmt._parse(source)
        t1 = time.process_time()
        out = fmt._Printer(source, module, tokens).module()
        t2 = time.process_time()
        again, _ = parse_module(Source("big.ib", out))
        t3 = time.process_time()
        assert fmt.same_module(module, again)
        t4 = time.process_time()
    finally:
        gc.enable()
    return {
        "parse": t1 - t0,
        "layout": t2 - t1,
        "re-parse": t3 - t2,
        "compare": t4 - t3,
    }


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git = ["git", "rev-parse", "--short", "HEAD"]
    rev = subprocess.run(git, capture_output=True, text=True, cwd=ROOT, check=False).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "load": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": f"{platform.python_version()} ({sys.executable})",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git": rev or "?",
    }


def render(facts: dict, results: dict, steps: dict, runs: int) -> str:
    r1, r10 = results[1000], results[10000]
    ratio = r10["median"] / r1["median"]
    cpu_ratio = r10["cpu"] / r1["cpu"]
    lines = [
        "# Benchmark results: `ibc fmt` (issue 6)",
        "",
        "Written by `python bench/fmt.py --write`.",
        "",
        "## Machine",
        "",
        f"- nproc: {facts['nproc']}; CPU: {facts['cpu']}; load average at start: {facts['load']}",
        f"- Python {facts['python']}",
        f"- date: {facts['date']}; ibc at git {facts['git']} (plus the working tree)",
        (
            f"- {runs} timed runs per size after one priming run; wall time by "
            "`time.perf_counter`, CPU time (user + system) of the child process by `getrusage`"
        ),
        "",
        "## Targets",
        "",
        "| target | figure (wall, median) | met | same in CPU time |",
        "| --- | --- | --- | --- |",
        (
            f"| fmt 10k lines <= 5 s | {r10['median']:.2f} s | "
            f"{'yes' if r10['median'] <= 5 else 'no'} | {r10['cpu']:.2f} s |"
        ),
        (
            f"| fmt 10k/1k ratio <= 12 (linear) | {ratio:.2f} | "
            f"{'yes' if ratio <= 12 else 'no'} | {cpu_ratio:.2f} |"
        ),
        "",
        "## Timings (s)",
        "",
        "| command | median | min | max | CPU (median) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for size, r in results.items():
        lines.append(
            f"| `python -m ibc.commands.fmt big.ib`, {size:,} lines | {r['median']:.2f} | "
            f"{r['min']:.2f} | {r['max']:.2f} | {r['cpu']:.2f} |"
        )
    lines += [
        "",
        (
            "The files are `bench/fixtures/gen_lines.py`'s, without the spaces around `=` and "
            "after commas, so every line is rewritten; a fresh copy is written before each run."
        ),
        "",
        "## Where the time goes (10k lines, in-process CPU seconds)",
        "",
        "| step | seconds |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in steps.items()]
    lines += [
        "",
        (
            "Parsing is most of it: the formatter parses once (its tokens come from the same "
            "lex), lays the document out, then parses its own output again and compares the two "
            "ASTs and comment lists, so that a formatter bug can never change a program (as "
            "black does)."
        ),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS_fmt.md")
    args = parser.parse_args()
    facts = machine()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (1000, 10000):
            text = ugly(generate(size))
            results[size] = time_command(Path(tmp) / f"big{size}.ib", text, args.runs)
            print(f"{size} lines: {results[size]}", file=sys.stderr)
    steps = time_steps(ugly(generate(10000)))
    report = render(facts, results, steps, args.runs)
    print(report)
    if args.write:
        (HERE / "RESULTS_fmt.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
