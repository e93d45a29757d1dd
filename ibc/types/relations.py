"""Subtyping, joins and unification (docs/guide.md §5).

- `Int <: Float`, and `Bool <: Int` as in Python (`bool` is a subclass of `int`).
- Every type is a subtype of `Any`, and `Any` is accepted where any type is expected.
- A nominal type is a subtype of its declared supertypes and of the nominal types of the
  Python base classes its source shows (asked of a `Hierarchy`); `builtins:object` is above
  every type.
- Records are structural (more fields is a subtype of fewer) and, being dicts at run time,
  are accepted where a `Dict[Str, V]` is expected.
- A `File` is accepted where a `Str`, `pathlib.Path` or `os.PathLike` is expected.
- Containers are covariant: values never change once made.
- Functions: parameters contravariant, results covariant.
- `Literal["a", "b"]` is below its values' type (`Str`) and below a literal type with more
  values. Where a literal type is expected, a value of its values' type is accepted: its
  value is checked when it is known at compile time (E0429, `calls.py`), and is otherwise
  left to run time (docs/types.md).

Unification solves the generic parameters of a call: each generic parameter of the callee
is replaced by a fresh *meta* variable, bound by the first argument that meets it and widened
by later ones when needed.
"""

from __future__ import annotations

from typing import Protocol

from ibc.base.typeterms import (
    ANY,
    BOOL,
    FILE,
    FLOAT,
    INT,
    NONE,
    STR,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    AnyType,
    DictType,
    FuncType,
    ListType,
    LiteralType,
    Nominal,
    OptionalType,
    Prim,
    RecordType,
    TupleOfType,
    TupleType,
    Type,
    TypeVar,
    literal_base,
    literal_key,
    optional,
)

PATH_TARGETS = frozenset(
    {"pathlib:Path", "pathlib:PurePath", "pathlib._local:Path", "os:PathLike", "os.PathLike"}
)
TOP_TARGETS = frozenset({"builtins:object"})


class Hierarchy(Protocol):
    def nominal_subtype(self, sub: Nominal, sup: Nominal) -> bool: ...


class _Flat:
    def nominal_subtype(self, sub: Nominal, sup: Nominal) -> bool:
        return sub == sup


FLAT = _Flat()


class Metas:
    """The meta variables of one call and what they are bound to."""

    def __init__(self) -> None:
        self.bound: dict[TypeVar, Type] = {}
        self.metas: set[TypeVar] = set()

    def fresh(self, params: tuple[TypeVar, ...]) -> dict[TypeVar, Type]:
        mapping: dict[TypeVar, Type] = {}
        for tv in params:
            meta = TypeVar(tv.name, bound=tv.bound)
            self.metas.add(meta)
            mapping[tv] = meta
        return mapping

    def resolve(self, t: Type) -> Type:
        from ibc.base.typeterms import substitute

        if not self.bound:
            return t
        previous = None
        while previous != t:
            previous = t
            t = substitute(t, self.bound)
        return t

    def unbound_to_any(self, t: Type) -> Type:
        from ibc.base.typeterms import free_vars, substitute

        t = self.resolve(t)
        leftover = {tv: ANY for tv in free_vars(t) if tv in self.metas}
        return substitute(t, leftover) if leftover else t


def is_subtype(sub: Type, sup: Type, h: Hierarchy = FLAT, metas: Metas | None = None) -> bool:
    """Whether a value of type `sub` is accepted where `sup` is expected (the rules in this
    module's docstring): the cases that depend on `sup` or on meta variables first, then one
    function per kind of `sub`."""
    if metas is not None:
        if isinstance(sup, TypeVar) and sup in metas.metas:
            return _bind(metas, sup, sub, h, upper=True)
        if isinstance(sub, TypeVar) and sub in metas.metas:
            return _bind(metas, sub, sup, h, upper=False)
    if isinstance(sub, LiteralType) and isinstance(sup, LiteralType):
        return _from_literal(sub, sup, h, metas)  # (`True == 1` in Python: compare keys)
    if sub == sup or isinstance(sup, AnyType) or isinstance(sub, AnyType):
        return True
    if isinstance(sup, Nominal) and sup.target in TOP_TARGETS:
        return True
    if isinstance(sup, OptionalType):
        return _into_optional(sub, sup, h, metas)
    if isinstance(sup, LiteralType) and not isinstance(sub, LiteralType):
        return is_subtype(sub, literal_base(sup), h, metas)
    rule = _BY_KIND.get(type(sub))
    return rule is not None and rule(sub, sup, h, metas)


