"""Evaluation of the build graph: top-down, memoized by key, with seams for stores and
executors.

`Evaluator.value(node)` computes a node's value. Nodes without lambda parameters are memoized
by key for the whole run, so a stage shared by several experiments runs once; a failure is
memoized too (it is reported, not retried, by every target that needs it). Before running a
stage the evaluator asks its `Store` for the key — on a hit the stage's inputs are not even
evaluated — and afterwards puts the result there. Stages run through an `Executor`; `local`
runs them in-process. The persistent store and the process/dask executors are later issues;
they plug in here through `Store.get/put` and `Executor.run`.

Keys are structural today (a stage's key covers its inputs' keys); the persistent store will
key stages by their inputs' content hashes instead.
"""

from __future__ import annotations

import operator
from typing import Protocol

from ibc.runtime.errors import StageFailure, UnpackError
from ibc.runtime.graph import Node, _bind, fn_defaults
from ibc.runtime.values import resolve


class Store(Protocol):
    """Where stage results are kept between (later: across) runs, by node key."""

    def get(self, key: str) -> object:
        """The value stored under `key`; raises `KeyError` when there is none."""

    def put(self, key: str, value: object, node: Node) -> None:
        """Keep `value` as the result of stage `node` (whose key is `key`)."""


class MemoryStore:
    """A store that lives as long as the process (what `ibc run` uses until the disk store)."""

    def __init__(self) -> None:
        self.entries: dict[str, object] = {}

    def get(self, key: str) -> object:
        return self.entries[key]

    def put(self, key: str, value: object, node: Node) -> None:
        self.entries[key] = value

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)


class Executor:
    """Runs one stage. Later executors (process pool, dask) run stages elsewhere."""

    name = "abstract"

    def run(self, node: Node, func, args: list, kwargs: dict) -> object:
        raise NotImplementedError


class LocalExecutor(Executor):
    """Runs stages in this process, one at a time."""

    name = "local"

    def run(self, node: Node, func, args: list, kwargs: dict) -> object:
        return func(*args, **kwargs)


class Env:
    """Values of lambda parameters by `(level, index)`, with a memo for the nodes that
    depend on them (valid only for this binding of the parameters)."""

    __slots__ = ("values", "memo")

    def __init__(self, values: dict[tuple[int, int], object]) -> None:
        self.values = values
        self.memo: dict[str, object] = {}


_BINOPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
_UNOPS = {"-": operator.neg, "+": operator.pos, "not": operator.not_}
_CMPOPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


class _Default:
    """Marks a parameter a Python caller left out: its default node, evaluated on binding."""

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node


class Closure:
    """A `.ib` lambda as a Python callable: calling it evaluates the lambda's body graph with
    the arguments bound to its parameters (positionally or by name, as in Python); a
    parameter left out takes its default, evaluated in the environment the lambda was
    made in."""

    def __init__(self, evaluator: Evaluator, node: Node, env: Env | None) -> None:
        self._evaluator = evaluator
        self._node = node
        self._env = env

    def __call__(self, *args, **kwargs):
        params, level, _ = self._node.data
        defaults = tuple(_Default(d) if d is not None else None for d in fn_defaults(self._node))
        bound = _bind(params, args, kwargs, self._node.at, defaults)
        values = dict(self._env.values) if self._env else {}
        for i, value in enumerate(bound):
            if isinstance(value, _Default):
                # evaluated where the lambda was written: in the closure's environment
                value = self._evaluator.value(value.node, self._env)
            values[(level, i)] = value
        return self._evaluator.value(self._node.inputs[0], Env(values))

    def __repr__(self) -> str:
        params, _, has_default = self._node.data
        if has_default:
            params = [f"{p}=…" if h else p for p, h in zip(params, has_default)]
        at = f" at {self._node.at}" if self._node.at else ""
        return f"<ib function fn ({', '.join(params)}){at}>"


