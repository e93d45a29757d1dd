"""Benchmark of provenance in run records (issue 10): writes `bench/RESULTS_provenance.md` and
`bench/results_provenance.json`.

Target: recording provenance (the git commit and dirty flag, and the code, revisions,
libraries and inputs below each job: `ibc.runtime.provenance`) adds <= 5% to the uncached
1,000-stage chain run (`build_fixtures/chain/gen_chain.py 1000`, the chain of bench/build.py
target 3), in a git repository holding the project.

Both variants run side by side in one invocation of this script, interleaved (ABAB…, so that
the shared machine's load drifts over both alike), each a fresh interpreter running
`ibc.commands.cli.main(["run", "chain.ib", "-q"])`: "with" as shipped; "without" the same after
replacing `provenance.GitState` and `provenance.job_provenance` by versions that do nothing
(the record then has empty provenance, as before it existed). Before every uncached run the
store is moved aside, untimed (as bench/build.py does). The compiled output is reused by
both (primed first). Reported: medians and their ratio, the median of the rounds' ratios
(each round's two runs are adjacent in time, so the load's drift over the minutes of the
measurement cancels out: the estimate the target is judged by), and the load average
before and after.
A fully cached run of both is measured the same way, for information. Then, in one process
each, the time spent inside provenance itself (the git answer's wait, the graph walk) by
wrapping those functions with counters: a figure the machine's noise does not blur.

Usage: `python bench/provenance.py [--rounds N] [--quick]` (about 2 minutes with 15 rounds).
"""

from __future__ import annotations

import argparse
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
PY = sys.executable
sys.path.insert(0, str(BENCH / "build_fixtures" / "chain"))
from gen_chain import write_chain  # noqa: E402