def _into_optional(sub: Type, sup: OptionalType, h: Hierarchy, metas: Metas | None) -> bool:
    """`None`, `T` and `Optional[T]` are accepted where `Optional[T]` is expected."""
    if sub == NONE:
        return True
    inner = sub.inner if isinstance(sub, OptionalType) else sub
    return is_subtype(inner, sup.inner, h, metas)


def _from_var(sub: TypeVar, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    """A type variable (not a meta variable) is below itself and what its bound is below."""
    if isinstance(sup, TypeVar):
        return sub == sup
    return sub.bound is not None and is_subtype(sub.bound, sup, h, metas)


def _from_prim(sub: Type, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    """`Bool <: Int <: Float <: numbers.Number`; a `File` is a `Str` or a path."""
    if sub == INT:
        return sup == FLOAT or _nominal_in(sup, _NUMBER_TARGETS)
    if sub == BOOL:
        return sup in (INT, FLOAT)
    if sub == FILE:
        return sup == STR or _nominal_in(sup, PATH_TARGETS)
    if sub == FLOAT:
        return _nominal_in(sup, _NUMBER_TARGETS)
    return False


def _nominal_in(t: Type, targets: frozenset[str]) -> bool:
    return isinstance(t, Nominal) and t.target in targets


def _from_literal(sub: LiteralType, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    if isinstance(sup, LiteralType):
        return {literal_key(v) for v in sub.values} <= {literal_key(v) for v in sup.values}
    return is_subtype(literal_base(sub), sup, h, metas)


def _from_nominal(sub: Nominal, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    return isinstance(sup, Nominal) and h.nominal_subtype(sub, sup)


def _from_list(sub: ListType, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    return isinstance(sup, ListType) and is_subtype(sub.elem, sup.elem, h, metas)


def _from_tuple(sub: TupleType, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    """Item by item into a tuple of the same length; every item into `Tuple[T, ...]`."""
    if isinstance(sup, TupleType):
        return len(sub.items) == len(sup.items) and all(
            is_subtype(a, b, h, metas) for a, b in zip(sub.items, sup.items)
        )
    if isinstance(sup, TupleOfType):
        return all(is_subtype(a, sup.elem, h, metas) for a in sub.items)
    return False


def _from_tuple_of(sub: TupleOfType, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    return isinstance(sup, TupleOfType) and is_subtype(sub.elem, sup.elem, h, metas)


def _from_dict(sub: DictType, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    return (
        isinstance(sup, DictType)
        and is_subtype(sub.key, sup.key, h, metas)
        and is_subtype(sub.value, sup.value, h, metas)
    )


def _from_record(sub: RecordType, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    """Structural: every field `sup` names, of a subtype; a record is a `Dict[Str, V]`."""
    if isinstance(sup, RecordType):
        for name, field_type in sup.fields:
            have = sub.field(name)
            if have is None or not is_subtype(have, field_type, h, metas):
                return False
        return True
    if isinstance(sup, DictType):
        return is_subtype(STR, sup.key, h, metas) and all(
            is_subtype(v, sup.value, h, metas) for _, v in sub.fields
        )
    return False


def _from_func(sub: FuncType, sup: Type, h: Hierarchy, metas: Metas | None) -> bool:
    return isinstance(sup, FuncType) and _func_subtype(sub, sup, h, metas)


# The rule for each kind of `sub` (by its exact class; a module is below nothing but itself).
_BY_KIND = {
    TypeVar: _from_var,
    Prim: _from_prim,
    LiteralType: _from_literal,
    Nominal: _from_nominal,
    ListType: _from_list,
    TupleType: _from_tuple,
    TupleOfType: _from_tuple_of,
    DictType: _from_dict,
    RecordType: _from_record,
    FuncType: _from_func,
}
_NUMBER_TARGETS = frozenset({"numbers:Number", "numbers:Real", "numbers:Complex"})


def _func_subtype(sub: FuncType, sup: FuncType, h: Hierarchy, metas: Metas | None) -> bool:
    if sub.type_params:
        # A generic function is used at the expected type: instantiate it.
        from ibc.base.typeterms import substitute

        local = metas or Metas()
        sub = substitute(sub, local.fresh(sub.type_params))  # type: ignore[assignment]
        metas = local
    if not is_subtype(sub.returns, sup.returns, h, metas):
        return False
    if any(p.kind in (VAR_POSITIONAL, VAR_KEYWORD) for p in (*sub.params, *sup.params)):
        return True
    sub_pos = [p for p in sub.params if p.kind != "keyword_only"]
    sup_pos = [p for p in sup.params if p.kind != "keyword_only"]
    if len(sub_pos) < len(sup_pos):
        return False
    if any(not p.has_default for p in sub_pos[len(sup_pos) :]):
        return False
    return all(is_subtype(b.type, a.type, h, metas) for a, b in zip(sub_pos, sup_pos))


def _bind(metas: Metas, meta: TypeVar, other: Type, h: Hierarchy, upper: bool) -> bool:
    current = metas.bound.get(meta)
    if current is None:
        if other == meta:
            return True
        if meta.bound is not None and upper and not is_subtype(other, meta.bound, h, metas):
            return False
        metas.bound[meta] = other
        return True
    if upper:
        if is_subtype(other, current, h, metas):
            return True
        widened = join(current, other, h)
        if isinstance(widened, AnyType) and not isinstance(other, AnyType):
            return False
        if meta.bound is not None and not is_subtype(widened, meta.bound, h):
            return False
        metas.bound[meta] = widened
        return True
    return is_subtype(current, other, h, metas)


def join(a: Type, b: Type, h: Hierarchy = FLAT) -> Type:
    """The least common supertype we can name, else `Any`."""
    if is_subtype(a, b, h):
        return b
    if is_subtype(b, a, h):
        return a
    if a == NONE:
        return optional(b)
    if b == NONE:
        return optional(a)
    if isinstance(a, OptionalType) or isinstance(b, OptionalType):
        inner_a = a.inner if isinstance(a, OptionalType) else a
        inner_b = b.inner if isinstance(b, OptionalType) else b
        return optional(join(inner_a, inner_b, h))
    if isinstance(a, ListType) and isinstance(b, ListType):
        return ListType(join(a.elem, b.elem, h))
    if isinstance(a, TupleType) and isinstance(b, TupleType) and len(a.items) == len(b.items):
        return TupleType(tuple(join(x, y, h) for x, y in zip(a.items, b.items)))
    if isinstance(a, RecordType) and isinstance(b, RecordType):
        fields = {}
        for name, t in a.fields:
            other = b.field(name)
            if other is not None:
                fields[name] = join(t, other, h)
        return RecordType(tuple(sorted(fields.items())))
    if isinstance(a, DictType) and isinstance(b, DictType):
        return DictType(join(a.key, b.key, h), join(a.value, b.value, h))
    if isinstance(a, LiteralType) and isinstance(b, LiteralType):
        extra = tuple(v for v in b.values if literal_key(v) not in map(literal_key, a.values))
        return LiteralType(a.values + extra)
    if isinstance(a, LiteralType) or isinstance(b, LiteralType):
        return join(
            literal_base(a) if isinstance(a, LiteralType) else a,
            literal_base(b) if isinstance(b, LiteralType) else b,
            h,
        )
    return ANY


def join_all(types: list[Type], h: Hierarchy = FLAT) -> Type | None:
    if not types:
        return None
    out = types[0]
    for t in types[1:]:
        out = join(out, t, h)
    return out
