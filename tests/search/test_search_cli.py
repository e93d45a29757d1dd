"""Searches as a user meets them today (docs/guide.md, "Searches"): `ibc check` accepts a
well-formed search and types it as a sweep would be typed, `ibc params FILE SEARCH` lists its
axes and their spaces, `ibc run` runs the searches a run needs (tests/search/test_search_run.py
for how trials are cached and resumed), and the plain target compiles one
(tests/search/test_search_plain.py). The error cases of searches are in
tests/errors/search.test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = """\
from "src/lib.py" import evaluate, Forest, Linear

model = Linear(alpha = 1.0)
depth = 3
kind = "a"
experiment baseline = evaluate(model, depth, kind)
search tuned = baseline with {
    model.alpha in log_uniform(0.001, 100.0),
    depth in int_range(1, 8),
    kind in ["a", "b"],
} maximize metrics.score trials 16
search models = baseline with { model in [Linear(alpha = 0.5), Forest()] } minimize loss trials 4 seed 2
experiment summary = len(tuned)
"""

LIB = """\
class Linear:
    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha


class Forest:
    def __init__(self, trees: int = 10) -> None:
        self.trees = trees


def evaluate(model: Linear | Forest, depth: int, kind: str) -> dict:
    return {"loss": 1.0, "metrics": {"score": 0.5}}
