"""Literal types, `@overload` choice, `Self` and stubs over `**kwargs` (docs/types.md), on
types built directly: `Literal[...]` below its values' type and checked by value at a call
(E0429), the first overload a call's arguments fit, a method's `Self` replaced by the
receiver, and `env.merge` closing a source's `**kwargs` when a stub lists the parameters."""

from __future__ import annotations

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.syntax import nodes as n
from ibc.base.spans import Span
from ibc.types.calls import UNKNOWN, check_call, choose_overload, receiver
from ibc.types.env import merge
from ibc.types.relations import FLAT, is_subtype, join
from ibc.base.typeterms import (
    ANY,
    BOOL,
    INT,
    KEYWORD_ONLY,
    NONE,
    POSITIONAL,
    STR,
    VAR_KEYWORD,
    FuncType,
    LiteralType,
    Nominal,
    Param,
    TypeVar,
    optional,
)

S = Span("t.ib", 1, 1, 1, 2)
STRATEGY = LiteralType(("mean", "median"))


def lit(value) -> n.Arg:
    return n.Arg(None, n.Literal(value, repr(value), S), S)


def kwlit(key: str, value) -> n.Arg:
    return n.Arg(n.Name(key, S), n.Literal(value, repr(value), S), S)


def infer(e, expected):
    if isinstance(e, n.Literal):
        return {bool: BOOL, int: INT, str: STR}[type(e.value)]
    return STR


def constant(e):
    return e.value if isinstance(e, n.Literal) else UNKNOWN


# --------------------------------------------------------------------------- relations


def test_a_literal_type_is_below_its_values_type_and_wider_literals():
    assert is_subtype(STRATEGY, STR)
    assert not is_subtype(STRATEGY, INT)
    assert is_subtype(LiteralType(("mean",)), STRATEGY)
    assert not is_subtype(STRATEGY, LiteralType(("mean",)))
    assert is_subtype(LiteralType((True,)), BOOL)


def test_true_is_not_the_literal_one():
    assert not is_subtype(LiteralType((True,)), LiteralType((1,)))


def test_a_value_of_the_values_type_is_accepted_where_a_literal_is_expected():
    assert is_subtype(STR, STRATEGY)  # its value is checked at the call when known
    assert not is_subtype(INT, STRATEGY)
    assert is_subtype(NONE, optional(STRATEGY))


def test_joins_of_literals():
    assert join(LiteralType(("a",)), LiteralType(("b",))) == LiteralType(("a", "b"))
    assert join(LiteralType(("a",)), STR) == STR


def test_literal_types_print_as_written():
    assert str(optional(STRATEGY)) == 'Optional[Literal["mean", "median"]]'


# --------------------------------------------------------------------------- values at calls


def _call(ftype: FuncType, *args: n.Arg) -> Diagnostics:
    diags = Diagnostics()
    check_call(ftype, "fill", args, S, infer, diags, FLAT, constant)
    return diags


FILL = FuncType((Param("strategy", STRATEGY, POSITIONAL, True, '"mean"'),), STR, (), "fill")


def test_a_listed_value_passes_and_another_is_e0429_with_the_nearest():
    assert not _call(FILL, lit("median")).items
    [d] = _call(FILL, lit("meen")).items
    assert d.code == "E0429"
    assert d.args["suggestions"] == ['"mean"'] and d.args["value"] == '"meen"'


def test_a_value_of_another_type_is_e0401():
    [d] = _call(FILL, lit(3)).items
    assert d.code == "E0401"


def test_a_value_unknown_at_compile_time_is_left_to_run_time():
    arg = n.Arg(None, n.Var("s", S), S)
    assert not _call(FILL, arg).items


# --------------------------------------------------------------------------- overloads

FRAME = Nominal("pandas.core.frame:DataFrame", "DataFrame")


def _drop(inplace_type, returns) -> FuncType:
    params = (
        Param("columns", ANY, KEYWORD_ONLY, True, "..."),
        Param("inplace", inplace_type, KEYWORD_ONLY, inplace_type != LiteralType((True,)), "..."),
    )
    return FuncType(params, returns, (), "drop")


DROP = (
    _drop(LiteralType((True,)), NONE),
    _drop(LiteralType((False,)), FRAME),
    _drop(BOOL, optional(FRAME)),
)


def _choose(*args: n.Arg, types=None):
    types = types or {id(a.value): infer(a.value, None) for a in args}
    return choose_overload(DROP, args, types, constant, FLAT, S)


def test_inplace_absent_or_false_picks_the_dataframe_overload():
    assert _choose().returns == FRAME
    assert _choose(kwlit("columns", "a")).returns == FRAME
    assert _choose(kwlit("inplace", False)).returns == FRAME


def test_inplace_true_picks_none_and_a_runtime_bool_the_optional():
    assert _choose(kwlit("inplace", True)).returns == NONE
    flag = n.Arg(n.Name("inplace", S), n.Var("flag", S), S)
    assert _choose(flag, types={id(flag.value): BOOL}).returns == optional(FRAME)


def test_a_literal_result_fits_a_literal_overload():
    flag = n.Arg(n.Name("inplace", S), n.Var("flag", S), S)
    assert _choose(flag, types={id(flag.value): LiteralType((False,))}).returns == FRAME


def test_no_overload_fits_an_unknown_keyword():
    assert _choose(kwlit("colums", "a")) is None


# --------------------------------------------------------------------------- Self


def test_self_is_replaced_by_the_receiver():
    self_var = TypeVar("Self", bound=Nominal("pandas.core.generic:NDFrame"))
    copy = FuncType((Param("deep", BOOL, POSITIONAL, True),), self_var, (self_var,), "copy")
    done = receiver(copy, "Self", FRAME)
    assert done.returns == FRAME and done.type_params == ()
    assert receiver(copy, "", FRAME) is copy


# --------------------------------------------------------------------------- stubs over **kwargs


def test_a_stub_listing_kwargs_parameters_closes_the_sources_kwargs():
    source = FuncType(
        (Param("objective", ANY, KEYWORD_ONLY, True, "'reg'"), Param("kwargs", ANY, VAR_KEYWORD)),
        Nominal("xgboost.sklearn:XGBRegressor"),
    )
    stub = FuncType(
        (Param("objective", STR), Param("max_depth", optional(INT), POSITIONAL, True, "None")),
        Nominal("xgboost.sklearn:XGBRegressor"),
    )
    merged = merge(stub, source)
    assert [(p.name, p.kind) for p in merged.params] == [
        ("objective", KEYWORD_ONLY),
        ("max_depth", KEYWORD_ONLY),
    ]
    assert merged.params[0].type == STR and merged.params[1].default == "None"
    with_kwargs = FuncType((*stub.params, Param("kwargs", ANY, VAR_KEYWORD)), stub.returns)
    assert merged_kinds(merge(with_kwargs, source))[-1] == ("kwargs", VAR_KEYWORD)


def test_a_stub_of_the_sources_own_parameters_keeps_its_kwargs():
    source = FuncType((Param("path", ANY), Param("kwds", ANY, VAR_KEYWORD)), ANY)
    stub = FuncType((Param("path", STR),), ANY)
    assert merged_kinds(merge(stub, source)) == [("path", POSITIONAL), ("kwds", VAR_KEYWORD)]


def merged_kinds(t: FuncType) -> list[tuple[str, str]]:
    return [(p.name, p.kind) for p in t.params]
