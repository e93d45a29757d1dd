"""Benchmark of history sweeps (issue 16, "Tests and figures"): writes
`bench/RESULTS_history.md` and `bench/results_history.json`.

A repository of 10,000 commits is built with `git fast-import` (a few seconds): `clean` in
`src/features.py` changes in 49 of them (50 versions, its first included), `other` in the same
file in 200 (candidates the walk must look at, no point), and the rest change one of 100 other
Python modules of the same package (the worst case for the walk's `git log`, which lists
every commit that changed a Python file).
`ibc check` of a program with `sweep regress = baseline with { clean in history(clean) }` is
timed against `ibc check` of the same program without the sweep, as whole processes
interleaved round by round (so each pair runs under the same load), both with the compiler's
cache warm (the usual case: a check after the first), warm after a new commit (HEAD moved:
the walk of the older HEAD is kept, only the new commit is walked) and cold (an empty cache
folder each round: the first check after a clone walks the whole history).

Target: the sweep adds <= 0.5 s to `ibc check`.

Usage: `python bench/history.py [--rounds N]` (about a minute).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
COMMITS = 10_000
VERSIONS = 50
OTHERS = 200
TARGET = 0.5
LABELS = {"warm": "warm cache", "new": "warm cache, HEAD moved", "cold": "empty cache"}

PROGRAM = """\
from "src/features.py" import clean
from "src/model.py" import load, score