"""


def ibc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.py").write_text(LIB)
    (tmp_path / "main.ib").write_text(PROGRAM)
    return tmp_path


def test_check_accepts_searches_over_numbers_and_models(project: Path) -> None:
    done = ibc(project, "check", "main.ib")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_a_search_used_as_a_value_is_a_dict_of_its_trials(project: Path) -> None:
    # `len` takes a sized value: the dict of trials is one, so this checks; an Int is not.
    text = PROGRAM.replace("experiment summary = len(tuned)", "experiment summary = tuned + 1")
    (project / "main.ib").write_text(text)
    done = ibc(project, "check", "main.ib")
    assert done.returncode == 1
    assert "Dict[Str, " in done.stdout + done.stderr


def test_params_lists_the_axes_and_their_spaces(project: Path) -> None:
    done = ibc(project, "params", "main.ib", "tuned", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["path"]: row for row in json.loads(done.stdout)}
    assert rows["model.alpha"]["value"] == "in log_uniform(0.001, 100.0)"
    assert rows["model.alpha"]["type"] == "Float"
    assert rows["model.alpha"]["overridden"] is True
    assert rows["depth"]["value"] == "in int_range(1, 8)"
    assert rows["depth"]["type"] == "Int"
    assert rows["kind"]["value"] == 'in choice(["a", "b"])'
    assert rows["kind"]["where"] == "main.ib:10:5"
    assert rows["baseline"]["overridden"] is False


def test_params_of_a_categorical_search_over_models(project: Path) -> None:
    done = ibc(project, "params", "main.ib", "models")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "in choice([Linear(alpha = 0.5), Forest()])" in done.stdout


def test_params_of_a_refit_with_the_best_trial(project: Path) -> None:
    text = PROGRAM + "experiment final = evaluate(model, depth, kind) with best(tuned)\n"
    (project / "main.ib").write_text(text)
    done = ibc(project, "params", "main.ib", "final", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["path"]: row for row in json.loads(done.stdout)}
    assert rows["model.alpha"]["value"] == "best(tuned) in log_uniform(0.001, 100.0)"
    assert rows["depth"]["value"] == "best(tuned) in int_range(1, 8)"
    assert rows["depth"]["type"] == "Int" and rows["depth"]["overridden"] is True
    assert rows["depth"]["where"] == "main.ib:14:20"
    plain = {
        row["path"]: row
        for row in json.loads(
            ibc(project, "params", "main.ib", "baseline", "--format", "json").stdout
        )
    }
    assert plain["depth"]["value"] == "3"


def test_run_runs_the_searches_and_what_needs_them(project: Path) -> None:
    pytest.importorskip("optuna")
    done = ibc(project, "run", "main.ib", "--json")  # every target
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(done.stdout[done.stdout.index("{\n") :])
    assert [f"tuned[{i}]" in results for i in range(16)] == [True] * 16
    assert [f"models[{i}]" in results for i in range(4)] == [True] * 4
    assert results["summary"] == 16  # the search as a value: a dict of its 16 trials


def test_run_of_targets_that_need_no_search_leaves_the_searches_out(project: Path) -> None:
    done = ibc(project, "run", "main.ib", "baseline", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"score": 0.5' in done.stdout
    assert "tuned[" not in done.stdout


def test_the_plain_target_compiles_a_search(project: Path) -> None:
    # how it runs: tests/search/test_search_plain.py
    done = ibc(project, "compile", "main.ib", "--target", "plain")
    assert done.returncode == 0, done.stderr
    assert '@_ibc_search("tuned")' in done.stdout and "import optuna" in done.stdout
    assert "TPESampler(seed=seed)" in done.stdout and '"models": (' in done.stdout


def test_s_on_a_search_axis_is_an_error_naming_the_axis(project: Path) -> None:
    """`-s` on an axis (or a prefix of one) of a search the run runs would replace every
    trial's value: E0522, before anything runs. On a path no axis sets, or with targets that
    run no search, `-s` is fine."""
    cases = [
        (["-s", "model.alpha=0.5", "tuned"], "`-s model.alpha` sets `model.alpha`", "tuned"),
        (["-s", "model=Forest()"], "`-s model` sets `model.alpha`", "tuned"),
        (["-s", 'kind="b"', "summary"], "`-s kind` sets `kind`", "tuned"),  # len(tuned)
        (["-s", "model=Forest()", "models"], "`-s model` sets `model`", "models"),
    ]
    for args, said, search in cases:
        done = ibc(project, "run", "main.ib", *args)
        assert done.returncode == 1, (args, done.stdout + done.stderr)
        assert f"error[E0522]: {said}, an axis of the search `{search}`" in done.stderr
        assert "--> -s#1:1:1" in done.stderr and "hint: leave `" in done.stderr
        assert "Traceback" not in done.stderr and "tuned[" not in done.stdout
    done = ibc(project, "run", "main.ib", "-s", "depth=2", "baseline", "--json")
    assert done.returncode == 0, done.stderr


def test_a_file_importing_one_with_a_search_runs_what_needs_no_search(project: Path) -> None:
    (project / "run.ib").write_text('import "main.ib" as m\nexperiment e = m.baseline\n')
    done = ibc(project, "run", "run.ib")
    assert done.returncode == 0, done.stdout + done.stderr
    (project / "run.ib").write_text('import "main.ib" as m\nexperiment e = len(m.tuned)\n')
    done = ibc(project, "run", "run.ib")
    assert done.returncode != 0
    assert "error[E0701]" in done.stderr and "searches of imported modules" in done.stderr


def test_best_takes_a_search(project: Path) -> None:
    text = PROGRAM + "experiment final = evaluate(model, depth, kind) with best(tuned)\n"
    (project / "main.ib").write_text(text)
    assert ibc(project, "check", "main.ib").returncode == 0
    (project / "main.ib").write_text(text + "experiment odd = baseline with best(baseline)\n")
    done = ibc(project, "check", "main.ib")
    assert done.returncode == 1
    assert "error[E0521]: `best` takes a search, and `baseline` is not one" in done.stderr


def test_the_spaces_of_a_scikit_learn_search_are_checked_against_its_signatures() -> None:
    """The example of docs/guide.md, "Searches", on the real library's stubs: a Float space on
    `LogisticRegression`'s `max_iter` (an `int`) is E0504 naming the argument; the rest,
    models as categorical values and `with best(tuned)`, checks."""
    pytest.importorskip("sklearn")
    folder = Path(__file__).parent
    done = ibc(folder, "check", "sklearn_search.ib")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert out.count("error[") == 1
    assert "error[E0504]: the override `model.max_iter` gives a `Float` (it was a `Int`)" in out
    assert "--> sklearn_search.ib:17:32" in out
    assert "hint: `uniform` gives `Float` values; use `int_range` or `int_log_range` here" in out
    assert "note: the argument `max_iter` of `LogisticRegression` must be `Int`" in out
