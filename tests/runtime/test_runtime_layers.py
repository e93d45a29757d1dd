"""Override layers (docs/parameters.md §2, `ir.WithE`): every kind of parameter path, layering
order, the scope below a layer, and sharing between stacks. Programs are IR built by hand, emitted
with the script target and evaluated in-process."""

from __future__ import annotations

import pytest

from ibc.codegen import ir
from ibc.runtime import Evaluator, Graph, Ref, Scope
from ibc.runtime.layers import Layer, Stack, path_keys
from runtime_counting import CALLS
from runtime_irkit import binding, call, g, lit, load, program, pyref, sp, target, value

C = "runtime_counting"
FIT = pyref(C, "fit")
LOAD = pyref(C, "load")


def layer(**overrides) -> ir.IrLayer:
    """A layer from keyword arguments; `__` in a name stands for `.` (`model__C`)."""
    return ir.IrLayer(
        tuple(ir.IrOverride(k.replace("__", "."), v, sp(20)) for k, v in overrides.items())
    )


def with_(base, **overrides) -> ir.WithE:
    return ir.WithE(base, layer(**overrides), sp(20))


def stage(ref, *args, path=None, arg_names=(), callee_path=None, **kwargs) -> ir.Stage:
    return ir.Stage(ref, args, tuple(kwargs.items()), sp(3), path, tuple(arg_names), callee_path)


def data_program(*targets, extra=()) -> ir.IrProgram:
    """`data = load(3); model = fit(data, C = 1.0)` and the given targets."""
    return program(
        bindings=[
            binding("data", call(LOAD, lit(3))),
            binding("model", stage(FIT, g("data"), path="model", arg_names=("data",), C=lit(1.0))),
            *extra,
        ],
        targets=targets,
    )


# -- every kind of path ---------------------------------------------------------------------


def test_binding_path():
    prog = data_program(target("t", with_(g("model"), data=ir.ListE((lit(5), lit(6))))))
    assert value(prog, "t")["sum"] == 11


def test_keyword_argument_path():
    prog = data_program(target("t", with_(g("model"), model__C=lit(0.5))))
    assert value(prog, "t")["C"] == 0.5


def test_positional_argument_by_its_parameter_name():
    prog = data_program(target("t", with_(g("model"), model__data=ir.ListE((lit(7),)))))
    assert value(prog, "t") == {"C": 1.0, "tol": 0.001, "n": 1, "sum": 7}


def test_star_args_elements_by_index():
    e = stage(pyref(C, "echo"), lit(1), lit(2), path="e", arg_names=("args[0]", "args[1]"))
    prog = program(targets=[target("t", with_(e, **{"e.args[1]": lit(20)}))])
    assert value(prog, "t") == [[1, 20], {}]


def test_nested_call_argument():
    inner = stage(FIT, ir.ListE((lit(1),)), path="clf.model", C=lit(1.0))
    outer = stage(pyref(C, "echo"), path="clf", model=inner)
    prog = program(targets=[target("t", with_(outer, clf__model__C=lit(3.0)))])
    assert value(prog, "t")[1]["model"]["C"] == 3.0


def test_signature_default_not_written_is_added_as_a_keyword():
    prog = data_program(target("t", with_(g("model"), model__tol=lit(0.25))))
    assert value(prog, "t") == {"C": 1.0, "tol": 0.25, "n": 3, "sum": 3}


def test_list_element_and_record_field():
    xs = ir.ListE((lit(1), lit(2), lit(3)), path="xs")
    cfg = ir.RecordE((("a", lit(1)), ("b", lit(2))), path="cfg")
    tup = ir.TupleE((lit("x"), lit("y")), path="pair")
    prog = program(
        bindings=[binding("xs", xs), binding("cfg", cfg), binding("pair", tup)],
        targets=[
            target(
                "t",
                with_(
                    ir.TupleE((g("xs"), g("cfg"), g("pair"))),
                    **{"xs[1]": lit(20), "cfg__b": lit("B"), "pair[0]": lit("X")},
                ),
            )
        ],
    )
    assert value(prog, "t") == ([1, 20, 3], {"a": 1, "b": "B"}, ("X", "y"))


def test_callee_swap():
    model = stage(FIT, g("data"), path="model", arg_names=("data",), callee_path="fit")
    prog = program(
        bindings=[binding("data", call(LOAD, lit(2))), binding("model", model)],
        targets=[
            target("t", with_(g("model"), fit=ir.RefValue(pyref(C, "fit_v2")))),
            target("same", g("model")),
        ],
    )
    assert value(prog, "t") == {"v2": True, "C": 1.0}
    assert value(prog, "same")["n"] == 2


def test_callee_swapped_for_a_lambda_is_applied():
    lam = ir.LambdaE(("d",), ir.BinE("+", lit(100), lit(1), sp(4)), sp(4))
    model = stage(FIT, ir.ListE((lit(1),)), path="model", arg_names=("data",), callee_path="fit")
    prog = program(targets=[target("t", with_(model, fit=lam))])
    assert value(prog, "t") == 101


