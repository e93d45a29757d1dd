"""Deep programs (issue 12, item 2; docs/running.md, "Deep programs"): what `ibc check`, `ibc
run`, `ibc compile` and `ibc compile --target plain` do with programs nested hundreds or
thousands of levels deep, and how long they take. Writes `bench/RESULTS_deep.md` and
`bench/results_deep.json`.

Each shape (nested lists, calls, records, `List[` types, lambdas, `with` layers; pipes and
sums) is written at the depths the issue reported and at thousands of levels, into a scratch
project, and every command runs once as a whole process (`python -m ibc …`, the real
interpreter, a fresh `IBC_CACHE_DIR` per command so nothing is reused). Each outcome is `ok`
(exit 0; for `run`, the right value), a diagnostic code (`E0010`), or the failure seen
(`SyntaxError`, `E0000`, a traceback). With `--baseline REV`, the `ibc/` package (with
`stdlib/` and `grammar/`) at that git revision is measured the same way, side by side. Times
are wall-clock seconds, next to `python -c pass` timed in the same run (the machine is shared:
the load average is recorded). Usage: `python bench/deep.py [--baseline REV] [--quick]`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
OPS = "def inc(x: int) -> int:\n    return x + 1\n"
HEAD = 'from "src/ops.py" import inc\n'


def program(kind: str, n: int) -> tuple[str, str]:
    """The `.ib` text of a shape, and the text `ibc run` prints for `a` when it is right
    (a prefix, for values that are long)."""
    nested = "[" * n + "1" + "]" * n
    if kind == "list":
        return f"experiment a = {nested}\n", "a: [[["
    if kind == "sum":
        return "experiment a = " + " + ".join(["1"] * n) + "\n", f"a: {n}"
    if kind == "call":
        return HEAD + "experiment a = " + "inc(" * n + "0" + ")" * n + "\n", f"a: {n}"
    if kind == "pipe":
        return HEAD + "experiment a = 0" + " |> inc" * n + "\n", f"a: {n}"
    if kind == "record":
        return "experiment a = " + "{v = " * n + "1" + "}" * n + "\n", 'a: {"v": {"v": '
    if kind == "List[":
        kind_text = "List[" * n + "Int" + "]" * n
        return f"x: {kind_text} = {nested}\nexperiment a = 1\n", "a: 1"
    if kind == "fn":
        return "f = " + "fn (x) => " * n + "1\nexperiment a = 1\n", "a: 1"
    if kind == "with":
        return "seed = 1\nexperiment a = seed" + " with { seed = 2 }" * n + "\n", "a: 2"
    raise ValueError(kind)


SHAPES = [
    ("list", 120),
    ("sum", 250),
    ("call", 120),
    ("pipe", 170),
    ("record", 120),
    ("call", 247),
    ("List[", 248),
    ("fn", 161),
    ("with", 161),
    ("pipe", 1000),
    ("call", 2000),
    ("sum", 3000),
    ("list", 2000),
    ("record", 2000),
    ("with", 1000),
]
QUICK = [("sum", 250), ("pipe", 170), ("pipe", 1000)]
COMMANDS = {
    "check": ["check", "main.ib"],
    "run": ["run", "main.ib"],
    "compile": ["compile", "main.ib", "-o", "out.py"],
    "plain": ["compile", "--target", "plain", "main.ib", "-o", "plain.py"],
}


def outcome(done: subprocess.CompletedProcess, command: str, folder: Path, want: str) -> str:
    text = done.stdout + done.stderr
    if "Traceback" in text:
        last = [line for line in text.splitlines() if line.strip()][-1]
        return "traceback: " + last.split(":")[0][:40]
    for code in ("E0000", "E0004", "E0010"):
        if f"[{code}]" in text:
            return code
    if done.returncode != 0:
        return f"exit {done.returncode}"
    if command == "run" and not any(line.startswith(want) for line in done.stdout.splitlines()):
        return "wrong value"
    if command in ("compile", "plain"):
        out = folder / ("out.py" if command == "compile" else "plain.py")
        try:
            compile(out.read_text(), str(out), "exec", dont_inherit=True)
        except (SyntaxError, RecursionError, MemoryError) as exc:
            return f"wrote a file that does not compile ({type(exc).__name__})"
    return "ok"


def measure(tree: Path, kind: str, n: int, scratch: Path) -> dict:
    text, want = program(kind, n)
    folder = scratch / f"{kind.strip('[')}-{n}"
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "ibc.toml").write_text("")
    (folder / "src" / "ops.py").write_text(OPS)
    (folder / "main.ib").write_text(text)
    row = {}
    for name, args in COMMANDS.items():
        for leftover in ("out.py", "plain.py"):
            (folder / leftover).unlink(missing_ok=True)
        cache = Path(tempfile.mkdtemp(dir=scratch))
        env = dict(os.environ, PYTHONPATH=str(tree), IBC_CACHE_DIR=str(cache), NO_COLOR="1")
        env.update(IBC_PROGRESS="none")
        (folder / ".ibc").exists() and subprocess.run(["rm", "-rf", str(folder / ".ibc")])
        start = time.perf_counter()
        done = subprocess.run(
            [PY, "-m", "ibc", *args], cwd=folder, env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        row[name] = {"outcome": outcome(done, name, folder, want), "seconds": round(seconds, 2)}
    return row


def baseline_tree(rev: str, scratch: Path) -> Path:
    tree = scratch / f"baseline-{rev[:12]}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "ibc", "stdlib", "grammar"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def python_pass() -> float:
    start = time.perf_counter()
    subprocess.run([PY, "-c", "pass"], check=True)
    return time.perf_counter() - start


def render(data: dict) -> str:
    trees = list(data["trees"])
    lines = [
        "# Deep programs (`bench/deep.py`)",
        "",
        f"Measured {data['when']} on {data['machine']}; load average (1, 5, 15 min) "
        f"{data['load_before']} before, {data['load_after']} after; `python -c pass` took "
        f"{data['python_pass']:.3f} s in the same run. Each cell: the outcome and the wall "
        "time of one whole `python -m ibc …` process with an empty cache (`ok`: exit 0, the "
        "right value for `run`, a file Python compiles for `compile`; `E0010`: refused with "
        "that diagnostic; otherwise the failure). Trees: "
        + ", ".join(f"`{t}` = {data['trees'][t]}" for t in trees)
        + ".",
        "",
        "| shape | depth | tree | check | run | compile | compile --target plain |",
        "|---|---:|---|---|---|---|---|",
    ]
    for entry in data["rows"]:
        for tree in trees:
            cells = entry[tree]
            shown = [f"{cells[c]['outcome']} ({cells[c]['seconds']:.2f} s)" for c in COMMANDS]
            lines.append(
                f"| `{entry['kind']}` | {entry['n']} | {tree} | " + " | ".join(shown) + " |"
            )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="a git revision to measure side by side")
    parser.add_argument("--quick", action="store_true", help="three shapes, not recorded")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ibc-deep-"))
    trees = {"now": ROOT}
    if args.baseline:
        trees["before"] = baseline_tree(args.baseline, scratch)
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows = []
    for kind, n in QUICK if args.quick else SHAPES:
        entry = {"kind": kind, "n": n}
        for name, tree in trees.items():
            entry[name] = measure(tree, kind, n, scratch)
        rows.append(entry)
        print(kind, n, {t: {c: v["outcome"] for c, v in entry[t].items()} for t in trees})
    data = {
        "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "python_pass": python_pass(),
        "trees": {
            "now": "this tree",
            **({"before": f"`git archive {args.baseline}`"} if args.baseline else {}),
        },
        "rows": rows,
    }
    if args.quick:
        print(render(data))
        return
    (BENCH / "results_deep.json").write_text(json.dumps(data, indent=2) + "\n")
    (BENCH / "RESULTS_deep.md").write_text(render(data))
    print(f"wrote {BENCH / 'RESULTS_deep.md'}")


if __name__ == "__main__":
    main()
