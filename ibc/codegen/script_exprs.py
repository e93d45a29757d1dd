"""The expressions of the `script` target: each `.ib` expression as builder code, flat.

Every node of an expression is one statement of the builder that needs it, `name = m.call(…)`,
named after what it holds (`ibc.codegen.names.Body`), and its operands are leaves (literals,
names, `m.get("x")`) or the names of earlier statements, so that no depth of nesting in a
program reaches Python's limits on nested parentheses or the compiler's stack
(docs/running.md, "Deep programs"). A `with` base or override value that is more than one
node, and a lambda's body, are functions (`def base(m): …`) defined next to the code that
uses them. `ibc.codegen.script` emits the module around them.
"""

from __future__ import annotations

import ast
import math
import re

from ibc.codegen import ir
from ibc.codegen.names import Body, Namer, load as _name, arguments as _arguments


def _loc(span) -> str:
    return f"{span.file}:{span.line}:{span.col}"


def _const(value: object) -> ast.expr:
    return ast.Constant(value=value)


def _call(func: ast.expr, args: list[ast.expr], keywords: dict[str, ast.expr] | None = None):
    kws = [ast.keyword(arg=k, value=v) for k, v in (keywords or {}).items()]
    return ast.Call(func=func, args=args, keywords=kws)


def _m(method: str, *args: ast.expr, **keywords: ast.expr) -> ast.Call:
    """`m.method(args…, keywords…)`"""
    return _call(ast.Attribute(value=_name("m"), attr=method, ctx=ast.Load()), list(args), keywords)


def _funcdef(name: str, args: ast.arguments, body: list[ast.stmt], decorators) -> ast.stmt:
    node = ast.FunctionDef(
        name=name, args=args, body=body, decorator_list=list(decorators), returns=None
    )
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
        node.type_params = []
    return node


# Literal data nested deeper than this is built by a builder, one statement per list, so that
# no layer's table nests deeply (docs/running.md, "Deep programs").
DATA_DEPTH = 8


def _literal(e, depth: int = 0) -> tuple[bool, object]:
    """`(True, data)` when `e` is literal data (a `Lit`, or a list or tuple of them, nested at
    most `DATA_DEPTH` deep) that Python writes exactly; else `(False, None)`."""
    if depth > DATA_DEPTH:
        return False, None
    if isinstance(e, ir.Lit):
        v = e.value
        if isinstance(v, float) and not math.isfinite(v):
            return False, None
        return v is None or isinstance(v, (bool, int, float, str)), v
    if isinstance(e, (ir.ListE, ir.TupleE)):
        items = []
        for item in e.items:
            ok, v = _literal(item, depth + 1)
            if not ok:
                return False, None
            items.append(v)
        return True, items if isinstance(e, ir.ListE) else tuple(items)
    return False, None


def _data(value: object) -> ast.expr:
    """Literal data as a Python expression."""
    if isinstance(value, list):
        return ast.List(elts=[_data(v) for v in value], ctx=ast.Load())
    if isinstance(value, tuple):
        return ast.Tuple(elts=[_data(v) for v in value], ctx=ast.Load())
    return _const(value)


