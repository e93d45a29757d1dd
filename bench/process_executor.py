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

Each round also measures what the machine itself gives: 2 busy loops of 1 s in 2 bare
processes at once against one after the other (2.0 on 2 idle cores), the ceiling of the
speed-up of case 2 at that moment.

The machine is shared: the load average (1, 5, 15 min) is recorded before and after.

    python bench/process_executor.py [ROUNDS]   # writes bench/RESULTS_process_executor.md
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


def _run(project: Path, ib: str, options: list[str], cache: str) -> float:
    env = dict(os.environ, IBC_CACHE_DIR=cache, IBC_PROGRESS="none", PYTHONPATH=str(ROOT))
    env.pop("IBC_STORE", None)
    env.pop("IBC_REMOTE", None)
    command = [sys.executable, "-m", "ibc", "run", ib, "--force", *options]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {project}:\n{done.stderr}")
    return seconds


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    folder = Path(tempfile.mkdtemp(prefix="ibc-bench-process-"))
    try:
        iterations = _calibrate()
        cancer = folder / "cancer"
        shutil.copytree(ROOT / "examples" / "cancer", cancer, ignore=shutil.ignore_patterns(".ibc"))
        cases = [
            ("cancer", cancer, "cancer.ib"),
            ("4 x 1 s of CPU", _project(folder, "busy", iterations), "main.ib"),
            ("4 x sleep(1)", _project(folder, "nap", iterations), "main.ib"),
        ]
        cache = str(folder / "cache")
        for _, project, ib in cases:  # compiled once, outside the rounds
            _run(project, ib, LOCAL, cache)
        load_before = os.getloadavg()
        times: dict[str, dict[str, list[float]]] = {
            c[0]: {"local": [], "process": []} for c in cases
        }
        machine = []
        for r in range(rounds):
            machine.append(_machine(iterations))
            for name, project, ib in cases:
                order = [("local", LOCAL), ("process", PROCESS)]
                for which, options in order if r % 2 == 0 else order[::-1]:
                    times[name][which].append(_run(project, ib, options, cache))
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _write(times, rounds, iterations, load_before, load_after, machine)


def _write(times, rounds: int, iterations: int, before, after, machine) -> None:
    rows = []
    for name, runs in times.items():
        local, process = runs["local"], runs["process"]
        differences = [p - q for p, q in zip(process, local)]
        ratios = [q / p for p, q in zip(process, local)]
        if name == "cancer":
            target = statistics.median(differences) <= 0.3
            goal = "process - local <= 0.3 s"
        elif "CPU" in name:
            target = statistics.median(ratios) >= 1.7
            goal = "local / process >= 1.7"
        else:
            target, goal = None, "(recorded)"
        verdict = "" if target is None else (": met" if target else ": NOT met")
        rows.append(
            f"| {name} | {statistics.median(local):.2f} s | {statistics.median(process):.2f} s "
            f"| {statistics.median(differences):+.2f} s | {statistics.median(ratios):.2f}x "
            f"| {goal}{verdict} |"
        )
    loads = [", ".join(f"{x:.2f}" for x in load) for load in (before, after)]
    names = list(times)
    by_round = []
    for r, gave in enumerate(machine):
        cells = []
        for name in names:
            local, process = times[name]["local"][r], times[name]["process"][r]
            cells.append(
                f"{process - local:+.2f} s" if name == "cancer" else f"{local / process:.2f}x"
            )
        by_round.append(f"| {r + 1} | {gave:.2f}x | " + " | ".join(cells) + " |")
    detail = []
    for name, runs in times.items():
        for which in ("local", "process"):
            detail.append(f"- {name}, {which}: " + ", ".join(f"{x:.2f}" for x in runs[which]))
    text = f"""# The process executor against in-process runs

Written by `python bench/process_executor.py` (see its docstring for the method): whole `ibc
run --force` processes, `--executor local` against `--executor process --jobs 2`, {rounds}
interleaved rounds. Python {sys.version.split()[0]}, {os.cpu_count()} CPUs shared with other
work: load average (1, 5, 15 min) {loads[0]} before, {loads[1]} after. The busy loop runs
{iterations:,} iterations (1 s of CPU here).

| project | local (median) | process (median) | process - local (median of rounds) | local / process (median of rounds) | target |
| --- | ---: | ---: | ---: | ---: | --- |
{chr(10).join(rows)}

What the machine gave meanwhile (the ceiling of any speed-up here): 2 busy loops of 1 s run
by 2 bare processes at once went {statistics.median(machine):.2f}x as fast as one after the
other (median of the rounds; 2.00 on 2 idle cores): {", ".join(f"{x:.2f}" for x in machine)}.

Round by round, with what the machine gave at its start (on a shared machine the rounds
whose machine figure is near 2.0 say what the executor does with 2 cores):

| round | machine | cancer: process - local | 4 x 1 s of CPU: local / process | 4 x sleep(1): local / process |
| ---: | ---: | ---: | ---: | ---: |
{chr(10).join(by_round)}

Rounds (seconds), in the order measured:

{chr(10).join(detail)}
"""
    (ROOT / "bench" / "RESULTS_process_executor.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
