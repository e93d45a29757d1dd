"""Unrolling (docs/running.md, "Unrolled maps and chains"): the prelude's `map` over a list of
known length is one stage per element, and `chain` over a list of steps one stage per step.

The builder (`ibc.runtime.graph.Builder.call`) asks `expand` before it makes the node of a
prelude call, after the override layers have set the call's arguments, so a layer that
changes a range's bound or replaces a step is seen. A list's length is known when it is a list
expression (written in the source, or folded from constants: `[1] + [2]`), or a call of the
prelude's `range`, `linspace` or `logspace` whose arguments are constants (literals, constant
bindings, arithmetic on them) and which has at most `UNROLL` elements. Anything else, a list
computed by a stage or a longer range, is left to one stage of the prelude function, which
gives the same value: unrolling changes what is cached, never the result.

This module imports only the standard library and the runtime's own modules.
"""

from __future__ import annotations

from ibc.runtime import folding
from ibc.runtime.folding import NOT_CONSTANT

PRELUDE = "ibc.runtime.prelude"
UNROLL = 1_000  # the longest range unrolled: one stage (one store entry) per element
RANGES = ("range", "linspace", "logspace")


def expand(m, ref, args, kwargs, at):
    """The node of the prelude call `ref(*args, **kwargs)` unrolled by the builder `m`, or
    None when it is not unrolled (made as one stage)."""
    if ref.module != PRELUDE:
        return None
    if ref.name == "map" and len(args) == 2 and not kwargs:
        return _map(m, args[0], args[1], at)
    if ref.name == "chain":
        bound = _chain_args(args, kwargs or {})
        if bound is not None:
            return _chain(m, *bound, at)
    return None


def _map(m, func, items, at):
    """`map(func, items)` as one stage per element, when `items` has a known length and
    `func` is a reference or a lambda (one function for every element)."""
    if func.op not in ("fn", "ref"):
        return None
    elements = known_items(m, items)
    if elements is None:
        return None
    if func.op == "ref":
        return m.list([m.call(func.data, [x], at=at) for x in elements])
    return m.list([m.apply(func, [x], at=at) for x in elements])


def _chain_args(args, kwargs: dict):
    """`(x, steps)` from the arguments of `chain(x, steps)`, or None if they do not match."""
    names = ("x", "steps")
    if len(args) > 2 or any(k not in names for k in kwargs):
        return None
    bound = dict(zip(names, args))
    for name, value in kwargs.items():
        if name in bound:
            return None
        bound[name] = value
    if len(bound) != 2:
        return None
    return bound["x"], bound["steps"]


def _chain(m, x, steps, at):
    """`chain(x, steps)` as `steps[n-1](…steps[0](x))`: one stage per step, when `steps` is a
    list of known length. A step that is a reference is a stage of it, a lambda is expanded,
    any other function value is applied (a stage too)."""
    if steps.op != "list":
        return None
    value = x
    for step in steps.inputs:
        if step.op == "ref":
            value = m.call(step.data, [value], at=at)
        else:
            value = m.apply(step, [value], at=at)
    return value


def known_items(m, node):
    """The element nodes of `node` when its length is known (see the module's docstring),
    else None."""
    if node.op == "list":
        return node.inputs
    if node.op != "call":
        return None
    ref, count, names = node.data
    if ref.module != PRELUDE or ref.name not in RANGES:
        return None
    values = [folding.constant(i) for i in node.inputs]
    if any(v is NOT_CONSTANT or isinstance(v, bool) for v in values):
        return None
    args, kwargs = values[:count], dict(zip(names, values[count:]))
    items = range_values(ref.name, args, kwargs)
    if items is None:
        return None
    return tuple(m.lit(v) for v in items)


def range_values(name: str, args: list, kwargs: dict) -> list | None:
    """The values of the prelude's `name(*args, **kwargs)` (`range`, `linspace`,
    `logspace`) if there are at most `UNROLL` of them and the call is valid, else None (the
    call is left to run time, which reports an invalid one at its location)."""
    import builtins

    from ibc.runtime import prelude

    if not all(isinstance(v, (builtins.int, builtins.float)) for v in (*args, *kwargs.values())):
        return None
    try:
        if name == "range":
            if not all(isinstance(v, builtins.int) for v in (*args, *kwargs.values())):
                return None
            bound = _range_bounds(*args, **kwargs)
            if builtins.len(builtins.range(*bound)) > UNROLL:
                return None
        else:
            num = kwargs.get("num", args[2] if builtins.len(args) > 2 else 50)
            if not isinstance(num, builtins.int) or not 0 <= num <= UNROLL:
                return None
        return getattr(prelude, name)(*args, **kwargs)
    except (TypeError, ValueError, OverflowError):
        return None


def _range_bounds(start, stop=None, step=1) -> tuple:
    """The arguments of Python's `range` that the prelude's `range(start, stop, step)` means."""
    return (0, start, step) if stop is None else (start, stop, step)
