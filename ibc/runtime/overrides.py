"""`-s PATH=LITERAL` on the command line of emitted programs: parsing and checking.

The value is a Python literal (`ast.literal_eval`): a number, string, boolean, None, or a
list or tuple of them; an override that needs an expression goes through `ibc run`. The path
must be one of the program's parameters, and the value must fit the parameter's type, given
as a Python annotation (`float`, `list[int]`, `typing.Optional[str]`, `typing.Any`). An `int`
fits `float` (as in Python's typing); a `bool` fits neither `int` nor `float` (`True` is an
`int` to Python, not to a `.ib` program). An annotation the checker cannot read accepts any
value. The checker is `check_set` of `ibc.runtime.standalone`, the one the plain target's
programs carry too (docs/running.md), so both targets accept and refuse the same values with
the same words.
"""

from __future__ import annotations

from ibc.runtime.standalone import check_set, type_error

LITERALS = "a number, string, boolean, None, or a list or tuple of them"


class SetError(Exception):
    """A bad `-s` (exit code 2): the message says what and how to fix it."""


def parse_set(text: str, params: dict[str, str]) -> tuple[str, object]:
    """`(path, value)` of the argument `PATH=LITERAL` of `-s`, checked against `params`
    (path → annotation); raises `SetError`."""
    try:
        return check_set(text, params)
    except ValueError as error:
        raise SetError(str(error)) from None


def check_value(path: str, value: object, annotation: str) -> None:
    """Raise `SetError` unless `value` fits the parameter type `annotation`."""
    problem = type_error(value, annotation)
    if problem is not None:
        raise SetError(f"-s {path}: {problem}")


def parse_literal(path: str, text: str) -> object:
    """The literal `text` of `-s path=text` (of any type); raises `SetError`."""
    return parse_set(f"{path}={text}", {path: "typing.Any"})[1]