data = load(1)
experiment baseline = score(clean(data))
"""
SWEEP = "sweep regress = baseline with { clean in history(clean) }\n"


def features(version: int, other: int) -> str:
    return (
        "from src.util import offset\n\n\n"
        f"def clean(x: float) -> float:\n    return x * {version}.0 + offset()\n\n\n"
        f"def other(x: float) -> float:\n    return x + {other}\n"
    )


FIXED = {
    ".gitignore": ".ibc/\n",
    "ibc.toml": "",
    "src/__init__.py": "",
    "src/util.py": "def offset() -> float:\n    return 0.0\n",
    "src/model.py": (
        "def load(n: int) -> float:\n    return float(n)\n\n\n"
        "def score(x: float) -> dict:\n    return {'accuracy': x}\n"
    ),
}


def build(repo: Path) -> None:
    """The 10,000-commit repository, in one `git fast-import` stream."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    # which commits change `clean` and `other`: spread evenly over the history
    clean_at = {round(i * (COMMITS - 1) / (VERSIONS - 1)) for i in range(1, VERSIONS)}
    other_at = {round(i * (COMMITS - 1) / OTHERS) + 7 for i in range(OTHERS)} - clean_at
    out = bytearray()

    def blob(path: str, text: str) -> None:
        data = text.encode()
        out.extend(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    version, other = 1, 0
    for k in range(COMMITS):
        stamp = 1_600_000_000 + 60 * k
        if k == 0:
            message = "initial"
        elif k in clean_at:
            version += 1
            message = f"clean v{version}"
        elif k in other_at:
            other += 1
            message = f"other {other}"
        else:
            message = f"notes {k}"
        msg = message.encode()
        out.extend(
            f"commit refs/heads/main\ncommitter Bench <b@example.com> {stamp} +0000\n"
            f"data {len(msg)}\n".encode() + msg + b"\n"
        )
        if k == 0:
            for path, text in FIXED.items():
                blob(path, text)
            blob("src/features.py", features(version, other))
        elif k in clean_at or k in other_at:
            blob("src/features.py", features(version, other))
        else:
            blob(f"src/misc/m{k % 100}.py", f"VALUE = {k}\n")  # Python, beside `clean`
        out.extend(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=bytes(out), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True)
    (repo / "plain.ib").write_text(PROGRAM)
    (repo / "history.ib").write_text(PROGRAM + SWEEP)


def new_commit(repo: Path, r: int) -> None:
    """A commit that changes `other` (no new version of `clean`): HEAD moves."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "b@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "b@example.com",
    }
    (repo / "src/features.py").write_text(features(VERSIONS, 1000 + r))
    subprocess.run(["git", "commit", "-qam", f"other {1000 + r}"], cwd=repo, env=env, check=True)


def timed(repo: Path, file: str, cache: Path) -> float:
    env = {**os.environ, "IBC_CACHE_DIR": str(cache), "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "check", file], cwd=repo, env=env, capture_output=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode())
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="ibc-bench-history-"))
    try:
        repo = work / "repo"
        started = time.perf_counter()
        build(repo)
        built = time.perf_counter() - started
        points = subprocess.run(
            [sys.executable, "-m", "ibc", "params", "history.ib", "regress"],
            cwd=repo,
            capture_output=True,
            text=True,
            env={**os.environ, "IBC_CACHE_DIR": str(work / "c"), "PYTHONPATH": str(ROOT)},
        )
        log = subprocess.run(
            [sys.executable, "-m", "ibc", "log", "src/features.py:clean"],
            cwd=repo,
            capture_output=True,
            text=True,
            env={**os.environ, "IBC_CACHE_DIR": str(work / "c"), "PYTHONPATH": str(ROOT)},
        )
        versions = len(log.stdout.splitlines())
        assert versions == VERSIONS, (versions, log.stderr)
        warm = work / "warm"
        timed(repo, "plain.ib", warm)
        timed(repo, "history.ib", warm)
        kinds = (
            "plain warm",
            "history warm",
            "plain new",
            "history new",
            "plain cold",
            "history cold",
        )
        times: dict[str, list[float]] = {k: [] for k in kinds}
        for r in range(args.rounds):
            times["plain warm"].append(timed(repo, "plain.ib", warm))
            times["history warm"].append(timed(repo, "history.ib", warm))
            new_commit(repo, r)
            times["plain new"].append(timed(repo, "plain.ib", warm))
            times["history new"].append(timed(repo, "history.ib", warm))
            times["plain cold"].append(timed(repo, "plain.ib", work / f"cold-p{r}"))
            times["history cold"].append(timed(repo, "history.ib", work / f"cold-h{r}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    med = {k: statistics.median(v) for k, v in times.items()}
    added_warm = med["history warm"] - med["plain warm"]
    added_new = med["history new"] - med["plain new"]
    added_cold = med["history cold"] - med["plain cold"]
    when = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    result = {
        "recorded": when,
        "rounds": args.rounds,
        "commits": COMMITS,
        "versions": versions,
        "build_seconds": built,
        "medians": med,
        "added_warm": added_warm,
        "added_new": added_new,
        "added_cold": added_cold,
        "target": TARGET,
        "load_before": load_before,
        "load_after": load_after,
        "params_ok": points.returncode == 0,
    }
    (BENCH / "results_history.json").write_text(json.dumps(result, indent=2) + "\n")
    fmt = ", ".join
    lines = [
        "# History sweep benchmark (issue 16)",
        "",
        f"Recorded {when} by `python bench/history.py --rounds {args.rounds}`; load average "
        f"(1, 5, 15 min) before {fmt(f'{x:.2f}' for x in load_before)}, after "
        f"{fmt(f'{x:.2f}' for x in load_after)}.",
        "",
        f"A repository of {COMMITS:,} commits built with `git fast-import` in {built:.1f} s; "
        f"`clean` has {versions} versions, `other` in the same file changes in {OTHERS} more "
        "commits (no point), the rest change other Python modules of the same package.",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| `ibc check` with the history sweep <= {TARGET} s more (warm cache) | "
        f"+{added_warm:.3f} s | {'yes' if added_warm <= TARGET else 'no'} |",
        f"| the same, after a new commit (the walk of the older HEAD kept) | +{added_new:.3f} s | "
        f"{'yes' if added_new <= TARGET else 'no'} |",
        f"| the same, cold cache (first check after a clone: the whole walk) | "
        f"+{added_cold:.3f} s | {'yes' if added_cold <= TARGET else 'no'} |",
        "",
        f"Medians of whole `ibc check` processes over {args.rounds} interleaved rounds:",
        "",
        "| command | median (s) |",
        "| --- | --- |",
        *(
            f"| ibc check {k.split()[0]}.ib ({LABELS[k.split()[1]]}) | {v:.3f} |"
            for k, v in med.items()
        ),
        "",
    ]
    (BENCH / "RESULTS_history.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
