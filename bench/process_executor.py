"""The process executor against the in-process one, as a user meets them: whole `ibc run`
processes (docs/running.md, "Worker processes").

Three projects, each run with `--force` by `--executor local` and by `--executor process
--jobs 2`, side by side in interleaved rounds (the order of the two alternates from round to
round), in fresh copies with a cache folder of their own:

1. `examples/cancer` (scikit-learn: 16 stages, small). Target: process - local <= 0.3 s (the
   median of the rounds' differences).
2. 4 independent stages of about 1 s of CPU each (a busy loop of a fixed number of
   iterations, measured here to take 1 s alone). Target: local / process >= 1.7 on 2 cores.
3. 4 independent stages of `time.sleep(1)` (no CPU: parallelism without contention).

4. `examples/cancer` again, every stage cached (no `--force`): what a run that needs no
   worker pays for the process executor (recorded).

Each round also measures what the machine itself gives: 2 busy loops of 1 s in 2 bare
processes at once against one after the other (2.0 on 2 idle cores), the ceiling of the
speed-up of case 2 at that moment, and `python -c pass` (the cost of starting Python).

With `--baseline REV`, the process executor of the project at git revision REV (extracted
with `git archive` into a temporary folder) runs too, in the same interleaved rounds: the
before/after of a change in one run, on the same machine at the same moments.

The machine is shared: the load average (1, 5, 15 min) is recorded before and after.

    python bench/process_executor.py [ROUNDS] [--baseline REV]
    # writes bench/RESULTS_process_executor.md
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 7
LOCAL = ["--executor", "local"]
PROCESS = ["--executor", "process", "--jobs", "2"]

STAGES = '''\
import time


def spin(n: int, seed: int) -> int:
    """About a second of CPU: a busy loop of `n` iterations."""
    total = seed
    for i in range(n):
        total = (total * 31 + i) % 1000003
    return total


def nap(seconds: float, seed: int) -> int:
    time.sleep(seconds)
    return seed
'''


def _calibrate() -> int:
    """The number of iterations of `spin` that take about 1 s of CPU here (best of 3, in
    CPU time: other work on the machine does not shorten it)."""
    namespace: dict = {}
    exec(STAGES, namespace)
    n = 2_000_000
    best = min(_timed(namespace["spin"], n) for _ in range(3))
    return int(n / best)


def _timed(function, n: int) -> float:
    start = time.process_time()
    function(n, 0)
    return time.process_time() - start


def _spin_alone(iterations: int) -> None:
    namespace: dict = {}
    exec(STAGES, namespace)
    namespace["spin"](iterations, 0)


def _machine(iterations: int) -> float:
    """What the machine gives at the moment: 2 busy loops of 1 s in 2 processes at once,
    against one after the other in one process (2.0 on 2 idle cores)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    _spin_alone(iterations)
    _spin_alone(iterations)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    processes = [context.Process(target=_spin_alone, args=(iterations,)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return serial / (time.perf_counter() - start)


def _project(folder: Path, name: str, iterations: int) -> Path:
    project = folder / name
    (project / "src").mkdir(parents=True)
    (project / "ibc.toml").write_text("")
    (project / "src" / "stages.py").write_text(STAGES)
    call = f"spin({iterations}, {{i}})" if name == "busy" else "nap(1.0, {i})"
    (project / "main.ib").write_text(
        'from "src/stages.py" import spin, nap\n'
        + "".join(f"experiment e{i} = {call.format(i=i)}\n" for i in range(4))
    )
    return project


def _run(
    project: Path, ib: str, options: list[str], cache: str, code: Path = ROOT, force=True
) -> float:
    """Seconds of one whole `ibc run` of the project's code at `code`."""
    env = dict(os.environ, IBC_CACHE_DIR=cache, IBC_PROGRESS="none", PYTHONPATH=str(code))
    env.pop("IBC_STORE", None)
    env.pop("IBC_REMOTE", None)
    command = [sys.executable, "-m", "ibc", "run", ib, *(["--force"] if force else []), *options]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {project}:\n{done.stderr}")
    return seconds


def _python() -> float:
    """Seconds of `python -c pass` (the best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def _baseline(revision: str, folder: Path) -> Path:
    """The project's files at git `revision`, extracted into `folder`."""
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _arguments() -> tuple[int, str | None]:
    rounds, baseline = ROUNDS, None
    args = sys.argv[1:]
    while args:
        arg = args.pop(0)
        if arg == "--baseline" and args:
            baseline = args.pop(0)
        elif arg.isdigit():
            rounds = int(arg)
        else:
            raise SystemExit(__doc__)
    return rounds, baseline


def main() -> None:
    rounds, revision = _arguments()
    folder = Path(tempfile.mkdtemp(prefix="ibc-bench-process-"))
    try:
        iterations = _calibrate()
        cancer = folder / "cancer"
        shutil.copytree(ROOT / "examples" / "cancer", cancer, ignore=shutil.ignore_patterns(".ibc"))
        cases = [
            ("cancer", cancer, "cancer.ib", True),
            ("4 x 1 s of CPU", _project(folder, "busy", iterations), "main.ib", True),
            ("4 x sleep(1)", _project(folder, "nap", iterations), "main.ib", True),
            ("cancer, all cached", cancer, "cancer.ib", False),
        ]
        variants = [("local", ROOT, LOCAL), ("process", ROOT, PROCESS)]
        if revision is not None:
            variants.append(("baseline", _baseline(revision, folder / "baseline"), PROCESS))
        cache = str(folder / "cache")
        for _, project, ib, _ in cases:  # compiled once, outside the rounds
            _run(project, ib, LOCAL, cache)
            if revision is not None:  # its own compiled output, if its compiler differs
                _run(project, ib, LOCAL, cache, variants[-1][1])
        load_before = os.getloadavg()
        times: dict[str, dict[str, list[float]]] = {
            c[0]: {v[0]: [] for v in variants} for c in cases
        }
        machine, python = [], []
        for r in range(rounds):
            machine.append(_machine(iterations))
            python.append(_python())
            for name, project, ib, force in cases:
                # the order of the variants turns from round to round
                turn = variants[r % len(variants) :] + variants[: r % len(variants)]
                for which, code, options in turn:
                    times[name][which].append(_run(project, ib, options, cache, code, force))
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _write(times, rounds, iterations, load_before, load_after, machine, python, revision)


def _median_of(times, name: str, a: str, b: str, how: str) -> float:
    """The median over the rounds of `b - a` ("-") or `a / b` ("/") for case `name`."""
    pairs = zip(times[name][a], times[name][b])
    return statistics.median([(y - x) if how == "-" else (x / y) for x, y in pairs])


def _write(times, rounds, iterations, before, after, machine, python, revision) -> None:
    rows = []
    for name, runs in times.items():
        difference = _median_of(times, name, "local", "process", "-")
        ratio = _median_of(times, name, "local", "process", "/")
        if name == "cancer":
            target, goal = difference <= 0.3, "process - local <= 0.3 s"
        elif "CPU" in name:
            target, goal = ratio >= 1.7, "local / process >= 1.7"
        else:
            target, goal = None, "(recorded)"
        verdict = "" if target is None else (": met" if target else ": NOT met")
        rows.append(
            f"| {name} | {statistics.median(runs['local']):.2f} s "
            f"| {statistics.median(runs['process']):.2f} s | {difference:+.2f} s "
            f"| {ratio:.2f}x | {goal}{verdict} |"
        )
    before_after = ""
    if revision is not None:
        lines = [
            f"| {name} | {statistics.median(runs['baseline']):.2f} s "
            f"| {statistics.median(runs['process']):.2f} s "
            f"| {_median_of(times, name, 'baseline', 'process', '-'):+.2f} s "
            f"| {_median_of(times, name, 'local', 'baseline', '-'):+.2f} s "
            f"| {_median_of(times, name, 'local', 'process', '-'):+.2f} s |"
            for name, runs in times.items()
        ]
        before_after = f"""
Before and after, in the same rounds: the process executor of revision `{revision}` (the
baseline) and of this tree, each against this tree's `local` (medians of the rounds):

| project | process at `{revision}` | process now | now - baseline | baseline - local | now - local |
| --- | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(lines)}
"""
    loads = [", ".join(f"{x:.2f}" for x in load) for load in (before, after)]
    names = list(times)
    head = ["round", "machine", "`python -c pass`"]
    by_round = []
    for r, gave in enumerate(machine):
        cells = [str(r + 1), f"{gave:.2f}x", f"{python[r]:.3f} s"]
        for name in names:
            runs = times[name]
            for which in ("process", "baseline") if revision is not None else ("process",):
                local, other = runs["local"][r], runs[which][r]
                speed = "CPU" in name or "sleep" in name
                cells.append(f"{local / other:.2f}x" if speed else f"{other - local:+.2f} s")
        by_round.append("| " + " | ".join(cells) + " |")
    for name in names:
        speed = "CPU" in name or "sleep" in name
        head.append(f"{name}: " + ("local / process" if speed else "process - local"))
        if revision is not None:
            head.append(f"{name}: " + ("local / baseline" if speed else "baseline - local"))
    detail = []
    for name, runs in times.items():
        for which, values in runs.items():
            detail.append(f"- {name}, {which}: " + ", ".join(f"{x:.2f}" for x in values))
    text = f"""# The process executor against in-process runs

Written by `python bench/process_executor.py {rounds}{f" --baseline {revision}" if revision else ""}`
(see its docstring for the method): whole `ibc run` processes (`--force`, but for the cached
case), `--executor local` against `--executor process --jobs 2`, {rounds} interleaved rounds.
Python {sys.version.split()[0]}, {os.cpu_count()} CPUs shared with other work: load average
(1, 5, 15 min) {loads[0]} before, {loads[1]} after; `python -c pass` took
{statistics.median(python):.3f} s (median of the rounds, each the best of 3). The busy loop
runs {iterations:,} iterations (1 s of CPU here).

| project | local (median) | process (median) | process - local (median of rounds) | local / process (median of rounds) | target |
| --- | ---: | ---: | ---: | ---: | --- |
{chr(10).join(rows)}
{before_after}
What the machine gave meanwhile (the ceiling of any speed-up here): 2 busy loops of 1 s run
by 2 bare processes at once went {statistics.median(machine):.2f}x as fast as one after the
other (median of the rounds; 2.00 on 2 idle cores): {", ".join(f"{x:.2f}" for x in machine)}.

Round by round, with what the machine gave at its start (on a shared machine the rounds
whose machine figure is near 2.0 say what the executor does with 2 cores):

| {" | ".join(head)} |
| {" | ".join("---:" for _ in head)} |
{chr(10).join(by_round)}

Rounds (seconds), in the order measured:

{chr(10).join(detail)}
"""
    (ROOT / "bench" / "RESULTS_process_executor.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
