"""The values a sweep ranges over, known at compile time.

A sweep's `in` takes a list literal (its elements may be any expressions: a model, a
function, a tuple of values for a zip over several paths) or a call of the prelude's
`range`, `linspace` or `logspace` whose arguments are constants (numbers, or arithmetic on
them). Each value gets a spelling for the sweep point's name: the literal as written, the
expression's source text, or for a computed number its shortest stable form.
"""

from __future__ import annotations

import math

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.base.folding_limits import affordable as _affordable
from ibc.base.records import record
from ibc.resolve.symbols import PyRefSym
from ibc.syntax import nodes as n
from ibc.types.check import Checked


@record
class Value:
    """One value of a sweep: `expr` (an AST expression, or None for a computed number),
    `text` its spelling, `value`/`known` its Python value when it is a constant, and
    `items` the parts of a tuple (for a zip over several paths)."""

    expr: object
    text: str
    value: object
    known: bool
    items: tuple
    span: object


_RANGES = ("range", "linspace", "logspace")


def sweep_values(expr: n.Expr, checked: Checked, diags: Diagnostics) -> list[Value] | None:
    if isinstance(expr, n.ListExpr):
        return [_value(item, checked) for item in expr.items]
    histories = checked.program.histories
    if histories and id(expr) in histories:  # `history(f)`: spelt `@3f2a1bc`, `@worktree`
        return [
            Value(version, f"@{label}", None, False, (), expr.span)
            for label, version, _ in histories[id(expr)].values
        ]
    if isinstance(expr, n.Call) and isinstance(expr.func, n.Var):
        sym = checked.program.names.symbols.get(id(expr.func))
        if (
            isinstance(sym, PyRefSym)
            and sym.module is not None
            and sym.module.kind == "prelude"
            and sym.name in _RANGES
        ):
            args = []
            kwargs = {}
            for arg in expr.args:
                value = fold(arg.value)
                if value is None or isinstance(value, bool):
                    diags.error("E0507", arg.value.span)
                    return None
                if arg.name is None:
                    args.append(value)
                else:
                    kwargs[arg.name.text] = value
            try:
                count = _count(sym.name, args, kwargs)
                limit = max_points(checked)
                if count > limit:
                    diags.error("E0511", expr.span, count=count, limit=limit, what="axis")
                    return None
                values = _compute(sym.name, args, kwargs)
            except (TypeError, ValueError, OverflowError) as exc:
                diags.error("E0510", expr.span, reason=str(exc))
                return None
            return [Value(None, _spell(v), v, True, (), expr.span) for v in values]
    diags.error("E0507", expr.span)
    return None


def _value(item: n.Expr, checked: Checked) -> Value:
    if isinstance(item, n.TupleExpr):
        parts = tuple(_value(part, checked) for part in item.items)
        text = "(" + ",".join(p.text for p in parts) + ")"
        return Value(item, text, None, False, parts, item.span)
    constant = fold(item)
    if constant is not None or (isinstance(item, n.Literal) and item.value is None):
        text = item.text if isinstance(item, n.Literal) else _spell(constant)
        return Value(item, text, constant, True, (), item.span)
    source = checked.program.sources
    text = _source_text(item, source)
    return Value(item, text, None, False, (), item.span)


def _source_text(item: n.Expr, sources) -> str:
    source = sources.get(item.span.file)
    if source is None:
        return "…"
    return " ".join(source.text[item.span.start : item.span.end].split())


def fold(e: n.Expr):
    """The value of a constant expression (a literal, or arithmetic on literals), or None."""
    if isinstance(e, n.Literal):
        return e.value
    if isinstance(e, n.UnaryOp) and e.op in ("-", "+"):
        inner = fold(e.operand)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner if e.op == "-" else inner
        return None
    if isinstance(e, n.BinOp):
        left, right = fold(e.left), fold(e.right)
        numbers = (int, float)
        if not (isinstance(left, numbers) and isinstance(right, numbers)):
            return None
        if not _affordable(e.op, left, right):
            return None  # left to the run, which bounds what it folds (docs/parameters.md)
        try:
            return {
                "+": lambda: left + right,
                "-": lambda: left - right,
                "*": lambda: left * right,
                "/": lambda: left / right,
                "//": lambda: left // right,
                "%": lambda: left % right,
                "**": lambda: left**right,
            }[e.op]()
        except (ZeroDivisionError, OverflowError):
            return None
    return None


# The most points a sweep may have (docs/parameters.md, "Sweeps"): a typo such as
# `range(0, 10**7)` would otherwise take minutes and gigabytes before anything runs. A
# project raises it with `max_points = N` in ibc.toml (docs/settings.md).
MAX_POINTS = 10_000


def max_points(checked: Checked) -> int:
    """The project's limit on the points of one sweep."""
    settings = getattr(checked.program, "settings", None)
    found = getattr(settings, "max_points", None)
    return found if isinstance(found, int) else MAX_POINTS


def _count(name: str, args: list, kwargs: dict) -> int:
    """How many values `range`, `linspace` or `logspace` gives, without making them."""
    if name == "range":
        return len(range(*args, **kwargs))
    num = kwargs.get("num", args[2] if len(args) > 2 else 50)
    return max(0, int(num))


def _compute(name: str, args: list, kwargs: dict) -> list:
    """The prelude's `range`, `linspace` and `logspace`, as the runtime computes them."""
    if name == "range":
        return list(range(*args, **kwargs))
    if name == "linspace":
        start, stop, num = _bind(args, kwargs, ("start", "stop", "num"), {"num": 50})
        return _linspace(start, stop, int(num))
    start, stop, num, base = _bind(
        args, kwargs, ("start", "stop", "num", "base"), {"num": 50, "base": 10.0}
    )
    return [float(base) ** x for x in _linspace(start, stop, int(num))]


def _bind(args, kwargs, names, defaults) -> list:
    values = dict(zip(names, args))
    values.update(kwargs)
    for name, default in defaults.items():
        values.setdefault(name, default)
    missing = [name for name in names if name not in values]
    if missing or len(values) != len(names):
        raise TypeError(f"expected the arguments {', '.join(names)}")
    return [values[name] for name in names]


def _linspace(start: float, stop: float, num: int) -> list[float]:
    """`numpy.linspace(start, stop, num)` step by step as numpy computes it, so every value is
    the same float (the prelude's `linspace` does the same; docs/parameters.md, "Sweeps")."""
    if num < 0:
        raise ValueError("the number of values cannot be negative")
    start, stop = float(start), float(stop)
    div = num - 1
    delta = stop - start
    if div <= 0:
        out = [i * delta + start for i in range(num)]
    else:
        step = delta / div
        if step == 0:
            out = [(i / div) * delta + start for i in range(num)]
        else:
            out = [i * step + start for i in range(num)]
    if num > 1:
        out[-1] = stop
    return out


def _spell(value) -> str:
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return f"{value:.1f}"
        return format(value, ".12g")
    return repr(value)
