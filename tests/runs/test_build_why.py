"""`ibc why FILE TARGET…` and `ibc run --explain` (docs/running.md, "Why did this stage
run?"): the reason of each stage that would run or ran — no entry yet, `--force`, the first
function of its code whose source changed (by file and line), a constant it uses, an input
file's content, an upstream value — and early cutoff: a stage downstream of one that re-runs
with the same value stays cached. Everything through the real `ibc` command."""

from __future__ import annotations

import json

from build_kit import Project

STAGES = """\
from src.util import offset

SCALE = 2.0


def helper(x):
    return x * SCALE


def unrelated():
    return 0


def load(path) -> list:
    log("load")
    return [float(line) for line in path.read_text().split()]


def normalize(xs: list) -> list:
    log("normalize")
    return [helper(x) + offset() for x in xs]


def total(xs: list) -> float:
    log("total")
    return sum(xs)
"""

UTIL = """\
def offset():
    return 1.0
"""

MAIN = """\
from "src/stages.py" import load, normalize, total

raw = load(file("data.txt"))
clean = normalize(raw)
experiment t = total(clean)
"""


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("src/util.py", UTIL)
    p.write("data.txt", "1\n2\n")
    p.write("main.ib", MAIN)
    return p


def why(p: Project, *args: str) -> list[str]:
    """The lines `ibc why main.ib ARGS` prints (it must succeed and run nothing)."""
    p.calls()
    out = p.ok("why", "main.ib", *args)
    assert p.calls() == [], "ibc why ran a stage"
    return out.splitlines()


def explain(p: Project, *args: str) -> list[str]:
    """The `--explain` lines of `ibc run main.ib --explain ARGS` (standard error)."""
    done = p.run("run", "main.ib", "--explain", *args)
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


def line_of(lines: list[str], stage: str) -> str:
    found = [line for line in lines if line.split()[2:3] == [stage] or f" {stage} at " in line]
    assert len(found) == 1, (stage, lines)
    return found[0]


def test_first_run_has_no_entry_and_a_cached_run_summarises(tmp_path):
    p = project(tmp_path)
    lines = why(p)
    assert lines == [
        "would run  load at main.ib:3:7: no entry yet: no recorded run of this stage",
        "would run  normalize at main.ib:4:9: no entry yet: no recorded run of this stage",
        "would run  total at main.ib:5:16: no entry yet: no recorded run of this stage",
        "3 stage(s) would run, 0 cached",
    ]
    lines = explain(p)
    assert p.calls() == ["load", "normalize", "total"]
    assert lines[-1] == "3 stage(s) ran, 0 cached"
    assert "ran        load at main.ib:3:7: no entry yet: no recorded run of this stage" in lines
    # nothing changed: one summary line, nothing would run
    assert why(p) == ["0 stage(s) would run, 3 cached"]
    assert explain(p) == ["0 stage(s) ran, 3 cached"]
    assert p.calls() == []


