"""What handing every stage its own view of its inputs costs (docs/running.md, "Purity"):
`python bench/purity.py [--quick]` writes bench/RESULTS_purity.md and bench/results_purity.json.

Target: an uncached run (`--force`) of the pandas pipeline `fixtures/purity/pipeline.ib`
(100,000 rows through loading, cleaning, features, a train/test record of frames, arrays for
scikit-learn, an unfitted and a fitted model handed to stages) takes at most 1.05x the time
of the same run with isolation switched off, measured side by side in one run of the script:
the median over rounds of each round's wall-time ratio (CPU time, user + system, is reported
too: it is steadier under load); and the CPU time the isolation itself takes within one
uncached run is at most 1% of that run's CPU time.

1. Rounds, each one hyperfine invocation (`-N`, the real interpreter, one run per command, the
   order alternating from round to round) of `python -c pass` (a load gauge), the pipeline with
   isolation off (`fixtures/purity/ibc_variant.py off`: inputs passed as they are), with
   isolation (`python -m ibc run`, what users run) and with `--check-purity` (the exhaustive
   mode, for the record). Each command runs once before, so `.pyc` files exist.
2. The CPU time spent handing inputs over and checking them, summed over the run's stages
   (`ibc_variant.py timed`), against the whole process's CPU time.
3. In-process, for values of each kind: the CPU time to hand one over and check it after a
   call that changed nothing, next to the time of pickling it (what the process and dask
   executors pay anyway to send it to a worker).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
FIXTURE = BENCH / "fixtures" / "purity"
ROOT = BENCH.parent
PY = sys.executable
HYPERFINE = shutil.which("hyperfine") or "/usr/bin/hyperfine"
TARGET = 1.05
SHARE = 0.01


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(IBC_CACHE_DIR=str(work / "cache"), NO_COLOR="1", IBC_PROGRESS="none")
    env["IBC_BENCH_TIMES"] = str(work / "times.json")
    return env


def _q(path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def whole_runs(work: Path, runs: int) -> dict:
    project = work / "project"
    shutil.copytree(FIXTURE, project)
    store = _q(work / "store")
    run = f"run pipeline.ib --force --store {store} --quiet"
    commands = [
        ("python -c pass", f"{_q(PY)} -c pass"),
        ("isolation off", f"{_q(PY)} ibc_variant.py off {run}"),
        ("isolation on", f"{_q(PY)} -m ibc {run}"),
        ("check-purity", f"{_q(PY)} -m ibc {run} --check-purity"),
    ]
    import shlex

    for _, command in commands:  # a priming run: .pyc files, the interface cache
        done = subprocess.run(
            shlex.split(command), cwd=project, env=_env(work), capture_output=True, text=True
        )
        if done.returncode != 0:
            sys.exit(f"benchmark command failed ({done.returncode}): {command}\n{done.stderr}")
    # Rounds of one run per command, in alternating order, one hyperfine invocation each:
    # the load of a shared machine drifts, and each round's ratio sees the same load.
    rounds = []
    for i in range(runs):
        out = work / f"hyperfine-{i}.json"
        args = [HYPERFINE, "-N", "--style", "basic", "--runs", "1", "--export-json", str(out)]
        order = commands if i % 2 == 0 else commands[:1] + commands[:0:-1]
        for name, command in order:
            args += ["--command-name", name, command]
        subprocess.run(args, cwd=project, env=_env(work), check=True, stdout=sys.stderr)
        rounds.append({r["command"]: r for r in json.loads(out.read_text())["results"]})
    results = {}
    for name, _ in commands:
        walls = [r[name]["times"][0] for r in rounds]
        off = [r["isolation off"] for r in rounds]
        results[name] = {
            "median": _median(walls),
            "min": min(walls),
            "max": max(walls),
            "user": _median([r[name]["user"] for r in rounds]),
            "wall_ratio": _median([w / o["times"][0] for w, o in zip(walls, off)]),
            "cpu_ratio": _median([_cpu(r[name]) / _cpu(o) for r, o in zip(rounds, off)]),
        }
    spent = []
    for _ in range(3):
        subprocess.run(
            [PY, "ibc_variant.py", "timed", *shlex.split(run)],
            cwd=project,
            env=_env(work),
            check=True,
            capture_output=True,
        )
        spent.append(json.loads((work / "times.json").read_text()))
    return {"commands": dict(commands), "hyperfine": results, "rounds": rounds, "timed": spent}


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _cpu(result: dict) -> float:
    return result["user"] + result["system"]


def _values() -> list[tuple[str, object]]:
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    sys.path.insert(0, str(FIXTURE))
    from src.pipeline import add_features, clean, load  # noqa: E402 - the fixture's own

    frame = add_features(clean(load(100_000, 0)))
    X = frame.drop(columns="target").to_numpy(dtype=float)
    y = frame["target"].to_numpy()
    forest = RandomForestClassifier(n_estimators=50, max_depth=10, random_state=0)
    forest.fit(X[:20_000], y[:20_000])
    return [
        ("DataFrame, 100,000 x 21", frame),
        ("record of two frames", {"train": frame, "test": frame.iloc[:1000]}),
        ("NumPy array, 16 MB", X),
        ("list of 1,000,000 floats", [float(i) for i in range(1_000_000)]),
        ("dict of 10,000 lists", {f"k{i}": [i, i + 1] for i in range(10_000)}),
        ("unfitted RandomForestClassifier", RandomForestClassifier(n_estimators=50)),
        ("fitted RandomForestClassifier, 50 trees", forest),
    ]


def micro(reps: int) -> list[dict]:
    from ibc.runtime.isolation import hand

    rows = []
    for name, value in _values():
        isolate, pickling = [], []
        for _ in range(reps):
            start = time.process_time()
            _, watch = hand([value])
            changed = watch.changed()
            isolate.append(time.process_time() - start)
            assert changed == [], name
            start = time.process_time()
            pickle.dumps(value, protocol=5)
            pickling.append(time.process_time() - start)
        rows.append({"value": name, "isolation_s": min(isolate), "pickle_s": min(pickling)})
    return rows


def render(data: dict) -> str:
    h = data["whole"]["hyperfine"]
    on, check = h["isolation on"], h["check-purity"]
    ratio, cpu_ratio = on["wall_ratio"], on["cpu_ratio"]
    timed = sorted(data["whole"]["timed"], key=lambda t: t["hand"] + t["check"])
    mid = timed[len(timed) // 2]
    share = (mid["hand"] + mid["check"]) / mid["process_cpu"]
    lines = [
        "# Benchmark results: purity (issue 10)",
        "",
        "Written by `python bench/purity.py` (see its docstring and bench/README.md, "
        '"Purity"); raw hyperfine data in `bench/results_purity.json`.',
        "",
        "## Machine",
        "",
        f"- load average at start: {data['load_start']}; at the end: {data['load_end']}",
        f"- {data['python']}; pandas {data['pandas']}; date {data['date']}; ibc at git "
        f"{data['commit']}",
        "",
        "## Target",
        "",
        "| target | figure | met |",
        "| --- | --- | --- |",
        f"| isolation's own CPU time / the uncached run's CPU time <= {SHARE:.0%} (in one "
        f"run, below) | {share:.2%} | {'yes' if share <= SHARE else 'no'} |",
        f"| uncached pipeline run, isolation on / off (median of the rounds' wall-time "
        f"ratios) <= {TARGET} | {ratio:.3f} | {'yes' if ratio <= TARGET else 'no'} |",
        f"| the same in CPU time (user + system) | {cpu_ratio:.3f} | "
        f"{'yes' if cpu_ratio <= TARGET else 'no'} |",
        "",
        f"## Whole runs ({len(data['whole']['rounds'])} rounds of one run per command, in "
        "alternating order)",
        "",
        "| command | median wall (s) | min – max (s) | user CPU (s) | wall ratio to off | "
        "CPU ratio to off |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in h.items():
        lines.append(
            f"| {name} | {r['median']:.3f} | {r['min']:.3f} – {r['max']:.3f} | {r['user']:.3f} "
            f"| {r['wall_ratio']:.3f} | {r['cpu_ratio']:.3f} |"
        )
    lines += [
        "",
        f"`--check-purity` / off: {check['wall_ratio']:.3f} (wall), {check['cpu_ratio']:.3f} "
        "(CPU).",
        "",
        "## Isolation's own CPU time in the run",
        "",
        f"Over the {mid['calls']} stages of one uncached run (median of 3 runs): "
        f"{mid['hand'] * 1000:.1f} ms handing inputs over, {mid['check'] * 1000:.1f} ms "
        f"checking them after the calls, of {mid['process_cpu']:.2f} s of process CPU time: "
        f"{share * 100:.2f}%.",
        "",
        "## By kind of value (in-process, least of the repetitions)",
        "",
        "| value | hand over + check (ms) | pickle.dumps (ms) |",
        "| --- | --- | --- |",
    ]
    for row in data["micro"]:
        lines.append(
            f"| {row['value']} | {row['isolation_s'] * 1000:.2f} | {row['pickle_s'] * 1000:.2f} |"
        )
    lines += [
        "",
        "The wall-time figures of whole runs carry the machine's load (see the min – max "
        "range of each command, and the load average above): the ratio of CPU times, and "
        "the isolation's own CPU time measured inside the run, are the steadier figures.",
        "",
        "Frames and arrays cost nothing whatever their size (a shallow copy, a view); lists and "
        "dicts a copy and a comparison at C speed; other objects a pickle, an unpickle sharing "
        "their arrays, and a second pickle after the call.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, to try the script")
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite the Markdown from the JSON"
    )
    options = parser.parse_args()
    if options.render_only:
        data = json.loads((BENCH / "results_purity.json").read_text())
        (BENCH / "RESULTS_purity.md").write_text(render(data))
        return
    import pandas

    data = {
        "load_start": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": f"Python {sys.version.split()[0]}",
        "pandas": pandas.__version__,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }
    with tempfile.TemporaryDirectory(prefix="ibc-bench-purity-") as tmp:
        data["whole"] = whole_runs(Path(tmp), 2 if options.quick else 8)
    data["micro"] = micro(2 if options.quick else 5)
    data["load_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    text = render(data)
    if options.quick:
        print(text)
        return
    (BENCH / "results_purity.json").write_text(json.dumps(data, indent=1) + "\n")
    (BENCH / "RESULTS_purity.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
