"""Whole-project benchmark of tabular work (issue 13, "Tests and figures"): writes
`bench/RESULTS_tabular.md` and `bench/results_tabular.json`.

The project is written by `gen_project.py` (5,000 training rows with missing values and
categoricals, 5-fold CV of Ridge, GradientBoosting and LightGBM, a `submission` frame written
with `--out out/`). Each round starts from a fresh copy of it (no store, no joblib cache; the
compiler's interface cache warm, as on a machine where ibc has run before) and times whole
processes, one after the other, so every round runs under the same load:

1. `python plain.py`: the same calls in plain Python (writes `out/submission.csv`);
2. `ibc run house.ib --out out/` first run (compiles, runs every stage, stores every value);
3. the Hydra app (`hydra_app.py`, its functions cached by `joblib.Memory`) first run;
4. both again, nothing changed;
5. one feature edit (`age = 2010 - year` → `2011 - year` in `add_features`), then both again.

Targets: the first `ibc run` ≤ 1.3× plain Python (ratio of the medians); the re-runs are
recorded against Hydra + joblib.Memory. Hydra is never a dependency of ibc: it is run by
another interpreter given with `--hydra-python` (default `$HYDRA_PYTHON`), e.g. a venv made
with `python -m venv --system-site-packages /tmp/hydra-venv && /tmp/hydra-venv/bin/pip install
hydra-core`. LightGBM uses one thread (`n_jobs = 1`) in all three: on a shared 2-core machine
OpenMP's spinning threads make its times erratic.

Usage: `python bench/tabular/run.py [--quick] [--rounds N] [--hydra-python PATH]`.
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

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(HERE))
from gen_project import EDIT, write_project  # noqa: E402

TARGET_FIRST = 1.3


def _env(cache: Path) -> dict:
    env = dict(os.environ)
    env.pop("IBC_STORE", None)
    env.update(IBC_CACHE_DIR=str(cache), IBC_PROGRESS="none", NO_COLOR="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return seconds


def round_(template: Path, work: Path, i: int, hydra: str, env: dict) -> dict:
    folder = work / f"round{i}"
    shutil.copytree(template, folder)
    py = sys.executable
    ibc = [py, "-m", "ibc", "run", "house.ib", "--out", "out/", "-q"]
    app = [hydra, "hydra_app.py", f"hydra.run.dir={folder / 'hydra-out'}"]
    t: dict[str, float] = {}
    t["plain"] = timed([py, "plain.py"], folder, env)
    expected = (folder / "out" / "submission.csv").read_bytes()
    shutil.rmtree(folder / "out")
    t["ibc first"] = timed(ibc, folder, env)
    assert (folder / "out" / "submission.csv").read_bytes() == expected, "submissions differ"
    t["hydra first"] = timed(app, folder, env)
    t["ibc again"] = timed(ibc, folder, env)
    t["hydra again"] = timed(app, folder, env)
    house = folder / "src" / "house.py"
    text = house.read_text()
    assert text.count(EDIT[0]) == 1
    house.write_text(text.replace(*EDIT))
    t["ibc after edit"] = timed(ibc, folder, env)
    t["hydra after edit"] = timed(app, folder, env)
    shutil.rmtree(folder, ignore_errors=True)
    return t


def render(r: dict) -> str:
    med = r["medians"]
    ratio = r["ratios"]
    la = r["loadavg"]
    ok = "yes" if ratio["ibc first / plain"] <= TARGET_FIRST else "no"
    lines = [
        "# Tabular project benchmark (issue 13)",
        "",
        f"Recorded {r['when']} by `python bench/tabular/run.py` on {r['machine']}; load average "
        f"(1, 5, 15 min) before {la['before']}, after {la['after']}. {r['rounds']} rounds; "
        f"Python {r['python']}, Hydra {r['hydra_version']} (in `{r['hydra_python']}`, not a "
        f"dependency), booster: {r['booster']}.",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| first `ibc run house.ib --out out/` ≤ {TARGET_FIRST}× plain Python | "
        f"{ratio['ibc first / plain']:.2f}× | {ok} |",
        f"| re-run after one feature edit, against Hydra + joblib.Memory (recorded) | "
        f"{ratio['ibc after edit / hydra after edit']:.2f}× | - |",
        f"| re-run, nothing changed, against Hydra + joblib.Memory (recorded) | "
        f"{ratio['ibc again / hydra again']:.2f}× | - |",
        "",
        "Medians of whole processes (seconds), each round one fresh copy of the project:",
        "",
        "| command | median (s) | min (s) | max (s) |",
        "| --- | --- | --- | --- |",
    ]
    for name, values in r["times"].items():
        lines.append(f"| {name} | {med[name]:.2f} | {min(values):.2f} | {max(values):.2f} |")
    lines += [
        "",
        "- `ibc first` includes compiling `house.ib` (the interface cache warm) and storing every "
        "stage's value; its `out/submission.csv` is checked to be byte-identical to plain "
        "Python's.",
        "- The feature edit changes the design matrix, so every model is trained again in both; "
        "ibc re-runs only `add_features` and what depends on it (reading and encoding the CSVs "
        "come from the store), joblib.Memory likewise recomputes from `add_features` on.",
        "- With nothing changed, ibc loads no stage it does not need (the experiments' values "
        "come from the stores' headers; `--out` loads the four values it writes).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round; nothing recorded")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hydra-python", default=os.environ.get("HYDRA_PYTHON"))
    parser.add_argument("--booster", choices=("lightgbm", "hist"), default="lightgbm")
    args = parser.parse_args()
    hydra = args.hydra_python
    if not hydra:
        sys.exit("give --hydra-python PATH (an interpreter with hydra-core; see the docstring)")
    version = subprocess.run(
        [hydra, "-c", "import hydra; print(hydra.__version__)"], capture_output=True, text=True
    )
    if version.returncode != 0:
        sys.exit(f"{hydra} cannot import hydra: {version.stderr.strip()[-500:]}")
    rounds = 1 if args.quick else args.rounds
    work = Path(tempfile.mkdtemp(prefix="ibc-tabular-bench-"))
    try:
        template = work / "template"
        write_project(template, args.booster)
        cache = work / "cache"
        env = _env(cache)
        subprocess.run(  # the compiler's interface cache, warm as after any earlier use
            [sys.executable, "-m", "ibc", "check", "house.ib"], cwd=template, env=env, check=True
        )
        before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        results = [round_(template, work, i, hydra, env) for i in range(rounds)]
        after = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    times = {k: [r[k] for r in results] for k in results[0]}
    med = {k: statistics.median(v) for k, v in times.items()}
    record = {
        "rounds": rounds,
        "booster": args.booster,
        "times": times,
        "medians": med,
        "ratios": {
            "ibc first / plain": med["ibc first"] / med["plain"],
            "ibc after edit / hydra after edit": med["ibc after edit"] / med["hydra after edit"],
            "ibc again / hydra again": med["ibc again"] / med["hydra again"],
            "hydra first / plain": med["hydra first"] / med["plain"],
        },
        "loadavg": {"before": before, "after": after},
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "hydra_python": hydra,
        "hydra_version": version.stdout.strip(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                record["machine"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    text = render(record)
    print(text)
    if not args.quick:
        (BENCH / "RESULTS_tabular.md").write_text(text, encoding="utf-8")
        (BENCH / "results_tabular.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
