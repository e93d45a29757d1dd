"""Benchmark of `ibc why` (issue 10, "Tests and figures"): writes `bench/RESULTS_why.md` and
`bench/results_why.json`.

Target: `ibc why` on the 1,000-stage chain (`build_fixtures/chain/gen_chain.py`, the chain of
bench/build.py target 3) <= 1.5x a cached `ibc run` of it, both whole processes measured side
by side in one hyperfine invocation (`-N`, the real interpreter, `PYTHONDONTWRITEBYTECODE`
removed, a priming run first: the helpers of `bench/run_benchmarks.py`), with `python -c pass`
in the same group and the load average before and after.

Two states of the project are measured:
1. cached: the chain ran, nothing changed (the target: `ibc why` says "0 stage(s) would run,
   1000 cached", `ibc run` prints the cached value);
2. edited (recorded, no target): `inc` edited after the run, so every stage would run; `ibc why`
   prints 1,000 reasons (reading the last run's stage log) against `ibc run --dry-run` of the
   same state, which lists 1,000 stages that would run. Neither command changes the state.

Usage: `python bench/why.py [--quick]` (about a minute).
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
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "build_fixtures" / "chain"))
from gen_chain import write_chain  # noqa: E402
from run_benchmarks import PY, Bench, _env, _q, machine  # noqa: E402


def _ibc(*args: object) -> str:
    return " ".join([_q(PY), "-m", "ibc", *(_q(a) for a in args)])


def _ok(command: list[str], cwd: Path, cache: Path) -> str:
    done = subprocess.run(command, cwd=cwd, env=_env(cache), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return done.stdout


def interleaved(commands: dict[str, list[str]], cwd: Path, cache: Path, rounds: int) -> dict:
    """Wall times of `commands` run in turn, `rounds` times (hyperfine runs one command's
    runs in a block, so a load that changes during the group biases its ratios; here every
    round sees the same load): per command the median and the minimum, and their ratios."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    env = _env(cache)
    for _ in range(rounds):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - start)
    out = {n: {"median": statistics.median(t), "min": min(t)} for n, t in times.items()}
    out["median_ratio"] = out["why"]["median"] / out["run"]["median"]
    out["min_ratio"] = out["why"]["min"] / out["run"]["min"]
    out["rounds"] = rounds
    return out


