"""The `script` target: golden emitted code, determinism, validity, and a realistic run.

Goldens live in tests/golden/script/NAME.py (black-formatted emitted code), compared by
tests/golden_kit.py; regenerate them with
`python -m pytest tests/codegen/test_script.py --update-golden` and read the diff.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from golden_kit import check_golden

from ibc.codegen import ir
from ibc.codegen.format import format_python
from ibc.codegen.script import emit_script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "runtime"))
from runtime_irkit import (  # noqa: E402
    binding,
    call,
    g,
    lit,
    load,
    prelude,
    program,
    pyref,
    run,
    sp,
    target,
    value,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "script"


def cancer() -> ir.IrProgram:
    """The baseline of docs/guide.md §1: load, split, prepare (a def), fit, metric."""
    load_bc = pyref("sklearn.datasets", "load_breast_cancer", span=sp(1))
    tts = pyref("sklearn.model_selection", "train_test_split", span=sp(2))
    lr = pyref("sklearn.linear_model", "LogisticRegression", kind="class", span=sp(3))
    acc = pyref("sklearn.metrics", "accuracy_score", span=sp(4))
    scaler = pyref("sklearn.preprocessing", "StandardScaler", kind="class", span=sp(5))
    split_names = ["X_train", "X_test", "y_train", "y_test"]
    prepare = ir.IrDef(
        "prepare",
        (ir.IrParam("X"),),
        (),
        call(
            prelude("fit_transform"), call(scaler, line=15, col=30), ir.Local("X"), line=15, col=12
        ),
        sp(14),
    )
    return program(
        refs=[
            load_bc,
            tts,
            lr,
            acc,
            scaler,
            prelude("fit"),
            prelude("predict"),
            prelude("fit_transform"),
        ],
        defs=[prepare],
        bindings=[
            binding("test_size", lit(0.25), 9),
            binding("seed", lit(0), 10),
            binding("_Xy", call(load_bc, line=11, col=10, return_X_y=lit(True)), 11, hidden=True),
            binding("X", ir.Unpack(g("_Xy"), 0, 2, sp(11)), 11),
            binding("y", ir.Unpack(g("_Xy"), 1, 2, sp(11)), 11),
            binding(
                "_split",
                call(
                    tts,
                    g("X"),
                    g("y"),
                    line=12,
                    col=36,
                    test_size=g("test_size"),
                    random_state=g("seed"),
                ),
                12,
                hidden=True,
            ),
            *[
                binding(n, ir.Unpack(g("_split"), i, 4, sp(12)), 12)
                for i, n in enumerate(split_names)
            ],
            binding(
                "model", call(lr, line=17, col=9, path="model", C=lit(1.0), max_iter=lit(5000)), 17
            ),
            binding(
                "fitted",
                call(
                    prelude("fit"),
                    g("model"),
                    ir.DefCall("prepare", (g("X_train"),), (), sp(18, 26)),
                    g("y_train"),
                    line=18,
                    col=10,
                ),
                18,
            ),
        ],
        targets=[
            target(
                "baseline",
                ir.RecordE(
                    (
                        (
                            "accuracy",
                            call(
                                acc,
                                g("y_test"),
                                call(
                                    prelude("predict"),
                                    g("fitted"),
                                    ir.DefCall("prepare", (g("X_test"),), (), sp(20, 70)),
                                    line=20,
                                    col=50,
                                ),
                                line=20,
                                col=35,
                            ),
                        ),
                    )
                ),
                20,
            )
        ],
        root="/home/user/cancer",
    )


def functional() -> ir.IrProgram:
    """defs with defaults, lambdas, conditionals, operators, records, awkward names."""
    mod = "runtime_counting"
    apply_all = pyref(mod, "apply_all")
    box = pyref(mod, "Box", kind="class")
    hello = pyref(mod, "Outer.inner.hello", local="print")
    add = ir.IrDef(
        "add",
        (ir.IrParam("lambda"), ir.IrParam("k", lit(10))),
        (ir.IrBinding("m", ir.BinE("+", ir.Local("lambda"), ir.Local("k"), sp(3)), sp(3)),),
        ir.BinE("*", ir.Local("m"), lit(2), sp(4)),
        sp(2),
    )
    inc = ir.LambdaE(("x",), ir.BinE("+", ir.Local("x"), lit(1), sp(6)), sp(6))
    return program(
        refs=[apply_all, box, hello],
        defs=[add],
        bindings=[
            binding("class", lit('quote " and \\ and\nnewline ✓'), 5),
            binding("inc", inc, 6),
            binding("len", ir.CmpE(lit(1), ("<", "<="), (lit(2), lit(3)), sp(7)), 7),
            binding("b", call(box, lit(3), line=8), 8),
        ],
        targets=[
            target(
                "program",
                ir.RecordE(
                    (
                        ("add", ir.DefCall("add", (lit(1),), (("k", lit(2)),), sp(10))),
                        ("mapped", call(apply_all, g("inc"), ir.ListE((lit(1), lit(2))), line=11)),
                        ("applied", ir.Apply(g("inc"), (lit(41),), (), sp(12))),
                        (
                            "cond",
                            ir.CondE(
                                g("len"),
                                ir.FieldE(ir.RecordE((("f", lit("yes")),)), "f", sp(13)),
                                lit(None),
                                sp(13),
                            ),
                        ),
                        ("method", ir.MethodStage(g("b"), "times", (lit(2),), (), sp(14))),
                        ("attr", ir.AttrE(g("b"), "v", sp(15))),
                        (
                            "both",
                            ir.BoolE(
                                "and",
                                ir.UnE("not", lit(False), sp(16)),
                                ir.IndexE(ir.DictE(((lit("k"), lit(7)),)), lit("k"), sp(16)),
                                sp(16),
                            ),
                        ),
                        ("hello", call(hello, g("class"), line=17)),
                        ("tuple", ir.TupleE((lit(1.0), lit(-2)))),
                    )
                ),
                9,
            )
        ],
        root="/home/user/proj",
    )


def layers() -> ir.IrProgram:
    """Parameters, `with`, a sweep with literal and non-literal points, the compile-time
    overrides and the parameter table for `-s`."""
    mod = "runtime_counting"
    # a project reference's fingerprint and the definitions it covers (for `ibc why`)
    code = (
        "fit tests/runtime/runtime_counting.py:12 4bf9e409eea8",
        "log tests/runtime/runtime_counting.py:5 b819c05a5de4",
    )
    fit = pyref(mod, "fit", span=sp(1), fingerprint="src:a0c8876819d171d8", code=code)
    fit_v2 = pyref(mod, "fit_v2", span=sp(2))
    double = pyref(mod, "double", span=sp(3))
    apply_all = pyref(mod, "apply_all", span=sp(3))
    model = ir.Stage(fit, (g("data"),), (("C", lit(1.0)),), sp(6, 9), "model", ("data",), "fit")
    mapped = ir.Stage(
        apply_all,
        (ir.RefValue(double, path="double"), ir.ListE((lit(1), lit(2)), path="xs")),
        (),
        sp(7, 10),
    )
    with_layer = ir.IrLayer(
        (
            ir.IrOverride("seed", ir.BinE("+", g("seed"), lit(1), sp(8, 30)), sp(8, 23)),
            ir.IrOverride("model.C", lit(0.5), sp(8, 40)),
        )
    )
    swap = ir.IrOverride("fit", ir.RefValue(fit_v2), sp(9, 30))
    points = tuple(
        ir.IrPoint(
            f"grid[fit=fit_v2,model.tol={tol},xs=[{tol}]]",
            ir.IrLayer(
                (
                    swap,
                    ir.IrOverride("model.tol", lit(tol), sp(9, 40)),
                    ir.IrOverride("xs", ir.ListE((lit(tol),)), sp(9, 50)),
                )
            ),
        )
        for tol in (0.1, 0.01)
    )
    prog = program(
        refs=[fit, fit_v2, double, apply_all],
        bindings=[
            binding("seed", lit(0), 4),
            binding("data", ir.ListE((g("seed"), lit(2)), path="data"), 5),
            binding("model", model, 6),
            binding("mapped", mapped, 7),
            binding("config", ir.RecordE((("lr", lit(0.1)),), path="config"), 8),
        ],
        targets=[
            target("bumped", ir.WithE(g("model"), with_layer, sp(8, 10)), 8),
            ir.IrTarget("grid", g("model"), "sweep", sp(9), None, points),
        ],
        root="/home/user/proj",
    )
    fields = {f: getattr(prog, f) for f in prog.__record_fields__}
    return ir.IrProgram(
        **{
            **fields,
            "overrides": ir.IrLayer((ir.IrOverride("config.lr", lit(0.2), sp(1)),)),
            "params": (("seed", "int"), ("model.C", "float"), ("config.lr", "float")),
        }
    )


CASES = {"cancer": cancer, "functional": functional, "layers": layers}


def check_script_golden(name: str, text: str) -> None:
    check_golden(GOLDEN / f"{name}.py", text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    check_script_golden(name, format_python(emit_script(CASES[name]())))


def test_golden_with_out_path_finds_the_root_relative_to_the_file():
    prog = cancer()
    text = format_python(emit_script(prog, Path("/home/user/cancer/build/cancer.py")))
    assert 'os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")' in text
    assert "/home/user/cancer" not in text
    check_script_golden("cancer_out_path", text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_deterministic(name):
    assert emit_script(CASES[name]()) == emit_script(CASES[name]())


@pytest.mark.parametrize("name", sorted(CASES))
def test_valid_python_and_not_black_formatted_by_emit(name):
    source = emit_script(CASES[name]())
    ast.parse(source)
    assert source.startswith("# Generated by ibc from cancer.ib — do not edit.\n")
    assert f"# sha256: {'0' * 64}\n" in source
    assert source.rstrip().endswith("raise SystemExit(program.main())")


def test_every_call_carries_its_ib_location():
    source = emit_script(cancer())
    assert "at='cancer.ib:12:36'" in source  # train_test_split
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("call", "method", "apply", "unpack")
    ]
    assert len(calls) == 14
    assert all(any(k.arg == "at" for k in c.keywords) for c in calls)
    assert "path='model'" in source


def test_keywords_and_builtins_get_safe_python_names():
    source = emit_script(functional())
    tree = ast.parse(source)
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"class_", "len_", "program_2", "add"} <= defined
    assert "def add(m, lambda_, k=None)" in source
    assert "print_ = Ref(" in source


def test_functional_program_runs(capsys):
    code, out, err = run(functional(), ["--json"], capsys)
    assert (code, err) == (0, "")
    import json

    assert json.loads(out)["program"] == {
        "add": 6,
        "mapped": [2, 3],
        "applied": 42,
        "cond": "yes",
        "method": 6,
        "attr": 3,
        "both": 7,
        "hello": 'hello quote " and \\ and\nnewline ✓',
        "tuple": [1.0, -2],
    }


def test_breast_cancer_baseline_end_to_end(capsys):
    code, out, err = run(cancer(), [], capsys)
    assert code == 0, err
    name, _, rendered = out.strip().partition(": ")
    import json

    accuracy = json.loads(rendered)["accuracy"]
    assert name == "baseline" and 0.9 < accuracy <= 1.0


def test_program_whose_stages_do_not_run_imports_no_user_module():
    prog = program(
        refs=[pyref("definitely_not_installed_xyz", "f")],
        bindings=[binding("unused", call(pyref("definitely_not_installed_xyz", "f")))],
        targets=[target("t", lit(1))],
    )
    ns = load(prog)
    assert ns["program"].evaluate("t") == 1
    assert "definitely_not_installed_xyz" not in sys.modules


def test_a_target_that_is_the_binding_of_the_same_name(capsys):
    """Lowering binds an experiment's value to a binding of its name and makes the target
    `Global(name)`: the binding's builder is registered as the target (no self-reference)."""
    prog = program(
        bindings=[binding("x", lit(2)), binding("second", lit("s")), binding("first", lit("f"))],
        targets=[target("first", g("first"), 3), target("second", g("second"), 2)],
    )
    source = emit_script(prog)
    assert "program.experiment('first', at='cancer.ib:3:1')(first)" in source
    code, out, err = run(prog, [], capsys)
    assert (code, err) == (0, "")
    assert out == 'first: "f"\nsecond: "s"\n'  # targets in the order of the IR's targets


