"""Run-time helpers of the `plain` target's layered form: override scopes, bindings and
sweeps as functions of a scope, and the command line that runs them (docs/running.md, "The
plain target"; `ibc/codegen/plain_layers.py` describes the form).

Copied into programs as `ibc/runtime/standalone.py` is, under the same rules; these use its
functions (imported below only so that this file can be read and linted on its own) and the
tables `_IBC_TARGETS`, `_IBC_POINTS`, `_IBC_READS` and `_IBC_SCOPE` of the program.
"""

from __future__ import annotations

from ibc.runtime.standalone import (  # noqa: F401
    _ibc_arguments,
    _ibc_failed,
    _ibc_prefixes,
    literal_text,
    point_name,
    jsonable,
)
from ibc.runtime.standalone_search import _ibc_run_search, _ibc_search_usage  # searches

_IBC_TARGETS: dict = {}
_IBC_POINTS: dict = {}
_IBC_READS: dict = {}
_IBC_SCOPE = None


class _IbcLayer:
    """One override layer (a `with`, a sweep point, `-s`): literal values as data, other values
    as functions of the scope below the layer, each computed at most once."""

    def __init__(self, consts, thunks, below, labels=None):
        self.consts = consts
        self.thunks = thunks
        self.below = below
        self.computed = {}
        self.labels = labels or {}

    def label(self, path):
        """The text stating the value at `path`: its label, else the literal as `.ib` writes
        it (`1.0`, `"saga"`, `[1, 2]`), else `<expression>`."""
        if path in self.labels:
            return self.labels[path]
        if path not in self.consts:
            return "<expression>"
        return literal_text(self.consts[path])

    def value(self, path):
        if path in self.consts:
            return self.consts[path]
        if path not in self.computed:
            self.computed[path] = self.thunks[path](self.below)
        return self.computed[path]


class _IbcScope:
    """A stack of override layers; the first pushed wins where two set one path.

    Bindings are functions of a scope. A binding's value is memoized per (binding, the
    overrides of the stack that can reach it): a binding that no override of a sweep point
    reaches is computed once for every point. Scopes and layers made by the same `with` (or
    the same sweep point) on the same scope are made once, so their values are shared too."""

    def __init__(self, layers=(), memo=None):
        self.layers = layers
        self.memo = {} if memo is None else memo
        self.children = {}
        self.winners = {}
        self.keys = {}
        self.paths = sorted({path for layer in layers for path in (*layer.consts, *layer.thunks)})
        self.under = {prefix for path in self.paths for prefix in _ibc_prefixes(path)[:-1]}

    def push(self, key, consts, thunks=None, labels=None):
        """This scope with one more layer. `key` names a layer that is the same data every time
        (a `with` or a sweep point); None makes a fresh layer (a `with` that reads locals).
        `labels`: the source text of values, for the names of sweep points."""
        if key is not None and key in self.children:
            return self.children[key]
        layer = _IbcLayer(consts, thunks or {}, self, labels)
        child = _IbcScope(self.layers + (layer,), self.memo)
        if key is not None:
            self.children[key] = child
        return child

    def under_sets(self, sets):
        """This scope (the program's: empty, or holding the program's `overrides`) under an
        outermost layer of `-s` values."""
        scope = _IbcScope(memo=self.memo).push("-s", sets)
        for layer in self.layers:
            scope = scope.push(None, layer.consts, layer.thunks, layer.labels)
        return scope

    def winner(self, path):
        """The layer whose override of `path` applies here, or None."""
        if path not in self.winners:
            found = None
            for layer in self.layers:
                if path in layer.consts or path in layer.thunks:
                    found = layer
                    break
            self.winners[path] = found
        return self.winners[path]

    def param(self, path, thunk):
        """The override of `path`, else `thunk()`."""
        layer = self.winner(path) if self.paths else None
        return thunk() if layer is None else layer.value(path)

    def ref(self, path, default):
        """A swappable reference: the override of `path`, else `default`."""
        layer = self.winner(path) if self.paths else None
        return default if layer is None else layer.value(path)

    def binding(self, name, build):
        """The value of the binding `name` (`build(scope)` computes it) under this scope."""
        if self.paths:
            layer = self.winner(name)
            if layer is not None:
                return layer.value(name)
        key = (name, self.key(name))
        if key not in self.memo:
            self.memo[key] = build(self)
        return self.memo[key]

    def key(self, name):
        """The overrides of this stack that the binding `name` can reach, with their layers."""
        if name not in self.keys:
            reach = _ibc_reach(name)
            self.keys[name] = tuple(
                (path, self.winner(path))
                for path in self.paths
                if any(prefix in reach for prefix in _ibc_prefixes(path))
            )
        return self.keys[name]

    def call(self, path, func, names, /, *args, **kwargs):
        """`func(*args, **kwargs)` (each argument given as a function of no arguments) for a
        call whose arguments are the parameters `path.<name>`: the i-th positional argument is
        `path.<names[i]>`; an overridden parameter the call does not write is added."""
        if path not in self.under:
            return func(*[arg() for arg in args], **{k: arg() for k, arg in kwargs.items()})
        values = []
        for i, arg in enumerate(args):
            name = names[i] if i < len(names) else None
            values.append(arg() if name is None else self.param(f"{path}.{name}", arg))
        keywords = {k: self.param(f"{path}.{k}", arg) for k, arg in kwargs.items()}
        written = set(kwargs) | {name for name in names if name}
        for full in self.paths:
            rest = full[len(path) + 1 :]
            if full.startswith(path + ".") and rest.isidentifier() and rest not in written:
                keywords[rest] = self.winner(full).value(full)
        return func(*values, **keywords)

    def list(self, path, *items):
        """A list literal whose element `i` is the parameter `path[i]`."""
        return [self.param(f"{path}[{i}]", item) for i, item in enumerate(items)]

    def tuple(self, path, *items):
        """A tuple literal whose element `i` is the parameter `path[i]`."""
        return tuple(self.list(path, *items))

    def record(self, path, /, **fields):
        """A record literal whose field `f` is the parameter `path.f`."""
        return {name: self.param(f"{path}.{name}", value) for name, value in fields.items()}


