"""Overrides, sweeps and `-s` in the `plain` target: the emission of parametrized programs.

A program is emitted in the *layered* form when it needs late binding (docs/running.md, "The
plain target"): a `with` or a sweep point rebinds a name that a `def` reads, a path inside a
`def` or a named parameter, or the program has compiled-in overrides (`IrProgram.overrides`);
`plain_spell` decides. Every other program takes the direct form (`plain_direct`), its
`with`s and sweep points spelled out.

In the layered form every top-level binding is a function of a scope `s`, the stack of
override layers it is evaluated under (`_IbcScope` in `ibc/runtime/standalone_layers.py`,
copied into the program):

    @_ibc_binding("model")
    def model(s):
        return s.call("model", LogisticRegression, (), C=lambda: 1.0)

- `name(s)` reads a binding: its override at path `name`, else its value, memoized per
  (binding, the overrides of `s` it can reach): the table `_IBC_READS` says which paths a
  binding (or def) looks up itself and which bindings and defs it reads, so a binding that no
  override of a sweep point reaches is computed once for all points.
- `s.call(path, f, arg_names, *args, **kwargs)` is a call whose arguments are parameters; each
  argument is a function of no arguments, so an overridden one is never computed. Without an
  override under `path` it is the direct call `f(...)`. `s.ref(path, f)` is a swappable
  reference (a callee at `callee_path`, a `RefValue` with a path); `s.list`, `s.tuple`,
  `s.record` are literals with a path. Calls and literals without a path stay direct.
- `base with {…}` is `base(s.push(KEY, {literal overrides}, {path: lambda s: value}))`: the
  layer is pushed on the current scope, and a non-literal value is a function of the scope
  below its layer. `KEY` makes the same `with` on the same scope one scope (shared values);
  a `with` that reads locals of a def or lambda has no key (a fresh layer each time).
- A sweep is `@_ibc_sweep("grid") def grid(s): …` and its points are DATA: `_IBC_POINTS =
  {"grid": (("grid[model.C=0.01]", {"model.C": 0.01}), …)}` (a third dict holds the functions
  of non-literal values). Used as a value it is a dict point name → value.
- `def`s take the scope as their first parameter (`prepare(s, X)`); a def used as a value is
  `functools.partial(prepare, s)`; lambdas capture `s` lexically.
- `_IBC_SCOPE` is the scope targets run under: empty, or holding `IrProgram.overrides`.
  `python OUT.py -s PATH=LITERAL` puts an outermost layer of literals (data, checked against
  `_IBC_PARAMS`) under it.
"""

from __future__ import annotations

import ast
import keyword

from ibc.codegen import ir
from ibc.codegen.names import arguments, load as _name


