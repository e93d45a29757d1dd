"""How the REPL prints a value: in `.ib` notation where its type says what it is.

A record is a `dict` at run time; its type tells it from a dictionary, so it prints as
`{accuracy = 0.95, f1 = 0.96}`. Strings print quoted, NumPy scalars as plain numbers, lists,
tuples and dictionaries element by element; anything else (an array, a data frame, an
estimator) by its `repr`, which the libraries keep short.
"""

from __future__ import annotations

import json

from ibc.base.typeterms import (
    DictType,
    ListType,
    OptionalType,
    RecordType,
    TupleOfType,
    TupleType,
    Type,
)

MAX_ITEMS = 100  # elements shown of a long list or dictionary


def _scalar(value: object) -> object:
    """A NumPy scalar (or 0-d array) as the Python number it holds."""
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
        try:
            return value.item()  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            return value
    return value


def show(value: object, t: Type | None = None) -> str:
    """`value` as text, guided by its type `t` (None: by the value alone)."""
    value = _scalar(value)
    if isinstance(t, OptionalType):
        t = t.inner
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        if isinstance(t, RecordType) and all(isinstance(k, str) for k in value):
            fields = dict(t.fields)
            inner = ", ".join(f"{k} = {show(v, fields.get(k))}" for k, v in value.items())
            return "{" + inner + "}"
        key_t = t.key if isinstance(t, DictType) else None
        value_t = t.value if isinstance(t, DictType) else None
        items = [f"{show(k, key_t)}: {show(v, value_t)}" for k, v in _first(value.items())]
        return "{" + ", ".join(items) + _more(value) + "}"
    if isinstance(value, list):
        elem = t.elem if isinstance(t, ListType) else None
        return "[" + ", ".join(show(v, elem) for v in _first(value)) + _more(value) + "]"
    if isinstance(value, tuple):
        if isinstance(t, TupleType) and len(t.items) == len(value):
            parts = [show(v, it) for v, it in zip(value, t.items)]
        else:
            elem = t.elem if isinstance(t, TupleOfType) else None
            parts = [show(v, elem) for v in _first(value)]
        if len(value) == 1:
            return f"({parts[0]},)"
        return "(" + ", ".join(parts) + _more(value) + ")"
    return repr(value)


def _first(items):
    for i, item in enumerate(items):
        if i >= MAX_ITEMS:
            return
        yield item


def _more(container) -> str:
    extra = len(container) - MAX_ITEMS
    return f", … ({extra} more)" if extra > 0 else ""


def with_type(value_text: str, type_text: str) -> str:
    """`VALUE : TYPE`, or the type on a line of its own under a value of several lines."""
    if "\n" in value_text:
        return f"{value_text}\n: {type_text}"
    return f"{value_text} : {type_text}"
