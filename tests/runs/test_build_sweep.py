"""Sweeps share their common stages (docs/running.md "What is recomputed"), and what a run leaves
behind: `ibc results` and `ibc graph` after a run, `ibc cache ls|gc|clear` (docs/running.md "Run
records and results", "The store")."""

from __future__ import annotations

import csv
import io
import json

from build_kit import Project

STAGES = """\
def load(n: int) -> list:
    log("load")
    return list(range(n))


def prep(xs: list) -> list:
    log("prep")
    return [x * 2 for x in xs]


def fit(xs: list, C: float = 1.0) -> dict:
    log(f"fit {C}")
    return {"score": sum(xs) * C, "n": len(xs)}


def boom(x: dict) -> dict:
    log("boom")
    raise ValueError("no")
"""

MAIN = """\
from "src/stages.py" import load, prep, fit

data = load(5)
prepared = prep(data)
model = fit(prepared, C = 1.0)
experiment base = {score = model["score"], n = model["n"]}
sweep grid = base with { model.C in [0.5, 1.0, 2.0, 4.0] }
"""


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    return p


def test_sweep_shares_preprocessing_and_a_new_point_runs_alone(tmp_path):
    p = project(tmp_path)
    out = p.ok("run", "main.ib", "grid")
    assert out.splitlines() == [
        'grid[model.C=0.5]: {"score": 10.0, "n": 5}',
        'grid[model.C=1.0]: {"score": 20.0, "n": 5}',
        'grid[model.C=2.0]: {"score": 40.0, "n": 5}',
        'grid[model.C=4.0]: {"score": 80.0, "n": 5}',
    ]
    calls = p.calls()
    assert calls.count("load") == 1 and calls.count("prep") == 1
    assert sorted(c for c in calls if c.startswith("fit")) == [
        "fit 0.5",
        "fit 1.0",
        "fit 2.0",
        "fit 4.0",
    ]
    p.edit("main.ib", "[0.5, 1.0, 2.0, 4.0]", "[0.5, 1.0, 2.0, 4.0, 8.0]")
    out = p.ok("run", "main.ib", "grid")
    assert out.splitlines()[-1] == 'grid[model.C=8.0]: {"score": 160.0, "n": 5}'
    assert len(out.splitlines()) == 5
    assert p.calls() == ["fit 8.0"]


