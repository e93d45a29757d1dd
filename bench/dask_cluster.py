"""A 16-point sweep on a real 2-worker Dask cluster against the local executor (issue 14,
"Tests and figures"; bench/README.md, "Dask cluster").

The script builds a project laid out the standard way (`src/` without `__init__.py`), whose
16-point sweep runs one CPU-bound stage per point (`src.work.burn`, a pure-Python loop of about
`--stage-seconds` seconds), then a cheap aggregation. It starts `dask scheduler` and two `dask
worker --nthreads 1` processes (with their nannies, as on a cluster) on loopback, each in a
folder of its own, and times whole `ibc run sweep.ib s --force` processes, interleaved so that
a burst of load hits every executor alike:

- `local`: every stage in the `ibc` process, one after the other;
- `dask`: on the 2-worker cluster (`--executor dask --address tcp://127.0.0.1:PORT`);
- `process --jobs 2`: the process pool, for reference;

and, without `--force`, the all-cached run of each (a run with nothing to compute reaches no
cluster: the dask executor connects when its first stage is submitted). The machine has 2 cores shared with other work: the load average is recorded
before and after, and the figures are ratios of runs made side by side in one invocation.
Writes `bench/RESULTS_dask_cluster.md` and `bench/results_dask_cluster.json`.

Usage: `python bench/dask_cluster.py [--rounds N] [--stage-seconds S]` (about 2 minutes with
the defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
POINTS = 16

WORK = '''\
def calibrate(seconds: float) -> int:
    """Loop iterations that take about `seconds` here."""
    import time

    n, spent = 200_000, 0.0
    while spent < 0.05:
        start = time.perf_counter()
        burn(0, n)
        spent = time.perf_counter() - start
        n *= 2
    return int(n / 2 * seconds / spent)


def burn(seed: int, n: int) -> float:
    total = 0
    for i in range(n):
        total = (total + i * (seed + 1)) % 1_000_003
    return total / 1_000_003
'''

SWEEP = """\
from "src/work.py" import burn
n = {n}
seed = 0
experiment point = burn(seed, n)
sweep s = point with {{ seed in range(0, {points}) }}
"""


def write_project(root: Path, n: int) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "work.py").write_text(WORK)
    (root / "ibc.toml").write_text("")
    (root / "sweep.ib").write_text(SWEEP.format(n=n, points=POINTS))


def calibrated_n(root: Path, seconds: float) -> int:
    code = f"import sys; sys.path.insert(0, {str(root)!r}); from src.work import calibrate; print(calibrate({seconds}))"
    return int(subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True).stdout)


def env(store: Path | None = None) -> dict:
    out = {k: v for k, v in os.environ.items() if not k.startswith("IBC_")}
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    out["IBC_PROGRESS"] = "none"
    out["IBC_CACHE_DIR"] = os.environ.get(
        "IBC_CACHE_DIR", str(Path(tempfile.gettempdir()) / "ibc-bench-cache")
    )
    if store is not None:
        out["IBC_STORE"] = str(store)
    return out


class Cluster:
    """`dask scheduler` and two `dask worker --nthreads 1` processes in folders of their own."""

    def __init__(self, base: Path) -> None:
        self.procs: list[subprocess.Popen] = []
        info = base / "scheduler.json"
        self._start(
            ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--no-dashboard", "--scheduler-file", str(info), "--idle-timeout", "900"],
            base / "scheduler",
        )
        deadline = time.monotonic() + 120
        while not info.exists() or not info.read_text().strip():
            if time.monotonic() > deadline:
                raise SystemExit("the dask scheduler did not start")
            time.sleep(0.1)
        time.sleep(0.2)
        self.address = json.loads(info.read_text())["address"]
        for i in range(2):
            folder = base / f"worker{i}"
            self._start(
                ["distributed.cli.dask_worker", self.address, "--nthreads", "1"]
                + ["--no-dashboard", "--local-directory", str(folder / "scratch")]
                + ["--death-timeout", "60"],
                folder,
            )
        import distributed

        with distributed.Client(self.address, timeout=120) as client:
            client.wait_for_workers(2, timeout=120)

    def _start(self, args: list[str], folder: Path) -> None:
        folder.mkdir(parents=True)
        self.procs.append(
            subprocess.Popen(
                [PY, "-m", *args],
                cwd=folder,
                env=env(),
                stdout=subprocess.DEVNULL,
                stderr=open(folder / "log.txt", "wb"),  # noqa: SIM115
                start_new_session=True,
            )
        )

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def timed_run(root: Path, store: Path, args: list[str]) -> tuple[float, dict]:
    start = time.perf_counter()
    done = subprocess.run(
        [PY, "-m", "ibc", "run", "sweep.ib", "s", "--json", *args],
        cwd=root,
        env=env(store),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ibc run {' '.join(args)} failed:\n{done.stderr}")
    return seconds, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stage-seconds", type=float, default=0.5)
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="ibc-bench-dask-"))
    project = base / "project"
    write_project(project, 1)
    n = calibrated_n(project, options.stage_seconds)
    shutil.rmtree(project)
    write_project(project, n)
    load_before = os.getloadavg()
    cluster = Cluster(base / "cluster")
    executors = {
        "local": ["--executor", "local"],
        "dask": ["--executor", "dask", "--address", cluster.address],
        "process --jobs 2": ["--executor", "process", "--jobs", "2"],
    }
    forced: dict[str, list[float]] = {name: [] for name in executors}
    cached: dict[str, list[float]] = {name: [] for name in executors}
    values = {}
    try:
        for name, args in executors.items():  # a priming run each (shipping, .pyc files)
            timed_run(project, base / f"store-{name}", args)
        for _ in range(options.rounds):
            for name, args in executors.items():
                seconds, values[name] = timed_run(
                    project, base / f"store-{name}", [*args, "--force"]
                )
                forced[name].append(seconds)
            for name, args in executors.items():
                cached[name].append(timed_run(project, base / f"store-{name}", args)[0])
    finally:
        cluster.close()
    load_after = os.getloadavg()
    shutil.rmtree(base, ignore_errors=True)
    same = values["dask"] == values["local"] == values["process --jobs 2"]
    median = {name: statistics.median(times) for name, times in forced.items()}
    median_cached = {name: statistics.median(times) for name, times in cached.items()}
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "load_before": load_before,
        "load_after": load_after,
        "points": POINTS,
        "stage_seconds": options.stage_seconds,
        "iterations": n,
        "rounds": options.rounds,
        "forced": forced,
        "cached": cached,
        "median_forced": median,
        "median_cached": median_cached,
        "speedup_dask_vs_local": median["local"] / median["dask"],
        "speedup_process_vs_local": median["local"] / median["process --jobs 2"],
        "same_results": same,
    }
    print(json.dumps(result, indent=2))
    if not options.no_write:
        (BENCH / "results_dask_cluster.json").write_text(json.dumps(result, indent=2) + "\n")
        (BENCH / "RESULTS_dask_cluster.md").write_text(render(result))


def render(r: dict) -> str:
    rows = "\n".join(
        f"| {name} | {r['median_forced'][name]:.2f} | "
        f"{', '.join(f'{t:.2f}' for t in r['forced'][name])} | "
        f"{r['median_forced']['local'] / r['median_forced'][name]:.2f} | "
        f"{r['median_cached'][name]:.2f} |"
        for name in r["median_forced"]
    )
    load = lambda triple: ", ".join(f"{x:.2f}" for x in triple)  # noqa: E731
    return f"""# Benchmark: a 16-point sweep on a 2-worker Dask cluster against local (issue 14)