# -- parameter defaults of function values ---------------------------------------------------


def _with_defaults() -> ir.IrProgram:
    """`base = 100; def f(a, b = base) = a + b; g = fn (x, y = base + 1) => x * y` and uses
    of both: applied in `.ib`, by keyword, passed to Python (`apply_all`)."""
    x, y, a, b = (ir.Local(n) for n in "xyab")
    default = ir.BinE("+", g("base"), lit(1), sp(3, 20))
    lam = ir.LambdaE(("x", "y"), ir.BinE("*", x, y, sp(3, 30)), sp(3, 5), (None, default))
    params = (ir.IrParam("a"), ir.IrParam("b", g("base")))
    f = ir.IrDef("f", params, (), ir.BinE("+", a, b, sp(2)), sp(2))
    apply_all = pyref("runtime_counting", "apply_all")
    return program(
        bindings=[binding("base", lit(100)), binding("g", lam, 3)],
        defs=[f],
        targets=[
            target("applied", ir.Apply(g("g"), (lit(2),), (), sp(4)), 4),
            target("keywords", ir.Apply(g("g"), (), (("y", lit(3)), ("x", lit(2))), sp(5)), 5),
            target("to_python", call(apply_all, g("g"), ir.ListE((lit(1), lit(2))), line=6), 6),
            target("def_value", ir.Apply(g("f"), (lit(1),), (), sp(7)), 7),
            target("def_to_python", call(apply_all, g("f"), ir.ListE((lit(1),)), line=8), 8),
        ],
    )