def test_force(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.calls()
    lines = why(p, "--force")
    assert [line.partition(": ")[2] for line in lines[:-1]] == ["--force"] * 3
    assert lines[-1] == "3 stage(s) would run, 0 cached"
    lines = explain(p, "--force")
    assert p.calls() == ["load", "normalize", "total"]
    assert line_of(lines, "normalize").endswith(": --force")


def test_an_edited_helper_is_named_with_its_file_and_line(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.calls()
    p.edit("src/stages.py", "return x * SCALE", "return x * SCALE * 10")
    lines = why(p)
    assert lines[0] == "would run  normalize at main.ib:4:9: helper (src/stages.py:16) changed"
    # total reads normalize's result: cached only if that does not change
    assert lines[1] == (
        "1 stage(s) would run, 2 cached (1 of them only if normalize (main.ib:4:9) gives the "
        "same value again: early cutoff)"
    )
    assert len(lines) == 2
    # after the run: normalize gave a new value, so total ran because of it
    lines = explain(p)
    assert p.calls() == ["normalize", "total"]
    assert line_of(lines, "normalize").endswith(": helper (src/stages.py:16) changed")
    assert line_of(lines, "total").endswith(": the value of normalize (main.ib:4:9) changed")
    assert lines[-1] == "2 stage(s) ran, 1 cached"


def test_a_helper_in_another_module(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.edit("src/util.py", "return 1.0", "return 2.0")
    lines = why(p)
    assert lines[0] == "would run  normalize at main.ib:4:9: offset (src/util.py:1) changed"


def test_an_edited_constant_is_named(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.edit("src/stages.py", "SCALE = 2.0", "SCALE = 3.0")
    lines = why(p)
    assert lines[0] == "would run  normalize at main.ib:4:9: SCALE (src/stages.py:13) changed"
    assert len(lines) == 2


def test_the_function_itself_and_unrelated_code(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.edit("src/stages.py", "return 0", "return 1")  # unrelated: nothing would run
    assert why(p) == ["0 stage(s) would run, 3 cached"]
    p.edit("src/stages.py", "return sum(xs)", "return sum(xs) + 0.5")
    lines = why(p)
    assert lines[0] == "would run  total at main.ib:5:16: total (src/stages.py:34) changed"


def test_a_changed_input_file_is_named_by_its_ib_location(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.calls()
    p.write("data.txt", "1\n2\n3\n")
    lines = why(p)
    assert lines[0] == 'would run  load at main.ib:3:7: file("data.txt") (main.ib:3:12) changed'
    assert lines[-1].startswith("1 stage(s) would run, 2 cached (2 of them only if load")
    lines = explain(p)
    assert p.calls() == ["load", "normalize", "total"]
    assert line_of(lines, "load").endswith(': file("data.txt") (main.ib:3:12) changed')
    assert line_of(lines, "normalize").endswith(": the value of load (main.ib:3:7) changed")


def test_early_cutoff_an_upstream_stage_with_the_same_value(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.calls()
    # normalize's code changes, its value does not
    p.edit(
        "src/stages.py",
        "return [helper(x) + offset() for x in xs]",
        "out = [helper(x) + offset() for x in xs]\n    return out",
    )
    lines = why(p)
    assert lines[0] == "would run  normalize at main.ib:4:9: normalize (src/stages.py:29) changed"
    assert "total" not in lines[0] and len(lines) == 2
    assert "only if normalize (main.ib:4:9) gives the same value again" in lines[1]
    lines = explain(p)
    assert p.calls() == ["normalize"]
    assert lines == [
        "ran        normalize at main.ib:4:9: normalize (src/stages.py:29) changed",
        "1 stage(s) ran, 2 cached",
    ]
    assert why(p) == ["0 stage(s) would run, 3 cached"]


def test_a_removed_entry_and_the_stage_log(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    runs = sorted((p.store_root / "runs").glob("*.stages.jsonl"))
    records = [json.loads(line) for line in runs[-1].read_text().splitlines()]
    stages = {r["stage"]: r for r in records if "node" in r}
    assert stages["total"]["inputs"] == [[stages["normalize"]["identity"], "main.ib:4:9"]]
    assert stages["load"]["fingerprint"].startswith("src:")
    assert stages["load"]["ref"] == "src.stages.load" and stages["load"]["at"] == "main.ib:3:7"
    code = [r["code"] for r in records if "node" not in r][0]
    assert code[stages["normalize"]["fingerprint"]][0].startswith("normalize src/stages.py:29 ")
    # the entry of total removed from the store: same key, entry gone
    for entry in p.entry_of("total"):
        entry_file = p.store_root / "store" / entry.key[:2] / entry.key
        entry_file.unlink()
    lines = why(p)
    assert lines[0].startswith("would run  total at main.ib:5:16: its entry is no longer")


def test_a_new_argument_value_is_a_new_stage(tmp_path):
    p = project(tmp_path)
    p.write(
        "sweep.ib",
        """\
        from "src/stages.py" import total

        n = 1.0
        experiment s = total([n, 2.0])
        """,
    )
    p.ok("run", "sweep.ib")
    out = p.ok("why", "sweep.ib", "-s", "n=5.0").splitlines()
    assert (
        out[0] == "would run  total at sweep.ib:4:16: no entry yet: no recorded run of this stage"
    )


def test_a_stage_that_failed_last_time(tmp_path):
    p = project(tmp_path)
    p.write("data.txt", "1\nnot-a-number\n")
    assert p.run("run", "main.ib").returncode == 3
    lines = why(p)
    assert lines[0].startswith("would run  load at main.ib:3:7: it failed in its last run (")
    # with --dry-run, --explain gives the same reasons
    done = p.run("run", "main.ib", "--dry-run", "--explain")
    assert done.returncode == 0 and lines[0] in done.stderr.splitlines()


def test_bad_usage_and_bad_programs(tmp_path):
    p = project(tmp_path)
    done = p.run("why", "main.ib", "nope")
    assert done.returncode == 2 and "unknown target `nope`" in done.stderr
    assert "Traceback" not in done.stderr
    p.write("bad.ib", "experiment e = missing(1)\n")
    done = p.run("why", "bad.ib")
    assert done.returncode == 1 and "E0" in done.stderr and "Traceback" not in done.stderr
    assert p.run("why", "--help").returncode == 0


def test_sweep_points_are_named(tmp_path):
    p = project(tmp_path)
    p.write(
        "s.ib",
        """\
        from "src/stages.py" import normalize, total

        scale = 1.0
        clean = normalize([1.0, scale])
        sweep g = total(clean) with { scale in [1.0, 3.0] }
        """,
    )
    p.ok("run", "s.ib")
    p.edit("src/stages.py", "return x * SCALE", "return x * SCALE * 10")
    lines = p.ok("why", "s.ib").splitlines()
    assert lines == [
        "would run  normalize at s.ib:4:9 for g[scale=1.0]: helper (src/stages.py:16) changed",
        "would run  normalize at s.ib:4:9 for g[scale=3.0]: helper (src/stages.py:16) changed",
        "2 stage(s) would run, 2 cached (2 of them only if normalize (s.ib:4:9) gives the same "
        "value again: early cutoff)",
    ]
    # one point alone; a new point value is a stage of its own
    lines = p.ok("why", "s.ib", "g[scale=3.0]").splitlines()
    assert lines[0] == "would run  normalize at s.ib:4:9: helper (src/stages.py:16) changed"
    lines = p.ok("why", "s.ib", "-s", "scale in [5.0]").splitlines()
    assert lines[:2] == [
        "would run  normalize at s.ib:4:9: no entry yet: no recorded run of this stage",
        "would run  total at s.ib:5:11: no entry yet: no recorded run of this stage",
    ]


MODEL = """\
class Scaler:
    def __init__(self, k: float) -> None:
        self.k = k

    def apply(self, xs: list) -> list:
        log("apply")
        return [self.k * x for x in xs]


def make(k: float) -> Scaler:
    log("make")
    return Scaler(k)


def total(xs: list) -> float:
    log("total")
    return sum(xs)
"""

METHOD_MAIN = """\
from "src/stages.py" import make, total

k = 2.0
scaler = make(k)
experiment t = total(scaler.apply([1.0, 2.0]))
"""


def test_a_method_call_is_named_by_its_class_and_method(tmp_path):
    p = Project(tmp_path / "proj")
    p.stages(MODEL)
    p.write("main.ib", METHOD_MAIN)
    assert why(p)[1] == (
        "would run  Scaler.apply at main.ib:5:22: no entry yet: no recorded run of this stage"
    )
    p.ok("run", "main.ib")
    p.edit("src/stages.py", "self.k * x", "self.k * x + 1.0")  # the class's code
    lines = why(p)
    assert line_of(lines, "Scaler.apply") == (
        "would run  Scaler.apply at main.ib:5:22: the code of the class of `Scaler.apply` changed"
    )
    lines = explain(p)
    assert line_of(lines, "total").endswith(": the value of Scaler.apply (main.ib:5:22) changed")
    p.edit("src/stages.py", "+ 1.0", "+ 2.0")
    done = p.run("run", "main.ib", IBC_PROGRESS="plain")  # the progress lines name it too
    assert "  ran    Scaler.apply at main.ib:5:22" in done.stderr, done.stderr
    dot = p.ok("graph", "main.ib")
    assert 'label="Scaler.apply' in dot, dot
