"""Sweeps and `-s` on emitted programs: points run and named, selected, used as a dict value,
failing alone; `-s PATH=LITERAL` parsed, checked by `ibc.runtime.standalone.check_set` (the
checker plain programs carry too), and layered outermost; `--list-params`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ibc.codegen import ir
from ibc.codegen.script import emit_script
from ibc.runtime.overrides import SetError, parse_set
from runtime_counting import CALLS
from runtime_irkit import binding, g, lit, load, program, pyref, run, sp, target

C = "runtime_counting"
HERE = Path(__file__).resolve().parent


def over(path: str, value) -> ir.IrOverride:
    return ir.IrOverride(path, value, sp(20))


def point(name: str, *overrides) -> ir.IrPoint:
    return ir.IrPoint(name, ir.IrLayer(tuple(overrides)))


def fit_call(**kwargs) -> ir.Stage:
    return ir.Stage(
        pyref(C, "fit"),
        (g("prepared"),),
        tuple(kwargs.items()) or (("C", lit(1.0)),),
        sp(5, 9),
        "model",
        ("data",),
        "fit",
    )


PARAMS = (
    ("model.C", "float"),
    ("model.tol", "float"),
    ("seed", "int"),
    ("seeds", "list[int]"),
    ("pair", "tuple[int, str]"),
    ("maybe", "typing.Optional[float]"),
    ("name", "str"),
)


def grid_program(points=None, more_targets=(), overrides=None) -> ir.IrProgram:
    """`data = load(seed)`, `prepared = prepare(data)`, `model = fit(prepared, C = 1.0)`,
    `experiment baseline = model`, `sweep grid = model` over C."""
    if points is None:
        points = [point(f"grid[model.C={c}]", over("model.C", lit(c))) for c in (0.01, 0.1, 10.0)]
    prog = program(
        bindings=[
            binding("seed", lit(3)),
            binding("data", ir.Stage(pyref(C, "load"), (g("seed"),), (), sp(3), "data", ("n",))),
            binding("prepared", ir.Stage(pyref(C, "prepare"), (g("data"),), (), sp(4))),
            binding("model", fit_call()),
        ],
        targets=[
            target("baseline", g("model"), 7),
            ir.IrTarget("grid", g("model"), "sweep", sp(8), None, tuple(points)),
            *more_targets,
        ],
    )
    fields = {f: getattr(prog, f) for f in prog.__record_fields__}
    return ir.IrProgram(**{**fields, "params": PARAMS, "overrides": overrides})


# -- sweeps ----------------------------------------------------------------------------------


def test_a_sweep_prints_one_line_per_point(capsys):
    CALLS.clear()
    code, out, err = run(grid_program(), ["grid"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        "grid[model.C=0.01]",
        "grid[model.C=0.1]",
        "grid[model.C=10.0]",
    ]
    assert json.loads(lines[1].split(": ", 1)[1])["C"] == 0.1
    assert (CALLS["load"], CALLS["prepare"], CALLS["fit"]) == (1, 1, 3)


def test_all_targets_and_json_keys_are_point_names(capsys):
    code, out, _ = run(grid_program(), ["--json"], capsys)
    assert code == 0
    assert list(json.loads(out)) == [
        "baseline",
        "grid[model.C=0.01]",
        "grid[model.C=0.1]",
        "grid[model.C=10.0]",
    ]


def test_one_point_runs_by_its_name(capsys):
    CALLS.clear()
    code, out, _ = run(grid_program(), ["grid[model.C=10.0]"], capsys)
    assert code == 0 and out.startswith('grid[model.C=10.0]: {"C": 10.0,')
    assert CALLS["fit"] == 1


def test_an_unknown_point_name_is_bad_usage_with_a_suggestion(capsys):
    code, _, err = run(grid_program(), ["grid[model.C=10]"], capsys)
    assert code == 2
    assert "did you mean `grid[model.C=10.0]`?" in err


def test_a_sweep_used_as_a_value_is_a_dict_in_point_order(capsys):
    summary = target("summary", ir.Stage(pyref(C, "summarize"), (g("grid"),), (), sp(9)), 9)
    CALLS.clear()
    code, out, _ = run(grid_program(more_targets=[summary]), ["summary"], capsys)
    assert code == 0
    assert out == (
        'summary: {"grid[model.C=0.01]": 0.01, "grid[model.C=0.1]": 0.1, '
        '"grid[model.C=10.0]": 10.0}\n'
    )
    assert CALLS["prepare"] == 1


def test_a_with_on_a_sweep_wins_over_its_points(capsys):
    layer = ir.IrLayer((over("model.C", lit(99.0)),))
    t = target("forced", ir.WithE(g("grid"), layer, sp(10)), 10)
    ns = load(grid_program(more_targets=[t]))
    assert set(v["C"] for v in ns["program"].evaluate("forced").values()) == {99.0}


def test_a_failing_point_is_named_and_the_others_run(capsys):
    failing = ir.Stage(pyref(C, "fails_for"), (g("data"),), (("C", lit(1.0)),), sp(6, 3), "model")
    prog = program(
        bindings=[binding("data", lit(1)), binding("model", failing)],
        targets=[
            ir.IrTarget(
                "grid",
                g("model"),
                "sweep",
                sp(8),
                None,
                tuple(
                    point(f"grid[model.C={c}]", over("model.C", lit(c))) for c in (1.0, -1.0, 2.0)
                ),
            )
        ],
    )
    code, out, err = run(prog, [], capsys)
    assert code == 3
    assert out == "grid[model.C=1.0]: 1.0\ngrid[model.C=2.0]: 2.0\n"
    assert err.startswith("error: sweep point grid[model.C=-1.0] failed\n")
    assert "in call of fails_for at cancer.ib:6:3" in err and "negative C -1.0" in err


def test_a_point_may_override_with_a_non_literal_value(capsys):
    swap = over("fit", ir.RefValue(pyref(C, "fit_v2")))
    points = [
        point("grid[fit=fit_v2,seed=1]", swap, over("seed", lit(1))),
        point("grid[fit=fit_v2,seed=2]", swap, over("seed", lit(2))),
    ]
    code, out, _ = run(grid_program(points), ["grid"], capsys)
    assert code == 0
    assert out == (
        'grid[fit=fit_v2,seed=1]: {"v2": true, "C": 1.0}\n'
        'grid[fit=fit_v2,seed=2]: {"v2": true, "C": 1.0}\n'
    )


def test_a_list_point_value_keeps_its_elements_parameters(capsys):
    """A literal list set at `seeds` by a point is built under the layers below the point:
    an outer layer (here the compile-time overrides) that sets `seeds[1]` reaches into it."""
    points = [point("s[seeds=[1, 2]]", over("seeds", ir.ListE((lit(1), lit(2)))))]
    prog = program(
        bindings=[binding("seeds", ir.ListE((lit(0),), path="seeds"))],
        targets=[ir.IrTarget("s", g("seeds"), "sweep", sp(2), None, tuple(points))],
    )
    fields = {f: getattr(prog, f) for f in prog.__record_fields__}
    prog = ir.IrProgram(
        **{**fields, "params": PARAMS, "overrides": ir.IrLayer((over("seeds[1]", lit(7)),))}
    )
    assert run(prog, [], capsys)[:2] == (0, "s[seeds=[1, 2]]: [1, 7]\n")


# -- -s ---------------------------------------------------------------------------------------


def test_set_overrides_a_parameter_outermost(capsys):
    with_ = target(
        "with5",
        ir.WithE(g("model"), ir.IrLayer((over("model.C", lit(5.0)),)), sp(9)),
        9,
    )
    code, out, err = run(
        grid_program(more_targets=[with_]), ["-s", "model.C=0.5", "-sseed=2", "--json"], capsys
    )
    assert (code, err) == (0, "")
    values = json.loads(out)
    assert {v["C"] for v in values.values()} == {0.5}  # wins over `with` and points
    assert {v["n"] for v in values.values()} == {2}


def test_set_wins_over_the_compile_time_overrides(capsys):
    prog = grid_program(overrides=ir.IrLayer((over("seed", lit(4)), over("model.C", lit(2.0)))))
    code, out, _ = run(prog, ["baseline", "-s", "seed=1"], capsys)
    assert (code, out) == (0, 'baseline: {"C": 2.0, "tol": 0.001, "n": 1, "sum": 1}\n')


def test_set_accepts_int_for_float_lists_tuples_optional(capsys):
    params = dict(PARAMS)
    assert parse_set("model.C=1", params) == ("model.C", 1)
    assert parse_set("seeds=[0, 1]", params) == ("seeds", [0, 1])
    assert parse_set("pair=(1, 'a')", params) == ("pair", (1, "a"))
    assert parse_set("maybe=None", params) == ("maybe", None)
    assert parse_set(" name = 'x y' ", params) == ("name", "x y")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model.C='high'", "-s model.C: expected float, got str 'high'"),
        ("model.C=True", "-s model.C: expected float, got bool True"),
        ("seed=1.5", "-s seed: expected int, got float 1.5"),
        ("seeds=[0, 'a']", "-s seeds: expected list[int], got list [0, 'a']"),
        ("seeds=[True]", "-s seeds: expected list[int], got list [True]"),
        ("pair=(1, 2)", "-s pair: expected tuple[int, str], got tuple (1, 2)"),
        ("model.c=1", "-s model.c: unknown parameter; did you mean model.C"),
        ("model.C", "-s model.C: expected PATH=LITERAL"),
        ("name=high", "to pass the string, quote it: -s 'name=\"high\"'"),
        ("seed=1+", "`1+` is not a literal value"),
        ("seed={'a': 1}", "is a dict; -s takes a number, string, boolean, None"),
    ],
)
def test_set_errors(text, message):
    with pytest.raises(SetError) as error:
        parse_set(text, dict(PARAMS))
    assert message in str(error.value)


def test_set_errors_exit_2_before_running(capsys):
    CALLS.clear()
    code, out, err = run(grid_program(), ["-s", "model.C='high'"], capsys)
    assert (code, out) == (2, "")
    assert err == "error: -s model.C: expected float, got str 'high'\n(see --help)\n"
    assert CALLS["load"] == 0
    assert run(grid_program(), ["-s"], capsys)[0] == 2
    code, _, err = run(grid_program(), ["-s", "sed=1"], capsys)
    assert code == 2 and "did you mean seed" in err


def test_list_params(capsys):
    code, out, _ = run(grid_program(), ["--list-params"], capsys)
    assert code == 0
    assert out.splitlines() == [f"{p}: {t}" for p, t in PARAMS]


def _script(tmp_path: Path, prog: ir.IrProgram) -> Path:
    out = tmp_path / "prog.py"
    out.write_text(emit_script(prog, out), encoding="utf-8")
    return out


PROBE = (
    "import runpy, sys\n"
    "sys.argv = [sys.argv[1], *sys.argv[2:]]\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "except SystemExit as done:\n"
    "    print('EXIT', done.code, 'typeguard' in sys.modules)\n"
)


@pytest.mark.parametrize(("args", "imported"), [([], False), (["-s", "seed=2"], False)])
def test_set_is_checked_without_typeguard(tmp_path, args, imported):
    """`-s` values are checked by `ibc.runtime.standalone.check_set` (standard library only,
    the checker plain programs carry too)."""
    path = _script(tmp_path, grid_program())
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), *sys.path]))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), "baseline", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"EXIT 0 {imported}"


def test_help_names_sweeps_and_set(capsys):
    code, out, _ = run(grid_program(), ["--help"], capsys)
    assert code == 0
    assert "grid      sweep (3 points)" in out
    assert "-s PATH=LITERAL" in out and "--list-params" in out
