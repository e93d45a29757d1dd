"""Constant folding in the builder (`ibc.runtime.folding`, docs/running.md "Constant
expressions"): an operator on constants is the literal node of its result, computed under the
layers in force; what fails or would be large is left to the run."""

import itertools
import math

import pytest

from ibc.runtime import Evaluator, Graph, Ref, Scope
from ibc.runtime.errors import StageFailure
from ibc.runtime.graph import literal_code

F = Ref("runtime_counting", "total")


def builder():
    return Scope({}, Graph()).root


def test_an_operator_on_literals_is_the_literal_of_its_result():
    m = builder()
    assert m.binop("*", m.lit(1.0), m.lit(2)) is m.lit(2.0)
    assert m.binop("*", m.lit(1), m.lit(2)) is m.lit(2)
    assert m.lit(2).key != m.lit(2.0).key  # 1 and 1.0 stay apart
    assert m.binop("+", m.lit("w"), m.lit("ine")) is m.lit("wine")
    assert m.unop("-", m.lit(1.0)) is m.lit(-1.0)
    assert m.unop("-", m.lit(0.0)) is m.lit(-0.0) and m.lit(-0.0) is not m.lit(0.0)
    assert m.unop("not", m.lit(0)) is m.lit(True)
    assert m.compare(m.lit(1), ["<", "<="], [m.lit(2), m.lit(2)]) is m.lit(True)
    assert m.compare(m.lit("r"), ["in"], [m.list([m.lit("r"), m.lit("g")])]) is m.lit(True)
    # a stage given the expression is the stage given its value
    two = m.call(F, [m.list([m.binop("/", m.lit(4.0), m.lit(2)), m.lit(1)])])
    assert two is m.call(F, [m.list([m.lit(2.0), m.lit(1)])])


def test_containers_of_constants_fold_into_the_same_nodes_as_their_literals():
    m = builder()
    joined = m.binop("+", m.list([m.lit(1)]), m.list([m.lit(2)]))
    assert joined is m.const([1, 2])
    assert m.binop("*", m.tuple([m.lit("a")]), m.lit(2)) is m.const(("a", "a"))
    record = m.record({"lr": m.binop("/", m.lit(1.0), m.lit(10)), "n": m.lit(3)})
    assert record is m.record({"lr": m.lit(0.1), "n": m.lit(3)})
    assert m.compare(record, ["=="], [m.record({"lr": m.lit(0.1), "n": m.lit(3)})]) is m.lit(True)


def test_a_constant_condition_picks_its_branch_whatever_the_branches_are():
    m = builder()
    stage = m.call(F, [m.list([m.lit(1)])])
    other = m.call(F, [m.list([m.lit(2)])])
    yes = m.compare(m.lit(1.0), [">"], [m.lit(0.5)])
    assert m.cond(yes, stage, other) is stage
    assert m.cond(m.list([]), stage, other) is other
    assert m.boolop("and", m.lit(True), stage) is stage
    assert m.boolop("and", m.lit(0), stage) is m.lit(0)
    assert m.boolop("or", m.lit(""), stage) is stage
    assert m.boolop("or", m.lit(7), stage) is m.lit(7)
    # a condition that is a stage stays a conditional
    assert m.cond(stage, m.lit(1), m.lit(2)).op == "cond"
    assert m.boolop("and", stage, m.lit(1)).op == "boolop"


def test_reads_of_a_written_structure_are_the_part_read():
    m = builder()
    stage = m.call(F, [m.list([m.lit(1)])])
    assert m.field(m.record({"a": stage, "b": m.lit(1)}), "a") is stage
    assert m.index(m.list([m.lit(10), stage]), m.lit(-1)) is stage
    assert m.index(m.record({"a": stage}), m.lit("a")) is stage
    assert m.index(m.lit("abc"), m.lit(1)) is m.lit("b")
    assert m.unpack(m.tuple([stage, m.lit(2)]), 0, 2) is stage
    # out of range, the wrong length, or a stage's value: left to the run
    assert m.index(m.list([m.lit(10)]), m.lit(3)).op == "index"
    assert m.unpack(m.tuple([stage, m.lit(2)]), 0, 3).op == "unpack"
    assert m.field(stage, "a").op == "field"


def test_folding_happens_under_the_layers_in_force():
    scope = Scope(
        {
            "alpha": lambda m: m.lit(1.0),
            "doubled": lambda m: m.binop("*", m.get("alpha"), m.lit(2)),
            "fit": lambda m: m.call(F, [m.list([m.get("doubled")])]),
        },
        Graph(),
    )
    m = scope.root
    assert scope.get("doubled") is m.lit(2.0)
    over = m.with_(lambda m: m.get("fit"), {"alpha": 3.0})
    assert over is m.call(F, [m.list([m.lit(6.0)])])
    assert over is not scope.get("fit")
    # an override given as an expression is folded too
    expr = m.with_(
        lambda m: m.get("doubled"), {"alpha": lambda m: m.binop("+", m.lit(1), m.lit(2))}
    )
    assert expr is m.lit(6)


UNFOLDED = [  # (named by position: pytest would print the large integers)
    ("/", 1.0, 0),  # fails: the run reports it where it is written
    ("//", 1, 0),
    ("**", 0, -1),
    ("+", "a", 1),
    ("*", "x", 10**9),  # large values are not built while the graph is
    ("*", [0], 20_000),
    ("**", 10, 10**8),
    ("*", 2**8000, 2**8000),
    ("**", 2, 9000),
    ("%", "%d", 3),  # printf-style formatting is left to the run
    ("**", -8.0, 0.5),  # a complex result is not literal data
]


@pytest.mark.parametrize(
    "op, left, right", UNFOLDED, ids=[f"{op}-{i}" for i, (op, _, _) in enumerate(UNFOLDED)]
)
def test_what_fails_or_is_large_is_not_folded(op, left, right):
    m = builder()
    node = m.binop(op, m.const(left), m.const(right), at="t.ib:1:1")
    assert node.op == "binop"
    if op in ("/", "//") or (op == "+" and isinstance(left, str)):
        with pytest.raises(StageFailure):
            Evaluator().value(node)


SCALARS = [0, 1, -3, 7, 2.5, -0.0, 0.1, True, False, "ab", "", None, math.inf]


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "//", "%", "**"])
def test_a_folded_value_is_the_value_and_type_the_run_computes(op):
    m = builder()
    graph = m.graph
    for a, b in itertools.product(SCALARS, SCALARS):
        if op == "%" and isinstance(a, str):
            continue
        # the same operation, unfolded: as the run computes it
        plain = graph.make("binop", (op,), op, (m.lit(a), m.lit(b)))
        try:
            expected = Evaluator().value(plain)
        except StageFailure:
            assert m.binop(op, m.lit(a), m.lit(b)).op == "binop", (a, op, b)
            continue
        folded = m.binop(op, m.lit(a), m.lit(b))
        if isinstance(expected, complex):
            assert folded.op == "binop"
            continue
        assert folded.op == "lit", (a, op, b)
        assert literal_code(folded.data) == literal_code(expected), (a, op, b)


def test_map_over_a_folded_list_is_one_stage_per_element():
    m = builder()
    mapped = m.call(
        Ref("ibc.runtime.prelude", "map"),
        [m.ref(F), m.binop("+", m.list([m.const([1])]), m.list([m.const([2])]))],
    )
    assert mapped.op == "list"
    assert mapped.inputs == (m.call(F, [m.const([1])]), m.call(F, [m.const([2])]))
    assert Evaluator().value(mapped) == [1, 2]
