"""Incremental re-runs (docs/running.md "What is recomputed"): a second run executes nothing;
editing a function re-runs exactly the stages whose fingerprints changed and, downstream, only those
whose inputs' content changed (early cutoff); helpers count, unrelated code, comments and layout do
not; `map` over a literal list is one stage per element."""

from __future__ import annotations

from build_kit import Project

STAGES = """\
from src.util import factor


def helper(x):
    return x * 2


def unused():
    return 1


def load(n: int) -> list:
    log("load")
    return list(range(n))


def prep(xs: list) -> list:
    log("prep")
    return [helper(x) for x in xs]


def fit(xs: list, C: float = 1.0) -> dict:
    log("fit")
    return {"score": sum(xs) * C * factor()}


def square(x: int) -> int:
    log(f"square {x}")
    return x * x
"""

UTIL = """\
def factor() -> int:
    return 3


def other() -> int:
    return 0
"""

MAIN = """\
from "src/stages.py" import load, prep, fit

data = load(5)
prepared = prep(data)
model = fit(prepared, C = 1.0)
experiment base = {score = model["score"]}
"""


def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("src/util.py", UTIL)
    p.write("main.ib", MAIN)
    return p


def test_second_run_executes_nothing_and_prints_the_same(tmp_path):
    p = project(tmp_path)
    first = p.ok("run", "main.ib")
    assert first == 'base: {"score": 60.0}\n'
    assert p.calls() == ["load", "prep", "fit"]
    second = p.ok("run", "main.ib")
    assert second == first
    assert p.calls() == []


def test_early_cutoff_and_dependents(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.calls()
    # a new body with the same result: prep re-runs, fit (downstream) does not
    p.edit(
        "src/stages.py",
        "return [helper(x) for x in xs]",
        "out = [helper(x) for x in xs]\n    return out",
    )
    assert p.ok("run", "main.ib") == 'base: {"score": 60.0}\n'
    assert p.calls() == ["prep"]
    # a new result: prep and its dependent fit re-run, load (upstream) does not
    p.edit("src/stages.py", "out = [helper(x) for x in xs]", "out = [helper(x) + 1 for x in xs]")
    assert p.ok("run", "main.ib") == 'base: {"score": 75.0}\n'
    assert p.calls() == ["prep", "fit"]
    # editing the last stage re-runs only it
    p.edit(
        "src/stages.py",
        'return {"score": sum(xs) * C * factor()}',
        'return {"score": sum(xs) * C * factor() + 0.5}',
    )
    assert p.ok("run", "main.ib") == 'base: {"score": 75.5}\n'
    assert p.calls() == ["fit"]


def test_helpers_count_and_unrelated_code_does_not(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.calls()
    # unrelated: a function no stage uses, a comment, layout, an unused function of util
    p.edit("src/stages.py", "def unused():\n    return 1", "def unused():\n    return 2")
    p.edit(
        "src/stages.py",
        "def load(n: int) -> list:",
        "# loads the data\ndef load(  n: int  ) -> list:  # comment",
    )
    p.edit("src/util.py", "return 0", "return 42")
    assert p.ok("run", "main.ib") == 'base: {"score": 60.0}\n'
    assert p.calls() == []
    # a helper in the same module: its caller prep re-runs (and fit, whose input changed)
    p.edit("src/stages.py", "return x * 2", "return x * 5")
    assert p.ok("run", "main.ib") == 'base: {"score": 150.0}\n'
    assert p.calls() == ["prep", "fit"]
    # a helper imported from another project module: only its caller fit re-runs
    p.edit("src/util.py", "return 3", "return 4")
    assert p.ok("run", "main.ib") == 'base: {"score": 200.0}\n'
    assert p.calls() == ["fit"]


def test_map_over_a_literal_list_is_one_stage_per_element(tmp_path):
    p = project(tmp_path)
    p.write(
        "m.ib",
        """\
        from "src/stages.py" import square
        experiment squares = map(square, [1, 2, 3])
        """,
    )
    assert p.ok("run", "m.ib") == "squares: [1, 4, 9]\n"
    assert sorted(p.calls()) == ["square 1", "square 2", "square 3"]
    assert len(p.entry_of("square")) == 3
    assert p.ok("run", "m.ib") == "squares: [1, 4, 9]\n"
    assert p.calls() == []
    p.edit("m.ib", "[1, 2, 3]", "[1, 2, 3, 4]")
    assert p.ok("run", "m.ib") == "squares: [1, 4, 9, 16]\n"
    assert p.calls() == ["square 4"]


def test_ib_layout_and_module_constants(tmp_path):
    p = project(tmp_path)
    p.ok("run", "main.ib")
    p.calls()
    # moving the calls in the .ib file (new lines and columns) re-runs nothing
    p.write(
        "main.ib", "# the same program, laid out differently\n\n" + MAIN.replace("C = 1.0", "C=1.0")
    )
    assert p.ok("run", "main.ib") == 'base: {"score": 60.0}\n'
    assert p.calls() == []
    # a module constant that a helper of fit reads, in another project module
    p.edit("src/util.py", "    return 3", "    return BASE + 1")
    p.write("src/util.py", "BASE = 2\n\n\n" + (p.root / "src/util.py").read_text(), dedent=False)
    assert p.ok("run", "main.ib") == 'base: {"score": 60.0}\n'
    assert p.calls() == ["fit"]  # new code, same result
    p.edit("src/util.py", "BASE = 2", "BASE = 3")
    assert p.ok("run", "main.ib") == 'base: {"score": 80.0}\n'
    assert p.calls() == ["fit"]


MODELS = """\
class Model:
    def __init__(self, k: int = 2) -> None:
        log("init")
        self.k = k

    def score(self, x: int) -> int:
        log("score")
        return x * self.k


def apply(m: Model, x: int) -> int:
    log("apply")
    return m.score(x)
"""


def test_editing_a_method_reruns_its_method_stage(tmp_path):
    p = Project(tmp_path / "proj")
    p.stages(MODELS)
    p.write(
        "main.ib",
        """\
        from "src/stages.py" import Model, apply
        m = Model(k = 3)
        experiment via_method = m.score(5)
        experiment via_function = apply(m, 5)
        """,
    )
    assert p.ok("run", "main.ib") == "via_method: 15\nvia_function: 15\n"
    p.calls()
    p.edit("src/stages.py", "return x * self.k", "return x * self.k + 100")
    out = p.ok("run", "main.ib")
    assert "via_function: 115" in out  # a function calling the method sees the new code
    assert out == "via_method: 115\nvia_function: 115\n"
