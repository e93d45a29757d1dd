"""Constant folding (docs/running.md, "Constant expressions"): operators applied to constants
are computed while the graph is built, and the node made is the literal of the result.

A stage's key covers its inputs' identities, and a literal's identity is its canonical
encoding (`ibc.runtime.graph.literal_code`). Without folding, `fit(data, alpha = alpha * 2)`
(with `alpha = 1.0`) and `fit(data, alpha = 2.0)` give `fit` the same value under two keys,
and it runs twice. Folded, `alpha * 2` *is* the literal `2.0`: one node, one key, one run.
`1 * 2` folds to the literal `2`, which stays distinct from `2.0` (Python's result type is
kept, as the encoding of literals keeps it).

The builder folds (`ibc.runtime.graph.Builder`), under the override layers in force: a
parameter is read first (as `with`, a sweep point or `-s` set it), then the operator applied
to its value, so folding never freezes a value a layer may change.

A *constant* is a literal, or a list, tuple, record or dict expression of constants. Folded:
- `+ - * / // % **`, unary `- + not` and comparisons (`== != < <= > >= in`, chained) on
  constants, when Python computes the result without an error and it is literal data (None,
  bool, int, float, str, lists and tuples of them). An operation that fails (`1 / 0`) is left
  for run time, where it fails with its location; so is one that would build a large value
  (`"x" * 10**9`, `10 ** 10**8`, an integer of more than `BITS` bits, a list of more than
  `ITEMS` elements), and `str % …`;
- a conditional whose condition is a constant: the branch it takes; `and` / `or` whose left
  operand is a constant: the operand that is the result (as Python's short circuit gives);
- reads of a known structure: a record expression's field, a list or tuple expression's
  element at a constant index, a destructured element of a list or tuple expression of the
  right length: the node of that part, whatever it is (an element that is a stage is that
  stage).
Prelude functions (`len`, `str`, `range` …) and Python references are not folded (`map` over
a range of constants is unrolled, the range staying a call: `ibc.runtime.unroll`).

This module imports only the standard library and `ibc.base.folding_limits` (the limits it
shares with the compiler's folding); `ibc.runtime.closures` evaluates the same
operator tables at run time, so a folded value is the value the run would compute.
"""

from __future__ import annotations

import operator

from ibc.base.folding_limits import ITEMS, affordable, size

# what the operators do, at build time (here) and at run time (`closures.apply_op`)
BINOPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
UNOPS = {"-": operator.neg, "+": operator.pos, "not": operator.not_}
CMPOPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}

NOT_CONSTANT = object()  # what the functions below return for "not folded"


def compare_values(ops, values: list) -> object:
    """A chained comparison of `values` by `ops`, short-circuit as in Python."""
    result: object = True
    for op, left, right in zip(ops, values, values[1:]):
        result = CMPOPS[op](left, right)
        if not result:
            return result
    return result


def constant(node) -> object:
    """The value of `node` when it is a constant (see the module's docstring), else
    `NOT_CONSTANT`."""
    op = node.op
    if op == "lit":
        return node.data
    if op not in ("list", "tuple", "record", "dict"):
        return NOT_CONSTANT
    values = []
    for item in node.inputs:
        value = constant(item)
        if value is NOT_CONSTANT:
            return NOT_CONSTANT
        values.append(value)
    if op == "list":
        return values
    if op == "tuple":
        return tuple(values)
    if op == "record":
        return dict(zip(node.data, values))
    try:
        return dict(zip(values[0::2], values[1::2]))
    except TypeError:  # an unhashable key: the run reports it
        return NOT_CONSTANT


def binop(op: str, left, right) -> object:
    """`left op right` for nodes `left` and `right`, when it folds; else `NOT_CONSTANT`."""
    a, b = constant(left), constant(right)
    if a is NOT_CONSTANT or b is NOT_CONSTANT or not affordable(op, a, b):
        return NOT_CONSTANT
    return _literal(lambda: BINOPS[op](a, b))


def unop(op: str, operand) -> object:
    value = constant(operand)
    if value is NOT_CONSTANT:
        return NOT_CONSTANT
    return _literal(lambda: UNOPS[op](value))


def compare(ops, operands) -> object:
    values = [constant(node) for node in operands]
    if any(v is NOT_CONSTANT for v in values):
        return NOT_CONSTANT
    return _literal(lambda: compare_values(ops, values))


def index(obj, key) -> object:
    """`obj[key]` when both are constants (a string's character, a record's field by name
    …); else `NOT_CONSTANT`."""
    whole, at = constant(obj), constant(key)
    if whole is NOT_CONSTANT or at is NOT_CONSTANT:
        return NOT_CONSTANT
    return _literal(lambda: whole[at])


def part(node, selector: object):
    """The input node of the list, tuple or record expression `node` that `selector` (an
    int position, or a record's field name) reads, or None when it is not known here."""
    op, inputs = node.op, node.inputs
    if op == "record":
        if isinstance(selector, str) and selector in node.data:
            return inputs[node.data.index(selector)]
        return None
    if op in ("list", "tuple") and isinstance(selector, int):
        if -len(inputs) <= selector < len(inputs):
            return inputs[selector]
    return None


def _literal(compute) -> object:
    try:
        value = compute()
    except Exception:  # noqa: BLE001 - any failure is the run's to report, with its location
        return NOT_CONSTANT
    if size(value, ITEMS) is None:
        return NOT_CONSTANT
    return value
