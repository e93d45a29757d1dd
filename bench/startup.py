"""Start-up of `ibc check` and of a cached `ibc run` (issue 11, item 10): write
`bench/RESULTS_startup.md` and `bench/results_startup.json`.

One hyperfine invocation (`-N`: no shell; the real interpreter `sys.executable`, never a pyenv
shim) measures, side by side:

- `python -c pass`, the baseline every figure is a ratio to (target: `ibc check` of the
  31-line `examples/cancer/cancer.ib` <= 6x it);
- `ibc check examples/cancer/cancer.ib`, of this tree and, with `--baseline REV`, of the
  `ibc/` package (with `stdlib/`, `grammar/`) at that git revision (such as the commit before a change), both with a warm
  interface cache;
- a cached `ibc run` of the same file (every stage stored, the emitted program reused from
  `ibc/base/reuse.py`'s cache: the compiler is not imported), of this tree and of the baseline.

The example is copied to a scratch folder first (its store is written there). The load
average is recorded before and after: on a shared machine a baseline far above its quiet
value (15-20 ms) makes every ratio look better than it is, so the figures are absolute as
well as ratios. `-X importtime` of `ibc check` lists what it imports (and checks that none of
ibc.codegen, ibc.runtime, black, rich, numpy is among them). Usage:
`python bench/startup.py [--baseline REV] [--rounds N] [--runs N]`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
HYPERFINE = shutil.which("hyperfine") or "/usr/bin/hyperfine"
FORBIDDEN = ("ibc.codegen", "ibc.runtime", "black", "rich", "numpy")


def _env(pythonpath: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # write and use .pyc, as a user's machine does
    env.update(PYTHONPATH=str(pythonpath), IBC_CACHE_DIR=str(cache), NO_COLOR="1")
    return env


def _q(path: Path | str) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def _must(args: list[str], cwd: Path, env: dict) -> None:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"command failed ({done.returncode}): {' '.join(args)}\n{done.stderr}")


def importtime(cwd: Path, env: dict) -> dict:
    done = subprocess.run(
        [PY, "-X", "importtime", "-m", "ibc", "check", "cancer.ib"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((int(m[1]), m[4]))
    names = [name for _, name in rows]
    after_site = names[names.index("site") + 1 :] if "site" in names else names
    own = [(us, name) for us, name in rows if name.startswith("ibc")]
    return {
        "modules_after_site": len(after_site),
        "ibc_modules": len(own),
        "ibc_self_ms": round(sum(us for us, _ in own) / 1000, 1),
        "site_ms": round(sum(us for us, n in rows if n not in after_site) / 1000, 1),
        "forbidden_imported": [
            f for f in FORBIDDEN if any(n == f or n.startswith(f + ".") for n in names)
        ],
        "top_self_ms": [
            (name, round(us / 1000, 1)) for us, name in sorted(rows, reverse=True)[:12]
        ],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default=None, help="a git revision to compare with")
    ap.add_argument("--runs", type=int, default=20, help="runs of each command per round")
    ap.add_argument("--rounds", type=int, default=3, help="hyperfine invocations")
    opts = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ibc-bench-startup-"))
    try:
        project = work / "cancer"
        shutil.copytree(ROOT / "examples" / "cancer", project)
        trees = {"now": ROOT}
        if opts.baseline:
            base = work / "baseline"
            base.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", opts.baseline, "ibc", "stdlib", "grammar"],
                capture_output=True,
                check=True,
            )
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
            trees["baseline"] = base
        named: list[tuple[str, str]] = [("python -c pass", f"{_q(PY)} -c pass")]
        for label, tree in trees.items():
            cache = work / f"cache-{label}"
            env = _env(tree, cache)
            for args in (["check", "cancer.ib"], ["run", "cancer.ib", "-q"]):
                _must([PY, "-m", "ibc", *args], project, env)  # .pyc files, caches, the store
                _must([PY, "-m", "ibc", *args], project, env)
            prefix = f"env PYTHONPATH={_q(tree)} IBC_CACHE_DIR={_q(cache)} {_q(PY)} -m ibc"
            named.append((f"ibc check ({label})", f"{prefix} check cancer.ib"))
            named.append((f"ibc run, cached ({label})", f"{prefix} run cancer.ib -q"))
        load_before = os.getloadavg()
        rounds = []  # per round: results by command name, and the load average after it
        for round_ in range(opts.rounds):
            out = work / f"hyperfine-{round_}.json"
            args = [HYPERFINE, "-N", "--style", "basic", "--warmup", "3"]
            args += ["--runs", str(opts.runs), "--export-json", str(out)]
            for name, command in named:
                args += ["--command-name", name, command]
            subprocess.run(args, cwd=project, env=_env(ROOT, work / "cache-now"), check=True)
            data = json.loads(out.read_text())["results"]
            rounds.append(({r["command"]: r for r in data}, os.getloadavg()))
        load_after = os.getloadavg()
        imports = importtime(project, _env(ROOT, work / "cache-now"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def cpu(r: dict) -> float:
        return r["user"] + r["system"]

    rows = []
    for name, _ in named:
        per = [(res[name], res["python -c pass"]) for res, _ in rounds]
        rows.append(
            {
                "name": name,
                "median_ms": round(statistics.median(r["median"] for r, _ in per) * 1000, 1),
                "min_ms": round(min(r["min"] for r, _ in per) * 1000, 1),
                "user_sys_ms": round(statistics.median(cpu(r) for r, _ in per) * 1000, 1),
                "ratio_median": round(
                    statistics.median(r["median"] / b["median"] for r, b in per), 2
                ),
                "ratio_min": round(
                    min(r["min"] for r, _ in per) / min(b["min"] for _, b in per), 2
                ),
                "ratio_cpu": round(statistics.median(cpu(r) / cpu(b) for r, b in per), 2),
                "ratio_median_by_round": [round(r["median"] / b["median"], 2) for r, b in per],
            }
        )
    record = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "baseline": opts.baseline,
        "runs": opts.runs,
        "rounds": opts.rounds,
        "load_by_round": [[round(x, 2) for x in load] for _, load in rounds],
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "rows": rows,
        "importtime_check": imports,
    }
    (BENCH / "results_startup.json").write_text(json.dumps(record, indent=2) + "\n")
    (BENCH / "RESULTS_startup.md").write_text(render(record))
    sys.stdout.write(render(record))
    return 0


def render(record: dict) -> str:
    lines = [
        "# `ibc check` and cached `ibc run` start-up (`bench/startup.py`)",
        "",
        f"Measured {record['date']} on {record['machine']}: {record['rounds']} rounds, each one "
        f"hyperfine invocation of every command ({record['runs']} runs each); load average "
        f"(1, 5, 15 min) {record['load_before']} before, after each round "
        f"{record['load_by_round']}.",
        "",
        "Ratios are to `python -c pass` of the same round, the median over the rounds (median "
        "to median, and user+system CPU time to CPU time; per round in the last column); "
        "`x min` is the fastest run of all rounds to the fastest `python -c pass`. Times are "
        "the median over the rounds of each round's median, and the fastest run. "
        "Target: `ibc check` <= 6x.",
        "",
        "| command | median ms | min ms | user+sys ms | x median | x min | x CPU | x median by round |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in record["rows"]:
        lines.append(
            f"| {r['name']} | {r['median_ms']} | {r['min_ms']} | {r['user_sys_ms']} | "
            f"{r['ratio_median']} | {r['ratio_min']} | {r['ratio_cpu']} | "
            f"{', '.join(map(str, r['ratio_median_by_round']))} |"
        )
    base = record["rows"][0]["median_ms"]
    check = next(r for r in record["rows"] if r["name"].startswith("ibc check"))
    extra = check["median_ms"] - base
    lines += [
        "",
        f"`python -c pass` took {base} ms here, against 15-20 ms on a quiet machine (this one's "
        "`site` also runs a `.pth` file that imports `certifi`), which flatters every ratio. "
        f"What ibc adds to it: {extra:.1f} ms for `{check['name']}` (median minus median); "
        f"over a quiet 15 ms baseline that would be {(15 + extra) / 15:.1f}x.",
    ]
    imp = record["importtime_check"]
    lines += [
        "",
        f"`python -X importtime -m ibc check cancer.ib`: {imp['ibc_modules']} ibc modules, "
        f"{imp['ibc_self_ms']} ms in their own bodies; {imp['modules_after_site']} modules "
        f"imported after `site` (which took {imp['site_ms']} ms, also in `python -c pass`); "
        f"of ibc.codegen, ibc.runtime, black, rich, numpy imported: "
        f"{imp['forbidden_imported'] or 'none'}.",
        "",
        "Largest self times (ms): "
        + ", ".join(f"{name} {ms}" for name, ms in imp["top_self_ms"])
        + ".",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
