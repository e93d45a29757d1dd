"""Subtyping, joins and unification (`ibc.types.relations`, docs/guide.md §5), on types built
directly: numeric widening, records (width, depth, as `Dict[Str, V]`), `Optional`,
covariant containers, functions, nominal hierarchies, `File`, and generics solved by `Metas`."""

from __future__ import annotations

import pytest

from ibc.types.relations import Metas, is_subtype, join, join_all
from ibc.base.typeterms import (
    ANY,
    BOOL,
    FILE,
    FLOAT,
    INT,
    KEYWORD_ONLY,
    NONE,
    STR,
    VAR_POSITIONAL,
    DictType,
    FuncType,
    ListType,
    Nominal,
    OptionalType,
    Param,
    TupleOfType,
    TupleType,
    TypeVar,
    optional,
    record,
)


def rec(**fields):
    return record(fields)


def fn(*params, returns, tparams=()):
    """A function type; each param is a type (positional, unnamed) or a `Param`."""
    ps = tuple(p if isinstance(p, Param) else Param(None, p) for p in params)
    return FuncType(ps, returns, tuple(tparams))


class Tree:
    """A nominal hierarchy given as `sub -> [direct supers]` (a `Hierarchy`)."""

    def __init__(self, edges: dict[str, list[str]]) -> None:
        self.edges = edges

    def nominal_subtype(self, sub: Nominal, sup: Nominal) -> bool:
        todo, seen = [sub.target], set()
        while todo:
            t = todo.pop()
            if t == sup.target:
                return True
            if t not in seen:
                seen.add(t)
                todo.extend(self.edges.get(t, []))
        return False


EST = Nominal("sklearn.base:BaseEstimator", "Estimator")
CLF = Nominal("sklearn.base:ClassifierMixin", "Classifier")
LOGREG = Nominal("sklearn.linear_model:LogisticRegression", "LogisticRegression")
FOREST = Nominal("sklearn.ensemble:RandomForestClassifier", "RandomForestClassifier")
TREE = Tree(
    {
        LOGREG.target: [CLF.target, EST.target],
        FOREST.target: [CLF.target, EST.target],
        CLF.target: [EST.target],
    }
)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "sub, sup, expected",
    [
        (INT, FLOAT, True),
        (BOOL, INT, True),
        (BOOL, FLOAT, True),  # transitively
        (FLOAT, INT, False),
        (INT, BOOL, False),
        (FLOAT, BOOL, False),
        (STR, INT, False),
        (INT, STR, False),
        (NONE, INT, False),
        (INT, INT, True),
    ],
)
def test_numeric_tower(sub, sup, expected):
    assert is_subtype(sub, sup) is expected


def test_number_nominals_accept_python_numbers():
    real = Nominal("numbers:Real")
    assert is_subtype(INT, real) and is_subtype(FLOAT, real)
    assert not is_subtype(STR, real)


# --------------------------------------------------------------------------- Any and object


@pytest.mark.parametrize("t", [INT, STR, ListType(INT), rec(a=INT), fn(INT, returns=INT), LOGREG])
def test_any_is_top_and_accepted_everywhere(t):
    assert is_subtype(t, ANY)
    assert is_subtype(ANY, t)


def test_object_is_above_every_type():
    obj = Nominal("builtins:object")
    assert is_subtype(INT, obj) and is_subtype(rec(a=STR), obj) and is_subtype(LOGREG, obj)


# --------------------------------------------------------------------------- File


def test_file_is_accepted_as_str_and_path():
    assert is_subtype(FILE, STR)
    assert is_subtype(FILE, Nominal("pathlib:Path"))
    assert is_subtype(FILE, Nominal("os:PathLike"))
    assert is_subtype(ListType(FILE), ListType(STR))


def test_str_is_not_a_file():
    assert not is_subtype(STR, FILE)
    assert not is_subtype(FILE, INT)


# --------------------------------------------------------------------------- records


def test_record_width_subtyping():
    assert is_subtype(rec(a=INT, b=STR), rec(a=INT))
    assert not is_subtype(rec(a=INT), rec(a=INT, b=STR))
    assert is_subtype(rec(), rec())
    assert is_subtype(rec(a=INT), rec())


def test_record_depth_subtyping_is_covariant():
    assert is_subtype(rec(a=INT, b=BOOL), rec(a=FLOAT))
    assert not is_subtype(rec(a=FLOAT), rec(a=INT))
    assert is_subtype(rec(m=rec(x=INT, y=INT)), rec(m=rec(x=FLOAT)))


def test_record_fields_are_order_independent():
    assert record({"b": STR, "a": INT}) == record({"a": INT, "b": STR})


def test_record_is_a_dict_of_str_keys():
    assert is_subtype(rec(a=INT, b=FLOAT), DictType(STR, FLOAT))
    assert is_subtype(rec(a=INT), DictType(STR, ANY))
    assert not is_subtype(rec(a=INT, b=STR), DictType(STR, FLOAT))
    assert not is_subtype(rec(a=INT), DictType(INT, INT))