def run(quick: bool) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ibc-why-bench-"))
    try:
        return _run(Bench(work, quick), quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(b: Bench, quick: bool) -> dict:
    cache = b.warm_cache
    ib = write_chain(1000, b.work / "chain1000")
    proj = ib.parent
    runs = 8 if quick else 20
    pass_ = f"{_q(PY)} -c pass"
    res: dict = {"load_before": os.getloadavg()}
    _ok([PY, "-m", "ibc", "run", str(ib), "-q"], proj, cache)
    res["why_cached_output"] = _ok([PY, "-m", "ibc", "why", str(ib)], proj, cache).strip()
    for cmd in (pass_, _ibc("run", ib), _ibc("why", ib)):
        b.prime(cmd, proj, cache)
    g1 = b.hyperfine(
        "why-cached",
        [
            ("python -c pass", pass_),
            ("ibc run (cached), 1000 stages", _ibc("run", ib)),
            ("ibc why (cached), 1000 stages", _ibc("why", ib)),
        ],
        proj,
        cache,
        runs,
        2,
    )
    res["interleaved"] = interleaved(
        {"run": [PY, "-m", "ibc", "run", str(ib)], "why": [PY, "-m", "ibc", "why", str(ib)]},
        proj,
        cache,
        8 if quick else 20,
    )
    res["load_between"] = os.getloadavg()
    inc = proj / "src" / "inc.py"
    inc.write_text(inc.read_text().replace("return x + 1", "return 1 + x"))
    out = _ok([PY, "-m", "ibc", "why", str(ib)], proj, cache).splitlines()
    res["why_edited_first_line"], res["why_edited_last_line"] = out[0], out[-1]
    for cmd in (_ibc("run", ib, "--dry-run"), _ibc("why", ib)):
        b.prime(cmd, proj, cache)
    g2 = b.hyperfine(
        "why-edited",
        [
            ("python -c pass (edited)", pass_),
            ("ibc run --dry-run (edited), 1000 stages", _ibc("run", ib, "--dry-run")),
            ("ibc why (edited), 1000 stages", _ibc("why", ib)),
        ],
        proj,
        cache,
        runs,
        2,
    )
    res["load_after"] = os.getloadavg()
    timings = {}
    for group in (g1, g2):
        for name, r in group.items():
            timings[name] = {k: r[k] for k in ("median", "mean", "stddev", "min", "max", "user")}
    res["timings"] = timings
    run_c = timings["ibc run (cached), 1000 stages"]["median"]
    res["why_cached_ratio"] = timings["ibc why (cached), 1000 stages"]["median"] / run_c
    res["why_cached_user_ratio"] = (
        timings["ibc why (cached), 1000 stages"]["user"]
        / timings["ibc run (cached), 1000 stages"]["user"]
    )
    res["why_edited_ratio_to_dry_run"] = (
        timings["ibc why (edited), 1000 stages"]["median"]
        / timings["ibc run --dry-run (edited), 1000 stages"]["median"]
    )
    res["why_edited_ratio_to_cached_run"] = (
        timings["ibc why (edited), 1000 stages"]["median"] / run_c
    )
    res["target_met"] = res["why_cached_ratio"] <= 1.5
    res["commands"] = b.commands
    res["machine"] = machine()
    res["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    res["quick"] = quick
    return res


def render(res: dict) -> str:
    t = res["timings"]
    lines = [
        "# `ibc why` benchmark (issue 10)",
        "",
        f"Recorded {res['date']} by `python bench/why.py{' --quick' if res['quick'] else ''}`"
        f" on {res['machine'].get('cpu', '?')}; load average (1, 5, 15 min) before "
        f"{_load(res['load_before'])}, between the groups {_load(res['load_between'])}, after "
        f"{_load(res['load_after'])}.",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| `ibc why` on the 1,000-stage chain <= 1.5x a cached `ibc run` of it | "
        f"{res['why_cached_ratio']:.2f}x (user CPU {res['why_cached_user_ratio']:.2f}x) | "
        f"{'yes' if res['target_met'] else 'NO'} |",
        "",
        f"Interleaved (`ibc run` then `ibc why`, {res['interleaved']['rounds']} rounds, every "
        "round under the same load): median ratio "
        f"{res['interleaved']['median_ratio']:.2f}x, min ratio "
        f"{res['interleaved']['min_ratio']:.2f}x (run median "
        f"{res['interleaved']['run']['median']:.3f} s, why median "
        f"{res['interleaved']['why']['median']:.3f} s).",
        "",
        "Medians of whole processes, each hyperfine group side by side:",
        "",
        "| command | median (s) | min (s) | user (s) |",
        "| --- | --- | --- | --- |",
    ]
    for name, r in t.items():
        lines.append(f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['user']:.3f} |")
    lines += [
        "",
        f"- cached: `ibc why` prints `{res['why_cached_output']}`.",
        f"- edited (`inc` changed after the run; every stage would run): `ibc why` is "
        f"{res['why_edited_ratio_to_dry_run']:.2f}x `ibc run --dry-run` of the same state and "
        f"{res['why_edited_ratio_to_cached_run']:.2f}x the cached run; it prints 1,000 reasons, "
        f"the first `{res['why_edited_first_line']}`, then `{res['why_edited_last_line']}`.",
        "",
        "Commands:",
        "",
    ]
    lines += [f"- {name}: `{cmd}`" for name, cmd in res["commands"].items()]
    return "\n".join(lines) + "\n"


def _load(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = run(args.quick)
    (BENCH / "results_why.json").write_text(json.dumps(result, indent=2) + "\n")
    (BENCH / "RESULTS_why.md").write_text(render(result))
    print(render(result))