class Evaluator:
    """Evaluates nodes top-down, memoized by key."""

    def __init__(self, executor: Executor | None = None, store: Store | None = None) -> None:
        self.executor = executor or LocalExecutor()
        self.store = store if store is not None else MemoryStore()
        self.memo: dict[str, object] = {}
        self.failures: dict[str, StageFailure] = {}
        self.stats = {"ran": 0, "cached": 0, "failed": 0}

    def value(self, node: Node, env: Env | None = None) -> object:
        """The value of `node` (parameters of enclosing lambdas from `env`)."""
        closed = not node.free
        memo = self.memo if closed or env is None else env.memo
        key = node.key
        try:
            return memo[key]
        except KeyError:
            pass
        if closed and key in self.failures:
            raise self.failures[key]
        try:
            result = self._compute(node, env)
        except StageFailure as failure:
            if closed:
                self.failures[key] = failure
            raise
        except Exception as exc:
            failure = StageFailure(node, exc)
            if closed:
                self.failures[key] = failure
            if node.is_stage:
                self.stats["failed"] += 1
            raise failure from None
        memo[key] = result
        return result

    def _compute(self, node: Node, env: Env | None) -> object:
        op = node.op
        if op in ("call", "method", "apply"):
            return self._stage(node, env)
        return getattr(self, "_eval_" + op)(node, env)

    # stages
    def _stage(self, node: Node, env: Env | None) -> object:
        storable = not node.free and not (node.op == "call" and node.data[0].impure)
        if storable:
            try:
                result = self.store.get(node.key)
            except KeyError:
                pass
            else:
                self.stats["cached"] += 1
                return result
        if node.op == "call":
            ref, nargs, names = node.data
            func = resolve(ref)
            inputs = node.inputs
        elif node.op == "method":
            name, nargs, names = node.data
            func = getattr(self.value(node.inputs[0], env), name)
            inputs = node.inputs[1:]
        else:
            nargs, names = node.data
            func = self.value(node.inputs[0], env)
            inputs = node.inputs[1:]
        values = [self.value(n, env) for n in inputs]
        args = values[:nargs]
        kwargs = dict(zip(names, values[nargs:]))
        result = self.executor.run(node, func, args, kwargs)
        self.stats["ran"] += 1
        if storable:
            self.store.put(node.key, result, node)
        return result

    # values
    def _eval_lit(self, node: Node, env: Env | None) -> object:
        return node.data

    def _eval_ref(self, node: Node, env: Env | None) -> object:
        return resolve(node.data)

    def _eval_param(self, node: Node, env: Env | None) -> object:
        if env is None:
            raise RuntimeError("a lambda parameter was evaluated outside its lambda")
        return env.values[node.data]

    def _eval_fn(self, node: Node, env: Env | None) -> object:
        return Closure(self, node, env)

    def _eval_list(self, node: Node, env: Env | None) -> object:
        return [self.value(n, env) for n in node.inputs]

    def _eval_tuple(self, node: Node, env: Env | None) -> object:
        return tuple(self.value(n, env) for n in node.inputs)

    def _eval_dict(self, node: Node, env: Env | None) -> object:
        values = [self.value(n, env) for n in node.inputs]
        return dict(zip(values[0::2], values[1::2]))

    def _eval_record(self, node: Node, env: Env | None) -> object:
        return {name: self.value(n, env) for name, n in zip(node.data, node.inputs)}

    # reads
    def _eval_field(self, node: Node, env: Env | None) -> object:
        return self.value(node.inputs[0], env)[node.data]

    def _eval_attr(self, node: Node, env: Env | None) -> object:
        return getattr(self.value(node.inputs[0], env), node.data)

    def _eval_index(self, node: Node, env: Env | None) -> object:
        return self.value(node.inputs[0], env)[self.value(node.inputs[1], env)]

    def _eval_unpack(self, node: Node, env: Env | None) -> object:
        index, length, pattern = node.data
        whole = self.value(node.inputs[0], env)
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

    # operators
    def _eval_binop(self, node: Node, env: Env | None) -> object:
        left, right = (self.value(n, env) for n in node.inputs)
        return _BINOPS[node.data](left, right)

    def _eval_unop(self, node: Node, env: Env | None) -> object:
        return _UNOPS[node.data](self.value(node.inputs[0], env))

    def _eval_boolop(self, node: Node, env: Env | None) -> object:
        left = self.value(node.inputs[0], env)
        if (node.data == "and") != bool(left):
            return left
        return self.value(node.inputs[1], env)

    def _eval_compare(self, node: Node, env: Env | None) -> object:
        left = self.value(node.inputs[0], env)
        result: object = True
        for op, operand in zip(node.data, node.inputs[1:]):
            right = self.value(operand, env)
            result = _CMPOPS[op](left, right)
            if not result:
                return result
            left = right
        return result

    def _eval_cond(self, node: Node, env: Env | None) -> object:
        cond, then, orelse = node.inputs
        return self.value(then if self.value(cond, env) else orelse, env)
