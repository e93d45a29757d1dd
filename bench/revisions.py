"""Benchmark of pinned references (issue 5): `python bench/revisions.py [--commits N]`.

Builds, with `git fast-import`, a repository of N commits (default 10,000) whose project has
5 modules of 4 functions each plus a helper module; tags v1..v5 spread over the history.
Then measures:
1. `ibc check` of a file with 20 pins across the 5 tags, against the same file without
   pins (both as subprocesses, best of 5): cold (empty ibc cache folder) and warm;
2. in a fresh process, importing a pinned module whose snapshot is already materialized:
   the time spent in the snapshot finder, and that no git process is started.
Prints a Markdown table (bench/RESULTS_revisions.md records one).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULES, FUNCS, TAGS = 5, 4, 5


def module_text(m: int, version: int) -> str:
    out = ["from src.helpers import scale\n"]
    for f in range(FUNCS):
        out.append(f"\n\ndef f{f}(x: float) -> float:\n    return scale(x) + {version}.0 + {m}\n")
    return "".join(out)


def build(root: Path, commits: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    lines: list[bytes] = []

    def blob(text: str) -> bytes:
        data = text.encode()
        return b"data %d\n" % len(data) + data + b"\n"

    every = commits // TAGS
    for i in range(1, commits + 1):
        version = min(TAGS, (i - 1) // every + 1)
        msg = f"commit {i}"
        lines.append(b"commit refs/heads/main\n")
        lines.append(b"mark :%d\n" % i)
        lines.append(b"committer B <b@example.com> %d +0000\n" % (1_600_000_000 + i))
        lines.append(blob(msg))
        if i > 1:
            lines.append(b"from :%d\n" % (i - 1))
        if i == 1:
            lines.append(b"M 100644 inline ibc.toml\n" + blob(""))
            lines.append(b"M 100644 inline src/__init__.py\n" + blob(""))
            lines.append(
                b"M 100644 inline src/helpers.py\n" + blob("def scale(x):\n    return x\n")
            )
        if i == 1 or (i - 1) % every == 0:  # a new version of every module
            for m in range(MODULES):
                lines.append(b"M 100644 inline src/m%d.py\n" % m + blob(module_text(m, version)))
        lines.append(b"M 100644 inline log.txt\n" + blob(f"{i}\n"))  # an unrelated change
        if i % every == 0 and i // every <= TAGS:
            lines.append(b"reset refs/tags/v%d\nfrom :%d\n\n" % (i // every, i))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(lines), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)


def ib_file(pinned: bool) -> str:
    out = []
    for m in range(MODULES):
        names = ", ".join(f"f{f} as m{m}f{f}" for f in range(FUNCS))
        out.append(f'from "src/m{m}.py" import {names}\n')
    k = 0
    for m in range(MODULES):
        for f in range(FUNCS):
            rev = f"v{k % TAGS + 1}"
            call = f'(m{m}f{f} @ "{rev}")(1.0)' if pinned else f"m{m}f{f}(1.0)"
            out.append(f"x{k} = {call}\n")
            k += 1
    return "".join(out)


def timed_check(root: Path, name: str, env: dict, fresh_cache: bool, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        if fresh_cache:
            env = {**env, "IBC_CACHE_DIR": tempfile.mkdtemp(prefix="ibc-bench-cache-")}
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "ibc", "check", name],
            cwd=root,
            env=env,
            capture_output=True,
            check=False,
        )
        best = min(best, time.perf_counter() - start)
        assert done.returncode == 0, done.stderr.decode()
    return best


SNAPSHOT_PROBE = """
import sys, time
from ibc.runtime import snapshots
provider = snapshots.DiskSnapshots(sys.argv[1], sys.argv[2])
snapshots.install(provider)
start = time.perf_counter()
import importlib
mod = importlib.import_module(sys.argv[3])
elapsed = time.perf_counter() - start
print(elapsed, provider.git_calls, mod.f0(1.0))
"""


def snapshot_probe(root: Path, store: Path, module: str) -> tuple[float, int, float]:
    done = subprocess.run(
        [sys.executable, "-c", SNAPSHOT_PROBE, str(root), str(store), module],
        capture_output=True,
        text=True,
        check=True,
    )
    t, calls, value = done.stdout.split()
    return float(t), int(calls), float(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ibc-bench-rev-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        t0 = time.perf_counter()
        build(root, args.commits)
        built = time.perf_counter() - t0
        (root / "pinned.ib").write_text(ib_file(True))
        (root / "plain.ib").write_text(ib_file(False))
        env = {**os.environ, "IBC_CACHE_DIR": str(Path(tmp) / "cache")}
        base_cold = timed_check(root, "plain.ib", env, True)
        pinned_cold = timed_check(root, "pinned.ib", env, True)
        base_warm = timed_check(root, "plain.ib", env, False)
        pinned_warm = timed_check(root, "pinned.ib", env, False)
        v1 = subprocess.run(
            ["git", "rev-parse", "v1^{commit}"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        store = Path(tmp) / "store"
        module = f"_ibc_rev_{v1}.src.m0"
        first = snapshot_probe(root, store, module)
        second = min(snapshot_probe(root, store, module) for _ in range(5))
        rows = [
            ("commits in the repository", f"{args.commits} (built in {built:.1f} s)"),
            ("`ibc check`, no pins, cold cache", f"{base_cold * 1000:.0f} ms"),
            ("`ibc check`, 20 pins / 5 tags, cold cache", f"{pinned_cold * 1000:.0f} ms"),
            ("added by the pins, cold", f"{(pinned_cold - base_cold) * 1000:.0f} ms (budget 500 ms)"),
            ("`ibc check`, no pins, warm cache", f"{base_warm * 1000:.0f} ms"),
            ("`ibc check`, 20 pins / 5 tags, warm cache", f"{pinned_warm * 1000:.0f} ms"),
            ("added by the pins, warm", f"{(pinned_warm - base_warm) * 1000:.0f} ms (budget 500 ms)"),
            ("first import of a pinned module (materializes)",
             f"{first[0] * 1000:.1f} ms, {first[1]} git calls"),
            ("import from an existing snapshot (best of 5)",
             f"{second[0] * 1000:.2f} ms, {second[1]} git calls (budget 10 ms)"),
        ]  # fmt: skip
        assert first[2] == second[2] == 2.0  # f0 of m0 at v1: 1 + 1 + 0
        print("| measure | value |\n| --- | --- |")
        for name, value in rows:
            print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