def test_dict_is_not_a_record():
    assert not is_subtype(DictType(STR, INT), rec(a=INT))


# --------------------------------------------------------------------------- Optional


def test_optional():
    opt_int = OptionalType(INT)
    assert is_subtype(NONE, opt_int)
    assert is_subtype(INT, opt_int)
    assert is_subtype(BOOL, opt_int)
    assert is_subtype(opt_int, OptionalType(FLOAT))
    assert not is_subtype(opt_int, INT)
    assert not is_subtype(OptionalType(FLOAT), opt_int)
    assert not is_subtype(STR, opt_int)


def test_optional_is_flattened():
    assert optional(NONE) == NONE
    assert optional(ANY) == ANY
    assert optional(OptionalType(INT)) == OptionalType(INT)
    assert optional(INT) == OptionalType(INT)


# --------------------------------------------------------------------------- containers


def test_containers_are_covariant():
    assert is_subtype(ListType(INT), ListType(FLOAT))
    assert not is_subtype(ListType(FLOAT), ListType(INT))
    assert is_subtype(DictType(STR, INT), DictType(STR, FLOAT))
    assert is_subtype(TupleType((INT, BOOL)), TupleType((FLOAT, INT)))
    assert is_subtype(ListType(ListType(BOOL)), ListType(ListType(FLOAT)))


def test_tuples():
    assert not is_subtype(TupleType((INT,)), TupleType((INT, INT)))
    assert is_subtype(TupleType((INT, BOOL)), TupleOfType(FLOAT))
    assert is_subtype(TupleType(()), TupleOfType(STR))
    assert not is_subtype(TupleType((INT, STR)), TupleOfType(INT))
    assert not is_subtype(TupleOfType(INT), TupleType((INT,)))
    assert is_subtype(TupleOfType(INT), TupleOfType(FLOAT))


def test_lists_and_tuples_do_not_mix():
    assert not is_subtype(ListType(INT), TupleOfType(INT))
    assert not is_subtype(TupleOfType(INT), ListType(INT))


# --------------------------------------------------------------------------- nominal


def test_nominal_hierarchy_is_asked():
    assert is_subtype(LOGREG, CLF, TREE)
    assert is_subtype(LOGREG, EST, TREE)
    assert not is_subtype(CLF, LOGREG, TREE)
    assert not is_subtype(LOGREG, FOREST, TREE)
    assert is_subtype(ListType(FOREST), ListType(EST), TREE)


def test_without_a_hierarchy_nominals_are_only_themselves():
    assert is_subtype(LOGREG, Nominal(LOGREG.target))  # the shown name does not count
    assert not is_subtype(LOGREG, EST)


def test_pinned_class_is_a_distinct_type():
    old = Nominal(LOGREG.target, "LogisticRegression", revision="a" * 40)
    assert old != LOGREG
    assert not is_subtype(old, LOGREG)


# --------------------------------------------------------------------------- functions


def test_function_parameters_contravariant_results_covariant():
    f = fn(FLOAT, returns=INT)
    g = fn(INT, returns=FLOAT)
    assert is_subtype(f, g)
    assert not is_subtype(g, f)


def test_function_arity():
    one = fn(INT, returns=INT)
    two = fn(INT, INT, returns=INT)
    assert not is_subtype(one, two)  # cannot take the second argument
    with_default = fn(INT, Param("k", INT, has_default=True), returns=INT)
    assert is_subtype(with_default, one)  # the extra parameter has a default
    required = fn(INT, Param("k", INT), returns=INT)
    assert not is_subtype(required, one)


def test_keyword_only_parameters_do_not_count_as_positional():
    f = fn(INT, Param("seed", INT, KEYWORD_ONLY, has_default=True), returns=INT)
    assert is_subtype(f, fn(INT, returns=INT))


def test_variadic_functions_are_accepted_when_results_agree():
    star = fn(Param("xs", INT, VAR_POSITIONAL), returns=INT)
    assert is_subtype(star, fn(INT, INT, returns=FLOAT))
    assert not is_subtype(star, fn(INT, returns=STR))


def test_function_is_not_a_value_type():
    assert not is_subtype(fn(returns=INT), INT)
    assert not is_subtype(INT, fn(returns=INT))


def test_generic_function_instantiated_at_expected_type():
    T = TypeVar("T")
    identity = fn(T, returns=T, tparams=(T,))
    assert is_subtype(identity, fn(INT, returns=INT))
    assert is_subtype(identity, fn(INT, returns=FLOAT))
    assert not is_subtype(identity, fn(INT, returns=STR))


# --------------------------------------------------------------------------- unification


def fresh(name="T", bound=None):
    metas = Metas()
    tv = TypeVar(name, bound=bound)
    return metas, metas.fresh((tv,))[tv]


def test_meta_is_bound_by_first_argument():
    metas, t = fresh()
    assert is_subtype(INT, t, metas=metas)
    assert metas.resolve(t) == INT
    assert metas.resolve(ListType(t)) == ListType(INT)