def _ibc_reach(name, _cache={}):  # noqa: B006 - the cache of the run
    """Every path the binding (or def) `name` looks up, directly or through what it reads."""
    if name not in _cache:
        _cache[name] = frozenset()  # no recursion in the language; guards a cycle anyway
        paths, reads = _IBC_READS.get(name, ((), ()))
        found = set(paths)
        for other in reads:
            found |= _ibc_reach(other)
        _cache[name] = frozenset(found)
    return _cache[name]


def _ibc_binding(name):
    """Decorator: the `.ib` binding `name`, built by a function of a scope; the result takes
    an optional scope (the program's own by default) and is memoized by the scope."""

    def wrap(build):
        def value(s=None):
            return (_IBC_SCOPE if s is None else s).binding(name, build)

        value.__name__ = value.__qualname__ = build.__name__
        return value

    return wrap


def _ibc_point(s, point):
    """Scope `s` with the layer of a sweep point `(name, {path: literal}[, {path: fn}[,
    {path: label}]])`."""
    thunks = point[2] if len(point) > 2 else None
    return s.push(("point", point[0]), point[1], thunks, point[3] if len(point) > 3 else None)


def _ibc_points_under(sweep, points, s):
    """`(name, point)` of the points of `sweep` that differ under scope `s`: a path that a
    layer of `s` sets (or a prefix of it) wins over the point's value, so the point's name
    states that layer's value, and points whose names then coincide are one (the first)."""
    if s is None or not s.paths:
        return [(p[0], p) for p in points]

    def outer(path):
        winner = next((q for q in _ibc_prefixes(path) if s.winner(q) is not None), None)
        return None if winner is None else (winner, s.winner(winner).label(winner))

    out, seen = [], set()
    for point in points:
        given = point[3] if len(point) > 3 else {}
        labels = {}
        for path in [*point[1], *(point[2] if len(point) > 2 else {})]:
            text = given.get(path)
            if text is None:
                text = literal_text(point[1][path]) if path in point[1] else "<expression>"
            labels[path] = text
        name = point_name(sweep, point[0], labels, outer)
        if name not in seen:
            seen.add(name)
            out.append((name, point))
    return out


def _ibc_sweep(name):
    """Decorator: the sweep `name`, its value built once per point of `_IBC_POINTS[name]`.
    As a value it is a dict point name -> value; `.point(point, s)` runs one point."""

    def wrap(build):
        def value(s=None):
            s = _IBC_SCOPE if s is None else s
            return s.binding(
                name,
                lambda s: {
                    shown: build(_ibc_point(s, p))
                    for shown, p in _ibc_points_under(name, _IBC_POINTS[name], s)
                },
            )

        def point(p, s=None):
            return build(_ibc_point(_IBC_SCOPE if s is None else s, p))

        value.__name__ = value.__qualname__ = build.__name__
        value.point = point
        return value

    return wrap


def _ibc_jobs(names, scope=None):
    """(name shown, function of a scope) for each requested target: a sweep gives one job per
    point, a point name its point; each named after the values it runs with under `scope`
    (a `-s` on a swept path replaces that axis)."""
    points = {p[0]: (sweep, p) for sweep, ps in _IBC_POINTS.items() for p in ps}
    jobs = []
    for name in names:
        if name in _IBC_POINTS:
            run = _IBC_TARGETS[name]
            jobs.extend(
                (shown, lambda s, p=p, run=run: run.point(p, s))
                for shown, p in _ibc_points_under(name, _IBC_POINTS[name], scope)
            )
        elif name in points:
            sweep, p = points[name]
            shown = _ibc_points_under(sweep, [p], scope)[0][0]
            jobs.append((shown, lambda s, p=p, run=_IBC_TARGETS[sweep]: run.point(p, s)))
        else:
            run = _IBC_TARGETS.get(name) or _IBC_BINDINGS[name]
            jobs.append((name, lambda s, run=run: run() if s is None else run(s)))
    return jobs


def _ibc_main(argv):
    """The layered program's command line; returns the exit code. A closed output
    (`python OUT.py --list-params | head`) ends the program quietly."""
    import os
    import sys

    try:
        return _ibc_command(argv)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _ibc_command(argv):
    """The layered program's run: each requested target (each point of a sweep) under the
    program's scope, with the `-s` values as its outermost layer."""
    import contextlib
    import json
    import sys

    if "_IBC_SEARCHES" in globals() and _ibc_search_usage(argv):
        return 2
    parsed = _ibc_arguments(argv)
    if isinstance(parsed, int):
        return parsed
    names, sets, as_json = parsed
    scope = _IBC_SCOPE.under_sets(sets) if sets else _IBC_SCOPE
    results = {}
    failed = False
    try:
        for name, run in _ibc_jobs(names, scope):
            if hasattr(_IBC_TARGETS.get(name), "trials"):  # a search, trial after trial
                failed = _ibc_run_search(name, scope, results, as_json) or failed
                continue
            try:
                if as_json:
                    with contextlib.redirect_stdout(sys.stderr):
                        value = run(scope)
                else:
                    value = run(scope)
            except Exception as exc:
                failed = True
                _ibc_failed(f"experiment {name}", exc)
                continue
            results[name] = jsonable(value)
            if not as_json:
                print(f"{name}: {json.dumps(results[name], ensure_ascii=False)}", flush=True)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 3 if failed else 0