STAGES = 1000
RUN = "import sys; from ibc.commands.cli import main; sys.exit(main(['run', 'chain.ib', '-q']))"
WITHOUT = (
    "import ibc.runtime.provenance as p\n"
    "class NoGit:\n"
    "    def __init__(self, folder): pass\n"
    "    def get(self): return (None, None)\n"
    "    def close(self): pass\n"
    "p.GitState = NoGit\n"
    "p.job_provenance = lambda node, evaluator, root: "
    "{'fingerprints': {}, 'revisions': {}, 'libraries': {}, 'inputs': {}}\n"
)
COUNTED = (
    "import time, atexit, json, os\n"
    "import ibc.runtime.provenance as p\n"
    "spent = {'git_start': 0.0, 'git_wait': 0.0, 'walk': 0.0, 'walks': 0}\n"
    "Real, walk = p.GitState, p.job_provenance\n"
    "class Timed(Real):\n"
    "    def __init__(self, folder):\n"
    "        t = time.perf_counter(); super().__init__(folder)\n"
    "        spent['git_start'] += time.perf_counter() - t\n"
    "    def get(self):\n"
    "        t = time.perf_counter(); out = super().get()\n"
    "        spent['git_wait'] += time.perf_counter() - t; return out\n"
    "def timed_walk(*a):\n"
    "    t = time.perf_counter(); out = walk(*a)\n"
    "    spent['walk'] += time.perf_counter() - t; spent['walks'] += 1; return out\n"
    "p.GitState, p.job_provenance = Timed, timed_walk\n"
    "t0 = time.perf_counter()\n"
    "atexit.register(lambda: open(os.environ['IBC_BENCH_OUT'], 'w').write(json.dumps("
    "{**spent, 'total': time.perf_counter() - t0})))\n"
)


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("IBC_STORE", "PYTHONDONTWRITEBYTECODE")}
    env.update(IBC_CACHE_DIR=str(cache), IBC_PROGRESS="none", NO_COLOR="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def _move_store(project: Path, trash: Path) -> None:
    store = project / ".ibc"
    if store.exists():
        os.rename(store, trash / f"{time.time_ns()}")


def _timed(code: str, project: Path, env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run([PY, "-c", code], cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0 or done.stdout != f"last: {STAGES}\n":
        raise SystemExit(f"run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds


def side_by_side(project: Path, env: dict, rounds: int, uncached: bool, trash: Path) -> dict:
    variants = {"with": RUN, "without": WITHOUT + RUN}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(rounds):
        order = list(variants) if i % 2 == 0 else list(reversed(variants))
        for name in order:
            if uncached:
                _move_store(project, trash)
            times[name].append(_timed(variants[name], project, env))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    paired = [a / b for a, b in zip(times["with"], times["without"])]
    return {
        "times": times,
        "medians": medians,
        "ratio": medians["with"] / medians["without"],
        "paired_ratio": statistics.median(paired),
    }


def inside(project: Path, env: dict, trash: Path, repeat: int) -> dict:
    """Seconds spent in provenance during uncached runs (median of `repeat`)."""
    samples = []
    out = project.parent / "spent.json"
    for _ in range(repeat):
        _move_store(project, trash)
        _timed(COUNTED + RUN, project, {**env, "IBC_BENCH_OUT": str(out)})
        samples.append(json.loads(out.read_text()))
    keys = ("git_start", "git_wait", "walk", "total")
    median = {k: statistics.median(s[k] for s in samples) for k in keys}
    median["provenance"] = median["git_start"] + median["git_wait"] + median["walk"]
    median["share"] = median["provenance"] / median["total"]
    median["walks"] = samples[0]["walks"]
    return median


def run(rounds: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ibc-bench-provenance-"))
    try:
        project = work / "chain"
        write_chain(STAGES, project)
        (project / ".gitignore").write_text(".ibc/\n")
        _git(project, "init", "-q")
        _git(project, "add", "-A")
        _git(project, "commit", "-q", "-m", "chain")
        trash = work / "trash"
        trash.mkdir()
        env = _env(work / "cache")
        _timed(RUN, project, env)  # compiles; later runs reuse the compiled output
        _timed(WITHOUT + RUN, project, env)
        load_before = os.getloadavg()
        uncached = side_by_side(project, env, rounds, True, trash)
        cached = side_by_side(project, env, rounds, False, trash)
        spent = inside(project, env, trash, max(5, rounds // 3))
        load_after = os.getloadavg()
        first = next((project / ".ibc" / "runs").glob("*[0-9].jsonl"))
        record = json.loads(first.read_text().splitlines()[0])
        return {
            "stages": STAGES,
            "rounds": rounds,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": load_after,
            "uncached": uncached,
            "cached": cached,
            "inside": spent,
            "record_keys": sorted(record),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(data: dict) -> str:
    un, ca, spent = data["uncached"], data["cached"], data["inside"]
    ok = "met" if un["paired_ratio"] <= 1.05 else "NOT met"
    load = lambda t: ", ".join(f"{x:.2f}" for x in t)  # noqa: E731
    lines = [
        "# Provenance in run records: cost",
        "",
        "Written by `python bench/provenance.py` (see its docstring for the method). A chain of "
        f"{data['stages']:,} trivial stages in a git repository, `ibc run chain.ib -q` in a fresh "
        f"interpreter, {data['rounds']} interleaved rounds per variant, Python {data['python']}, "
        f"{data['cpus']} CPUs shared with other work: load average (1, 5, 15 min) "
        f"{load(data['load_before'])} before, {load(data['load_after'])} after.",
        "",
        "| run | with provenance (median) | without (median) | ratio of medians | median of"
        " the rounds' ratios | target (on the rounds' ratios) |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        f"| uncached (store moved aside) | {un['medians']['with'] * 1e3:.0f} ms | "
        f"{un['medians']['without'] * 1e3:.0f} ms | {un['ratio']:.3f} | "
        f"{un['paired_ratio']:.3f} | <= 1.05: {ok} |",
        f"| fully cached | {ca['medians']['with'] * 1e3:.0f} ms | "
        f"{ca['medians']['without'] * 1e3:.0f} ms | {ca['ratio']:.3f} | "
        f"{ca['paired_ratio']:.3f} | (information) |",
        "",
        "Time spent inside provenance during an uncached run (medians, in-process counters):",
        "",
        f"- starting git (`posix_spawn`): {spent['git_start'] * 1e3:.2f} ms",
        f"- waiting for git's answer at the first record: {spent['git_wait'] * 1e3:.2f} ms "
        "(git runs while the stages do)",
        f"- walking the graph below the job ({spent['walks']} job, {data['stages']:,} stages): "
        f"{spent['walk'] * 1e3:.2f} ms",
        f"- together {spent['provenance'] * 1e3:.2f} ms of {spent['total'] * 1e3:.0f} ms in "
        f"the process after imports: {spent['share'] * 100:.2f}%",
        "",
        "The machine is shared: single runs vary by tens of percent (below), far more than "
        "the difference measured, so the side-by-side ratios bound the cost while the counters "
        "measure it.",
        "",
        "All times (s), in the order measured:",
        "",
        f"- uncached with: {', '.join(f'{t:.3f}' for t in un['times']['with'])}",
        f"- uncached without: {', '.join(f'{t:.3f}' for t in un['times']['without'])}",
        f"- cached with: {', '.join(f'{t:.3f}' for t in ca['times']['with'])}",
        f"- cached without: {', '.join(f'{t:.3f}' for t in ca['times']['without'])}",
        "",
        f"A record's fields: {', '.join(f'`{k}`' for k in data['record_keys'])}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 rounds, results not written")
    args = parser.parse_args()
    data = run(3 if args.quick else args.rounds)
    text = render(data)
    if args.quick:
        print(text)
        return
    (BENCH / "results_provenance.json").write_text(json.dumps(data, indent=2) + "\n")
    (BENCH / "RESULTS_provenance.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
