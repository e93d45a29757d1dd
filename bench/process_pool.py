"""The process executor's pool (docs/running.md, "Worker processes"): what a call costs, and
what `kill -9` of a run leaves behind.

1. Per-call cost: 2,000 trivial calls (`abs`, output not captured) on 2 workers, through
   `ibc.runtime.pool.ProcessExecutor` (one pipe per worker, a dispatcher thread) and through
   `concurrent.futures.ProcessPoolExecutor` running the same `run_call` (what the executor
   was built on before), in interleaved rounds; the ratio of the medians, and the median of
   the rounds' ratios. Target: <= 1.10 (the exact attribution of a dead worker's call costs
   nothing measurable).
2. Leftovers: `ibc run --executor process --jobs 2` on a project of three 60-second stages,
   killed (`SIGKILL`) once both workers run, 8 times; then, after 3 s, the processes whose
   environment names the benchmark's cache folder (the runs, their forkserver, workers and
   resource tracker). Target: 0 (it was 32 with the pool of `concurrent.futures`).

    python bench/process_pool.py            # writes bench/RESULTS_process_pool.md
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N_CALLS, ROUNDS, KILLS = 2000, 7, 8


def _per_call(make) -> float:
    from ibc.runtime.executors import Call

    executor = make()
    try:
        for _ in range(4):  # workers started
            executor.submit(Call(abs, [-1], {})).result()
        start = time.perf_counter()
        futures = [executor.submit(Call(abs, [-i], {}, capture=False)) for i in range(N_CALLS)]
        values = [f.result().value for f in futures]
        seconds = time.perf_counter() - start
    finally:
        executor.close()
    assert values == list(range(N_CALLS))
    return seconds / N_CALLS


class _Futures:
    """`concurrent.futures.ProcessPoolExecutor` running `run_call`, as the executor did."""

    def __init__(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("forkserver")
        self.pool = ProcessPoolExecutor(max_workers=2, mp_context=context)

    def submit(self, call):
        from ibc.runtime.executors import run_call

        return self.pool.submit(run_call, call)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _processes_of(cache: str) -> int:
    mark = f"IBC_CACHE_DIR={cache}".encode()
    count = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        count += 1
            except OSError:
                pass
    return count


def _leftovers() -> int:
    folder = Path(tempfile.mkdtemp(prefix="ibc-bench-pool-"))
    project, cache = folder / "proj", str(folder / "cache")
    (project / "src").mkdir(parents=True)
    (project / "ibc.toml").write_text("")
    (project / "src" / "stages.py").write_text(
        "import time\nfrom pathlib import Path\n\n\ndef slow(x: int) -> int:\n"
        "    with open(Path(__file__).resolve().parent.parent / 'calls.log', 'a') as f:\n"
        "        f.write(f'{x}\\n')\n    time.sleep(60)\n    return x\n"
    )
    (project / "main.ib").write_text(
        'from "src/stages.py" import slow\n'
        + "".join(f"experiment e{i} = slow({i})\n" for i in range(3))
    )
    env = dict(os.environ, IBC_CACHE_DIR=cache, IBC_PROGRESS="none", PYTHONPATH=str(ROOT))
    env.pop("IBC_STORE", None)
    log = project / "calls.log"
    command = [sys.executable, "-m", "ibc", "run", "main.ib", "--executor", "process"]
    for _ in range(KILLS):
        log.write_text("")
        run = subprocess.Popen(
            command + ["--jobs", "2", "--force"],
            cwd=project,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while len(log.read_text().splitlines()) < 2:
            time.sleep(0.05)
        run.send_signal(signal.SIGKILL)
        run.wait()
    time.sleep(3)
    left = _processes_of(cache)
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    return left


def main() -> None:
    from ibc.runtime.pool import ProcessExecutor

    load_before = os.getloadavg()
    ours, theirs = [], []
    for _ in range(ROUNDS):
        ours.append(_per_call(lambda: ProcessExecutor(2)))
        theirs.append(_per_call(_Futures))
    left = _leftovers()
    load_after = os.getloadavg()
    ratio = statistics.median(ours) / statistics.median(theirs)
    rounds = statistics.median(a / b for a, b in zip(ours, theirs))
    met = "met" if rounds <= 1.10 else "NOT met"
    loads = ", ".join(f"{x:.2f}" for x in load_before), ", ".join(f"{x:.2f}" for x in load_after)
    text = f"""# The process executor's pool

Written by `python bench/process_pool.py` (see its docstring for the method), Python
{sys.version.split()[0]}, {os.cpu_count()} CPUs shared with other work: load average (1, 5, 15
min) {loads[0]} before, {loads[1]} after.

| per trivial call, 2 workers | median |
| --- | ---: |
| `ibc.runtime.pool.ProcessExecutor` | {statistics.median(ours) * 1e6:.0f} µs |
| `concurrent.futures.ProcessPoolExecutor` + `run_call` | {statistics.median(theirs) * 1e6:.0f} µs |
| ratio of medians | {ratio:.3f} |
| median of the rounds' ratios (target <= 1.10) | {rounds:.3f}: {met} |

Processes left 3 s after {KILLS} `kill -9`s of `ibc run --executor process --jobs 2`: **{left}**
(target 0; 32 before, 4 a kill: the forkserver, 2 workers, the resource tracker).

Rounds (µs a call), in the order measured:

- pool: {", ".join(f"{x * 1e6:.0f}" for x in ours)}
- concurrent.futures: {", ".join(f"{x * 1e6:.0f}" for x in theirs)}
"""
    (ROOT / "bench" / "RESULTS_process_pool.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
