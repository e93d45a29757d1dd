"""The sweep benchmark's fixture and generator stay valid: `sweep50` is 50 lines and checks
cleanly, the generator writes sweeps of exactly the requested number of points in each style
(the file staying 50 lines), and the graph counts of `bench/sweeps.py` see the sharing that
target 2 measures (and its control).

Run with `python -m pytest bench/tests -q` (not part of the main `tests/` suite).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ibc.driver import Options, check_file, compile_file

BENCH = Path(__file__).resolve().parent.parent
FIXTURES = BENCH / "fixtures"
sys.path.insert(0, str(FIXTURES))
sys.path.insert(0, str(BENCH))
from gen_sweep import STYLES, big_sweep, generate, write_project  # noqa: E402

SWEEP50 = FIXTURES / "sweep50"


def _errors(result) -> list[str]:
    return [f"{d.code} {d.span} {d.message}" for d in result.diagnostics if d.is_error]


def _points(path: Path, tmp_path: Path) -> list[str]:
    """The point names of `sweep big`, read from the emitted program's `Program`."""
    import importlib.util

    out = tmp_path / "emitted.py"
    result = compile_file(path, Options(format=False, out_path=out))
    assert result.ok, _errors(result)
    out.write_text(result.code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"emitted_{tmp_path.name}", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [name for name, _ in module.program.targets["big"].points]


def test_sweep50_is_fifty_lines_and_checks_without_any_diagnostic():
    path = SWEEP50 / "sweep.ib"
    assert len(path.read_text().splitlines()) == 50
    result = check_file(path)
    assert result.ok, _errors(result)
    assert not result.diagnostics  # no warnings either: the benchmark measures a clean compile


def test_sweep50_uses_scikit_learn_a_project_file_and_the_sweeps_measured():
    text = (SWEEP50 / "sweep.ib").read_text()
    assert "from sklearn." in text and 'from "src/prep.py" import' in text
    for sweep in ("sweep grid4 = ", "sweep limits4 = ", "sweep big = "):
        assert sum(line.startswith(sweep) for line in text.splitlines()) == 1, sweep
    assert (SWEEP50 / "ibc.toml").exists()


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("points", [10, 100])
def test_generated_file_has_fifty_lines_and_one_big_sweep(style, points):
    text = generate(points, style)
    assert len(text.splitlines()) == 50
    assert text.count("sweep big = ") == 1
    assert big_sweep(points, style) in text.splitlines()


def test_generator_refuses_what_it_cannot_write():
    with pytest.raises(ValueError):
        big_sweep(15, "product")  # not a multiple of 10
    with pytest.raises(ValueError):
        big_sweep(0, "list")
    with pytest.raises(ValueError):
        big_sweep(10, "grid")


@pytest.mark.parametrize("style,points", [("product", 30), ("list", 25), ("zip", 12)])
def test_generated_sweep_has_exactly_the_requested_distinct_points(tmp_path, style, points):
    path = write_project(points, tmp_path / "p", style)
    assert (tmp_path / "p" / "src" / "prep.py").exists()
    names = _points(path, tmp_path)
    assert len(names) == points
    assert len(set(names)) == points
    assert all(name.startswith("big[") for name in names)


def test_generated_product_sweep_of_1000_points_compiles(tmp_path):
    path = write_project(1000, tmp_path / "p")
    assert len(_points(path, tmp_path)) == 1000


def test_grid4_shares_the_preprocessing_and_the_control_does_not(tmp_path):
    from sweeps import graph_counts

    counts = graph_counts(SWEEP50, tmp_path, ("grid4", "limits4"), True)
    grid, control = counts["grid4"], counts["limits4"]
    assert grid["points"] == control["points"] == 4
    assert grid["stage nodes by function"]["preprocess"] == 1
    assert grid["stage nodes by function"]["fit"] == 4
    # `margin` runs once per distinct fitted model: points whose fits come out identical share
    # its key (stages are keyed by their inputs' content)
    assert {k: v for k, v in grid["executions"].items() if k != "margin"} == {
        "preprocess": 1,
        "take_columns": 1,
    }
    assert 1 <= grid["executions"]["margin"] <= 4
    assert control["stage nodes by function"]["preprocess"] == 4
    assert control["executions"]["preprocess"] == 4
    assert grid["values"] == 4
