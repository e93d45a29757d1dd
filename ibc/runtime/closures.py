"""The cheap operations of the graph, and `.ib` lambdas as Python callables.

`apply_op(node, values)` computes a node that is evaluated, not stored (an operator, a field
read, a list …) from the values of its inputs; the evaluator and closures share it.

A lambda given to a Python function becomes a `Closure`. Its body is a small graph whose
nodes depend on the lambda's parameters ("free" nodes); the nodes it captures from outside
(closed nodes: a fitted model, a parameter) are computed by the evaluator *before* the closure
is made, and the closure carries their values (`bound`). Calling it evaluates the free nodes
directly, recursively, without a store: a stage inside a lambda runs every time the lambda is
called (its result depends on the arguments). A closure holds no evaluator, so it pickles and
can be sent to a worker process with the stage that receives it.
"""

from __future__ import annotations

from ibc.runtime.errors import StageFailure, UnpackError
from ibc.runtime.folding import BINOPS, UNOPS, compare_values
from ibc.runtime.graph import Node, _bind, fn_defaults
from ibc.runtime.values import resolve


def apply_op(node: Node, values: list) -> object:
    """The value of the cheap node `node` given its inputs' values (`cond`, `boolop` and
    `compare` short-circuit in their callers; here all their inputs are given)."""
    op = node.op
    if op == "list":
        return values
    if op == "tuple":
        return tuple(values)
    if op == "dict":
        return dict(zip(values[0::2], values[1::2]))
    if op == "record":
        return dict(zip(node.data, values))
    if op == "field":
        return values[0][node.data]
    if op == "attr":
        return getattr(values[0], node.data)
    if op == "index":
        return values[0][values[1]]
    if op == "unpack":
        return unpack(node, values[0])
    if op == "binop":
        return BINOPS[node.data](values[0], values[1])
    if op == "unop":
        return UNOPS[node.data](values[0])
    if op == "compare":
        return compare_values(node.data, values)
    if op == "cond":
        return values[1] if values[0] else values[2]
    if op == "boolop":
        return values[0] if (node.data == "and") != bool(values[0]) else values[1]
    if op == "lit":
        return node.data
    if op == "ref":
        return resolve(node.data)
    raise RuntimeError(f"cannot evaluate a `{op}` node here")


def call_stage(node: Node, values: list) -> object:
    """Run the stage `node` (call, method or apply) in this process with its inputs' values."""
    if node.op == "call":
        ref, nargs, names = node.data
        func = resolve(ref)
        args = values
    elif node.op == "method":
        name, nargs, names, _ = node.data
        func = getattr(values[0], name)
        args = values[1:]
    else:
        nargs, names = node.data
        func = values[0]
        args = values[1:]
    return func(*args[:nargs], **dict(zip(names, args[nargs:])))


def unpack(node: Node, whole: object) -> object:
    index, length, pattern = node.data
    try:
        count = len(whole)
    except TypeError:
        whole = tuple(whole)
        count = len(whole)
    if count != length:
        what = f"`{pattern}`" if pattern else "destructuring"
        at = f" at {node.at}" if node.at else ""
        raise UnpackError(f"{what}{at} expects {length} values, got {count}")
    return whole[index]


def frontier(fn: Node) -> list[Node]:
    """The closed nodes a lambda's body and defaults read (what a closure must carry), in a
    deterministic order, each once."""
    seen: set[str] = set()
    out: list[Node] = []
    stack = list(reversed(fn.inputs))
    while stack:
        node = stack.pop()
        if node.key in seen:
            continue
        seen.add(node.key)
        if not node.free:
            out.append(node)
        else:
            stack.extend(reversed(node.inputs))
    return out


class _Default:
    """Marks a parameter a Python caller left out: its default node, evaluated on binding."""

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node


class Closure:
    """A `.ib` lambda as a Python callable: calling it evaluates the lambda's body with the
    arguments bound to its parameters (positionally or by name, as in Python); a parameter
    left out takes its default, evaluated where the lambda was made."""

    __slots__ = ("node", "bound", "env")

    def __init__(self, node: Node, bound: dict[str, object], env: dict | None = None) -> None:
        self.node = node
        self.bound = bound  # values of the closed nodes the body reads, by node key
        self.env = env or {}  # values of enclosing lambdas' parameters, by (level, index)

    def __call__(self, *args, **kwargs):
        params, level, _ = self.node.data
        defaults = tuple(_Default(d) if d is not None else None for d in fn_defaults(self.node))
        bound = _bind(params, args, kwargs, self.node.at, defaults)
        env = dict(self.env)
        for i, value in enumerate(bound):
            if isinstance(value, _Default):
                value = self.evaluate(value.node, self.env, {})
            env[(level, i)] = value
        return self.evaluate(self.node.inputs[0], env, {})

    def evaluate(self, node: Node, env: dict, memo: dict) -> object:
        """The value of a node of the body under the parameter values `env`."""
        key = node.key
        if key in self.bound:
            return self.bound[key]
        if key in memo:
            return memo[key]
        if not node.free:  # pragma: no cover - frontier() collects every closed node read
            raise RuntimeError(f"a closure has no value for {node.describe()}")
        op = node.op
        if op == "param":
            value = env[node.data]
        elif op == "fn":
            value = Closure(node, self.bound, env)
        elif op == "cond":
            cond, then, orelse = node.inputs
            value = self.evaluate(then if self.evaluate(cond, env, memo) else orelse, env, memo)
        elif op == "boolop":
            left = self.evaluate(node.inputs[0], env, memo)
            if (node.data == "and") != bool(left):
                value = left
            else:
                value = self.evaluate(node.inputs[1], env, memo)
        else:
            values = [self.evaluate(n, env, memo) for n in node.inputs]
            if node.is_stage:  # a stage, or a cheap prelude function, inside the lambda
                try:
                    value = call_stage(node, values)
                except StageFailure:
                    raise
                except Exception as exc:  # reported at the inner call, not the outer stage
                    raise StageFailure(node, exc) from exc
            else:
                value = apply_op(node, values)
        memo[key] = value
        return value

    def __repr__(self) -> str:
        params, _, has_default = self.node.data
        if has_default:
            params = [f"{p}=…" if h else p for p, h in zip(params, has_default)]
        at = f" at {self.node.at}" if self.node.at else ""
        return f"<ib function fn ({', '.join(params)}){at}>"
