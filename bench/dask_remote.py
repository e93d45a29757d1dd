"""Benchmark: a 200 MB intermediate on a 2-worker Dask cluster, with and without a remote store
(docs/running.md, "What travels where"; issue 14).

A project whose experiment is `total(make(n, 7), 1.0)`: `make` returns a float64 array of
`--megabytes` (200 by default), `total` its sum. On a real cluster on loopback (`dask
scheduler` and two `dask worker --nthreads 1`, as bench/dask_cluster.py starts them), whole
`ibc run … --executor dask --force` processes are timed, interleaved, without a remote (the
array comes back to the client, which stores it, and goes out again to the worker of `total`)
and with a `file://` remote (the worker of `make` writes the array there; the worker of
`total` reads it from there; the client gets headers and a float). Recorded per mode: wall
seconds, the client's peak resident memory (`wait4`), and the bytes of its local store after
the run. Then a second clone of the project with the same remote runs (all cached) without
touching the array. Writes bench/RESULTS_dask_remote.md and bench/results_dask_remote.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from dask_cluster import PY, Cluster, env  # noqa: E402

STAGES = """\
import numpy as np


def make(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n)


def total(a: np.ndarray, scale: float) -> float:
    return round(float(a.sum()) * scale, 6)
"""


def write_project(root: Path, n: int) -> None:
    (root / "src").mkdir(parents=True)
    (root / "ibc.toml").write_text("")
    (root / "src" / "big.py").write_text(STAGES)
    (root / "main.ib").write_text(
        f'from "src/big.py" import make, total\nexperiment e = total(make({n}, 7), 1.0)\n'
    )


def store_bytes(store: Path) -> int:
    return sum(p.stat().st_size for p in (store / "store").glob("*/*") if p.is_file())


def timed_run(root: Path, store: Path, args: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PY, "-m", "ibc", "run", "main.ib", "--json", *args],
        cwd=root,
        env=env(store),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"ibc run {' '.join(args)} failed:\n{err}")
    return {"seconds": seconds, "value": json.loads(out)["e"]}


def peak_rss(root: Path, store: Path, args: list[str]) -> int:
    """The client's peak resident memory (KiB) for one run, from `wait4`."""
    proc = subprocess.Popen(
        [PY, "-m", "ibc", "run", "main.ib", "--json", *args],
        cwd=root,
        env=env(store),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"ibc run {' '.join(args)} failed")
    return usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    a = parser.parse_args()
    n = a.megabytes * 1_000_000 // 8
    base = Path(tempfile.mkdtemp(prefix="ibc-bench-dask-remote-"))
    load_before = os.getloadavg()
    cluster = Cluster(base / "cluster")
    try:
        project = base / "project"
        write_project(project, n)
        remote = base / "remote"
        remote.mkdir()
        dask = ["--executor", "dask", "--address", cluster.address, "--force"]
        modes = {
            "no remote": (base / "store-plain", dask + ["--remote="]),
            "file:// remote": (base / "store-remote", dask + ["--remote", remote.as_uri()]),
            "file:// remote, empty": (base / "store-empty", dask),
        }
        fresh = iter(range(10**6))

        def args_of(mode: str) -> list[str]:
            args = modes[mode][1]
            if mode.endswith("empty"):  # a new remote folder: the array is uploaded
                folder = base / f"remote-{next(fresh)}"
                folder.mkdir()
                args = args + ["--remote", folder.as_uri()]
            return args

        runs: dict[str, list[dict]] = {m: [] for m in modes}
        for mode, (store, _) in modes.items():  # priming
            timed_run(project, store, args_of(mode))
        for _ in range(a.rounds):
            for mode, (store, _) in modes.items():
                runs[mode].append(timed_run(project, store, args_of(mode)))
        peaks = {m: peak_rss(project, store, args_of(m)) for m, (store, _) in modes.items()}
        stored = {m: store_bytes(store) for m, (store, _) in modes.items()}
        values = {r["value"] for rs in runs.values() for r in rs}
        clone = base / "clone"
        write_project(clone, n)
        start = time.perf_counter()
        cached = ["--executor", "dask", "--address", cluster.address]
        second = timed_run(clone, base / "store-clone", cached + ["--remote", remote.as_uri()])
        clone_seconds = time.perf_counter() - start
        clone_bytes = store_bytes(base / "store-clone")
    finally:
        cluster.close()
    load_after = os.getloadavg()
    result = {
        "megabytes": a.megabytes,
        "rounds": a.rounds,
        "seconds": {m: [round(r["seconds"], 3) for r in rs] for m, rs in runs.items()},
        "median": {
            m: round(statistics.median(r["seconds"] for r in rs), 3) for m, rs in runs.items()
        },
        "client_peak_rss_mib": {m: round(kib / 1024, 1) for m, kib in peaks.items()},
        "client_store_mib": {m: round(b / 2**20, 2) for m, b in stored.items()},
        "same_value": len(values) == 1,
        "clone_seconds": round(clone_seconds, 3),
        "clone_value_ok": second["value"] in values,
        "clone_store_mib": round(clone_bytes / 2**20, 3),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }
    shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(result, indent=2))
    if not a.no_write:
        (HERE / "results_dask_remote.json").write_text(json.dumps(result, indent=2) + "\n")
        (HERE / "RESULTS_dask_remote.md").write_text(render(result))