def test_results_formats_after_a_sweep(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib", "grid")
    points = [f"grid[model.C={c}]" for c in ("0.5", "1.0", "2.0", "4.0")]

    rows = json.loads(p.ok("results", "main.ib", "--format", "json"))
    assert [r["experiment"] for r in rows] == points
    for row, c in zip(rows, (0.5, 1.0, 2.0, 4.0)):
        assert set(row) >= {
            "experiment",
            "file",
            "params",
            "metrics",
            "status",
            "started",
            "seconds",
        }
        assert row["file"] == "main.ib"
        assert row["params"] == {"model.C": c}
        assert row["metrics"] == {"score": 20.0 * c, "n": 5}
        assert row["status"] == "ok"
        assert isinstance(row["seconds"], (int, float))

    table = list(csv.DictReader(io.StringIO(p.ok("results", "main.ib", "--format", "csv"))))
    assert [r["experiment"] for r in table] == points
    assert [float(r["model.C"]) for r in table] == [0.5, 1.0, 2.0, 4.0]
    assert [float(r["score"]) for r in table] == [10.0, 20.0, 40.0, 80.0]

    text = p.ok("results", "main.ib")
    header = text.splitlines()[0].split()
    assert header[:3] == ["experiment", "model.C", "score"] or {"model.C", "score"} <= set(header)
    assert sum(1 for line in text.splitlines() if line.startswith("grid[")) == 4

    markdown = p.ok("results", "main.ib", "--format", "markdown", "--sort=-score")
    lines = [line for line in markdown.splitlines() if line.startswith("| grid[")]
    assert [line.split("|")[1].strip() for line in lines] == points[::-1]
    assert markdown.splitlines()[1].startswith("| ---")


def test_results_sort_descending_with_a_separate_argument(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib", "grid")
    done = p.run("results", "main.ib", "--format", "csv", "--sort", "-score")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [float(r["score"]) for r in rows] == [80.0, 40.0, 20.0, 10.0]


def test_graph_after_a_run_marks_ran_cached_and_failed(tmp_path):
    p = project(tmp_path)
    p.write(
        "g.ib",
        """\
        from "src/stages.py" import load, prep, fit, boom
        data = load(5)
        experiment good = fit(prep(data), C = 3.0)
        experiment bad = boom(fit(data))
        """,
    )
    p.ok("run", "main.ib", "base")  # load and prep are cached for g.ib
    done = p.run("run", "g.ib")
    assert done.returncode == 3
    assert p.run("graph", "g.ib", "-o", "g.dot").returncode == 0
    dot = (p.root / "g.dot").read_text()
    assert dot.startswith("digraph")
    node_lines = {line for line in dot.splitlines() if "label=" in line and "->" not in line}

    def line_of(label):
        found = [line for line in node_lines if f'label="{label}\\n' in line]
        assert len(found) >= 1, (label, node_lines)
        return found

    assert all("cached" in line for line in line_of("load") + line_of("prep"))
    ran = line_of("fit")
    assert len(ran) == 2 and all("cached" not in line and ' s"' in line for line in ran)
    failed = line_of("boom")
    assert len(failed) == 1 and "failed" in failed[0]
    picked = line_of("load") + ran + failed
    colours = {line.split("fillcolor=")[1].split(",")[0] for line in picked}
    assert len(colours) == 3  # ran, cached and failed are drawn differently


def test_cache_ls_gc_and_clear(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib", "base")
    p.edit("src/stages.py", "return [x * 2 for x in xs]", "return [x * 3 for x in xs]")
    p.ok("run", "main.ib", "base")
    p.calls()
    entries = p.entries()
    stale = [e.key for e in entries if e.meta.get("stage") == "prep"]
    assert len(stale) == 2  # the edited-away prep and today's
    listing = p.ok("cache", "ls")
    assert listing.startswith(f"{len(entries)} entries")
    long = p.ok("cache", "ls", "-l")
    assert "prep" in long and "main.ib:4:12" in long

    gc = p.ok("cache", "gc", "main.ib")
    assert gc.startswith("removed ")
    left = {e.key for e in p.entries()}
    assert sum(k in left for k in stale) == 1  # the old prep's entry is gone, today's stays
    assert len(left) < len(entries)
    assert p.ok("run", "main.ib", "base") == 'base: {"score": 30.0, "n": 5}\n'
    assert p.calls() == []  # gc kept everything the file reaches

    assert p.ok("cache", "gc", "--before", "1d").startswith("removed 0 entries")
    assert p.ok("cache", "gc", "--before", "0d").startswith("removed ")
    assert p.entries() == []
    p.ok("run", "main.ib", "base")
    assert p.calls() == ["load", "prep", "fit 1.0"]
    assert p.ok("cache", "clear").startswith("removed ")
    assert p.entries() == []
    assert "empty" in p.ok("cache", "ls")


def test_cache_output_ends_with_a_newline(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib", "base")
    assert p.ok("cache", "ls").endswith("\n")
    assert p.ok("cache", "clear").endswith("\n")


def test_results_show_the_parameters_set_by_with_and_by_sweep_points(tmp_path):
    p = project(tmp_path)
    p.write(
        "main.ib",
        MAIN
        + "experiment strong = base with { model.C = 3.0 }\n"
        + "experiment stronger = strong with { data = load(7) }\n"
        + "sweep more = strong with { model.C in [5.0] }\n",
    )
    p.ok("run", "main.ib", "base", "strong", "stronger", "more", "-s", "model.C=2.5")
    rows = {r["experiment"]: r["params"] for r in json.loads(p.ok("results", "--format", "json"))}
    assert rows["base"] == {"model.C": 2.5}  # -s is outermost
    assert rows["strong"] == {"model.C": 2.5}
    p.ok("run", "main.ib", "base", "strong", "stronger", "more")
    rows = {}
    for r in json.loads(p.ok("results", "--format", "json")):  # newest first
        rows.setdefault(r["experiment"], r["params"])
    assert rows["base"] == {}
    assert rows["strong"] == {"model.C": 3.0}  # its own `with`
    assert rows["stronger"] == {"data": "load(7)", "model.C": 3.0}  # and its base's, by name
    assert rows["more[model.C=5.0]"] == {"model.C": 5.0}  # the point's layer wins
    header = p.ok("results", "main.ib").splitlines()[0].split()
    assert "model.C" in header and "data" in header
