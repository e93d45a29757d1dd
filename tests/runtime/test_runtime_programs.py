"""Hand-built IR programs, emitted with the script target and evaluated in-process."""

import sys

import pytest

from ibc.codegen import ir
from ibc.runtime import Evaluator, StageFailure, UnpackError
from runtime_counting import CALLS
from runtime_irkit import binding, call, g, lit, load, prelude, program, pyref, sp, target, value

C = "runtime_counting"
LOAD, TOTAL, SCALE = pyref(C, "load"), pyref(C, "total"), pyref(C, "scale")
MISSING = pyref("no_such_module_for_ibc_tests", "f")


@pytest.fixture(autouse=True)
def reset_counts():
    CALLS.clear()


def bin_(op, a, b):
    return ir.BinE(op, a, b, sp(1))


def test_a_stage_shared_by_two_experiments_runs_once():
    prog = program(
        bindings=[binding("data", call(LOAD, lit(5), line=2))],
        targets=[
            target("a", call(TOTAL, g("data"), line=3)),
            target("b", call(TOTAL, call(SCALE, g("data"), line=4), line=4)),
            target("c", call(TOTAL, call(LOAD, lit(5)), line=5)),  # equal to `data`: shared
        ],
    )
    emitted = load(prog)["program"]
    scope, evaluator = emitted.scope(), Evaluator()
    results = {t: evaluator.value(scope.get(t)) for t in "abc"}
    assert results == {"a": 10, "b": 20, "c": 10}
    assert CALLS["load"] == 1
    assert CALLS["total"] == 2  # `a` and `c` are the same node
    assert evaluator.stats["ran"] == 4


def test_unused_reference_is_never_imported():
    prog = program(
        bindings=[binding("unused", call(MISSING, line=2)), binding("x", lit(1))],
        targets=[target("t", bin_("+", g("x"), lit(1)))],
    )
    assert value(prog, "t") == 2
    assert "no_such_module_for_ibc_tests" not in sys.modules


def test_only_the_chosen_branch_runs():
    def cond(c):
        return ir.CondE(lit(c), call(LOAD, lit(3)), call(MISSING), sp(1))

    assert value(program(targets=[target("t", cond(True))]), "t") == [0, 1, 2]
    with pytest.raises(StageFailure, match="cannot import module"):
        value(program(targets=[target("t", cond(False))]), "t")


@pytest.mark.parametrize(
    "op,a,b,expected",
    [
        ("+", 7, 2, 9),
        ("-", 7, 2, 5),
        ("*", 7, 2, 14),
        ("/", 7, 2, 3.5),
        ("//", 7, 2, 3),
        ("%", -7, 2, 1),
        ("**", 2, 10, 1024),
        ("+", "a", "b", "ab"),
        ("*", "ab", 2, "abab"),
    ],
)
def test_binary_operators_follow_python(op, a, b, expected):
    got = value(program(targets=[target("t", bin_(op, lit(a), lit(b)))]), "t")
    assert got == expected and type(got) is type(expected)


def test_unary_boolean_and_comparison_operators():
    def cmp(first, ops, rest):
        return ir.CmpE(lit(first), tuple(ops), tuple(lit(r) for r in rest), sp(1))

    exprs = {
        "neg": ir.UnE("-", lit(3), sp(1)),
        "not": ir.UnE("not", lit(0), sp(1)),
        "and_short": ir.BoolE("and", lit(0), call(MISSING), sp(1)),
        "or_short": ir.BoolE("or", lit("x"), call(MISSING), sp(1)),
        "and_value": ir.BoolE("and", lit(1), lit("y"), sp(1)),
        "chain_true": cmp(1, ["<", "<="], [2, 2]),
        "chain_false": cmp(1, ["<", ">"], [2, 5]),
        "in": ir.CmpE(lit(2), ("in",), (ir.ListE((lit(1), lit(2))),), sp(1)),
        "not_in": ir.CmpE(lit("z"), ("not in",), (lit("abc"),), sp(1)),
    }
    prog = program(targets=[target(k, v) for k, v in exprs.items()])
    got = {k: value(prog, k) for k in exprs}
    assert got == {
        "neg": -3,
        "not": True,
        "and_short": 0,
        "or_short": "x",
        "and_value": "y",
        "chain_true": True,
        "chain_false": False,
        "in": True,
        "not_in": True,
    }


def test_records_fields_dicts_tuples_index_attr_and_methods():
    box = pyref(C, "Box", kind="class")
    prog = program(
        bindings=[
            binding("r", ir.RecordE((("a", lit(1)), ("b", ir.TupleE((lit(2), lit(3))))))),
            binding("d", ir.DictE(((lit(1), lit("one")), (lit("k"), lit(None))))),
            binding("box", call(box, lit(4))),
        ],
        targets=[
            target("field", ir.FieldE(g("r"), "a", sp(1))),
            target("index", ir.IndexE(ir.FieldE(g("r"), "b", sp(1)), lit(1), sp(1))),
            target("dict", g("d")),
            target("attr", ir.AttrE(g("box"), "v", sp(1))),
            target("method", ir.MethodStage(g("box"), "times", (lit(3),), (), sp(1))),
            target("record", g("r")),
        ],
    )
    assert value(prog, "field") == 1
    assert value(prog, "index") == 3
    assert value(prog, "dict") == {1: "one", "k": None}
    assert value(prog, "attr") == 4
    assert value(prog, "method") == 12
    assert value(prog, "record") == {"a": 1, "b": (2, 3)}