def test_lambda_defaults_are_built_where_the_lambda_is_written():
    source = format_python(emit_script(_with_defaults()))
    assert 'y = m.binop("+", m.get("base"), m.lit(1), at="cancer.ib:3:20")' in source
    assert "defaults=[None, y]" in source
    assert 'defaults=[None, m.get("base")]' in source  # `f` used as a value: the def's default
    assert emit_script(_with_defaults()) == emit_script(_with_defaults())


def test_defaults_apply_in_ib_by_keyword_and_from_python():
    ns = load(_with_defaults())
    got = {t: ns["program"].evaluate(t) for t in ("applied", "keywords", "to_python")}
    assert got == {"applied": 202, "keywords": 6, "to_python": [101, 202]}
    assert ns["program"].evaluate("def_value") == 101
    assert ns["program"].evaluate("def_to_python") == [101]


def test_a_reference_used_only_in_a_default_is_declared():
    total = pyref("runtime_counting", "total")
    default = call(total, ir.ListE((lit(4), lit(5))), line=2)
    lam = ir.LambdaE(("x",), ir.Local("x"), sp(2), (default,))
    prog = program(targets=[target("t", ir.Apply(lam, (), (), sp(2)), 2)])
    assert "total = Ref('runtime_counting', 'total'" in emit_script(prog)
    assert value(prog, "t") == 9


