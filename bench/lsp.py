"""Benchmark of `ibc lsp` (issue 6): diagnostics after a change and hover, over stdio.

`python bench/lsp.py [--runs N] [--out bench/RESULTS_lsp.md]` generates a 500-line project
with `bench/fixtures/gen_lines.py`, starts the server as an editor does (`python -m ibc lsp`,
or `python -m ibc.lsp` before the command is wired into `ibc.cli`), opens the file, then:

- diagnostics: N times, after a quiet spell longer than the debounce, sends one
  `didChange` (the whole text, one literal edited; every third change introduces a type
  error) and times until the `publishDiagnostics` of that version arrives;
- hover: N times, a `hover` request on a name of the current (checked) text, timed to the
  reply.

Targets: median diagnostics latency ≤ 150 ms, median hover ≤ 30 ms. Writes the figures, the
machine and the command to the results file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lsp.lspclient import Client, server_command

DIAGNOSTICS_TARGET = 0.150
HOVER_TARGET = 0.030


def _edit(text: str, i: int) -> str:
    """The text with one literal changed; every third edit a type error."""
    line = "x_0 = 1\n"
    assert line in text
    if i % 3 == 2:
        return text.replace(line, 'x_0 = "one"\n', 1)
    return text.replace(line, f"x_0 = {i + 2}\n", 1)


def measure(runs: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ibc-lsp-bench-"))
    project = work / "lines500"
    subprocess.run(
        [sys.executable, str(ROOT / "bench/fixtures/gen_lines.py"), "500", str(project)],
        check=True,
    )
    path = project / "big.ib"
    text = path.read_text()
    client = Client(project)
    started = time.perf_counter()
    client.initialize(project)
    client.open(path, text)
    client.diagnostics(path.as_uri(), timeout=120)
    first = time.perf_counter() - started
    changes, errors = [], 0
    for i in range(runs):
        time.sleep(0.3)  # longer than the debounce: each change is a fresh edit
        since = len(client.notifications)
        new_text = _edit(text, i)
        sent = time.perf_counter()
        client.change(path, new_text, i + 2)
        while True:
            note = client.diagnostics(path.as_uri(), since=since)
            if note.get("version") == i + 2:
                break
            since = len(client.notifications)
        changes.append(time.perf_counter() - sent)
        errors += bool(note["diagnostics"])
    # hover on the current text (already checked): a binding's name in the middle
    lines = new_text.splitlines()
    targets = [(n, 0) for n, line in enumerate(lines) if line.startswith("m_")]
    hovers = []
    for i in range(runs):
        line, character = targets[(i * 7) % len(targets)]
        sent = time.perf_counter()
        reply = client.at("textDocument/hover", path, line, character)
        hovers.append(time.perf_counter() - sent)
        assert reply and "LogisticRegression" in reply["contents"]["value"], reply
    code = client.close()
    # The same checks in this process, without the protocol: how much of the latency is the
    # compiler's (measured under the same load, right after).
    from ibc.lsp.analysis import Analyzer

    analyzer = Analyzer()
    analyzer.analyze(path, text)
    checks = [analyzer.analyze(path, _edit(text, i)).seconds for i in range(runs)]
    return {
        "checks": checks,
        "lines": len(text.splitlines()),
        "first": first,
        "changes": changes,
        "errors": errors,
        "hovers": hovers,
        "exit": code,
        "command": " ".join(server_command()[1:]),
    }


def render(data: dict, runs: int) -> str:
    med_c = statistics.median(data["changes"])
    med_h = statistics.median(data["hovers"])
    ms = lambda s: f"{s * 1000:.1f}"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    out = [
        "# Benchmark results: `ibc lsp` (issue 6)",
        "",
        "Written by `python bench/lsp.py` (see its docstring for what it does).",
        "",
        "## Machine",
        "",
        f"- nproc: {os.cpu_count()}; load average at the end: {load}",
        f"- Python {platform.python_version()} (`{sys.executable}`)",
        f"- date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}; server: `python {data['command']}`",
        f"- file: a {data['lines']}-line program from `bench/fixtures/gen_lines.py 500`",
        "",
        "## Targets",
        "",
        "| target | figure (median) | met |",
        "| --- | --- | --- |",
        (
            f"| diagnostics ≤ 150 ms after a change | {ms(med_c)} ms | "
            f"{'yes' if med_c <= DIAGNOSTICS_TARGET else 'no'} |"
        ),
        f"| hover ≤ 30 ms | {ms(med_h)} ms | {'yes' if med_h <= HOVER_TARGET else 'no'} |",
        "",
        "## Timings (ms)",
        "",
        "| what | runs | median | mean | min | max |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    rows = (
        ("didChange → publishDiagnostics", data["changes"]),
        ("hover request → reply", data["hovers"]),
        ("the check alone, in-process (`Analyzer.analyze`)", data["checks"]),
    )
    for name, values in rows:
        out.append(
            f"| {name} | {len(values)} | {ms(statistics.median(values))} | "
            f"{ms(statistics.mean(values))} | {ms(min(values))} | {ms(max(values))} |"
        )
    overhead = med_c - statistics.median(data["checks"])
    out += [
        "",
        (
            f"The protocol adds {ms(overhead)} ms to the median (latency minus the in-process "
            "check): the latency is the compiler's check of the whole file, which parsing "
            "dominates (about half of it in a profile). It grows with the machine's load (see "
            "the load average above; on a quiet machine the same check took 115–170 ms). "
            "Re-checking only the declarations a change touches would need the loader to accept "
            "an already parsed module (`Loader.load_main` parses the text itself): not done."
        ),
        "",
        (
            f"Opening the file (server start, initialize, first check with the Python index "
            f"cold in memory) took {ms(data['first'])} ms. {data['errors']} of the {runs} "
            "changes published a type error (every third edit makes one); the server exited "
            f"with code {data['exit']} after shutdown/exit."
        ),
        "",
        (
            "How: each change follows a 300 ms quiet spell, so the debounce (100 ms, see "
            "`ibc/lsp/server.py`) checks it at once; a burst of typing waits for 100 ms of "
            "quiet instead. The check is the driver's (parse, resolve, type-check, expand "
            "parameters) with the Python index kept in memory between checks; the whole file is "
            "re-checked at each change. Hover waits for the check of the current text, then walks "
            "the AST to the node under the cursor."
        ),
        "",
    ]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--out", default=str(ROOT / "bench/RESULTS_lsp.md"))
    args = parser.parse_args()
    data = measure(args.runs)
    text = render(data, args.runs)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
