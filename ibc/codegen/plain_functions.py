"""Function values in the `plain` target: recognising a `def` used as a value.

Lowering turns a `def` used as a value (`h = f`, `map(f, xs)`) into a lambda that calls it,
`fn (a, b = <f's default of b>) => f(a, b)`. The plain target emits such a lambda as the
def's own Python function: the code reads like the source (`map(f, [1, 2])`), and calls from
Python take the def's defaults exactly as a call in `.ib` does (a default that is not a
constant is computed only when the argument is left out, in module scope).
"""

from __future__ import annotations

from ibc.codegen import ir


def eta_def(e: ir.LambdaE, defs: dict[str, ir.IrDef]) -> ir.IrDef | None:
    """The def that `e` is the value of, if `e` is `fn (p1, …, pn) => d(p1, …, pn)` with the
    def's own parameter names and defaults; else None."""
    body = e.body
    if not isinstance(body, ir.DefCall) or body.kwargs:
        return None
    d = defs.get(body.name)
    if d is None:
        return None
    if e.params != tuple(p.name for p in d.params):
        return None
    if body.args != tuple(ir.Local(p) for p in e.params):
        return None
    own = tuple(p.default for p in d.params)
    given = e.defaults or (None,) * len(e.params)
    return d if given == own else None
