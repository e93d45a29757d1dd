"""What shell completion costs (docs/commands.md, "Completion"): nothing for other commands,
and how long one Tab takes.

    python bench/completion.py [--baseline REV] [--runs N]

In one hyperfine invocation: `python -c pass`; `ibc --version` and `ibc check` of the project
`ibc init` writes, with this checkout and with REV (default: the merge base with `main`, the
code before completion existed, exported with `git archive`); and the three kinds of Tab, as
the shell script runs them (`$_ARGCOMPLETE` set, the answer on file descriptor 8): a command
(`ibc r`), the targets of the file (`ibc run experiment.ib `) and its `-s` parameter paths
(`ibc run experiment.ib -s no`). Writes bench/RESULTS_completion.md with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--baseline", default=None, help="git revision before completion")
    options.add_argument("--runs", type=int, default=20)
    args = options.parse_args()
    base = args.baseline or _git("merge-base", "HEAD", "main")
    with tempfile.TemporaryDirectory(prefix="ibc-bench-completion-") as tmp:
        work = Path(tmp)
        baseline = work / "baseline"
        baseline.mkdir()
        archive = subprocess.run(
            ["git", "archive", base], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        project = work / "project"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "IBC_CACHE_DIR": str(work / "cache")}
        subprocess.run([sys.executable, "-m", "ibc", "init", str(project)], env=env, check=True)
        py = shlex.quote(sys.executable)

        def ibc(tree: Path, rest: str) -> str:
            return f"PYTHONPATH={shlex.quote(str(tree))} {py} -m ibc {rest}"

        def tab(line: str) -> str:
            words = f"_ARGCOMPLETE=1 _ARGCOMPLETE_SHELL=bash COMP_LINE={shlex.quote(line)}"
            return f"{words} COMP_POINT={len(line)} " + ibc(ROOT, "8>/dev/null")

        commands = {
            "python -c pass": f"{py} -c pass",
            "ibc --version (now)": ibc(ROOT, "--version"),
            "ibc --version (baseline)": ibc(baseline, "--version"),
            "ibc check (now)": ibc(ROOT, "check experiment.ib"),
            "ibc check (baseline)": ibc(baseline, "check experiment.ib"),
            "Tab: ibc r": tab("ibc r"),
            "Tab: ibc run experiment.ib ": tab("ibc run experiment.ib "),
            "Tab: ibc run experiment.ib -s no": tab("ibc run experiment.ib -s no"),
        }
        load_before = os.getloadavg()
        out = work / "hyperfine.json"
        command = ["hyperfine", "--shell=sh", "--warmup", "3"]
        command += ["--runs", str(args.runs), "--export-json", str(out)]
        for name, text in commands.items():
            command += ["-n", name, text]
        subprocess.run(command, cwd=project, env=env, check=True, stdout=subprocess.DEVNULL)
        load_after = os.getloadavg()
        results = {r["command"]: r for r in json.loads(out.read_text())["results"]}
    write(results, base, load_before, load_after, args.runs)
    return 0


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def write(results: dict, base: str, before, after, runs: int) -> None:
    python = results["python -c pass"]["median"]
    lines = [
        "# Shell completion: start-up of other commands, and one Tab (`bench/completion.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}: one "
        f"hyperfine invocation, {runs} runs of each command after 3 warm-ups; baseline "
        f"`{base[:10]}` (before `ibc completion`). Load average (1, 5, 15 min) "
        f"{[round(x, 2) for x in before]} before, {[round(x, 2) for x in after]} after.",
        "",
        "| command | median ms | min ms | x `python -c pass` |",
        "|---|---:|---:|---:|",
    ]
    for name, result in results.items():
        median, fastest = result["median"] * 1000, result["min"] * 1000
        lines.append(f"| {name} | {median:.1f} | {fastest:.1f} | {result['median'] / python:.2f} |")
    now = results["ibc --version (now)"]["median"]
    was = results["ibc --version (baseline)"]["median"]
    check_now = results["ibc check (now)"]["median"]
    check_was = results["ibc check (baseline)"]["median"]
    lines += [
        "",
        f"`ibc --version` now / baseline: {now / was:.2f}; `ibc check`: {check_now / check_was:.2f} "
        "(argcomplete is imported only when `$_ARGCOMPLETE` is set, which "
        "tests/cli/test_help_init.py checks with `-X importtime`).",
        "",
    ]
    (ROOT / "bench" / "RESULTS_completion.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
