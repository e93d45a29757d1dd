"""The build graph: hash-consed nodes, their keys, and the builder emitted code calls.

An emitted program's builders create nodes and run nothing. Every node has a *key*: a hash of
its operation, its static data and its inputs' keys (for a stage: the reference's module,
name and fingerprint and the argument keys; for a literal: a canonical encoding in which `1`,
`1.0` and `True` differ). Equal keys mean one node (`Graph.make` hash-conses), so a stage
shared by several experiments is one node, evaluated once; the persistent store stores stage
results under the same keys. An operator on constants is not a node of its own: the builder
folds it into the literal of its result (`ibc.runtime.folding`, docs/running.md "Constant
expressions"), so `alpha * 2` with `alpha = 1.0` is the node of `2.0`.

`Builder` (the `m` of emitted code) is the API builders call: `m.get("name")` reads a
top-level binding through a `Scope`, `m.call(ref, [args], {kwargs}, at="f.ib:3:5")` makes a
stage, and so on. Every `m` carries a stack of override layers (`ibc.runtime.layers`):
`m.with_(base, {path: value})` pushes one; `m.get`, and calls, references, lists, tuples and
records given a `path=`, look their parameters up in it, so emitted code is the same with or
without overrides. A binding is built once per stack that reaches it (`Scope`).

A lambda (`m.fn`) is built once with symbolic parameter nodes; its node's key therefore
covers its code and everything it captures; applied in `.ib`, it is expanded under the stack
it was made under. Its parameters' default nodes (`defaults=`), built by the caller where the
lambda is written, are inputs of its node too: applied in `.ib` a left-out argument is
replaced by its default node; called from Python it is evaluated in the closure's
environment.
"""

from __future__ import annotations

from typing import Callable, Iterable

from ibc.runtime import folding, unroll
from ibc.runtime.folding import NOT_CONSTANT
from ibc.runtime.layers import Layer, Stack, is_literal, points_under, swept_paths
from ibc.runtime.values import Ref

try:  # CPython's own blake2: avoids loading OpenSSL through hashlib (milliseconds at import)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import blake2b

# Operations whose nodes are stages: their results are worth storing.
STAGE_OPS = frozenset({"call", "method", "apply"})
PRELUDE = "ibc.runtime.prelude"


def digest(*parts: str) -> str:
    """A 128-bit hex hash of `parts`, unambiguous (length-prefixed)."""
    h = blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(b"%d:" % len(data))
        h.update(data)
    return h.hexdigest()


def literal_code(value: object) -> str:
    """The canonical encoding of a literal: type-tagged, so `1`, `1.0` and `True` differ."""
    if value is None:
        return "n"
    if isinstance(value, bool):
        return "b1" if value else "b0"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, float):
        return f"f{value.hex()}"
    if isinstance(value, str):
        return "s" + value
    raise TypeError(f"not a literal: {value!r}")


class Node:
    """One node of the graph. `op` says what it computes; `data` holds its static part (a
    `Ref`, a name, an operator …); `inputs` are the nodes it reads. `at` (the `.ib`
    location) and `path` (its parameter path) are metadata, not part of the key. `free` is
    the set of lambda levels whose parameters it depends on (empty: it can be memoized)."""

    __slots__ = ("key", "op", "code", "data", "inputs", "at", "path", "free", "builder")

    def __init__(self, key, op, data, inputs, at, path, free, builder=None, code=()) -> None:
        self.key: str = key
        self.op: str = op
        self.code: tuple[str, ...] = code  # the static part as text (part of the key)
        self.data: object = data
        self.inputs: tuple[Node, ...] = inputs
        self.at: str | None = at
        self.path: str | None = path
        self.free: frozenset[int] = free
        # for "fn" nodes: (the Python function that expands the lambda, the `Stack` it was
        # made under)
        self.builder = builder

    def __reduce__(self):
        # sent to worker processes inside closures: the build-time expander stays behind
        args = (self.key, self.op, self.data, self.inputs, self.at, self.path, self.free)
        return (Node, (*args, None, self.code))

    @property
    def is_stage(self) -> bool:
        return self.op in STAGE_OPS

    def describe(self) -> str:
        """What the node does, for messages: `call of train_test_split`, `` `+` ``, …"""
        op, data = self.op, self.data
        if op == "call":
            return f"call of {data[0].label}"
        if op == "method":
            return f"call of {data[3]}.{data[0]}" if data[3] else f"call of method .{data[0]}"
        if op == "apply":
            return "call of a function value"
        if op in ("binop", "unop", "boolop"):
            return f"`{data}`"
        if op == "compare":
            return "comparison " + " ".join(f"`{o}`" for o in data)
        if op == "field":
            return f"read of field .{data}"
        if op == "attr":
            return f"read of attribute .{data}"
        if op == "index":
            return "indexing"
        if op == "unpack":
            return f"destructuring `{data[2]}`" if data[2] else "destructuring"
        if op == "ref":
            return f"reference {data.label}"
        return op

    def __repr__(self) -> str:
        return f"<Node {self.op} {self.key[:8]}>"