def test_dotted_reference_names_and_reference_values():
    hello = pyref(C, "Outer.inner.hello", local="hello")
    apply_all = pyref(C, "apply_all")
    prog = program(
        targets=[
            target("dotted", call(hello, lit("ib"))),
            target("as_value", call(apply_all, ir.RefValue(hello), ir.ListE((lit("a"),)))),
        ]
    )
    assert value(prog, "dotted") == "hello ib"
    assert value(prog, "as_value") == ["hello a"]


def test_defs_are_expanded_with_defaults_and_keyword_arguments():
    # def add_k(x, k = 10): y = x + k; return y * 2     — and a def calling a def defined later
    add_k = ir.IrDef(
        "add_k",
        (ir.IrParam("x"), ir.IrParam("k", lit(10))),
        (ir.IrBinding("y", bin_("+", ir.Local("x"), ir.Local("k")), sp(2)),),
        bin_("*", ir.Local("y"), lit(2)),
        sp(1),
    )
    twice = ir.IrDef(
        "twice",
        (ir.IrParam("class"),),
        (),
        ir.DefCall(
            "add_k",
            (ir.DefCall("add_k", (ir.Local("class"),), (), sp(3)),),
            (("k", lit(0)),),
            sp(3),
        ),
        sp(3),
    )
    prog = program(
        defs=[twice, add_k],
        targets=[
            target("default", ir.DefCall("add_k", (lit(1),), (), sp(5))),
            target("keyword", ir.DefCall("add_k", (lit(1),), (("k", lit(2)),), sp(6))),
            target("nested", ir.DefCall("twice", (lit(1),), (), sp(7))),
        ],
    )
    assert value(prog, "default") == 22
    assert value(prog, "keyword") == 6
    assert value(prog, "nested") == 44


def test_lambdas_applied_in_ib_and_passed_to_python():
    apply_all = pyref(C, "apply_all")
    make_adder = pyref(C, "make_adder")
    inc = ir.LambdaE(("x",), bin_("+", ir.Local("x"), lit(1)), sp(1))
    # def scale_by(k): return apply_all(fn x => x * k, [1, 2])   — captures a def parameter
    scale_by = ir.IrDef(
        "scale_by",
        (ir.IrParam("k"),),
        (),
        call(
            apply_all,
            ir.LambdaE(("x",), bin_("*", ir.Local("x"), ir.Local("k")), sp(2)),
            ir.ListE((lit(1), lit(2))),
        ),
        sp(2),
    )
    nested = ir.LambdaE(
        ("a",), ir.LambdaE(("b",), bin_("-", ir.Local("a"), ir.Local("b")), sp(1)), sp(1)
    )
    prog = program(
        defs=[scale_by],
        bindings=[binding("inc", inc)],
        targets=[
            target("applied", ir.Apply(g("inc"), (lit(41),), (), sp(3))),
            target("passed", call(apply_all, g("inc"), ir.ListE((lit(1), lit(2))))),
            target("captured", ir.DefCall("scale_by", (lit(10),), (), sp(4))),
            target(
                "curried",
                call(
                    apply_all, ir.Apply(nested, (lit(10),), (), sp(5)), ir.ListE((lit(1), lit(2)))
                ),
            ),
            target("runtime_fn", ir.Apply(call(make_adder, lit(5)), (lit(1),), (), sp(6))),
            target("map", call(prelude("map"), g("inc"), ir.ListE((lit(0),)))),
            target("def_value", call(apply_all, g("scale_by"), ir.ListE((lit(3),)))),
        ],
    )
    assert value(prog, "applied") == 42
    assert value(prog, "passed") == [2, 3]
    assert value(prog, "captured") == [10, 20]
    assert value(prog, "curried") == [9, 8]
    assert value(prog, "runtime_fn") == 6
    assert value(prog, "map") == [1]
    assert value(prog, "def_value") == [[3, 6]]


def test_a_python_function_calling_a_nested_closure():
    apply_all = pyref(C, "apply_all")
    # fn a => apply_all(fn b => a + b, [1, 2]) passed to apply_all over [10, 20]
    inner = ir.LambdaE(("b",), bin_("+", ir.Local("a"), ir.Local("b")), sp(1))
    outer = ir.LambdaE(("a",), call(apply_all, inner, ir.ListE((lit(1), lit(2)))), sp(1))
    prog = program(targets=[target("t", call(apply_all, outer, ir.ListE((lit(10), lit(20)))))])
    assert value(prog, "t") == [[11, 12], [21, 22]]


def test_destructuring_checks_the_length_with_the_ib_location():
    triple = pyref(C, "triple")
    prog = program(
        bindings=[
            binding("_ab", call(triple, line=4, col=10), 4, hidden=True),
            binding("a", ir.Unpack(g("_ab"), 0, 2, sp(4, 1)), 4),
            binding("b", ir.Unpack(g("_ab"), 1, 2, sp(4, 1)), 4),
        ],
        targets=[target("t", g("a"))],
    )
    with pytest.raises(StageFailure) as info:
        value(prog, "t")
    assert isinstance(info.value.error, UnpackError)
    assert str(info.value.error) == "`(a, b) = triple(…)` at cancer.ib:4:1 expects 2 values, got 3"


def test_destructuring_of_the_right_length():
    prog = program(
        bindings=[
            binding("_p", ir.TupleE((lit(1), lit("two"))), hidden=True),
            binding("one", ir.Unpack(g("_p"), 0, 2, sp(1))),
            binding("two", ir.Unpack(g("_p"), 1, 2, sp(1))),
        ],
        targets=[target("t", ir.TupleE((g("two"), g("one"))))],
    )
    assert value(prog, "t") == ("two", 1)
