"""Benchmark of `ibc ui` (issue 18, "Tests and figures"): writes `bench/RESULTS_ui.md` and
`bench/results_ui.json`.

Targets, on a project with 1,000 recorded runs (ten `ibc run`s of a 100-point sweep, each
with another `-s scale=…`, so ten run files of 100 records, with their stage logs):
1. time to first render <= 1 s, measured in the browser (Debian's chromium through
   Playwright's API): from the navigation's start (`performance.timeOrigin`) to the paint after
   the runs table first holds every row (`IBC.firstRender`, set by static/js/app.js), over
   fresh page loads (a new browser context each; the server's responses are `no-store`). The
   page has all 1,000 rows (the count says so, the plots use them) and draws the first 200
   (`IBC.Table.PAGE`; "show more" draws the next): laying out a table of 1,000 rows takes
   Chromium half a second on this machine;
2. the server's memory <= 150 MB: its resident set (`VmRSS`, and the peak `VmHWM`) from
   `/proc/<pid>/status` after the page loads, the plots and the stage graph were drawn, and
   60 more polls of the rows.

Also recorded: the size of `/api/runs` and the time the server takes to answer it (cold, then
warm: the parsed run files are kept until they change), and the load average before and after.

Usage: `python bench/ui.py [--quick]` (about a minute; `--quick`: 3 page loads, to try it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
from tests.runs.ui_kit import CHROMIUM_ARGS, Server, chromium_path  # noqa: E402

PAGE = 200  # the rows the table draws at first (IBC.Table.PAGE, static/js/table.js)

STAGES = """\
def point(seed: int, scale: float) -> float:
    return ((seed * 7919) % 1000) / 1000.0 * scale


def noise(seed: int) -> float:
    return (seed % 13) / 13.0
"""

MAIN = """\
from "src/stages.py" import point, noise

seed = 0
scale = 1.0
experiment base = {score = point(seed, scale), noise = noise(seed)}
sweep big = base with { seed in range(0, 100) }
"""


def make_project(folder: Path, runs: int) -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "ibc.toml").write_text("")
    (folder / "src" / "stages.py").write_text(STAGES)
    (folder / "main.ib").write_text(MAIN)
    env = dict(os.environ, IBC_PROGRESS="none", NO_COLOR="1")
    for i in range(runs):
        done = subprocess.run(
            [sys.executable, "-m", "ibc", "run", "main.ib", "big", "-s", f"scale={1.0 + i}"],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
        )
        if done.returncode != 0:
            sys.exit(f"ibc run failed: {done.stderr[-2000:]}")
    return folder


def memory(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024.0  # MiB
    return found


def timed_get(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        body = response.read()
    return time.perf_counter() - start, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    loads = 3 if args.quick else 15
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ibc-ui-bench-") as scratch:
        project = make_project(Path(scratch) / "proj", 10)
        records = sum(
            len(p.read_text().splitlines())
            for p in (project / ".ibc" / "runs").glob("*.jsonl")
            if not p.name.endswith(".stages.jsonl")
        )
        server = Server(project)
        try:
            cold, size = timed_get(server.url + "api/runs")
            warm = [timed_get(server.url + "api/runs")[0] for _ in range(10)]
            first: list[float] = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_ARGS
                )
                for _ in range(loads):
                    context = browser.new_context(viewport={"width": 1360, "height": 860})
                    page = context.new_page()
                    page.goto(server.url)
                    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
                    rows = page.eval_on_selector_all("#runs tbody tr", "rows => rows.length")
                    count = page.inner_text("#count")
                    if rows != min(records, PAGE) or count != f"{records} of {records} runs":
                        sys.exit(f"the table draws {rows} rows and says {count!r}")
                    first.append(page.evaluate("IBC.firstRender") / 1000.0)
                    context.close()
                page = browser.new_page(viewport={"width": 1360, "height": 860})
                page.goto(server.url)
                page.wait_for_selector("body[data-ready='1']")
                every = page.evaluate("""async () => {
                        const start = performance.now();
                        IBC.app.table.limit = Infinity;
                        IBC.app.table.renderBody();
                        await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
                        return (performance.now() - start) / 1000;
                    }""")
                page.click("#tab-plots")
                for kind in ("scatter", "parallel", "commits"):
                    page.select_option("#plot-kind", kind)
                page.click("#tab-graph")
                page.wait_for_selector("svg#graph g.stage", timeout=30_000)
                browser.close()
            for _ in range(60):
                timed_get(server.url + "api/runs")
            mem = memory(server.process.pid)
        finally:
            server.stop()
    load_after = os.getloadavg()
    median = statistics.median(first)
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "records": records,
        "page_loads": loads,
        "first_render_s": {"median": median, "min": min(first), "max": max(first), "all": first},
        "draw_every_row_s": every,
        "api_runs": {"bytes": size, "cold_s": cold, "warm_median_s": statistics.median(warm)},
        "server_mib": mem,
        "load_before": load_before,
        "load_after": load_after,
    }
    (BENCH / "results_ui.json").write_text(json.dumps(results, indent=2) + "\n")
    met = lambda ok: "yes" if ok else "no"  # noqa: E731
    lines = [
        "# `ibc ui` benchmark (issue 18)",
        "",
        f"Recorded {results['date']} by `python bench/ui.py` (Python {results['python']}, "
        f"{results['cpus']} CPUs, Debian's chromium through Playwright); load average "
        f"(1, 5, 15 min) before {', '.join(f'{x:.2f}' for x in load_before)}, after "
        f"{', '.join(f'{x:.2f}' for x in load_after)}.",
        "",
        f"A project with {records} recorded runs (ten `ibc run`s of a 100-point sweep).",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| time to first render <= 1 s (in the browser, median of {loads} fresh page loads; "
        f"all {records} rows loaded, the first {PAGE} drawn) "
        f"| {median:.3f} s (min {min(first):.3f}, max {max(first):.3f}) | {met(median <= 1.0)} |",
        f"| server memory <= 150 MB (resident, after loads, plots, graph and 60 polls) "
        f"| {mem['VmRSS']:.1f} MiB (peak {mem['VmHWM']:.1f} MiB) "
        f"| {met(mem['VmHWM'] * 1.048576 <= 150)} |",
        "",
        f"Drawing all {records} rows at once (showing more until the end) takes "
        f"{every:.3f} s more, in one page load.",
        "",
        f"`/api/runs`: {size / 1024:.0f} KiB of JSON for {records} rows; answered in "
        f"{cold * 1000:.0f} ms the first time (every run file parsed), "
        f"{statistics.median(warm) * 1000:.0f} ms after (median of 10: files kept until they "
        "change). The page polls `/api/version` (a hash of the run files' names, sizes and "
        "times) once a second and fetches the rows again only when it changes.",
        "",
    ]
    (BENCH / "RESULTS_ui.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