# -- parameters, with, sweeps ---------------------------------------------------------------


def test_layers_program_runs(capsys):
    code, out, err = run(layers(), ["--json"], capsys)
    assert (code, err) == (0, "")
    import json

    # `grid`'s value never uses `xs`: the point names state only what produced them
    assert json.loads(out) == {
        "bumped": {"C": 0.5, "tol": 0.001, "n": 2, "sum": 3},
        "grid[fit=fit_v2,model.tol=0.1]": {"v2": True, "C": 1.0},
        "grid[fit=fit_v2,model.tol=0.01]": {"v2": True, "C": 1.0},
    }
    assert value(layers(), "config") == {"lr": 0.2}


def test_with_and_sweep_points_are_data():
    source = format_python(emit_script(layers()))
    assert (
        'm.with_(\n        lambda m: m.get("model"),\n        {\n'
        '            "seed": lambda m: m.binop("+", m.get("seed"), m.lit(1), at="cancer.ib:8:30"),\n'
        '            "model.C": 0.5,\n' in source
    )
    # the shared non-literal value is one builder; literal values are Python data
    assert source.count("def _grid_fit(m):") == 1
    assert '{"fit": _grid_fit, "model.tol": 0.1, "xs": [0.1]}' in source
    assert 'program.set_overrides({"config.lr": 0.2})' in source
    assert 'callee_path="fit"' in source and 'arg_names=("data",)' in source


def _big_sweep(n: int) -> ir.IrProgram:
    fit = pyref("runtime_counting", "fit")
    swap = ir.IrOverride("fit", ir.RefValue(pyref("runtime_counting", "fit_v2")), sp(9))
    points = tuple(
        ir.IrPoint(
            f"grid[model.C={i / 1000},seed={i % 7}]",
            ir.IrLayer(
                (
                    ir.IrOverride("model.C", lit(i / 1000), sp(9)),
                    ir.IrOverride("seed", lit(i % 7), sp(9)),
                    *((swap,) if i % 2 else ()),
                )
            ),
        )
        for i in range(n)
    )
    model = ir.Stage(fit, (g("seed"),), (("C", lit(1.0)),), sp(6), "model", ("data",), "fit")
    return program(
        refs=[fit],
        bindings=[binding("seed", lit(0)), binding("model", model)],
        targets=[ir.IrTarget("grid", g("model"), "sweep", sp(9), None, points)],
    )


def test_a_thousand_point_sweep_is_a_small_table_emitted_in_linear_size():
    import time

    sizes = {}
    for n in (1000, 2000):
        start = time.perf_counter()
        source = emit_script(_big_sweep(n))
        sizes[n] = (len(source), source.count("\n"), time.perf_counter() - start)
        assert source.count("def ") == 4  # seed, model, grid, `_grid_fit`: no code per point
    per_point = (sizes[2000][0] - sizes[1000][0]) / 1000
    assert per_point < 90  # one table row per point
    assert sizes[1000][0] < 100_000
    assert sizes[2000][2] < 2.0
    ns = load(_big_sweep(1000))
    assert len(ns["program"].targets["grid"].points) == 1000
    assert ns["program"].evaluate("grid[model.C=0.003,seed=3]") == {"v2": True, "C": 0.003}