Written by `python bench/dask_cluster.py` (bench/README.md, "Dask cluster"); raw figures in
`bench/results_dask_cluster.json`.

## Machine

- nproc: {r['nproc']}; Python {r['python']}; ibc at git {r['git']}; date {r['date']}
- load average before: {load(r['load_before'])}; after: {load(r['load_after'])} (the 2 cores
  are shared with other work: read the ratios, not the seconds)

## Set-up

A project with `src/` without `__init__.py`; `sweep s` has {r['points']} points, one stage each
(`burn(seed, n)`: a pure-Python loop calibrated to about {r['stage_seconds']} s on this machine,
n = {r['iterations']}). `dask scheduler` and two `dask worker --nthreads 1` (nanny on) run on
loopback in folders of their own: the project's sources reach them only as the shipped zip.
Whole `ibc run sweep.ib s --json --force` processes, interleaved, {r['rounds']} rounds after
one priming run each; then the same without `--force` (every stage cached).

## Figures (wall seconds)

| executor | median, --force | runs | speed-up vs local | median, all cached |
| --- | --- | --- | --- | --- |
{rows}

- Same results from the three executors: {'yes' if r['same_results'] else 'NO'}.
- Dask on 2 workers against local: **{r['speedup_dask_vs_local']:.2f}x**; the process pool:
  {r['speedup_process_vs_local']:.2f}x. 2 would be the ideal on 2 idle cores; with a load
  average of {r['load_before'][0]:.1f} to {r['load_after'][0]:.1f} on 2 cores, the workers
  competed with other processes for them.
- All cached, dask against local: {r['median_cached']['dask'] - r['median_cached']['local']:+.2f} s.
  A run with nothing to compute imports no dask and reaches no cluster (the executor
  connects when its first stage is submitted): the fixed cost of the cluster (importing
  dask, connecting, sending the sources) is paid only by runs that compute.
"""


if __name__ == "__main__":
    main()
