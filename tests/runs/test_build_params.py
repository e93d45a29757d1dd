"""End to end: `ibc params` and `ibc diff` agree with what runs (docs/parameters.md §4).

A replaced value's parameters are the replacing expression's (typed by it, its signature's
defaults with `--all`), a later layer sets them again, sweep points are targets of `ibc
params` and `ibc diff`, and an override path is checked against the variant it overrides.
Each test runs the real `ibc` in a subprocess on a small project; the runs print what the
model was built with, which the listings must state.
"""

from __future__ import annotations

import json

import pytest

from tests.runs.build_kit import Project, values

pytest.importorskip("sklearn")

EVALUATE = """\
def load() -> list:
    return [1, 2, 3]


def evaluate(model: object, data: list) -> dict:
    params = model.get_params()
    return {
        "kind": type(model).__name__,
        "n_estimators": params.get("n_estimators"),
        "max_depth": params.get("max_depth"),
        "learning_rate": params.get("learning_rate"),
    }
"""

WINE = """\
from sklearn.ensemble import RandomForestClassifier, GradientBoostingClassifier
from "src/lib.py" import load, evaluate

data = load()
model = RandomForestClassifier(n_estimators = 200, max_depth = 4)
experiment a = evaluate(model, data)
experiment b = a with { model = GradientBoostingClassifier(n_estimators = 100) }
experiment c = b with { model.n_estimators = 5, model.learning_rate = 0.5 }
experiment d = (a with { model.max_depth = 2 }) with { model = GradientBoostingClassifier() }
sweep grid = b with { model.max_depth in [2, 6] }
"""


@pytest.fixture
def wine(tmp_path) -> Project:
    project = Project(tmp_path / "wine")
    project.write("src/lib.py", EVALUATE)
    project.write("f.ib", WINE)
    return project


def params(project: Project, *args: str) -> dict[str, dict]:
    rows = json.loads(project.ok("params", "f.ib", *args, "--format", "json"))
    return {row["path"]: row for row in rows}


def diff(project: Project, a: str, b: str) -> dict[str, tuple]:
    rows = json.loads(project.ok("diff", "f.ib", a, b, "--format", "json"))
    return {row["path"]: (row["a"], row["b"]) for row in rows}


def ran(project: Project, *targets: str) -> dict[str, dict]:
    out = values(project.ok("run", "f.ib", *targets))
    return {name: json.loads(text) for name, text in out.items()}


def test_a_replaced_value_lists_the_replacing_expressions_parameters(wine: Project):
    rows = params(wine, "b")
    assert rows["model"]["type"] == "GradientBoostingClassifier"
    assert rows["model"]["value"] == "GradientBoostingClassifier(n_estimators = 100)"
    assert rows["model.n_estimators"]["value"] == "100"
    assert rows["model.n_estimators"]["overridden"] is True
    assert "model.max_depth" not in rows  # the forest's; the boosting model does not set it
    assert "RandomForestClassifier" not in rows  # no longer used by `b`
    assert rows["a.model"]["type"] == "GradientBoostingClassifier"  # `model`, in `b`
    everything = params(wine, "b", "--all")
    assert everything["model.max_depth"]["value"] == "3"  # the boosting model's default
    assert everything["model.max_depth"]["where"] == "default of GradientBoostingClassifier"
    assert everything["model.learning_rate"]["value"] == "0.1"
    assert "model.min_samples_leaf" in everything
    assert "model.bootstrap" not in everything  # a forest's parameter
    result = ran(wine, "b")["b"]
    assert result["kind"] == "GradientBoostingClassifier"
    assert result["n_estimators"] == 100 and result["max_depth"] == 3


def test_diff_after_a_replacement(wine: Project):
    rows = diff(wine, "a", "b")
    assert rows["model.n_estimators"] == ("200", "100")
    assert rows["model.max_depth"] == ("4", "3")  # the default the boosting model runs with
    assert "GradientBoostingClassifier" not in rows
    assert "RandomForestClassifier" not in rows
    assert set(rows) == {"model", "model.n_estimators", "model.max_depth"}


