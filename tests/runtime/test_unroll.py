"""`ibc.runtime.unroll`: which prelude ranges have a known length (docs/running.md, "Unrolled
maps and chains"), and the builder's graph for `map` and `chain` over them."""

from ibc.runtime import prelude, unroll
from ibc.runtime.graph import PRELUDE, Builder, Graph, Scope
from ibc.runtime.values import Ref


def test_range_values_are_the_prelude_values_up_to_the_limit():
    assert unroll.range_values("range", [0, 5], {}) == [0, 1, 2, 3, 4]
    assert unroll.range_values("range", [4], {}) == prelude.range(4)
    assert unroll.range_values("range", [10, 0, -3], {}) == [10, 7, 4, 1]
    assert unroll.range_values("range", [0], {"stop": 3}) == [0, 1, 2]
    assert unroll.range_values("linspace", [0.0, 1.0, 5], {}) == prelude.linspace(0.0, 1.0, 5)
    assert unroll.range_values("logspace", [0, 2], {"num": 3}) == prelude.logspace(0, 2, 3)
    assert len(unroll.range_values("range", [0, unroll.UNROLL], {})) == unroll.UNROLL


def test_what_is_not_unrolled():
    assert unroll.range_values("range", [0, unroll.UNROLL + 1], {}) is None
    assert unroll.range_values("range", [0, 10**12], {}) is None  # not even listed
    assert unroll.range_values("linspace", [0.0, 1.0], {}) == prelude.linspace(0.0, 1.0)
    assert unroll.range_values("linspace", [0.0, 1.0, unroll.UNROLL + 1], {}) is None
    assert unroll.range_values("range", [0, 5, 0], {}) is None  # invalid: left to run time
    assert unroll.range_values("range", [0.0, 5], {}) is None  # a float: run time says so
    assert unroll.range_values("range", ["a"], {}) is None


def _builder() -> Builder:
    return Scope({}, Graph()).root


def test_map_over_a_constant_range_is_one_stage_per_element():
    m = _builder()
    rng = m.call(Ref(PRELUDE, "range"), [m.lit(0), m.lit(3)])
    f = Ref("src.stages", "f", fingerprint="src:abc")
    out = m.call(Ref(PRELUDE, "map"), [m.ref(f), rng])
    assert out.op == "list"
    assert [n.op for n in out.inputs] == ["call", "call", "call"]
    assert [n.inputs[0].data for n in out.inputs] == [0, 1, 2]
    # the same stages as over the list written out
    written = m.call(Ref(PRELUDE, "map"), [m.ref(f), m.const([0, 1, 2])])
    assert written.key == out.key


def test_map_over_a_computed_list_and_chain_over_steps():
    m = _builder()
    f, g = Ref("src.stages", "f", fingerprint="src:abc"), Ref(
        "src.stages", "g", fingerprint="src:def"
    )
    computed = m.call(Ref("src.stages", "load", fingerprint="src:0"))
    one = m.call(Ref(PRELUDE, "map"), [m.ref(f), computed])
    assert one.op == "call" and one.data[0].name == "map"
    x = m.lit(1)
    chained = m.call(Ref(PRELUDE, "chain"), [x, m.list([m.ref(f), m.ref(g)])])
    assert chained.op == "call" and chained.data[0].name == "g"
    assert chained.inputs[0].data[0].name == "f" and chained.inputs[0].inputs[0] is x
    by_keyword = m.call(Ref(PRELUDE, "chain"), [x], {"steps": m.list([m.ref(f), m.ref(g)])})
    assert by_keyword is chained
    opaque = m.call(Ref(PRELUDE, "chain"), [x, computed])
    assert opaque.op == "call" and opaque.data[0].name == "chain"