class Expressions:
    """The expression half of the script emitter (`ibc.codegen.script._Emitter`): it reads
    `taken`, `globals`, `defs`, `def_names`, `def_params`, `patterns` and `_add_ref` of it,
    and emits into `body`, the function being built."""

    body: Body | None = None

    def _function_body(self, body: Body, value, locals_, scope) -> list[ast.stmt]:
        """The statements of a function returning `value`, built in `body`: one per node of
        `value` but the last, which is returned."""
        saved, self.body = self.body, body
        try:
            result = self._build(value, locals_, scope)
        finally:
            self.body = saved
        return [*body.statements, ast.Return(result)]

    def _thunk(self, value, locals_, scope, hint: str) -> ast.expr:
        """`lambda m: VALUE` (a `with` base, an override value): a lambda when `value` is
        one node, else a function defined next to the code being emitted."""
        body = Body(set(), owner=self.body)
        statements = self._function_body(body, value, locals_, scope)
        if len(statements) == 1 and not isinstance(value, _HOLDS_FUNCTIONS):
            return ast.Lambda(_arguments(["m"]), statements[0].value)
        name = self.body.fresh(hint)
        self.body.home.statements.append(_funcdef(name, _arguments(["m"]), statements, []))
        return _name(name)

    def _args(self, args, locals_, scope) -> ast.List:
        return ast.List(elts=[self.expr(a, locals_, scope) for a in args], ctx=ast.Load())

    def _kwargs(self, kwargs, locals_, scope) -> ast.Dict:
        return ast.Dict(
            keys=[_const(k) for k, _ in kwargs],
            values=[self.expr(v, locals_, scope, k) for k, v in kwargs],
        )

    def _call_args(self, e, locals_, scope) -> list[ast.expr]:
        out: list[ast.expr] = []
        if e.args or e.kwargs:
            out.append(self._args(e.args, locals_, scope))
        if e.kwargs:
            out.append(self._kwargs(e.kwargs, locals_, scope))
        return out

    def expr(self, e, locals_: dict[str, str], scope: str, hint: str = "") -> ast.expr:
        """`e` as an operand: a leaf (a literal, a name, `m.get("x")`) as is, any other node
        built by a statement of its own, `name = m.call(…)`, in the function being emitted
        (`self.body`), and read by its name. Statements come in the order Python evaluated
        the nested expressions they replace. `locals_` maps `.ib` locals to Python names;
        `scope` is the enclosing def's name ('' at top level); `hint`, what names the operand
        where `e` goes (a keyword, a record's field)."""
        value = self._build(e, locals_, scope)
        if isinstance(e, _LEAVES) or (isinstance(e, ir.Global) and not self._is_def_value(e)):
            return value
        name = self.body.fresh(self._hint(e) if hint == "" or getattr(e, "path", None) else hint)
        self.body.statements.append(
            ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)
        )
        return _name(name)

    def _build(self, e, locals_: dict[str, str], scope: str) -> ast.expr:
        """The builder expression for `e` itself (its operands by `expr`), by one method per
        IR node kind (`_expr_Stage`, …)."""
        method = getattr(self, "_expr_" + type(e).__name__, None)
        if method is None:
            raise TypeError(f"not an IR expression: {e!r}")
        return method(e, locals_, scope)

    def _is_def_value(self, e: ir.Global) -> bool:
        return e.name not in self.globals and e.name in self.defs

    def _hint(self, e) -> str:
        """What a temporary holding `e` is called: its parameter path's last part, the name
        of what it calls, of the field it reads, or of its kind of value."""
        path = getattr(e, "path", None)
        if path:
            return _last_part(path)
        if isinstance(e, ir.Stage):
            return e.ref.local or e.ref.name.split(".")[-1]
        if isinstance(e, ir.MethodStage):
            return e.method
        if isinstance(e, (ir.DefCall, ir.Global)):
            return e.name
        if isinstance(e, (ir.FieldE, ir.AttrE)):
            return e.name
        if isinstance(e, ir.Apply) and isinstance(e.func, (ir.Local, ir.Global)):
            return e.func.name
        if isinstance(e, ir.BinE):
            return _OPERATION_NAMES.get(e.op, "value")
        if isinstance(e, ir.TupleE):
            return "pair" if len(e.items) == 2 else "items"
        return _KIND_NAMES.get(type(e), "value")

    def _expr_Lit(self, e: ir.Lit, locals_, scope) -> ast.expr:
        return _m("lit", _const(e.value))

    def _expr_RefValue(self, e: ir.RefValue, locals_, scope) -> ast.expr:
        return _m("ref", _name(self._add_ref(e.ref)), **_path(e.path))

    def _expr_Global(self, e: ir.Global, locals_, scope) -> ast.expr:
        if e.name in self.globals or e.name not in self.defs:
            return _m("get", _const(e.name))
        return self._def_value(self.defs[e.name])

    def _expr_Local(self, e: ir.Local, locals_, scope) -> ast.expr:
        if e.name not in locals_:
            raise ValueError(f"IR error: local `{e.name}` is not bound here")
        return _name(locals_[e.name])

    def _expr_ListE(self, e: ir.ListE, locals_, scope) -> ast.expr:
        return _m("list", self._args(e.items, locals_, scope), **_path(e.path))

    def _expr_TupleE(self, e: ir.TupleE, locals_, scope) -> ast.expr:
        return _m("tuple", self._args(e.items, locals_, scope), **_path(e.path))

    def _expr_DictE(self, e: ir.DictE, locals_, scope) -> ast.expr:
        pairs = [
            ast.Tuple(
                elts=[self.expr(k, locals_, scope), self.expr(v, locals_, scope)], ctx=ast.Load()
            )
            for k, v in e.entries
        ]
        return _m("dict", ast.List(elts=pairs, ctx=ast.Load()))

    def _expr_RecordE(self, e: ir.RecordE, locals_, scope) -> ast.expr:
        fields = ast.Dict(
            keys=[_const(k) for k, _ in e.fields],
            values=[self.expr(v, locals_, scope, k) for k, v in e.fields],
        )
        return _m("record", fields, **_path(e.path))

    def _expr_Stage(self, e: ir.Stage, locals_, scope) -> ast.expr:
        kw = _at(e)
        if e.path is not None:
            kw["path"] = _const(e.path)
            if e.arg_names:
                kw["arg_names"] = _data(tuple(e.arg_names))
        if e.callee_path is not None:
            kw["callee_path"] = _const(e.callee_path)
        return _m("call", _name(self._add_ref(e.ref)), *self._call_args(e, locals_, scope), **kw)

    def _expr_MethodStage(self, e: ir.MethodStage, locals_, scope) -> ast.expr:
        kw = _at(e)
        if e.path is not None:
            kw["path"] = _const(e.path)
        if e.fingerprint:
            kw["fingerprint"] = _const(e.fingerprint)
        if e.cls:
            kw["cls"] = _const(e.cls)
        obj = self.expr(e.obj, locals_, scope)
        return _m("method", obj, _const(e.method), *self._call_args(e, locals_, scope), **kw)

    def _expr_DefCall(self, e: ir.DefCall, locals_, scope) -> ast.expr:
        d = self.defs.get(e.name)
        if d is None:
            raise ValueError(f"IR error: call of unknown def `{e.name}`")
        params = self.def_params[d.name]
        for k, _ in e.kwargs:
            if k not in params:
                raise ValueError(f"IR error: def `{e.name}` has no parameter `{k}`")
        if e.path is not None:  # its arguments are parameters: `m.expand` applies them
            return self._expand(e, d, locals_, scope)
        args = [self.expr(a, locals_, scope) for a in e.args]
        keywords = {params[k]: self.expr(v, locals_, scope, k) for k, v in e.kwargs}
        return _call(_name(self.def_names[d.name]), [_name("m"), *args], keywords)

    def _expand(self, e: ir.DefCall, d: ir.IrDef, locals_, scope) -> ast.expr:
        """`m.expand(def, [args], {kwargs}, path=…, arg_names=…, names={ib: py})`: a call of
        a def whose arguments are parameters."""
        names = dict(self.def_params[d.name])
        return _m(
            "expand",
            _name(self.def_names[d.name]),
            self._args(e.args, locals_, scope),
            self._kwargs(e.kwargs, locals_, scope),
            path=ast.Constant(value=e.path),
            arg_names=ast.Constant(value=tuple(e.arg_names[: len(e.args)])),
            names=ast.Dict(
                keys=[ast.Constant(value=k) for k in names],
                values=[ast.Constant(value=v) for v in names.values()],
            ),
        )

    def _expr_Apply(self, e: ir.Apply, locals_, scope) -> ast.expr:
        func = self.expr(e.func, locals_, scope)
        return _m("apply", func, *self._call_args(e, locals_, scope), **_at(e))

    def _expr_LambdaE(self, e: ir.LambdaE, locals_, scope) -> ast.expr:
        namer = Namer(self.taken | set(locals_.values()))
        inner = dict(locals_)
        py_params = []
        for p in e.params:
            inner[p] = namer.name(p)
            py_params.append(inner[p])
        kw = _at(e)
        if any(d is not None for d in e.defaults):
            # built here, with the enclosing `m` and locals: where the lambda is written
            kw["defaults"] = _defaults_list(
                [
                    None if d is None else self.expr(d, locals_, scope, p)
                    for p, d in zip(e.params, e.defaults)
                ]
            )
        # its body in a function of its own: a lambda when it is one node
        body = Body(set(py_params), owner=self.body, own_scope=True)
        statements = self._function_body(body, e.body, inner, scope)
        if len(statements) == 1 and not isinstance(e.body, _HOLDS_FUNCTIONS):
            fn: ast.expr = ast.Lambda(args=_arguments(["m", *py_params]), body=statements[0].value)
        else:
            name = self.body.fresh("fn")
            while name in body.taken:  # not the name of one of its own locals
                name = self.body.fresh("fn")
            self.body.home.statements.append(
                _funcdef(name, _arguments(["m", *py_params]), statements, [])
            )
            fn = _name(name)
        params = ast.Tuple(elts=[_const(p) for p in e.params], ctx=ast.Load())
        return _m("fn", fn, params, **kw)

    def _expr_FieldE(self, e: ir.FieldE, locals_, scope) -> ast.expr:
        return _m("field", self.expr(e.obj, locals_, scope), _const(e.name), **_at(e))

    def _expr_AttrE(self, e: ir.AttrE, locals_, scope) -> ast.expr:
        return _m("attr", self.expr(e.obj, locals_, scope), _const(e.name), **_at(e))

    def _expr_IndexE(self, e: ir.IndexE, locals_, scope) -> ast.expr:
        obj, index = self.expr(e.obj, locals_, scope), self.expr(e.index, locals_, scope)
        return _m("index", obj, index, **_at(e))

    def _expr_BinE(self, e: ir.BinE, locals_, scope) -> ast.expr:
        left, right = self.expr(e.left, locals_, scope), self.expr(e.right, locals_, scope)
        return _m("binop", _const(e.op), left, right, **_at(e))

    def _expr_UnE(self, e: ir.UnE, locals_, scope) -> ast.expr:
        return _m("unop", _const(e.op), self.expr(e.operand, locals_, scope), **_at(e))

    def _expr_BoolE(self, e: ir.BoolE, locals_, scope) -> ast.expr:
        left, right = self.expr(e.left, locals_, scope), self.expr(e.right, locals_, scope)
        return _m("boolop", _const(e.op), left, right, **_at(e))

    def _expr_CmpE(self, e: ir.CmpE, locals_, scope) -> ast.expr:
        first = self.expr(e.first, locals_, scope)
        ops = ast.List(elts=[_const(o) for o in e.ops], ctx=ast.Load())
        return _m("compare", first, ops, self._args(e.rest, locals_, scope), **_at(e))

    def _expr_CondE(self, e: ir.CondE, locals_, scope) -> ast.expr:
        parts = [self.expr(x, locals_, scope) for x in (e.cond, e.then, e.orelse)]
        return _m("cond", *parts, **_at(e))

    def _expr_WithE(self, e: ir.WithE, locals_, scope) -> ast.expr:
        """`m.with_(lambda m: BASE, {path: data or lambda m: VALUE}, at=…)`."""
        keys, values, labels = [], [], {}
        for o in e.layer.overrides:
            keys.append(_const(o.path))
            ok, data = _literal(o.value)
            if ok:
                values.append(_data(data))
            else:
                hint = _last_part(o.path) + "_value"
                values.append(self._thunk(o.value, locals_, scope, hint))
                if o.label:  # the text a sweep point's name states for it
                    labels[o.path] = o.label
        base = self._thunk(e.base, locals_, scope, "base")
        table = ast.Dict(keys=keys, values=values)
        if not labels:
            return _m("with_", base, table, at=_const(_loc(e.span)))
        texts = ast.Dict(
            keys=[_const(k) for k in labels], values=[_const(v) for v in labels.values()]
        )
        return _m("with_", base, table, at=_const(_loc(e.span)), labels=texts)

    def _expr_WithBestE(self, e: ir.WithBestE, locals_, scope) -> ast.expr:
        """`m.with_best(lambda m: BASE, "search", at=…)`: the best trial's layer."""
        base = self._thunk(e.base, locals_, scope, "base")
        return _m("with_best", base, _const(e.search), at=_const(_loc(e.span)))

    def _expr_Unpack(self, e: ir.Unpack, locals_, scope) -> ast.expr:
        kw = _at(e)
        if isinstance(e.value, (ir.Global, ir.Local)):
            key = ("" if isinstance(e.value, ir.Global) else scope, e.value.name)
            if key in self.patterns:
                kw["pattern"] = _const(self.patterns[key])
        value = self.expr(e.value, locals_, scope)
        return _m("unpack", value, _const(e.index), _const(e.length), **kw)

    def _def_value(self, d: ir.IrDef) -> ast.expr:
        """A `def` used as a value: a function value that expands the def when applied."""
        namer = Namer(set(self.taken))
        names = [namer.name(p.name) for p in d.params]
        body = _call(_name(self.def_names[d.name]), [_name("m"), *[_name(n) for n in names]])
        fn = ast.Lambda(args=_arguments(["m", *names]), body=body)
        params = ast.Tuple(elts=[_const(p.name) for p in d.params], ctx=ast.Load())
        kw = {"at": _const(_loc(d.span))}
        if any(p.default is not None for p in d.params):
            # the def's defaults, in module scope
            kw["defaults"] = _defaults_list(
                [self.expr(p.default, {}, "") if p.default is not None else None for p in d.params]
            )
        return _m("fn", fn, params, **kw)