def walk_ir(node: object):
    """Every IR node and `PyRef` under `node`, depth first, in field order."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, tuple):
            stack.extend(reversed(current))
            continue
        if isinstance(current, ir.PyRef):
            yield current
            continue
        fields = getattr(current, "__record_fields__", None)
        if fields is None or current.__class__.__module__ != ir.__name__:
            continue
        yield current
        stack.extend(reversed([getattr(current, f) for f in fields if f != "span"]))


def needs_layers(program: ir.IrProgram) -> bool:
    """Whether `program` is emitted in the layered form: when something rebinds a parameter
    that is read from inside a `def` or through a named parameter (late binding), or the
    program has compiled-in overrides. Every other `with` and sweep point is spelled out in
    the direct form (`plain_spell`), and parameters that only `-s` sets keep it too."""
    from ibc.codegen.plain_spell import Late, spell_program

    if any(t.kind == "search" for t in program.targets):
        return True  # the optimizer loop pushes each trial's layer on a scope
    try:
        spell_program(program)
    except Late:
        return True
    return False


def is_data(e: ir.IrExpr) -> bool:
    """A value that is a Python literal and looks up no parameter: it can be a table entry."""
    if isinstance(e, ir.Lit):
        return True
    if isinstance(e, (ir.ListE, ir.TupleE)):
        return e.path is None and all(is_data(item) for item in e.items)
    if isinstance(e, ir.RecordE):
        return e.path is None and all(is_data(value) for _, value in e.fields)
    if isinstance(e, ir.DictE):
        return all(is_data(k) and is_data(v) for k, v in e.entries)
    return False


def _s_method(method: str) -> ast.Attribute:
    return ast.Attribute(value=_name("s"), attr=method, ctx=ast.Load())


def _lambda(body: ast.expr, *params: str) -> ast.Lambda:
    return ast.Lambda(args=arguments(list(params)), body=body)


def _const_tuple(items) -> ast.Tuple:
    return ast.Tuple(elts=[ast.Constant(value=i) for i in items], ctx=ast.Load())


class LayeredEmission:
    """The layered form's parts of `plain._Emitter` (a mixin: it uses `self.expr`,
    `self._ref`, `self._register`, `self.program` and `self.defs`)."""

    layer_keys: dict[str, int]

    # -- expressions ---------------------------------------------------------------------

    def thunk(self, e: ir.IrExpr, scope) -> ast.expr:
        """`lambda: e`: an argument computed only when no override replaces it."""
        return _lambda(self.expr(e, scope))

    def thunk_keywords(self, items, scope) -> list[ast.keyword]:
        return keyword_list((k, self.thunk(v, scope)) for k, v in items)

    def swappable(self, func: ast.expr, path: str | None) -> ast.expr:
        if path is None:
            return func
        return ast.Call(func=_s_method("ref"), args=[ast.Constant(value=path), func], keywords=[])

    def layered_stage(self, e: ir.Stage, scope) -> ast.expr:
        func = self.swappable(self._ref(e.ref), e.callee_path)
        if e.path is None:
            node = ast.Call(
                func=func,
                args=[self.expr(a, scope) for a in e.args],
                keywords=self._keywords(e.kwargs, scope),
            )
        else:
            names = tuple(e.arg_names[: len(e.args)])
            node = ast.Call(
                func=_s_method("call"),
                args=[
                    ast.Constant(value=e.path),
                    func,
                    _const_tuple(names),
                    *[self.thunk(a, scope) for a in e.args],
                ],
                keywords=self.thunk_keywords(e.kwargs, scope),
            )
        return self._register(node, e.span, f"call of {e.ref.local or e.ref.name}")

    def layered_defcall(self, e: ir.DefCall, scope) -> ast.expr:
        """`s.call(path, functools.partial(f, s), names, lambda: arg, …)`: a `def` whose
        arguments are parameters (`baseline.model` in `baseline = evaluate(model)`)."""
        func = ast.Call(
            func=ast.Attribute(value=_name("functools"), attr="partial", ctx=ast.Load()),
            args=[_name(self.def_names[e.name]), _name("s")],
            keywords=[],
        )
        params = self.def_params[e.name]
        kwargs = tuple((params.get(k, k), v) for k, v in e.kwargs)
        return ast.Call(
            func=_s_method("call"),
            args=[
                ast.Constant(value=e.path),
                func,
                _const_tuple(tuple(e.arg_names[: len(e.args)])),
                *[self.thunk(a, scope) for a in e.args],
            ],
            keywords=self.thunk_keywords(kwargs, scope),
        )

    def layered_literal(self, kind: str, path: str, items, scope) -> ast.expr:
        """`s.list(path, …)`, `s.tuple(path, …)`, `s.record(path, field=…)`."""
        if kind == "record":
            return ast.Call(
                func=_s_method("record"),
                args=[ast.Constant(value=path)],
                keywords=self.thunk_keywords(items, scope),
            )
        return ast.Call(
            func=_s_method(kind),
            args=[ast.Constant(value=path), *[self.thunk(item, scope) for item in items]],
            keywords=[],
        )

    def layer_args(self, layer: ir.IrLayer, scope, every_label: bool = True) -> list[ast.expr]:
        """`{path: literal}` and, when some value is not a literal, `{path: lambda s: value}`;
        then, when some value has a label, `{path: label}`: the text a sweep point's name
        states for it (of every value, or with `every_label` false of the non-literals)."""
        consts = [o for o in layer.overrides if is_data(o.value)]
        others = [o for o in layer.overrides if not is_data(o.value)]
        out: list[ast.expr] = [
            ast.Dict(
                keys=[ast.Constant(value=o.path) for o in consts],
                values=[self.expr(o.value, scope) for o in consts],
            )
        ]
        labelled = [o for o in (layer.overrides if every_label else others) if o.label]
        if others or labelled:
            out.append(
                ast.Dict(
                    keys=[ast.Constant(value=o.path) for o in others],
                    values=[_lambda(self.expr(o.value, scope), "s") for o in others],
                )
            )
        if labelled:
            out.append(
                ast.Dict(
                    keys=[ast.Constant(value=o.path) for o in labelled],
                    values=[ast.Constant(value=o.label) for o in labelled],
                )
            )
        return out

    def _expr_WithE(self, e: ir.WithE, scope) -> ast.expr:
        if any(isinstance(node, ir.Local) for node in walk_ir(e.layer)):
            key: ast.expr = ast.Constant(value=None)
        else:
            text = f"with {e.span}"
            count = self.layer_keys.get(text, 0) + 1
            self.layer_keys[text] = count
            key = ast.Constant(value=text if count == 1 else f"{text} #{count}")
        pushed = ast.Call(
            func=_s_method("push"),
            args=[key, *self.layer_args(e.layer, scope, every_label=False)],
            keywords=[],
        )
        base = self.expr(e.base, scope)
        if isinstance(base, ast.Call) and _is_binding_read(base):
            base.args = [pushed]  # `baseline(s.push(…))`
            return base
        return ast.Call(func=_lambda(base, "s"), args=[pushed], keywords=[])

    def _expr_WithBestE(self, e: ir.WithBestE, scope) -> ast.expr:
        """`base(_ibc_best(s, "tuned"))`: `base` under the best trial's layer, the search run
        first under this scope (`ibc/runtime/standalone_search.py`)."""
        pushed = ast.Call(
            func=_name("_ibc_best"), args=[_name("s"), ast.Constant(value=e.search)], keywords=[]
        )
        base = self.expr(e.base, scope)
        if isinstance(base, ast.Call) and _is_binding_read(base):
            base.args = [pushed]
            return base
        return ast.Call(func=_lambda(base, "s"), args=[pushed], keywords=[])

    def emit_layered(self) -> str:
        """The program in the layered form."""
        from ibc.codegen.plain import (
            _LAYERED_SUPPORT,
            _STDLIB_IMPORTS,
            _assign,
            _call,
            _header,
            _main_guard,
            _name,
        )

        program = self.program
        refs, prelude = self._plan_names()
        self.plan_module(prelude)
        defs = [self._def(d) for d in program.defs]
        bindings = [
            self._cached(self.binding_names[b.name], b.value, b.name) for b in program.bindings
        ]
        targets = [
            self._cached(self.binding_names[t.name], t.value, t.name, _decorator(t))
            for t in program.targets
        ]
        searches = [t for t in program.targets if t.kind == "search"]
        extra = ["_ibc_search", "_ibc_best"] if searches else []
        omit = frozenset() if searches else frozenset({"_ibc_run_search", "_ibc_search_usage"})
        support = self.copy_support(list(_LAYERED_SUPPORT) + extra, omit)
        body: list[ast.stmt] = [ast.Import(names=[ast.alias(name=m)]) for m in _STDLIB_IMPORTS]
        body += self._root_setup()
        body += self._pinned_setup()
        body += self._imports(refs)
        if self.needs_missing:
            body.append(_assign("_IBC_MISSING", _call(_name("object"))))
        body += support  # the decorators of the bindings must exist before them
        body += self.prelude_funcs + defs + bindings + targets
        tables = [
            self._table(
                "_IBC_TARGETS", {t.name: self.binding_names[t.name] for t in program.targets}
            ),
            self._table(
                "_IBC_BINDINGS",
                {b.name: self.binding_names[b.name] for b in program.bindings if not b.hidden},
            ),
            _assign("_IBC_POINTS", self.points_table()),
            *([_assign("_IBC_SEARCHES", self.searches_table(searches))] if searches else []),
            _assign("_IBC_PARAMS", self.params_table()),
            _assign("_IBC_READS", self.reads_table()),
            _assign("_IBC_SCOPE", self.scope_value()),
        ]
        module = ast.Module(body=body + [_main_guard()], type_ignores=[])
        where, _ = self.index(module)
        module.body[-1:-1] = [*tables[:2], _assign("_IBC_WHERE", where), *tables[2:]]
        ast.fix_missing_locations(module)
        return _header(program) + ast.unparse(module) + "\n"

    # -- tables --------------------------------------------------------------------------

    def points_table(self) -> ast.expr:
        keys, values = [], []
        for t in self.program.targets:
            if not (t.kind == "sweep" or t.points):
                continue
            points = []
            for point in t.points:
                parts = [ast.Constant(value=point.name), *self.layer_args(point.layer, {})]
                points.append(ast.Tuple(elts=parts, ctx=ast.Load()))
            keys.append(ast.Constant(value=t.name))
            values.append(ast.Tuple(elts=points, ctx=ast.Load()))
        return ast.Dict(keys=keys, values=values)

    def searches_table(self, searches) -> ast.expr:
        """`{name: (axes, direction, objective, trials, seed)}`: how each search's trials are
        proposed (`ibc/runtime/standalone_search.py` reads it); a categorical axis lists its
        candidates as sweep points' layers."""
        keys, values = [], []
        for t in searches:
            search = t.search
            axes = []
            for axis in search.axes:
                parts: list[ast.expr] = [_const_tuple(axis.paths), ast.Constant(value=axis.kind)]
                if axis.kind == "choice":
                    candidates = [
                        ast.Tuple(elts=self.layer_args(layer, {}), ctx=ast.Load())
                        for layer in axis.choices
                    ]
                    parts.append(ast.Tuple(elts=candidates, ctx=ast.Load()))
                else:
                    parts += [ast.Constant(value=axis.low), ast.Constant(value=axis.high)]
                axes.append(ast.Tuple(elts=parts, ctx=ast.Load()))
            keys.append(ast.Constant(value=t.name))
            row = [
                ast.Tuple(elts=axes, ctx=ast.Load()),
                ast.Constant(value=search.direction),
                _const_tuple(search.objective),
                ast.Constant(value=search.trials),
                ast.Constant(value=search.seed),
            ]
            values.append(ast.Tuple(elts=row, ctx=ast.Load()))
        return ast.Dict(keys=keys, values=values)

    def params_table(self) -> ast.expr:
        params = dict(self.program.params)
        return ast.Dict(
            keys=[ast.Constant(value=p) for p in params],
            values=[ast.Constant(value=t) for t in params.values()],
        )

    def reads_table(self) -> ast.expr:
        """`{name: (paths it looks up, bindings and defs it reads)}` for every binding,
        target and def, so a scope can tell which of its overrides reach a binding."""
        program = self.program
        parts: list[tuple[str, object, bool]] = [(b.name, b.value, True) for b in program.bindings]
        parts += [(t.name, (t.value, t.points), True) for t in program.targets]
        parts += [(d.name, (d.params, d.body, d.result), False) for d in program.defs]
        keys, values = [], []
        for name, node, is_binding in parts:
            paths: dict[str, None] = {name: None} if is_binding else {}
            reads: dict[str, None] = {}
            for sub in walk_ir(node):
                if isinstance(sub, ir.Stage):
                    for p in (sub.path, sub.callee_path):
                        if p is not None:
                            paths[p] = None
                elif isinstance(sub, ir.MethodStage) and sub.path is not None:
                    paths[sub.path] = None
                elif isinstance(sub, ir.DefCall) and sub.path is not None:
                    paths[sub.path] = None
                    reads[sub.name] = None
                elif isinstance(sub, (ir.RefValue, ir.ListE, ir.TupleE, ir.RecordE)):
                    if sub.path is not None:
                        paths[sub.path] = None
                elif isinstance(sub, (ir.Global, ir.DefCall)):
                    reads[sub.name] = None
                elif isinstance(sub, ir.WithBestE):  # runs the search first
                    reads[sub.search] = None
            keys.append(ast.Constant(value=name))
            values.append(
                ast.Tuple(elts=[_const_tuple(paths), _const_tuple(reads)], ctx=ast.Load())
            )
        return ast.Dict(keys=keys, values=values)

    def scope_value(self) -> ast.expr:
        """`_IbcScope()`, with the program's compiled-in overrides pushed when it has some."""
        root = ast.Call(func=_name("_IbcScope"), args=[], keywords=[])
        layer = self.program.overrides
        if layer is None or not layer.overrides:
            return root
        return ast.Call(
            func=ast.Attribute(value=root, attr="push", ctx=ast.Load()),
            args=[ast.Constant(value="overrides"), *self.layer_args(layer, {})],
            keywords=[],
        )


