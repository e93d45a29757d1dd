"""Hash-consing and keys of the build graph, built directly with the builder API."""

import pytest

from ibc.runtime import Evaluator, Graph, MemoryStore, Ref, Scope

F = Ref("runtime_counting", "total")
G = Ref("runtime_counting", "scale")


def builder():
    return Scope({}, Graph()).root


def test_equal_calls_are_one_node():
    m = builder()
    a = m.call(F, [m.list([m.lit(1), m.lit(2)])], at="a.ib:1:1")
    b = m.call(F, [m.list([m.lit(1), m.lit(2)])], at="a.ib:9:9")
    assert a is b
    assert len(m.graph) == 4  # 1, 2, the list, the call


def test_location_and_path_are_not_part_of_the_key():
    m = builder()
    assert m.call(F, [m.lit(1)], at="x", path="p").key == m.call(F, [m.lit(1)], at="y").key


def test_literals_are_typed_in_keys():
    m = builder()
    keys = {m.lit(v).key for v in (1, 1.0, True, "1", None, 0, False, 0.0)}
    assert len(keys) == 8
    assert m.lit(1.5).key == m.lit(1.5).key


def test_dict_order_is_kept_and_records_differ_from_dicts():
    m = builder()
    a, b = m.lit("a"), m.lit("b")
    one, two = m.lit(1), m.lit(2)
    assert m.dict([(a, one), (b, two)]).key != m.dict([(b, two), (a, one)]).key
    assert m.record({"a": one}).key != m.dict([(a, one)]).key


def test_keys_distinguish_references_fingerprints_and_keywords():
    m = builder()
    x = m.lit(1)
    base = m.call(F, [x]).key
    assert m.call(G, [x]).key != base
    assert m.call(Ref("runtime_counting", "total", fingerprint="v2"), [x]).key != base
    assert m.call(F, [], {"xs": x}).key != base
    assert m.call(F, [x, x]).key != m.call(F, [], {"xs": x, "ys": x}).key


def test_lambda_keys_cover_code_and_captures():
    m = builder()
    inc = lambda m, x: m.binop("+", x, m.lit(1))  # noqa: E731
    dec = lambda m, x: m.binop("-", x, m.lit(1))  # noqa: E731
    assert m.fn(inc, ("x",)).key == m.fn(inc, ("x",)).key
    assert m.fn(inc, ("x",)).key != m.fn(dec, ("x",)).key
    cap1 = m.fn(lambda m, x: m.binop("+", x, m.lit(1)), ("x",))
    cap2 = m.fn(lambda m, x: m.binop("+", x, m.lit(2)), ("x",))
    assert cap1.key != cap2.key
    assert not cap1.free  # closed: depends on no enclosing lambda


def test_apply_of_a_lambda_is_expanded_at_build_time():
    m = builder()
    f = m.fn(lambda m, x, y: m.binop("*", x, y), ("x", "y"))
    six = m.call(F, [m.list([m.lit(6)])])  # a stage: not a constant
    node = m.apply(f, [six], {"y": m.lit(7)})
    assert node.op == "binop" and node.inputs == (six, m.lit(7))
    assert Evaluator().value(node) == 42
    # applied to constants, the expanded body is folded into a literal
    assert m.apply(f, [m.lit(6)], {"y": m.lit(7)}) is m.lit(42)
    with pytest.raises(TypeError, match="missing argument `y`"):
        m.apply(f, [m.lit(1)], at="t.ib:1:1")


def test_scope_builds_each_binding_once():
    built = []

    def x(m):
        built.append("x")
        return m.lit(3)

    scope = Scope({"x": x, "y": lambda m: m.binop("+", m.get("x"), m.get("x"))}, Graph())
    assert Evaluator().value(scope.get("y")) == 6
    assert built == ["x"]
    with pytest.raises(KeyError, match="no binding named `z`"):
        scope.get("z")


def test_store_hit_skips_the_stage_and_does_not_load_its_inputs():
    m = builder()
    inner = m.call(F, [m.list([m.lit(1), m.lit(2)])])
    stage = m.call(F, [m.list([inner, m.lit(4)])])
    store = MemoryStore()
    assert Evaluator(store=store).value(stage) == 7
    loads = []
    original = store.load
    store.load = lambda key: loads.append(key) or original(key)
    again = Evaluator(store=store)
    assert again.value(stage) == 7
    assert again.stats == {"ran": 0, "cached": 2, "failed": 0}
    assert loads == [again.store_key(stage)]  # the inner stage's value is never loaded


def test_stage_results_are_put_in_the_store():
    m = builder()
    stage = m.call(F, [m.list([m.lit(1), m.lit(2)])])
    store = MemoryStore()
    evaluator = Evaluator(store=store)
    assert evaluator.value(stage) == 3
    assert store.load(evaluator.store_key(stage)) == 3
    assert len(store) == 1  # cheap nodes are not stored