def test_reference_value_swap():
    f = ir.RefValue(pyref(C, "double"), path="f")
    mapped = stage(pyref(C, "apply_all"), f, ir.ListE((lit(3), lit(4))))
    prog = program(
        targets=[
            target("swapped", with_(mapped, f=ir.RefValue(pyref(C, "negate")))),
            target("plain", mapped),
        ]
    )
    assert value(prog, "swapped") == [-3, -4]
    assert value(prog, "plain") == [6, 8]


def test_def_internal_path_is_shared_by_every_call():
    train = ir.IrDef(
        "train",
        (ir.IrParam("d"),),
        (ir.IrBinding("m", stage(FIT, ir.Local("d"), path="train.m", C=lit(1.0)), sp(2)),),
        ir.FieldE(ir.Local("m"), "C", sp(2)),
        sp(2),
    )
    both = ir.TupleE(
        (
            ir.DefCall("train", (ir.ListE((lit(1),)),), (), sp(5)),
            ir.DefCall("train", (ir.ListE((lit(2),)),), (), sp(6)),
        )
    )
    prog = program(
        defs=[train],
        targets=[target("t", with_(both, train__m__C=lit(7.0))), target("plain", both)],
    )
    assert value(prog, "t") == (7.0, 7.0)
    assert value(prog, "plain") == (1.0, 1.0)


def test_override_reaches_through_bindings_and_def_bodies():
    """Late binding: `seed` is read by `scaled` through `data`; overriding `seed` at the top
    changes it."""
    prog = program(
        bindings=[
            binding("seed", lit(2)),
            binding("data", call(LOAD, g("seed"))),
            binding("scaled", call(pyref(C, "scale"), g("data"))),
        ],
        targets=[target("t", with_(g("scaled"), seed=lit(4))), target("base", g("scaled"))],
    )
    assert value(prog, "t") == [0, 2, 4, 6]
    assert value(prog, "base") == [0, 2]


# -- layering order and the scope below ------------------------------------------------------


def _seeded(*targets) -> ir.IrProgram:
    return program(
        bindings=[
            binding("seed", lit(1)),
            binding("r", ir.BinE("*", g("seed"), lit(10), sp(2))),
        ],
        targets=targets,
    )


def seed_plus(k):
    return ir.BinE("+", g("seed"), lit(k), sp(21))


def test_an_override_value_is_built_in_the_scope_below_its_layer():
    prog = _seeded(target("t", with_(g("r"), seed=seed_plus(1))))
    assert value(prog, "t") == 20  # (1 + 1) * 10, not a cycle


def test_outer_with_wins_and_is_built_below_itself():
    """`(r with {seed = 5}) with {seed = seed + 100}`: the outer layer is pushed first and
    wins; its value reads the seed below it (1), not the inner layer's 5."""
    inner = with_(g("r"), seed=lit(5))
    prog = _seeded(
        target("outer_wins", with_(inner, seed=seed_plus(100))),
        target("inner_only", inner),
    )
    assert value(prog, "outer_wins") == 1010
    assert value(prog, "inner_only") == 50


def test_inner_layer_value_reads_the_outer_layer():
    """`(r with {seed = seed + 1}) with {other = 3}` where `seed` is set by the outer layer:
    the inner value is built under the outer layer."""
    inner = with_(g("r"), seed=seed_plus(1))
    prog = _seeded(target("t", with_(inner, seed=lit(7))))
    assert value(prog, "t") == 70  # the outer layer wins on `seed` itself
    prog = _seeded(
        target(
            "t",
            with_(with_(g("r"), seed=ir.BinE("*", g("k"), lit(2), sp(22))), k=lit(4)),
        )
    )
    prog = ir.IrProgram(**{**_fields(prog), "bindings": (*prog.bindings, binding("k", lit(1)))})
    assert value(prog, "t") == 80  # seed = k * 2 with k = 4 from the outer layer


def _fields(prog: ir.IrProgram) -> dict:
    return {f: getattr(prog, f) for f in prog.__record_fields__}


def test_with_inside_a_def_may_use_its_parameters():
    f = ir.IrDef(
        "f",
        (ir.IrParam("x"),),
        (),
        with_(g("r"), seed=ir.BinE("+", ir.Local("x"), g("seed"), sp(2))),
        sp(2),
    )
    prog = _seeded(target("t", ir.DefCall("f", (lit(4),), (), sp(3))))
    prog = ir.IrProgram(**{**_fields(prog), "defs": (f,)})
    assert value(prog, "t") == 50