def test_meta_is_widened_by_later_arguments():
    metas, t = fresh()
    assert is_subtype(INT, t, metas=metas)
    assert is_subtype(FLOAT, t, metas=metas)
    assert metas.resolve(t) == FLOAT
    assert is_subtype(INT, t, metas=metas)  # still fits
    assert metas.resolve(t) == FLOAT


def test_meta_rejects_an_incompatible_argument():
    metas, t = fresh()
    assert is_subtype(INT, t, metas=metas)
    assert not is_subtype(STR, t, metas=metas)
    assert metas.resolve(t) == INT


def test_meta_none_then_value_becomes_optional():
    metas, t = fresh()
    assert is_subtype(NONE, t, metas=metas)
    assert is_subtype(INT, t, metas=metas)
    assert metas.resolve(t) == OptionalType(INT)


def test_meta_inside_containers():
    metas = Metas()
    a, b = TypeVar("A"), TypeVar("B")
    mapping = metas.fresh((a, b))
    pairs = ListType(TupleType((mapping[a], mapping[b])))
    assert is_subtype(ListType(TupleType((INT, STR))), pairs, metas=metas)
    assert metas.resolve(pairs) == ListType(TupleType((INT, STR)))


def test_meta_as_a_function_result():
    metas = Metas()
    a, b = TypeVar("A"), TypeVar("B")
    m = metas.fresh((a, b))
    expected = fn(m[a], returns=m[b])
    assert is_subtype(INT, m[a], metas=metas)
    assert is_subtype(fn(FLOAT, returns=STR), expected, metas=metas)
    assert metas.resolve(ListType(m[b])) == ListType(STR)


def test_bounded_meta():
    metas, m = fresh("M", bound=EST)
    assert not is_subtype(INT, m, TREE, metas=metas)
    assert is_subtype(LOGREG, m, TREE, metas=metas)
    assert metas.resolve(m) == LOGREG


def test_unbound_metas_become_any():
    metas, t = fresh()
    assert metas.unbound_to_any(ListType(t)) == ListType(ANY)
    assert is_subtype(STR, t, metas=metas)
    assert metas.unbound_to_any(ListType(t)) == ListType(STR)


def test_fresh_metas_are_distinct_per_call():
    T = TypeVar("T")
    m1, m2 = Metas(), Metas()
    a, b = m1.fresh((T,))[T], m2.fresh((T,))[T]
    assert a != b and a != T
    assert is_subtype(INT, a, metas=m1)
    assert is_subtype(STR, b, metas=m2)


def test_a_rigid_type_variable_is_only_itself():
    T, U = TypeVar("T"), TypeVar("U")
    assert is_subtype(T, T)
    assert not is_subtype(T, U)
    assert not is_subtype(INT, T)
    bounded = TypeVar("M", bound=CLF)
    assert is_subtype(bounded, EST, TREE)  # through its bound
    assert not is_subtype(bounded, LOGREG, TREE)


# --------------------------------------------------------------------------- join


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (INT, FLOAT, FLOAT),
        (FLOAT, INT, FLOAT),
        (BOOL, INT, INT),
        (INT, INT, INT),
        (INT, NONE, OptionalType(INT)),
        (NONE, STR, OptionalType(STR)),
        (NONE, NONE, NONE),
        (OptionalType(INT), FLOAT, OptionalType(FLOAT)),
        (INT, STR, ANY),
        (ListType(INT), ListType(FLOAT), ListType(FLOAT)),
        (ListType(INT), ListType(STR), ListType(ANY)),
        (TupleType((INT, STR)), TupleType((FLOAT, STR)), TupleType((FLOAT, STR))),
        (DictType(STR, INT), DictType(STR, FLOAT), DictType(STR, FLOAT)),
        (FILE, STR, STR),
        (LOGREG, STR, ANY),
    ],
)
def test_join(a, b, expected):
    assert join(a, b) == expected


def test_join_records_keeps_common_fields():
    assert join(rec(a=INT, b=STR), rec(a=FLOAT, c=INT)) == rec(a=FLOAT)
    assert join(rec(a=INT), rec(b=INT)) == rec()


def test_join_nominals_through_the_hierarchy():
    assert join(LOGREG, CLF, TREE) == CLF
    assert join(EST, FOREST, TREE) == EST


def test_join_is_an_upper_bound():
    pairs = [(INT, FLOAT), (BOOL, INT), (INT, NONE), (rec(a=INT, b=INT), rec(a=FLOAT))]
    for a, b in pairs:
        j = join(a, b)
        assert is_subtype(a, j) and is_subtype(b, j), (a, b, j)


def test_join_all():
    assert join_all([]) is None
    assert join_all([INT]) == INT
    assert join_all([BOOL, INT, FLOAT]) == FLOAT
    assert join_all([INT, NONE, FLOAT]) == OptionalType(FLOAT)
