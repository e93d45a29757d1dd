"""Types of operators, comparisons and indexing, following Python's semantics.

Numbers mix as in Python (`Int + Float` is `Float`, `/` always gives `Float`, `Bool` counts as
`Int`); `+` joins strings, lists and tuples; `*` repeats a string or list by an `Int`; `%`
formats a string. For a value of a Python class (a NumPy array, a DataFrame) an operator is
allowed when the class or its bases define the matching method (`__add__`, …), with the
method's return type, and is `Any` when the class cannot be read. Anything else is an error
naming the operator and both operand types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ibc.syntax import nodes as n
from ibc.types.calls import receiver
from ibc.base.typeterms import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    STR,
    AnyType,
    DictType,
    ListType,
    Nominal,
    RecordType,
    TupleOfType,
    TupleType,
    Type,
    TypeVar,
)

if TYPE_CHECKING:
    from ibc.types.check import Checker

DUNDER = {
    "+": "__add__",
    "-": "__sub__",
    "*": "__mul__",
    "/": "__truediv__",
    "//": "__floordiv__",
    "%": "__mod__",
    "**": "__pow__",
}
REFLECTED = {op: name.replace("__", "__r", 1) for op, name in DUNDER.items()}
NUMERIC = (BOOL, INT, FLOAT)


def _numeric_result(op: str, left: Type, right: Type) -> Type | None:
    if left not in NUMERIC or right not in NUMERIC:
        return None
    if op == "/":
        return FLOAT
    if FLOAT in (left, right):
        return FLOAT
    return INT


def binop_type(checker: "Checker", e: n.BinOp, left: Type, right: Type) -> Type:
    op = e.op
    if isinstance(left, (AnyType, TypeVar)) or isinstance(right, (AnyType, TypeVar)):
        return ANY
    numeric = _numeric_result(op, left, right)
    if numeric is not None:
        return numeric
    if op == "+":
        if left == STR and right == STR:
            return STR
        if isinstance(left, ListType) and isinstance(right, ListType):
            from ibc.types.relations import join

            return ListType(join(left.elem, right.elem, checker.env))
        if isinstance(left, TupleType) and isinstance(right, TupleType):
            return TupleType(left.items + right.items)
    if op == "*":
        for a, b in ((left, right), (right, left)):
            if b in (INT, BOOL) and (a == STR or isinstance(a, ListType)):
                return a
    if op == "%" and left == STR:
        return STR
    for side, other, table in ((left, right, DUNDER), (right, left, REFLECTED)):
        if isinstance(side, Nominal):
            found = _dunder(checker, side, table[op])
            if found is not None:
                return found
    checker.error("E0412", e.span, op=op, left=str(left), right=str(right))
    return ANY


def _dunder(checker: "Checker", t: Nominal, name: str) -> Type | None:
    """The result type of `t.name(...)` when the class defines it; `Any` when the class
    cannot be read; None when it is known not to define it."""
    index = checker.program.index
    try:
        method = index.method(t.target, name)
    except Exception:  # noqa: BLE001
        return ANY
    if method is not None:
        sig = receiver(method.signature, method.self_var, t)  # `-frame` is a DataFrame
        return sig.returns if sig is not None else ANY
    if not checker._class_fully_known(t.target):
        return ANY
    return None


def unary_type(checker: "Checker", e: n.UnaryOp, operand: Type) -> Type:
    if e.op == "not":
        return BOOL
    if isinstance(operand, (AnyType, TypeVar)):
        return ANY
    if operand in NUMERIC:
        return INT if operand == BOOL else operand
    if isinstance(operand, Nominal):
        found = _dunder(checker, operand, "__neg__" if e.op == "-" else "__pos__")
        if found is not None:
            return found
    checker.error("E0412", e.span, op=e.op, left=str(operand), right="")
    return ANY


ORDERING = ("<", "<=", ">", ">=")


def compare_type(checker: "Checker", e: n.Compare, types: list[Type]) -> Type:
    result: Type = BOOL
    for i, op in enumerate(e.ops):
        left, right = types[i], types[i + 1]
        if any(isinstance(t, (AnyType, TypeVar)) for t in (left, right)):
            continue
        if any(isinstance(t, Nominal) for t in (left, right)):
            result = ANY  # NumPy and pandas compare elementwise
            continue
        if op in ("in", "not in"):
            if not isinstance(right, (ListType, TupleType, TupleOfType, DictType, RecordType)) and (
                right != STR
            ):
                checker.error("E0412", e.span, op=op, left=str(left), right=str(right))
            elif right == STR and left != STR:
                checker.error("E0412", e.span, op=op, left=str(left), right=str(right))
            continue
        if op in ORDERING:
            ok = (left in NUMERIC and right in NUMERIC) or (left == right and left == STR)
            ok = ok or (isinstance(left, (ListType, TupleType)) and type(left) is type(right))
            if not ok:
                checker.error("E0412", e.span, op=op, left=str(left), right=str(right))
    return result


def index_type(checker: "Checker", e: n.Index, base: Type, key: Type) -> Type:
    if isinstance(base, (AnyType, TypeVar)):
        return ANY
    int_key = key in (INT, BOOL) or isinstance(key, AnyType)
    if isinstance(base, ListType) or isinstance(base, TupleOfType):
        if not int_key:
            checker.error("E0410", e.index.span, type=str(base), key=str(key), record=False)
        return base.elem
    if isinstance(base, TupleType):
        if not int_key:
            checker.error("E0410", e.index.span, type=str(base), key=str(key), record=False)
            return ANY
        if isinstance(e.index, n.Literal) and isinstance(e.index.value, int):
            i = e.index.value
            if -len(base.items) <= i < len(base.items):
                return base.items[i]
            checker.error("E0427", e.index.span, index=i, type=str(base), size=len(base.items))
            return ANY
        from ibc.types.relations import join_all

        return join_all(list(base.items), checker.env) or ANY
    if isinstance(base, DictType):
        from ibc.types.relations import is_subtype

        if not is_subtype(key, base.key, checker.env):
            checker.error("E0410", e.index.span, type=str(base), key=str(key), record=False)
        return base.value
    if base == STR:
        if not int_key:
            checker.error("E0410", e.index.span, type=str(base), key=str(key), record=False)
        return STR
    if isinstance(base, RecordType):
        field = e.index.value if isinstance(e.index, n.Literal) else None
        checker.error("E0410", e.index.span, type=str(base), key=str(key), record=True, field=field)
        return ANY
    if isinstance(base, Nominal):
        found = _dunder(checker, base, "__getitem__")
        if found is not None:
            return found
    checker.error("E0410", e.index.span, type=str(base), key=str(key), record=False)
    return ANY