def test_a_lambda_made_under_a_layer_keeps_it_when_applied_elsewhere():
    lam = ir.LambdaE(("x",), ir.BinE("+", ir.Local("x"), g("seed"), sp(2)), sp(2))
    prog = _seeded(target("t", ir.Apply(g("k"), (lit(100),), (), sp(3))))
    prog = ir.IrProgram(
        **{**_fields(prog), "bindings": (*prog.bindings, binding("k", with_(lam, seed=lit(5))))}
    )
    assert value(prog, "t") == 105


def test_program_overrides_are_the_outermost_layer(capsys):
    prog = _seeded(target("t", with_(g("r"), seed=lit(5))), target("plain", g("r")))
    prog = ir.IrProgram(**{**_fields(prog), "overrides": layer(seed=lit(3))})
    ns = load(prog)
    assert ns["program"].main([]) == 0
    assert capsys.readouterr().out == "t: 30\nplain: 30\n"


# -- sharing ---------------------------------------------------------------------------------


def _counting_scope(builders):
    counts = {name: 0 for name in builders}

    def counted(name, builder):
        def run(m):
            counts[name] += 1
            return builder(m)

        return run

    scope = Scope({n: counted(n, b) for n, b in builders.items()}, Graph())
    return scope, counts


def test_a_binding_no_override_reaches_is_built_once_for_every_stack():
    scope, counts = _counting_scope(
        {
            "data": lambda m: m.call(Ref(C, "load"), [m.lit(3)]),
            "prepared": lambda m: m.call(Ref(C, "prepare"), [m.get("data")]),
            "model": lambda m: m.call(Ref(C, "fit"), [m.get("prepared")], path="model"),
        }
    )
    stacks = [scope.empty.push(Layer({"model.C": c})) for c in (0.1, 1.0, 10.0)]
    models = [scope.get("model", s) for s in stacks]
    assert len({n.key for n in models}) == 3
    assert all(scope.get("prepared", s) is scope.get("prepared") for s in stacks)
    assert counts == {"data": 1, "prepared": 1, "model": 3}  # once per stack that reaches it
    unrelated = scope.empty.push(Layer({"other.x": 1, "seed": 2}))
    assert scope.get("model", unrelated) is scope.get("model")
    assert counts["model"] == 4  # built under `unrelated`, which it does not read: shared


def test_a_four_point_sweep_shares_loading_and_preprocessing(capsys):
    CALLS.clear()
    points = tuple(
        ir.IrPoint(f"grid[model.C={c}]", layer(model__C=lit(c))) for c in (0.01, 0.1, 10.0, 100.0)
    )
    prog = program(
        bindings=[
            binding("data", call(LOAD, lit(4))),
            binding("prepared", call(pyref(C, "prepare"), g("data"))),
            binding("model", stage(FIT, g("prepared"), path="model", C=lit(1.0))),
        ],
        targets=[ir.IrTarget("grid", g("model"), "sweep", sp(9), None, points)],
    )
    ns = load(prog)
    p = ns["program"]
    scope = p.scope()
    nodes = [scope.point("grid", i) for i in range(4)]
    stages = [n for n in scope.graph.nodes.values() if n.is_stage]
    names = sorted(n.data[0].name for n in stages)
    assert names == ["fit", "fit", "fit", "fit", "load", "prepare"]
    evaluator = Evaluator()
    assert [evaluator.value(n)["C"] for n in nodes] == [0.01, 0.1, 10.0, 100.0]
    assert CALLS["load"] == 1 and CALLS["prepare"] == 1 and CALLS["fit"] == 4


def test_stack_index():
    assert path_keys("a.b[2].c") == ["a.b[2].c", "a.", "a.b[", "a.b[2]."]
    s = Stack().push(Layer({"model.C": 1, "clf.model.tol": 2, "xs[0]": 3}))
    s2 = s.push(Layer({"model.C": 9, "seed": 4}))
    assert s2.paths == {"model.C": 0, "clf.model.tol": 0, "xs[0]": 0, "seed": 1}
    assert s2.value_of("model.C") == (1, 0)  # the first pushed wins
    assert s2.children == {"model": ("C",), "clf.model": ("tol",)}
    assert {"model.", "clf.", "clf.model.", "xs[", "seed"} <= s2.keys
    assert s2.below(1) is s and s2.below(0).layers == ()


def test_literal_override_values_become_the_same_nodes_as_source_literals():
    scope = Scope({}, Graph())
    m = scope.root
    assert m.const([1, (2.0, "x"), None]).key == (
        m.list([m.lit(1), m.tuple([m.lit(2.0), m.lit("x")]), m.lit(None)]).key
    )
    with pytest.raises(TypeError):
        m.const({"a": 1})


def test_building_without_layers_reads_paths_but_looks_nothing_up():
    """Under the empty stack a call with a path does no lookup at all."""
    scope = Scope({}, Graph())
    m = scope.root
    node = m.call(Ref(C, "fit"), [m.lit(1)], {"C": m.lit(2)}, path="model", arg_names=("data",))
    assert node.inputs[1].data == 2
    assert "model." in m.reads
