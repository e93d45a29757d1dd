"""`-s PATH=LITERAL` on the command line of emitted programs: parsing and checking.

The value is a Python literal (`ast.literal_eval`): a number, string, boolean, None, or a
list or tuple of them; an override that needs an expression goes through `ibc run`. The path
must be one of the program's parameters, and the value must fit the parameter's type, given
as a Python annotation (`float`, `list[int]`, `typing.Optional[str]`, `typing.Any`), checked
with typeguard. This module is imported only when `-s` is used (so is typeguard): a run
without overrides pays for neither. An `int` fits `float` (as in Python's typing); a `bool`
fits neither `int` nor `float` (typeguard would let it: `True` is an `int` to Python, not
to a `.ib` program). An annotation this module cannot read accepts any value.
"""

from __future__ import annotations

import ast
import types
import typing

from ibc.runtime.layers import is_literal
from ibc.base.spell import nearest

LITERALS = "a number, string, boolean, None, or a list or tuple of them"


class SetError(Exception):
    """A bad `-s` (exit code 2): the message says what and how to fix it."""


def parse_set(text: str, params: dict[str, str]) -> tuple[str, object]:
    """`(path, value)` of the argument `PATH=LITERAL` of `-s`, checked against `params`
    (path → annotation); raises `SetError`."""
    path, eq, literal = text.partition("=")
    path = path.strip()
    if not eq or not path:
        raise SetError(f"-s {text}: expected PATH=LITERAL, such as -s model.C=0.1")
    if path not in params:
        if not params:
            raise SetError(f"-s {path}: this program has no parameters that -s can set")
        close = nearest(path, list(params), dotted=True)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise SetError(f"-s {path}: unknown parameter{hint} (--list-params lists them)")
    value = parse_literal(path, literal.strip())
    check_value(path, value, params[path])
    return path, value


def parse_literal(path: str, text: str) -> object:
    """The literal `text` of `-s path=text`; raises `SetError`."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if text.isidentifier():
            hint = f"; to pass the string, quote it: -s '{path}=\"{text}\"'"
        else:
            hint = "; an override that needs an expression goes through `ibc run … -s`"
        raise SetError(f"-s {path}: `{text}` is not a literal value ({LITERALS}){hint}") from None
    if not is_literal(value):
        raise SetError(
            f"-s {path}: `{text}` is a {type(value).__name__}; -s takes {LITERALS}"
        ) from None
    return value


def annotation_type(annotation: str) -> object:
    """The type an annotation's text names (`typing.Any` when it cannot be read)."""
    if annotation in ("None", "NoneType"):
        return type(None)
    namespace = {"typing": typing, "NoneType": type(None), "__builtins__": __builtins__}
    try:
        return eval(annotation, namespace, {})  # the text was written by the compiler
    except Exception:
        return typing.Any


def check_value(path: str, value: object, annotation: str) -> None:
    """Raise `SetError` unless `value` fits the parameter type `annotation`."""
    if not fits(value, annotation_type(annotation)):
        raise SetError(f"-s {path}: expected {annotation}, got {type(value).__name__} {value!r}")


def fits(value: object, tp: object) -> bool:
    """Whether `value` is of type `tp`: typeguard's check on every item, then no `bool`
    where only a number is expected."""
    import typeguard

    try:
        typeguard.check_type(
            value, tp, collection_check_strategy=typeguard.CollectionCheckStrategy.ALL_ITEMS
        )
    except typeguard.TypeCheckError:
        return False
    except Exception:  # a type typeguard cannot check: accept
        return True
    return _no_bool_as_number(value, tp)


def _no_bool_as_number(value: object, tp: object) -> bool:
    if tp is typing.Any or tp is object:
        return True
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        return any(fits(value, arg) for arg in args)
    if isinstance(value, bool):
        return tp is bool
    if isinstance(value, list) and origin is list and args:
        return all(_no_bool_as_number(v, args[0]) for v in value)
    if isinstance(value, tuple) and origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_no_bool_as_number(v, args[0]) for v in value)
        return all(_no_bool_as_number(v, a) for v, a in zip(value, args))
    return True