def test_with_chains_agree_with_the_run(wine: Project):
    c = params(wine, "c")
    assert c["model.n_estimators"]["value"] == "5"  # the outer layer sets the replaced value's
    assert c["model.learning_rate"]["value"] == "0.5"
    assert c["model"]["type"] == "GradientBoostingClassifier"
    d = params(wine, "d", "--all")  # the outer replacement drops the inner max_depth
    assert d["model.max_depth"]["value"] == "3"
    assert d["model.n_estimators"]["value"] == "100"
    result = ran(wine, "c", "d")
    assert result["c"]["n_estimators"] == 5 and result["c"]["learning_rate"] == 0.5
    assert result["d"]["max_depth"] == 3 and result["d"]["n_estimators"] == 100
    assert diff(wine, "b", "c") == {
        "model.n_estimators": ("100", "5"),
        "model.learning_rate": (
            "0.1",
            "0.5",
        ),
    }


def test_sweep_points_are_targets_of_params_and_diff(wine: Project):
    point = params(wine, "grid[model.max_depth=6]")
    assert point["model.max_depth"]["value"] == "6"
    assert point["model"]["type"] == "GradientBoostingClassifier"
    assert point["model.n_estimators"]["value"] == "100"
    whole = params(wine, "grid")
    assert whole["model.max_depth"]["value"] == "in [2, 6]"
    assert diff(wine, "grid[model.max_depth=2]", "grid[model.max_depth=6]") == {
        "model.max_depth": ("2", "6")
    }
    assert diff(wine, "a", "grid[model.max_depth=2]")["model.max_depth"] == ("4", "2")
    result = ran(wine, "grid[model.max_depth=6]")["grid[model.max_depth=6]"]
    assert result["max_depth"] == 6 and result["kind"] == "GradientBoostingClassifier"
    done = wine.run("diff", "f.ib", "a", "grid[model.max_depth=7]")
    assert done.returncode == 2
    assert "unknown target `grid[model.max_depth=7]`" in done.stderr
    assert "grid[model.max_depth=6]" in done.stderr or "grid[model.max_depth=2]" in done.stderr


def test_nested_sweeps_list_the_values_of_each_level(tmp_path):
    project = Project(tmp_path / "nested")
    project.write(
        "src/lib.py",
        """\
        def make(a: int = 1, b: float = 2.0) -> dict:
            return {"a": a, "b": b}


        def wrap(c: int = 3, inner: dict = None) -> dict:
            return {"c": c, "inner": inner}
        """,
    )
    project.write(
        "f.ib",
        """\
        from "src/lib.py" import make, wrap
        x = 5
        m = make(a = x)
        experiment e = wrap(c = 1, inner = m)
        sweep g = e with { x in [10, 20] }
        sweep g2 = g with { e.c in [7, 8] }
        """,
    )
    point = params(project, "g2[e.c=7]")
    assert point["e.c"]["value"] == "7"
    assert point["x"]["value"] == "in [10, 20]"
    out = ran(project, "g2[e.c=7]")["g2[e.c=7]"]
    assert {v["c"] for v in out.values()} == {7}
    assert sorted(v["inner"]["a"] for v in out.values()) == [10, 20]
    assert diff(project, "g[x=10]", "g2[e.c=8]") == {"e.c": ("1", "8"), "x": ("10", "in [10, 20]")}


def test_an_override_path_is_checked_against_the_variant_it_overrides(tmp_path):
    project = Project(tmp_path / "ridge")
    project.write("src/lib.py", EVALUATE)
    project.write(
        "f.ib",
        """\
        from sklearn.linear_model import Ridge
        from sklearn.ensemble import GradientBoostingRegressor
        from "src/lib.py" import load, evaluate

        model = Ridge(alpha = 1.0)
        experiment ridge = evaluate(model, load())
        experiment gb = ridge with { model = GradientBoostingRegressor(n_estimators = 10) }
        experiment svd = ridge with { model.solver = "svd" }
        experiment bad = gb with { model.solver = "svd" }
        """,
    )
    done = project.run("check", "f.ib")
    assert done.returncode == 1
    assert "error[E0402]: `GradientBoostingRegressor` has no parameter `solver`" in done.stderr
    assert "f.ib:9:28" in done.stderr
    assert "in this variant `model` is `GradientBoostingRegressor(n_estimators = 10)`" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    project.edit("f.ib", 'gb with { model.solver = "svd" }', "gb with { model.learnin_rate = 0.5 }")
    done = project.run("check", "f.ib")
    assert done.returncode == 1
    assert "has no parameter `learnin_rate`" in done.stderr
    assert "did you mean `learning_rate`" in done.stderr
    project.edit("f.ib", "model.learnin_rate", "model.learning_rate")
    assert project.run("check", "f.ib").returncode == 0
