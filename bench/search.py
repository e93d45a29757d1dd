"""Benchmark of a search's own cost (issue 15, "Tests and figures", the ask/tell overhead per
trial): writes `bench/RESULTS_search.md` and `bench/results_search.json`.

A project with a cheap objective has a 30-trial search (`uniform`, `int_range` and a
categorical axis) and a 30-point sweep of the same objective. Both run once, then their
cached re-runs are timed as whole `ibc run` processes, interleaved round by round (so every
pair runs under the same load), with `python -c "import optuna"` and `python -c pass` in the
same rounds. A cached re-run of the search asks Optuna for 30 trials and tells it 30 stored
objectives; the sweep does the same evaluation work without the optimizer, so

    overhead per trial = (search - sweep - (import optuna - pass)) / 30

is what Optuna's ask/tell (TPE's sampling, the study's bookkeeping) and the trial-by-trial
evaluation cost per trial. Target: <= 20 ms. The Hydra comparison of the issue is
`bench/search_hydra.py` (which writes its own section of `bench/RESULTS_search.md`, kept here).

Usage: `python bench/search.py [--rounds N]` (about a minute).
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
TRIALS = 30

OBJECTIVE = """\
def probe(x: float, n: int, kind: str) -> dict:
    return {"loss": (x - 0.3) ** 2 + (n - 7) ** 2 / 100 + {"a": 1.0, "b": 0.0}[kind]}
"""

PROGRAM = """\
from "bowl.py" import probe

x = 0.0
n = 1
kind = "a"
experiment base = probe(x, n, kind)
search tuned = base with {
    x in uniform(-1.0, 1.0),
    n in int_range(0, 20),
    kind in ["a", "b"],
} minimize loss trials TRIALS
sweep grid = base with { x in XS }
"""


def _env(cache: Path) -> dict:
    env = {**os.environ, "IBC_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _timed(command: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ibc-search-bench-"))
    try:
        project = folder / "project"
        project.mkdir()
        (project / "ibc.toml").write_text("")
        (project / "bowl.py").write_text(OBJECTIVE)
        xs = "[" + ", ".join(f"{-1.0 + 2.0 * i / (TRIALS - 1):.4f}" for i in range(TRIALS)) + "]"
        (project / "main.ib").write_text(PROGRAM.replace("TRIALS", str(TRIALS)).replace("XS", xs))
        env = _env(folder / "cache")
        py = sys.executable
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "python -c 'import optuna'": [py, "-c", "import optuna"],
            f"ibc run main.ib grid (cached, {TRIALS} points)": [
                py,
                "-m",
                "ibc",
                "run",
                "main.ib",
                "grid",
            ],
            f"ibc run main.ib tuned (cached, {TRIALS} trials)": [
                py,
                "-m",
                "ibc",
                "run",
                "main.ib",
                "tuned",
            ],
        }
        for name in list(commands)[2:]:  # first runs: compile, run every trial / point
            _timed(commands[name], project, env)
        load_before = os.getloadavg()
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(_timed(command, project, env))
        load_after = os.getloadavg()
        med = {name: statistics.median(values) for name, values in times.items()}
        names = list(commands)
        imports = med[names[1]] - med[names[0]]
        per_trial = (med[names[3]] - med[names[2]] - imports) / TRIALS
        result = {
            "recorded": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "rounds": args.rounds,
            "load_before": load_before,
            "load_after": load_after,
            "medians": med,
            "import_optuna": imports,
            "overhead_per_trial": per_trial,
            "target_met": per_trial <= 0.020,
        }
        (BENCH / "results_search.json").write_text(json.dumps(result, indent=2) + "\n")
        lines = [
            "# Search benchmark (issue 15)",
            "",
            f"Recorded {result['recorded']} by `python bench/search.py --rounds {args.rounds}`;"
            f" load average (1, 5, 15 min) before {', '.join(f'{v:.2f}' for v in load_before)},"
            f" after {', '.join(f'{v:.2f}' for v in load_after)}.",
            "",
            "| target | measured | met |",
            "| --- | --- | --- |",
            f"| ask/tell overhead per trial <= 20 ms | {per_trial * 1000:.1f} ms "
            f"| {'yes' if result['target_met'] else 'no'} |",
            "",
            f"Medians of whole processes over {args.rounds} interleaved rounds:",
            "",
            "| command | median (s) |",
            "| --- | --- |",
            *[f"| {name} | {seconds:.3f} |" for name, seconds in med.items()],
            "",
            f"Overhead per trial = (search - sweep - (import optuna - pass)) / {TRIALS} = "
            f"({med[names[3]]:.3f} - {med[names[2]]:.3f} - {imports:.3f}) / {TRIALS}.",
            "The Hydra Optuna sweeper comparison is `bench/search_hydra.py`'s, below.",
            "",
        ]
        path = BENCH / "RESULTS_search.md"  # keeps the section bench/search_hydra.py writes
        old = path.read_text() if path.exists() else ""
        marker = "## Against Hydra's Optuna sweeper"
        kept = old[old.index(marker) :] if marker in old else ""
        path.write_text("\n".join(lines) + ("\n" + kept if kept else ""))
        print("\n".join(lines))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