def _decorator(t: ir.IrTarget) -> str:
    """The decorator of a target's function: a sweep's, a search's or a binding's."""
    if t.kind == "search":
        return "_ibc_search"
    return "_ibc_sweep" if t.kind == "sweep" or t.points else "_ibc_binding"


def _is_binding_read(node: ast.Call) -> bool:
    """`name(s)`: the read of a top-level binding."""
    return (
        isinstance(node.func, ast.Name)
        and not node.keywords
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "s"
    )


# A `def` used as a value: lowering makes it `fn (a, b = <f's default of b>) => f(a, b)`;
# the plain target emits the def's own Python function instead, so the code reads like the
# source (`map(f, [1, 2])`) and calls from Python take the def's defaults exactly as `.ib` does.


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


def keyword_list(pairs) -> list[ast.keyword]:
    """Keyword arguments from (name, expression) pairs; names that are not Python
    identifiers (or are keywords) go in a trailing `**{"name": value}`."""
    keywords: list[ast.keyword] = []
    odd: list[tuple[str, ast.expr]] = []
    for key, value in pairs:
        if key.isidentifier() and not keyword.iskeyword(key):
            keywords.append(ast.keyword(arg=key, value=value))
        else:
            odd.append((key, value))
    if odd:
        keys = [ast.Constant(value=k) for k, _ in odd]
        keywords.append(
            ast.keyword(arg=None, value=ast.Dict(keys=keys, values=[v for _, v in odd]))
        )
    return keywords