# Leaves stay inside the expression that uses them; every other node is a statement.
_LEAVES = (ir.Lit, ir.RefValue, ir.Local)
# Nodes written with functions inside (`m.with_(lambda m: …)`, `m.fn(lambda m, x: …)`): a
# function returning one is a `def`, so that lambdas never nest in lambdas.
_HOLDS_FUNCTIONS = (ir.WithE, ir.WithBestE, ir.LambdaE)

_OPERATION_NAMES = {
    "+": "sum",
    "-": "difference",
    "*": "product",
    "/": "quotient",
    "//": "quotient",
    "%": "remainder",
    "**": "power",
}

_KIND_NAMES = {
    ir.ListE: "items",
    ir.DictE: "table",
    ir.RecordE: "record",
    ir.Apply: "result",
    ir.LambdaE: "fn",
    ir.IndexE: "item",
    ir.UnE: "operand",
    ir.BoolE: "condition",
    ir.CmpE: "comparison",
    ir.CondE: "choice",
    ir.Unpack: "part",
    ir.WithE: "layered",
}


def _last_part(path: str) -> str:
    """`model` of `clf.model`, `layers` of `net.layers[2]`."""
    return re.sub(r"\[[^\]]*\]", "", path).split(".")[-1] or "value"


def _at(e) -> dict[str, ast.expr]:
    """The `at=` keyword: the `.ib` location of `e`."""
    return {"at": _const(_loc(e.span))}


def _path(path: str | None) -> dict[str, ast.expr]:
    """The `path=` keyword of a literal or reference with a parameter path."""
    return {} if path is None else {"path": _const(path)}


def _defaults_list(items: list[ast.expr | None]) -> ast.List:
    """`[None, m.lit(2)]`: the `defaults=` of `m.fn`, one entry per parameter."""
    return ast.List(elts=[_const(None) if i is None else i for i in items], ctx=ast.Load())