def render(r: dict) -> str:
    modes = list(r["median"])
    plain, remote = r["median"]["no remote"], r["median"]["file:// remote"]
    rows = "\n".join(
        f"| {m} | {r['median'][m]:.2f} | {', '.join(f'{s:.2f}' for s in r['seconds'][m])} "
        f"| {r['client_peak_rss_mib'][m]:.0f} | {r['client_store_mib'][m]:.1f} |"
        for m in modes
    )
    return f"""# Benchmark: a {r['megabytes']} MB intermediate on a 2-worker Dask cluster, with and without a remote

Written by `python bench/dask_remote.py` (bench/README.md, "Dask with a remote store"); raw
figures in `bench/results_dask_remote.json`.

## Machine

- nproc: {r['nproc']}; Python {r['python']}; ibc at git {r['git']}; date {r['date']}
- load average before: {', '.join(map(str, r['load_before']))}; after: \
{', '.join(map(str, r['load_after']))}
  (the cores are shared with other work: read the ratios, not the seconds)

## Set-up

`experiment e = total(make(n, 7), 1.0)`: `make` returns a float64 array of {r['megabytes']} MB,
`total` its sum (a float). `dask scheduler` and two `dask worker --nthreads 1` on loopback.
Whole `ibc run main.ib --json --executor dask --address … --force` processes, interleaved,
{r['rounds']} rounds after one priming run each: without a remote (`--remote=`: the array comes
back to the client, is stored there, and goes out again to the worker of `total`) and with a
`file://` remote folder (the worker of `make` writes it there, the worker of `total` reads it
from there). With `--force`, `make` runs every time; from the priming run on, the remote holds
its entry, which is then not uploaded again (the worker writes it to its scratch folder only),
while the worker of `total` copies it from the remote every time; "empty" gives every run a new
remote folder, so the array is uploaded too. Then one more run of each for the client's peak
resident memory (`wait4`).

## Figures

| mode | median s | runs | client peak RSS MiB | client store MiB |
| --- | --- | --- | --- | --- |
{rows}

- Same value in every run: {'yes' if r['same_value'] else 'NO'}.
- With the remote against without: **{plain / remote:.2f}x** the speed (into an empty remote,
  uploading the array: **{plain / r['median']['file:// remote, empty']:.2f}x**); the client's store
  holds {r['client_store_mib']['file:// remote']:.2f} MiB instead of \
{r['client_store_mib']['no remote']:.1f} MiB, and its peak memory is
  {r['client_peak_rss_mib']['file:// remote']:.0f} MiB instead of \
{r['client_peak_rss_mib']['no remote']:.0f} MiB.
- A second clone with the same remote (all cached): {r['clone_seconds']:.2f} s, right value:
  {'yes' if r['clone_value_ok'] else 'NO'}, its store after the run:
  {r['clone_store_mib']:.3f} MiB (the array never reached it).
"""


if __name__ == "__main__":
    main()
