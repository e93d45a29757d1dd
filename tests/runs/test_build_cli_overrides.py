"""`-s` on the command line and sweeps (docs/parameters.md, "-s and sweeps"): every point is
named after the values that produced it, and the values are checked, not only counted (each
stage logs the arguments it was called with)."""

from __future__ import annotations

import json
import subprocess
import sys

from build_kit import Project

STAGES = """\
def val(x: float = 0.0, y: float = 0.0) -> float:
    log(f"val {x} {y}")
    return x * 100 + y


def collect(results: dict[str, float]) -> dict[str, float]:
    log("collect " + ",".join(results))
    return results


def make(c: float = 1.0) -> dict:
    return {"c": c}


def use(cfg: dict) -> float:
    log(f"use {cfg['c']}")
    return cfg["c"]
"""

MAIN = """\
from "src/stages.py" import val, collect, make, use

x = 1.0
y = 0.0
unused = 3.0
base = val(x = x, y = y)
sweep g = base with { x in [1.0, 2.0] }
experiment all = collect(g)
experiment single = base
experiment fixed = collect(g) with { x = 5.0 }
cfg = make(c = 1.0)
experiment used = use(cfg)
sweep cgrid = used with { cfg.c in [0.5, 2.0] }
"""


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    return p


def run_json(p: Project, *args: str) -> dict:
    return json.loads(p.ok("run", "main.ib", *args, "--json"))


def test_a_command_line_sweep_over_a_swept_path_replaces_the_axis(tmp_path):
    """Reproduction 4: `all = collect(g)` run with `-s 'x in [10.0, 20.0]'` has one entry
    per point of `all`, named after the value that produced it."""
    p = project(tmp_path)
    out = run_json(p, "all", "-s", "x in [10.0, 20.0]")
    assert out == {
        "all[x=10.0]": {"g[x=10.0]": 1000.0},
        "all[x=20.0]": {"g[x=20.0]": 2000.0},
    }
    calls = p.calls()
    assert sorted(c for c in calls if c.startswith("val")) == ["val 10.0 0.0", "val 20.0 0.0"]
    assert sorted(c for c in calls if c.startswith("collect")) == [
        "collect g[x=10.0]",
        "collect g[x=20.0]",
    ]
    # the sweep itself: its axis `x` is the command line's
    assert run_json(p, "g", "-s", "x in [10.0, 20.0]") == {"g[x=10.0]": 1000.0, "g[x=20.0]": 2000.0}
    assert p.calls() == []  # the same stages: cached


def test_a_command_line_sweep_over_another_path_multiplies_the_points(tmp_path):
    p = project(tmp_path)
    assert run_json(p, "g", "-s", "y in [7.0, 8.0]") == {
        "g[x=1.0,y=7.0]": 107.0,
        "g[x=2.0,y=7.0]": 207.0,
        "g[x=1.0,y=8.0]": 108.0,
        "g[x=2.0,y=8.0]": 208.0,
    }
    # used by name, the sweep has the points of the command line's value only
    assert run_json(p, "all", "-s", "y in [7.0, 8.0]") == {
        "all[y=7.0]": {"g[x=1.0,y=7.0]": 107.0, "g[x=2.0,y=7.0]": 207.0},
        "all[y=8.0]": {"g[x=1.0,y=8.0]": 108.0, "g[x=2.0,y=8.0]": 208.0},
    }


def test_a_command_line_value_on_a_swept_path_collapses_the_axis(tmp_path):
    """Reproduction 3: `-s x=5.0` on a sweep over `x` runs one point, named `g[x=5.0]`."""
    p = project(tmp_path)
    assert run_json(p, "g", "-s", "x=5.0") == {"g[x=5.0]": 500.0}
    assert p.calls() == ["val 5.0 0.0"]
    assert run_json(p, "all", "-s", "x=5.0") == {"all": {"g[x=5.0]": 500.0}}
    # a point run by its name says which value it ran with
    assert run_json(p, "g[x=1.0]", "-s", "x=6.0") == {"g[x=6.0]": 600.0}
    # an expression: the name states its source text
    assert run_json(p, "g", "-s", "x=x * 7") == {"g[x=x * 7]": 700.0}
    # a value that replaces a prefix of the swept path
    assert run_json(p, "cgrid") == {"cgrid[cfg.c=0.5]": 0.5, "cgrid[cfg.c=2.0]": 2.0}
    assert run_json(p, "cgrid", "-s", "cfg=make(c = 9.0)") == {"cgrid[cfg=make(c = 9.0)]": 9.0}


def test_a_swept_path_that_reaches_nothing_under_the_command_line_leaves_the_name(tmp_path):
    """`-s base=…` replaces the binding that the swept `x` fed: the points are one, and
    their name does not claim an `x` that produced nothing."""
    p = project(tmp_path)
    assert run_json(p, "g", "all", "-s", "base=val(x = 3.0)") == {"g": 300.0, "all": {"g": 300.0}}
    assert run_json(p, "g", "-s", "base in [val(x = 3.0), val(x = 4.0)]") == {
        "g[base=val(x = 3.0)]": 300.0,
        "g[base=val(x = 4.0)]": 400.0,
    }
    # the `x` of an override's value is the one below the command line: the file's, not
    # the sweep's (docs/parameters.md, "The scope below")
    assert run_json(p, "g", "-s", "base=val(x = x)") == {"g": 100.0}


def test_a_with_over_a_sweep_used_by_name_names_its_value(tmp_path):
    """The same layering inside the file: `collect(g) with { x = 5.0 }` is one point."""
    p = project(tmp_path)
    assert run_json(p, "fixed") == {"fixed": {"g[x=5.0]": 500.0}}
    assert run_json(p, "all") == {"all": {"g[x=1.0]": 100.0, "g[x=2.0]": 200.0}}


def test_an_unused_command_line_path_is_a_warning(tmp_path):
    p = project(tmp_path)
    done = p.run("run", "main.ib", "single", "-s", "unused=2.0")
    assert done.returncode == 0, done.stderr
    assert "warning[W0501]" in done.stderr and "-s#1:1:1" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip() == "single: 100.0"
    # used by another target of the file, but not by the one run
    done = p.run("run", "main.ib", "single", "-s", "cfg.c=2.0")
    assert "warning[W0501]" in done.stderr and done.returncode == 0
    done = p.run("run", "main.ib", "used", "-s", "cfg.c=2.0")
    assert "W0501" not in done.stderr and done.stdout.strip() == "used: 2.0"


def test_run_records_state_the_command_line_source_text(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib", "single", "-s", "x=1.0 + 2.0")
    p.ok("run", "main.ib", "g", "-s", "x in [3.0, 4.0]")
    rows = json.loads(p.ok("results", "main.ib", "--format", "json"))
    params = {row["experiment"]: row["params"] for row in rows}
    assert params["single"] == {"x": "1.0 + 2.0"}
    assert params["g[x=3.0]"] == {"x": 3.0} and params["g[x=4.0]"] == {"x": 4.0}
    assert "g[x=1.0]" not in params


def test_an_emitted_program_names_points_after_its_own_command_line(tmp_path):
    p = project(tmp_path)
    p.ok("compile", "main.ib", "-o", "out.py")
    done = subprocess.run(
        [sys.executable, "out.py", "g", "-s", "x=5.0", "--json"],
        cwd=p.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"g[x=5.0]": 500.0}