class Graph:
    """The table of nodes by key: making a node whose key exists returns the existing one."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}

    def make(
        self,
        op: str,
        code: Iterable[str],
        data: object,
        inputs: tuple[Node, ...] = (),
        at: str | None = None,
        path: str | None = None,
        free: frozenset[int] | None = None,
        builder: Callable | None = None,
    ) -> Node:
        code = tuple(code)
        key = digest(op, str(len(code)), *code, *(n.key for n in inputs))
        node = self.nodes.get(key)
        if node is not None:
            return node
        if free is None:
            free = frozenset().union(*(n.free for n in inputs)) if inputs else frozenset()
        node = Node(key, op, data, inputs, at, path, free, builder, code)
        self.nodes[key] = node
        return node

    def __len__(self) -> int:
        return len(self.nodes)


class Reads:
    """The paths a build reads: its own (`add`) and, by reference, those of the builds it used
    (`update` with another `Reads`). The transitive set is computed only when a stack of
    layers asks (`isdisjoint`): a program built under no layers never pays for it (a chain
    of n bindings would otherwise copy n²/2 paths). A build that used the value a layer sets
    at a path adds `(layer, path)` too (no path is a tuple: the paths' tests ignore it)."""

    __slots__ = ("own", "parts", "_all")

    def __init__(self) -> None:
        self.own: set[str] = set()
        self.parts: list[Reads] = []
        self._all: frozenset[str] | None = None

    def add(self, path: str) -> None:
        self.own.add(path)

    def update(self, other) -> None:
        if isinstance(other, Reads):
            if other is not self:
                self.parts.append(other)
        else:
            self.own.update(other)

    def all(self) -> frozenset[str]:
        """Every path read, transitively (cached: call it on finished builds only)."""
        if self._all is None:
            out: set[str] = set()
            seen: set[int] = set()
            todo: list[Reads] = [self]
            while todo:
                reads = todo.pop()
                if id(reads) in seen:
                    continue
                seen.add(id(reads))
                if reads._all is not None:
                    out |= reads._all
                    continue
                out |= reads.own
                todo.extend(reads.parts)
            self._all = frozenset(out)
        return self._all

    def isdisjoint(self, keys) -> bool:
        return not keys or self.all().isdisjoint(keys)

    def __contains__(self, path: str) -> bool:
        return path in self.all()

    def __iter__(self):
        return iter(self.all())


class Scope:
    """Top-level bindings by `.ib` name, built into nodes under stacks of override layers.

    `get(name, stack)` is the node of binding `name` under `stack` (the empty stack, the
    scope's `root`, by default). Builds are memoized per (name, stack), and every build
    records the paths it *reads* (the names it gets, `path.` for a call or record with a
    path, `path[` for a list or tuple with one, a reference's or callee's path), its own and
    those of everything it builds. A build that read none of its stack's `keys` is the same
    as under no layers: it is memoized for the empty stack too, and under any stack whose
    keys its reads miss, that node is the binding's: nothing is rebuilt, and a stage no
    override reaches is one node for every sweep point. Under a stack that does reach it, a
    binding is rebuilt (once per stack); hash-consing still makes equal sub-graphs one node.

    `sweeps` maps a sweep's name to its points `(point name, Layer)`: the sweep's builder
    (in `builders`) gives a point's value under the stack with the point's layer pushed
    last (`point`), and the sweep as a value (`get`) is a dict point name → value."""

    def __init__(
        self,
        builders: dict[str, Callable[[Builder], Node]],
        graph: Graph,
        sweeps: dict[str, tuple[tuple[str, Layer], ...]] | None = None,
    ) -> None:
        self.builders = builders
        self.graph = graph
        self.sweeps = dict(sweeps or {})
        self.best: dict[str, Layer] = {}  # a search's best trial's layer, once it has run
        self.empty = Stack()
        self._building: set[tuple[object, int]] = set()
        self.root = Builder(self, 0)

    @property
    def built(self) -> dict[str, Node]:
        """Nodes of the bindings built so far under the empty stack."""
        return {k: v[0] for k, v in self.empty.built.items() if isinstance(k, str)}

    def get(self, name: str, stack: Stack | None = None) -> Node:
        """The node of binding (or sweep) `name` under `stack` (default: no overrides)."""
        return self.entry(name, stack or self.empty)[0]

    def point(self, name: str, index: int, stack: Stack | None = None) -> Node:
        """The node of point `index` of sweep `name` under `stack`."""
        return self.point_entry(name, index, stack or self.empty)[0]

    def point_entry(self, name: str, index: int, stack: Stack) -> tuple[Node, Reads]:
        layer = self.sweeps[name][index][1]
        return self.entry((name,), stack.push(layer))

    def entry(self, key, stack: Stack) -> tuple[Node, Reads]:
        """`(node, reads)` of `key` under `stack`: `key` is a binding's or sweep's name, or
        `(sweep name,)` for the sweep's own builder (one point's value)."""
        root = self.empty
        found = root.built.get(key)
        if found is not None and (stack is root or found[1].isdisjoint(stack.keys)):
            return found
        mine = stack.built.get(key)
        if mine is None:
            mine = self._build(key, stack)
            if stack is not root and mine[1].isdisjoint(stack.keys):
                # no layer of `stack` was read: this is also the binding under no layers
                root.built.setdefault(key, mine)
        return mine

    def _build(self, key, stack: Stack) -> tuple[Node, Reads]:
        mark = (key, id(stack))
        name = key[0] if isinstance(key, tuple) else key
        if mark in self._building:
            raise RuntimeError(f"binding `{name}` depends on itself")
        if isinstance(key, str) and key in self.sweeps:
            builder = self._sweep_dict(key)
        else:
            try:
                builder = self.builders[name]
            except KeyError:
                raise KeyError(f"no binding named `{name}`") from None
        reads = Reads()
        self._building.add(mark)
        try:
            node = builder(Builder(self, 0, stack, reads))
        finally:
            self._building.discard(mark)
        entry = (node, reads)
        stack.built[key] = entry
        return entry

    def _sweep_dict(self, name: str) -> Callable[[Builder], Node]:
        def build(m: Builder) -> Node:
            pairs = []
            points = self.sweeps[name]
            # A layer of `m.stack` that sets a swept path wins: the points name its value
            # (the names depend on whether the stack sets a swept path: that is read too),
            # and leave out a swept path that the point's value did not read.
            for _, layer in points:
                m.reads.update(swept_paths(layer))
            entries: dict[int, tuple[Node, Reads]] = {}

            def read(index: int) -> Reads:
                entries[index] = self.point_entry(name, index, m.stack)
                return entries[index][1]

            for point_name, index in points_under(name, points, m.stack, read):
                node, reads = entries.get(index) or self.point_entry(name, index, m.stack)
                m.reads.update(reads)
                pairs.append((m.lit(point_name), node))
            return m.dict(pairs)

        return build

    def override(self, stack: Stack, path: str) -> tuple[Node, Reads]:
        """`(node, reads)` of the value that `stack` sets at `path`, built under the stack
        below the layer that sets it (literal data is made into nodes with `path` on lists
        and tuples, so an element stays a parameter of the layers below)."""
        found = stack.values.get(path)
        if found is not None:
            return found
        value, index = stack.value_of(path)
        below = stack.below(index)
        reads = Reads()
        m = Builder(self, stack.layers[index].level, below, reads)
        node = value(m) if callable(value) else m.const(value, path=path)
        found = stack.values[path] = (node, reads)
        return found


def _kwargs(kwargs: dict[str, Node] | None) -> tuple[tuple[str, ...], tuple[Node, ...]]:
    if not kwargs:
        return (), ()
    return tuple(kwargs), tuple(kwargs.values())


class Builder:
    """The `m` of emitted builders: makes nodes in the scope's graph. `level` is the lambda
    nesting depth (0 at top level); a lambda's parameters are nodes of its level. `stack`
    holds the override layers in force; `reads` collects the paths this build reads (see
    `Scope`). Under the empty stack every lookup is skipped: parameters cost one set
    insertion each."""

    __slots__ = ("scope", "graph", "level", "stack", "reads")

    def __init__(
        self, scope: Scope, level: int, stack: Stack | None = None, reads: Reads | None = None
    ) -> None:
        self.scope = scope
        self.graph = scope.graph
        self.level = level
        self.stack = scope.empty if stack is None else stack
        self.reads = Reads() if reads is None else reads

    def _over(self, path: str) -> Node | None:
        """The node of the value the stack sets at `path`, if it sets one."""
        if path not in self.stack.paths:
            return None
        node, reads = self.scope.override(self.stack, path)
        self.reads.update(reads)
        # which layer's value was used: a sweep point's name states only those of its own
        # values that were (`points_under`)
        self.reads.add((self.stack.layers[self.stack.paths[path]], path))  # type: ignore[arg-type]
        return node

    # names and values
    def get(self, name: str) -> Node:
        """The node of the top-level binding `name` (as the layers set it, if one does)."""
        self.reads.add(name)
        if self.stack.paths:
            node = self._over(name)
            if node is not None:
                return node
        node, reads = self.scope.entry(name, self.stack)
        self.reads.update(reads)
        return node

    def with_(
        self, base: Callable[[Builder], Node], overrides: dict, *, at=None, labels=None
    ) -> Node:
        """`base with { overrides }`: `base(m)` built with a layer of `overrides` (path →
        literal data or builder `value(m)`, called with the context below the layer) pushed
        on this context's stack; `labels` the source text of builder values (a sweep point
        whose path the layer sets is named after it)."""
        layer = Layer(overrides, name=at or "with", level=self.level, labels=labels)
        inner = Builder(self.scope, self.level, self.stack.push(layer), self.reads)
        return base(inner)

    def with_best(self, base: Callable[[Builder], Node], search: str, *, at=None) -> Node:
        """`base with best(search)`: `base(m)` built with the layer of the search's best
        trial pushed (known once the run has driven the search: `ibc.runtime.search`)."""
        best = self.scope.best.get(search)
        if best is None:
            from ibc.runtime.search import SearchPending

            raise SearchPending(
                f"`best({search})` at {at or '?'}: the search `{search}` has no completed trial"
            )
        inner = Builder(self.scope, self.level, self.stack.push(best), self.reads)
        return base(inner)

    def lit(self, value: object) -> Node:
        return self.graph.make("lit", (literal_code(value),), value)

    def const(self, value: object, *, path: str | None = None) -> Node:
        """Literal data (None, bool, int, float, str, and lists and tuples of them) as a node;
        with `path`, element `i` of a list or tuple is the parameter `path[i]`."""
        if isinstance(value, (list, tuple)):
            items = [
                self.const(v, path=None if path is None else f"{path}[{i}]")
                for i, v in enumerate(value)
            ]
            make = self.list if isinstance(value, list) else self.tuple
            return make(items, path=path)
        if not is_literal(value):
            raise TypeError(f"not literal data: {value!r}")
        return self.lit(value)

    def ref(self, ref: Ref, *, path: str | None = None) -> Node:
        """A Python reference used as a value (imported when it is evaluated); with `path`,
        a layer may replace it."""
        if path is not None:
            self.reads.add(path)
            if self.stack.paths:
                node = self._over(path)
                if node is not None:
                    return node
        return self.graph.make("ref", _ref_code(ref), ref, at=ref.at)

    # calls
    def _params(self, path: str, args, kwargs, arg_names) -> tuple[list, dict | None]:
        """The arguments of a call at `path` as the layers set them: `path.<arg name>` for
        positional ones, `path.<k>` for keywords, and keywords added for the names set under
        `path` that the call does not write (in name order)."""
        prefix = path + "."
        args = list(args)
        for i, name in enumerate(arg_names[: len(args)]):
            if name is not None:
                node = self._over(prefix + name)
                if node is not None:
                    args[i] = node
        kwargs = dict(kwargs or {})
        for name in kwargs:
            node = self._over(prefix + name)
            if node is not None:
                kwargs[name] = node
        for name in self.stack.children.get(path, ()):
            if name not in kwargs and name not in arg_names:
                kwargs[name] = self._over(prefix + name)
        return args, kwargs

    def expand(self, builder, args, kwargs, *, path, arg_names=(), names=None) -> Node:
        """A `def` expanded where it is called, its arguments being the parameters
        `path.<param>`: `builder(m, *args, **kwargs)` after the layers have set them.
        `names` maps `.ib` parameter names to the builder's Python ones."""
        self.reads.add(path + ".")
        if self.stack.paths and path + "." in self.stack.keys:
            args, kwargs = self._params(path, args, kwargs, arg_names)
        names = names or {}
        return builder(self, *args, **{names.get(k, k): v for k, v in (kwargs or {}).items()})

    def call(
        self, ref: Ref, args=(), kwargs=None, *, at=None, path=None, arg_names=(), callee_path=None
    ) -> Node:
        """A stage: `ref(*args, **kwargs)`. With `path`, its arguments are parameters
        (`path.<name>`, positional ones named by `arg_names`); with `callee_path`, a layer
        may swap the function (a reference stays a stage of it; any other function value
        is applied)."""
        if path is not None:
            self.reads.add(path + ".")
        if callee_path is not None:
            self.reads.add(callee_path)
        stack = self.stack
        if stack.paths:
            if path is not None and path + "." in stack.keys:
                args, kwargs = self._params(path, args, kwargs, arg_names)
            if callee_path is not None:
                callee = self._over(callee_path)
                if callee is not None:
                    if callee.op != "ref":
                        return self.apply(callee, args, kwargs, at=at)
                    ref = callee.data
        if ref.module == PRELUDE:  # `map` over a list of known length, `chain` over steps
            unrolled = unroll.expand(self, ref, args, kwargs, at)
            if unrolled is not None:
                return unrolled
        names, values = _kwargs(kwargs)
        return self.graph.make(
            "call",
            (*_ref_code(ref), str(len(args)), *names),
            (ref, len(args), names),
            (*args, *values),
            at,
            path,
        )

    def method(
        self,
        obj: Node,
        name: str,
        args=(),
        kwargs=None,
        *,
        at=None,
        path=None,
        fingerprint="",
        cls="",
    ) -> Node:
        """A stage: `obj.name(*args, **kwargs)`; with `path`, its keyword arguments are
        parameters `path.<k>`. `fingerprint` is the code of the receiver's class when the
        compiler knows it (so editing the method re-runs the call), `cls` its name: the
        stage's label is then `cls.name` (`LogisticRegression.predict`), else `.name`. The
        name is in the node's data, not its code: it changes no store key."""
        if path is not None:
            self.reads.add(path + ".")
            if self.stack.paths and path + "." in self.stack.keys:
                args, kwargs = self._params(path, args, kwargs, ())
        names, values = _kwargs(kwargs)
        code = (name, str(len(args)), *names)
        if fingerprint:
            code += ("fingerprint:" + fingerprint,)
        return self.graph.make(
            "method",
            code,
            (name, len(args), names, cls),
            (obj, *args, *values),
            at,
            path,
        )

    def apply(self, func: Node, args=(), kwargs=None, *, at=None) -> Node:
        """`func(*args, **kwargs)`: a lambda node is expanded here (at build time, under the
        stack it was made under); any other function value is called when evaluated."""
        if func.op == "fn":
            defaults = fn_defaults(func)
            bound = _bind(func.data[0], args, kwargs or {}, at, defaults)
            builder, stack = func.builder
            return builder(Builder(self.scope, self.level, stack, self.reads), *bound)
        names, values = _kwargs(kwargs)
        return self.graph.make(
            "apply", (str(len(args)), *names), (len(args), names), (func, *args, *values), at
        )

    def fn(
        self,
        builder: Callable[..., Node],
        params: tuple[str, ...],
        *,
        at=None,
        defaults: Iterable[Node | None] = (),
    ) -> Node:
        """A function value `fn (params) => body`: `builder(m, *param_nodes)` builds the body.
        `defaults` holds each parameter's default node (None: required), built by the caller
        in the scope where the lambda is written; empty when no parameter has one. Applied in
        `.ib` it is expanded; passed to Python it becomes a callable."""
        params = tuple(params)
        defaults = tuple(defaults)
        if defaults and len(defaults) != len(params):
            raise ValueError(f"{len(defaults)} defaults for {len(params)} parameters")
        if any(d is not None for d in defaults):
            has_default = tuple(d is not None for d in defaults)
        else:
            has_default = ()
        inner = Builder(self.scope, self.level + 1, self.stack, self.reads)
        level = inner.level
        param_nodes = [
            self.graph.make("param", (str(level), str(i)), (level, i), free=frozenset({level}))
            for i in range(len(params))
        ]
        body = builder(inner, *param_nodes)
        default_nodes = tuple(d for d in defaults if d is not None)
        free = body.free - {level}
        for node in default_nodes:
            free |= node.free
        # which parameters have defaults (nothing when none has: keys stay as they were)
        mask = ()
        if has_default:
            mask = ("defaults:" + "".join("d" if h else "-" for h in has_default),)
        return self.graph.make(
            "fn",
            (str(level), *params, *mask),
            (params, level, has_default),
            (body, *default_nodes),
            at,
            free=free,
            builder=(builder, self.stack),
        )

    # data
    def _items(self, items, path: str | None) -> tuple[Node, ...]:
        items = tuple(items)
        if path is None:
            return items
        self.reads.add(path + "[")
        if not self.stack.paths or path + "[" not in self.stack.keys:
            return items
        return tuple(self._over(f"{path}[{i}]") or item for i, item in enumerate(items))

    def list(self, items, *, path: str | None = None) -> Node:
        """A list; with `path`, element `i` is the parameter `path[i]`."""
        return self.graph.make("list", (), None, self._items(items, path))

    def tuple(self, items, *, path: str | None = None) -> Node:
        """A tuple; with `path`, element `i` is the parameter `path[i]`."""
        return self.graph.make("tuple", (), None, self._items(items, path))

    def dict(self, entries) -> Node:
        """A dict from `(key node, value node)` pairs, in order."""
        flat = tuple(n for pair in entries for n in pair)
        return self.graph.make("dict", (), None, flat)

    def record(self, fields: dict[str, Node], *, path: str | None = None) -> Node:
        """A record: a dict with string keys at run time, fields in source order; with
        `path`, field `f` is the parameter `path.f`."""
        if path is not None:
            self.reads.add(path + ".")
            if self.stack.paths and path + "." in self.stack.keys:
                fields = {f: self._over(f"{path}.{f}") or n for f, n in fields.items()}
        names = tuple(fields)
        return self.graph.make("record", names, names, tuple(fields.values()))

    # reads (a part of a structure written in `.ib` is that part's node: docs/running.md)
    def field(self, obj: Node, name: str, *, at=None) -> Node:
        found = folding.part(obj, name)
        if found is not None:
            return found
        return self.graph.make("field", (name,), name, (obj,), at)

    def attr(self, obj: Node, name: str, *, at=None) -> Node:
        return self.graph.make("attr", (name,), name, (obj,), at)

    def index(self, obj: Node, index: Node, *, at=None) -> Node:
        if index.op == "lit":
            found = folding.part(obj, index.data)
            if found is not None:
                return found
        return self._fold(folding.index(obj, index)) or self.graph.make(
            "index", (), None, (obj, index), at
        )

    def unpack(self, value: Node, index: int, length: int, *, at=None, pattern="") -> Node:
        """Element `index` of `value`, which must have exactly `length` elements."""
        if value.op in ("list", "tuple") and len(value.inputs) == length:
            return value.inputs[index]
        return self.graph.make(
            "unpack", (str(index), str(length)), (index, length, pattern), (value,), at
        )

    # operators: on constants, folded into the literal of their result (`ibc.runtime.folding`)
    def _fold(self, value: object) -> Node | None:
        return None if value is NOT_CONSTANT else self.const(value)

    def binop(self, op: str, left: Node, right: Node, *, at=None) -> Node:
        return self._fold(folding.binop(op, left, right)) or self.graph.make(
            "binop", (op,), op, (left, right), at
        )

    def unop(self, op: str, operand: Node, *, at=None) -> Node:
        return self._fold(folding.unop(op, operand)) or self.graph.make(
            "unop", (op,), op, (operand,), at
        )

    def boolop(self, op: str, left: Node, right: Node, *, at=None) -> Node:
        """`and` / `or`, short-circuit: `right` is evaluated only when needed (a constant
        `left` picks the operand at once)."""
        first = folding.constant(left)
        if first is not NOT_CONSTANT:
            return left if (op == "and") != bool(first) else right
        return self.graph.make("boolop", (op,), op, (left, right), at)

    def compare(self, first: Node, ops, rest, *, at=None) -> Node:
        """A chained comparison `first op0 rest0 op1 rest1 …`, short-circuit as in Python."""
        ops = tuple(ops)
        rest = tuple(rest)
        return self._fold(folding.compare(ops, (first, *rest))) or self.graph.make(
            "compare", ops, ops, (first, *rest), at
        )

    def cond(self, cond: Node, then: Node, orelse: Node, *, at=None) -> Node:
        """`then if cond else orelse`: only the chosen branch is evaluated (a constant
        `cond` picks it at once)."""
        value = folding.constant(cond)
        if value is not NOT_CONSTANT:
            return then if value else orelse
        return self.graph.make("cond", (), None, (cond, then, orelse), at)


def _ref_code(ref: Ref) -> tuple[str, ...]:
    return (ref.module, ref.name, ref.fingerprint, ref.revision or "", "1" if ref.impure else "0")


def fn_defaults(node: Node) -> tuple[Node | None, ...]:
    """The default node of each parameter of the "fn" node `node` (None: required); empty
    when no parameter has a default."""
    has_default = node.data[2]
    if not has_default:
        return ()
    given = iter(node.inputs[1:])
    return tuple(next(given) if h else None for h in has_default)


def _bind(params: tuple[str, ...], args, kwargs: dict, at, defaults=()) -> list:
    """Arguments matched to a lambda's parameters by Python's rules; a parameter left out
    takes its entry of `defaults` (None or no entry: it is required)."""
    where = f" at {at}" if at else ""
    if len(args) > len(params):
        raise TypeError(f"function of {len(params)} parameters called with {len(args)}{where}")
    bound = dict(zip(params, args))
    for name, value in kwargs.items():
        if name not in params or name in bound:
            raise TypeError(f"unexpected or repeated argument `{name}`{where}")
        bound[name] = value
    out = []
    for i, p in enumerate(params):
        if p in bound:
            out.append(bound[p])
        elif i < len(defaults) and defaults[i] is not None:
            out.append(defaults[i])
        else:
            raise TypeError(f"missing argument `{p}`{where}")
    return out
