"""Benchmark of a `file://` remote store (issue 14): writes `bench/RESULTS_remote_store.md` and
`bench/results_remote_store.json`.

A project whose experiment reads a 200 MB intermediate (`make(seed)`: a 5000 × 5000 float64
array, from random numbers through a few passes of NumPy arithmetic, a few seconds on one
core) through a cheap downstream stage (`head(x, k)`). Clone A runs it with the remote and
pushes both stages. Then, in rounds that interleave the three cases (so each round runs under
the same load), a fresh clone B (no `.ibc/`) whose experiment asks for `head(x, 2)`, a stage
A never ran, runs:

- `remote`: with the remote: the intermediate's header is read, its 200 MB entry copied
  into B's store, checked whole (xxh3), memory-mapped and passed to `head`;
- `recompute`: without a remote (`--remote=`): `make` runs again;
- `cached`: with the remote, A's own experiment: every stage's header is found on the remote
  and only the printed result is fetched (nothing runs, the intermediate is not copied);
- `push`: as `recompute`, but with an empty remote: `make` and `head` run and their entries
  are pushed by the background threads, which the run joins at its end (what pushing costs).

Each case is a whole `ibc run` process (`python -m ibc run … -q`); compiled programs are
reused (a warm `IBC_CACHE_DIR`). The figure is the ratio of the medians, `remote` against
`recompute` (and `push` against `recompute`), in one run; the load average is recorded
before and after.

Usage: `python bench/remote_store.py [--rounds N] [--quick]` (about 1 minute; --quick: 1
round, do not record).
"""

from __future__ import annotations

import argparse
import datetime
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

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

STAGES = '''
import numpy as np


def make(seed: int) -> np.ndarray:
    """200 MB of float64 after a few passes of arithmetic (a feature matrix, say)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5000, 5000))
    for _ in range(6):
        x = np.tanh(x * 1.5) + np.sin(x) * 0.25
    return x


def head(x: np.ndarray, k: int) -> float:
    return float(x[:, :k].sum())
'''

MAIN = 'from "src/stages.py" import make, head\nexperiment e = {{v = head(make(7), {k})}}\n'


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("IBC_STORE")}
    out.pop("IBC_REMOTE", None)
    out.update(IBC_PROGRESS="none", NO_COLOR="1", PYTHONPATH=str(ROOT))
    return out


def ibc(folder: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "run", "main.ib", "-q", *args],
        cwd=folder,
        env=env(),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0 or "warning" in done.stderr:
        raise SystemExit(f"ibc run failed in {folder}:\n{done.stdout}\n{done.stderr}")
    return seconds


def project(folder: Path, k: int) -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "ibc.toml").write_text("")
    (folder / "src" / "stages.py").write_text(STAGES)
    (folder / "main.ib").write_text(MAIN.format(k=k))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    work = Path(tempfile.mkdtemp(prefix="ibc-bench-remote-"))
    try:
        remote = work / "remote"
        remote.mkdir()
        url = remote.as_uri()
        load_before = os.getloadavg()
        a = project(work / "a", 1)
        first = ibc(a, "--remote", url)
        entry = max((p for p in (remote / "store").glob("*/*")), key=lambda p: p.stat().st_size)
        size = entry.stat().st_size
        times: dict[str, list[float]] = {"remote": [], "recompute": [], "cached": [], "push": []}
        for k in (1, 2):  # B's programs compiled once (reused by the clones)
            ibc(project(work / f"warm{k}", k), "--remote=", "--dry-run")
        for r in range(rounds):
            for case in times:
                b = project(work / f"b-{case}-{r}", 1 if case == "cached" else 2)
                extra = ["--remote", url, "--no-push"] if case != "recompute" else ["--remote="]
                if case == "push":
                    empty = work / f"empty-{r}"
                    empty.mkdir()
                    extra = ["--remote", empty.as_uri()]
                times[case].append(ibc(b, *extra))
                shutil.rmtree(b)
                if case == "push":
                    assert len(list(empty.glob("store/*/*"))) == 3, "not pushed"
                    shutil.rmtree(empty)
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {case: statistics.median(ts) for case, ts in times.items()}
    result = {
        "recorded": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "entry_bytes": size,
        "first_run_seconds": round(first, 3),
        "rounds": rounds,
        "seconds": {case: [round(t, 3) for t in ts] for case, ts in times.items()},
        "median": {case: round(t, 3) for case, t in med.items()},
        "remote_over_recompute": round(med["remote"] / med["recompute"], 3),
        "cached_over_recompute": round(med["cached"] / med["recompute"], 3),
        "push_over_recompute": round(med["push"] / med["recompute"], 3),
    }
    print(json.dumps(result, indent=2))
    if args.quick:
        return
    (BENCH / "results_remote_store.json").write_text(json.dumps(result, indent=2) + "\n")
    (BENCH / "RESULTS_remote_store.md").write_text(render(result))


def render(r: dict) -> str:
    cpu = r["machine"]
    mb = r["entry_bytes"] / 1e6
    rows = [
        ("recompute (`--remote=`: `make` runs again, then `head`)", "recompute"),
        (f"remote (the {mb:.0f} MB entry copied, checked, mapped; then `head`)", "remote"),
        ("cached (A's experiment: headers and the printed result only)", "cached"),
        ("push (as recompute, and both entries pushed to an empty remote)", "push"),
    ]
    lines = [
        "# Remote store benchmark: a 200 MB intermediate from a `file://` remote (issue 14)",
        "",
        f"Recorded {r['recorded']} by `python bench/remote_store.py` on {cpu} ({r['cpus']} "
        f"cores, shared); load average (1, 5, 15 min) before "
        f"{', '.join(f'{x:.2f}' for x in r['load_before'])}, after "
        f"{', '.join(f'{x:.2f}' for x in r['load_after'])}. Python {r['python']}.",
        "",
        "| target | measured |",
        "| --- | --- |",
        f"| a fresh clone reading the intermediate from the remote, against recomputing it | "
        f"{r['remote_over_recompute']:.2f}× the time ({r['median']['remote']:.2f} s against "
        f"{r['median']['recompute']:.2f} s) |",
        f"| a fresh clone whose experiment is wholly on the remote | "
        f"{r['cached_over_recompute']:.2f}× ({r['median']['cached']:.2f} s) |",
        f"| computing and pushing the 200 MB entry, against computing it without a remote | "
        f"{r['push_over_recompute']:.2f}× ({r['median']['push']:.2f} s) |",
        "",
        f"Medians of {r['rounds']} interleaved rounds, each case a whole `ibc run` process in a "
        f"fresh clone (no `.ibc/`), compiled program reused:",
        "",
        "| case | median (s) | runs (s) |",
        "| --- | --- | --- |",
    ]
    for label, case in rows:
        runs = ", ".join(f"{t:.2f}" for t in r["seconds"][case])
        lines.append(f"| {label} | {r['median'][case]:.2f} | {runs} |")
    lines += [
        "",
        f"The intermediate's entry is {r['entry_bytes']:,} bytes (`npy`). Clone A's first run "
        f"(compile, compute, store, push in the background, joined at the end): "
        f"{r['first_run_seconds']:.2f} s.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
