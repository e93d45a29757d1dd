"""The `script` target: an `IrProgram` as a Python program that runs on `ibc.runtime`.

The emitted module is built as Python `ast` nodes and printed with `ast.unparse` (the caller
runs black when a person will read it). It holds, in order: a header naming the `.ib` source
and its sha256; imports; the project root; one `Ref` per Python reference (data: nothing is
imported until a stage runs); one builder function per `def` (expanded where it is called);
one builder per top-level binding and per target, registered on `program`; and
`raise SystemExit(program.main())` under `if __name__ == "__main__"`.

Builders create graph nodes and run nothing: every `.ib` expression becomes a call on the
builder context `m` (`m.call(ref, [args], {kwargs}, at="f.ib:3:5")`, `m.get("name")`, …), and
every call carries its `.ib` location so that a failure points at the `.ib` line. A function
value's parameter defaults are built next to it, in the scope where it is written
(`m.fn(lambda m, x, y: …, ("x", "y"), defaults=[None, m.lit(2)])`). Top-level
names are read with `m.get("name")`, never as Python variables, so that later override layers
can rebind them without changing emitted code. Python names come from a `Namer`, so `.ib` names
that are Python keywords or builtins (`class`, `len`) or collide with the emitter's own names
(`program`, `m`) still give valid code. Same IR, same output, byte for byte.

Parameters (docs/parameters.md) are data in the emitted code: calls, references, lists, tuples and
records carry their parameter `path=` (and a call its `arg_names=` and `callee_path=`), and
the runtime looks them up in the layers in force. `base with { … }` is
`m.with_(lambda m: BASE, {"model.C": 0.1, "seed": lambda m: …}, at=…)`: literal values
(`Lit`, lists and tuples of them) are Python data, any other value a small builder taking the
context below the layer (and `labels={path: source text}` for those, which a sweep point's
name states when the layer sets its path). A sweep is registered with its points as a table,
after its builder: `program.sweep("grid", grid, at=…, points=[("grid[model.C=0.01]",
{"model.C": 0.01}, ["0.01"]), …])`, the list the text each value has in the name; a point's
non-literal value is a module-level builder (`_grid_model`), emitted once however many points
share it, so the table grows by one line per point. The program's compile-time overrides are
`program.set_overrides({…}, {path: source text})`, and its parameters' paths and types (for
`-s`) a `params={…}` table given to `Program`.
"""

from __future__ import annotations

import ast
import math
import os
import re
from pathlib import Path

from ibc.codegen import ir
from ibc.codegen.names import Namer

# Names the emitted module defines itself (and `m`, every builder's context parameter).
RESERVED = frozenset({"os", "Program", "Ref", "PROJECT_ROOT", "program", "m"})


def emit_script(program: ir.IrProgram, out_path: Path | None = None) -> str:
    """The Python source of `program` as a script-target module (not black-formatted).
    With `out_path`, the project root is found relative to the emitted file at run time;
    without it, it is the absolute `program.project_root`."""
    return _Emitter(program, out_path).emit()


def _loc(span) -> str:
    return f"{span.file}:{span.line}:{span.col}"


def _name(id_: str) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Load())


def _const(value: object) -> ast.expr:
    return ast.Constant(value=value)


def _call(func: ast.expr, args: list[ast.expr], keywords: dict[str, ast.expr] | None = None):
    kws = [ast.keyword(arg=k, value=v) for k, v in (keywords or {}).items()]
    return ast.Call(func=func, args=args, keywords=kws)


def _m(method: str, *args: ast.expr, **keywords: ast.expr) -> ast.Call:
    """`m.method(args…, keywords…)`"""
    return _call(ast.Attribute(value=_name("m"), attr=method, ctx=ast.Load()), list(args), keywords)


def _arguments(names: list[str], defaults: list[ast.expr] | None = None) -> ast.arguments:
    return ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=n) for n in names],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=defaults or [],
    )


def _funcdef(name: str, args: ast.arguments, body: list[ast.stmt], decorators) -> ast.stmt:
    node = ast.FunctionDef(
        name=name, args=args, body=body, decorator_list=list(decorators), returns=None
    )
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
        node.type_params = []
    return node


def _literal(e) -> tuple[bool, object]:
    """`(True, data)` when `e` is literal data (a `Lit`, or a list or tuple of them) that
    Python writes exactly; else `(False, None)`."""
    if isinstance(e, ir.Lit):
        v = e.value
        if isinstance(v, float) and not math.isfinite(v):
            return False, None
        return v is None or isinstance(v, (bool, int, float, str)), v
    if isinstance(e, (ir.ListE, ir.TupleE)):
        items = []
        for item in e.items:
            ok, v = _literal(item)
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


BIG_TABLE = 20  # sweeps of this many points or more get their table out of black's way


def _black_text(e: ast.expr) -> str:
    """Literal data (tuples, lists, dicts, constants, names) in black's style: double quotes,
    spaces after commas and colons."""
    if isinstance(e, ast.Constant) and isinstance(e.value, str):
        import json

        return json.dumps(e.value, ensure_ascii=False)
    if isinstance(e, ast.Tuple):
        inner = ", ".join(_black_text(x) for x in e.elts)
        return f"({inner},)" if len(e.elts) == 1 else f"({inner})"
    if isinstance(e, ast.List):
        return "[" + ", ".join(_black_text(x) for x in e.elts) + "]"
    if isinstance(e, ast.Dict):
        return (
            "{"
            + ", ".join(f"{_black_text(k)}: {_black_text(v)}" for k, v in zip(e.keys, e.values))
            + "}"
        )
    return ast.unparse(e)


def _ref_key(ref: ir.PyRef) -> tuple:
    return (ref.local, ref.module, ref.name, ref.kind, ref.revision, ref.impure, ref.fingerprint)


class _Emitter:
    def __init__(self, program: ir.IrProgram, out_path: Path | None) -> None:
        self.program = program
        self.out_path = out_path
        self.namer = Namer(set(RESERVED))
        # Globals that builder code refers to by Python name (references, defs, the emitter's
        # own names): locals must not shadow them. Binding builders are never referred to.
        self.taken: set[str] = set(RESERVED)
        self.refs: dict[tuple, str] = {}  # ref identity -> Python name
        self.ref_order: list[ir.PyRef] = []
        self.defs = {d.name: d for d in program.defs}
        self.def_names: dict[str, str] = {}
        self.def_params: dict[str, dict[str, str]] = {}  # def -> .ib param -> Python param
        self.def_namers: dict[str, Namer] = {}
        self.globals = {b.name for b in program.bindings} | {t.name for t in program.targets}
        self.patterns: dict[tuple[str, str], str] = {}  # (scope, hidden name) -> pattern text
        # module-level builders of non-literal override values: IR value -> Python name
        self.value_builders: dict[object, str] = {}
        # big sweep tables, written as text after unparsing: placeholder line -> text block
        self.tables: dict[str, str] = {}

    def _global(self, ib_name: str, kind: str) -> str:
        name = self.namer.name(ib_name, kind)
        if kind != "binding":
            self.taken.add(name)
        return name

    # ---- collection
    def _collect_refs(self) -> None:
        for ref in self.program.refs:
            self._add_ref(ref)
        for expr in self._all_exprs():
            self._walk_refs(expr)

    def _add_ref(self, ref: ir.PyRef) -> str:
        key = _ref_key(ref)
        if key not in self.refs:
            self.refs[key] = self._global(ref.local or ref.name.split(".")[-1], "ref")
            self.ref_order.append(ref)
        return self.refs[key]

    def _all_exprs(self):
        for d in self.program.defs:
            for p in d.params:
                if p.default is not None:
                    yield p.default
            for b in d.body:
                yield b.value
            yield d.result
        for b in self.program.bindings:
            yield b.value
        for t in self.program.targets:
            yield t.value
            for point in t.points:
                for o in point.layer.overrides:
                    yield o.value
        if self.program.overrides is not None:
            for o in self.program.overrides.overrides:
                yield o.value

    def _walk_refs(self, expr) -> None:
        if isinstance(expr, ir.Stage):
            self._add_ref(expr.ref)
        elif isinstance(expr, ir.RefValue):
            self._add_ref(expr.ref)
        for child in _children(expr):
            self._walk_refs(child)

    def _collect_patterns(self, scope: str, bindings, is_local: bool) -> None:
        """Texts like `(a, b) = f(…)` for each destructured hidden binding of a scope."""
        wrapper = ir.Local if is_local else ir.Global
        for hidden in bindings:
            if not hidden.hidden:
                continue
            names: dict[int, str] = {}
            length = None
            for b in bindings:
                v = b.value
                if isinstance(v, ir.Unpack) and v.value == wrapper(hidden.name):
                    names.setdefault(v.index, b.name)
                    length = v.length
            if length is None:
                continue
            items = [names.get(i, "…") for i in range(length)]
            lhs = "(" + ", ".join(items) + ("," if length == 1 else "") + ")"
            self.patterns[(scope, hidden.name)] = f"{lhs} = {_describe(hidden.value)}"

    # ---- module
    def emit(self) -> str:
        p = self.program
        binding_names, target_names = self._name_everything()
        body = self._prelude()
        body += [self._ref_assign(ref) for ref in self.ref_order]
        body += [self._def(d) for d in p.defs]
        body += [self._binding(b, binding_names[b.name]) for b in p.bindings]
        for t in p.targets:
            body.extend(self._target(t, binding_names, target_names[t.name]))
        if p.overrides is not None:
            body.extend(self._set_overrides(p.overrides))
        body.append(_main_guard())
        module = ast.Module(body=body, type_ignores=[])
        ast.fix_missing_locations(module)
        header = (
            f"# Generated by ibc from {os.path.basename(p.source)} — do not edit.\n"
            f"# source: {p.source}\n"
            f"# sha256: {p.source_hash}\n"
        )
        source = ast.unparse(module)
        for placeholder, block in self.tables.items():
            source = source.replace(placeholder, block, 1)
        return header + source + "\n"

    def _name_everything(self) -> tuple[dict[str, str], dict[str, str]]:
        """Python names for references, defs and their parameters, bindings and targets (in
        this order: the names stay what they were); the destructuring patterns. Returns the
        builders' names of bindings and of targets."""
        p = self.program
        self._collect_refs()
        for d in p.defs:
            self.def_names[d.name] = self._global(d.name, "def")
        binding_names = {b.name: self._global(b.name, "binding") for b in p.bindings}
        target_names = {
            t.name: binding_names.get(t.name) or self._global(t.name, "binding") for t in p.targets
        }
        for d in p.defs:  # parameter names first: a def may call one defined after it
            namer = self.def_namers[d.name] = Namer(set(self.taken))
            self.def_params[d.name] = {q.name: namer.name(q.name) for q in d.params}
        self._collect_patterns("", p.bindings, is_local=False)
        for d in p.defs:
            self._collect_patterns(d.name, d.body, is_local=True)
        return binding_names, target_names

    def _prelude(self) -> list[ast.stmt]:
        """The docstring, the imports, `PROJECT_ROOT` and `program = Program(…)`."""
        p = self.program
        doc = (
            f"Experiments of {p.source}, compiled by ibc.\n\n"
            f"Run: python {self.out_path.name if self.out_path else 'THIS_FILE.py'} "
            "[TARGET ...] [-s PATH=LITERAL ...] [--json]\n"
        )
        body: list[ast.stmt] = [ast.Expr(_const(doc))]
        if self.out_path is not None:
            body.append(ast.Import(names=[ast.alias(name="os")]))
        names = [ast.alias(name="Program"), ast.alias(name="Ref")]
        body.append(ast.ImportFrom(module="ibc.runtime", names=names, level=0))
        body.append(self._project_root())
        keywords = {
            "source": _const(p.source),
            "source_hash": _const(p.source_hash),
            "project_root": _name("PROJECT_ROOT"),
            **self._params(),
        }
        program = _call(_name("Program"), [], keywords)
        body.append(ast.Assign(targets=[ast.Name(id="program", ctx=ast.Store())], value=program))
        return body

    def _binding(self, b: ir.IrBinding, py_name: str) -> ast.stmt:
        """`@program.binding("name")` and its builder."""
        deco = {"hidden": _const(True)} if b.hidden else {}
        register = _call(_program("binding"), [_const(b.name)], deco)
        return self._builder(py_name, register, b.value)

    def _target(self, t: ir.IrTarget, binding_names, py_name: str) -> list[ast.stmt]:
        """An experiment's `@program.experiment("name", at=…)` builder, or a sweep's table."""
        if t.kind == "sweep":
            return self._sweep(t, binding_names, py_name)
        keywords = {"at": _const(_loc(t.span))}
        if t.params:
            keywords["params"] = _params_dict(t.params)
        register = _call(_program("experiment"), [_const(t.name)], keywords)
        if t.value == ir.Global(t.name) and t.name in binding_names:
            # the target is the binding of the same name: register its builder as a target
            return [ast.Expr(_call(register, [_name(binding_names[t.name])]))]
        return [self._builder(py_name, register, t.value)]

    def _set_overrides(self, layer: ir.IrLayer) -> list[ast.stmt]:
        """`program.set_overrides({path: value}, {path: source text})`, after the builders of
        its non-literal values."""
        statements: list[ast.stmt] = []
        table = self._table(layer, "override", statements)
        labelled = [o for o in layer.overrides if o.label]
        labels = ast.Dict([_const(o.path) for o in labelled], [_const(o.label) for o in labelled])
        args = [table, labels] if labelled else [table]
        statements.append(ast.Expr(_call(_program("set_overrides"), args)))
        return statements

    def _project_root(self) -> ast.stmt:
        p = self.program
        if self.out_path is None:
            value: ast.expr = _const(p.project_root)
        else:
            folder = Path(os.path.abspath(self.out_path)).parent
            rel = os.path.relpath(p.project_root, folder).replace(os.sep, "/")
            path = ast.Attribute(_name("os"), "path", ast.Load())
            here = _call(
                ast.Attribute(path, "dirname", ast.Load()),
                [_call(ast.Attribute(path, "abspath", ast.Load()), [_name("__file__")])],
            )
            value = _call(
                ast.Attribute(path, "normpath", ast.Load()),
                [_call(ast.Attribute(path, "join", ast.Load()), [here, _const(rel)])],
            )
        return ast.Assign(targets=[ast.Name(id="PROJECT_ROOT", ctx=ast.Store())], value=value)

    def _ref_assign(self, ref: ir.PyRef) -> ast.stmt:
        keywords: dict[str, ast.expr] = {"kind": _const(ref.kind)}
        if ref.fingerprint:
            keywords["fingerprint"] = _const(ref.fingerprint)
        if ref.local and ref.local != ref.name:
            keywords["local"] = _const(ref.local)
        if ref.impure:
            keywords["impure"] = _const(True)
        if ref.revision is not None:
            keywords["revision"] = _const(ref.revision)
        if ref.span is not None:
            keywords["at"] = _const(_loc(ref.span))
        if ref.code:
            keywords["code"] = ast.Tuple([_const(part) for part in ref.code], ast.Load())
        return ast.Assign(
            targets=[ast.Name(id=self.refs[_ref_key(ref)], ctx=ast.Store())],
            value=_call(_name("Ref"), [_const(ref.module), _const(ref.name)], keywords),
        )

    def _builder(self, py_name: str, decorator: ast.expr | None, value) -> ast.stmt:
        decorators = [] if decorator is None else [decorator]
        return _funcdef(
            py_name, _arguments(["m"]), [ast.Return(self.expr(value, {}, ""))], decorators
        )

    def _params(self) -> dict[str, ast.expr]:
        """`params={path: annotation}` for `Program`, when the program has parameters."""
        if not self.program.params:
            return {}
        items = self.program.params
        return {
            "params": ast.Dict(
                keys=[_const(k) for k, _ in items], values=[_const(t) for _, t in items]
            )
        }

    # ---- sweeps and override tables
    def _sweep(self, t: ir.IrTarget, binding_names, py_name: str) -> list[ast.stmt]:
        """A sweep's builder (unless it is the binding of its name), the builders of its
        points' non-literal values, and `program.sweep(name, builder, at=…, points=[…])`."""
        out: list[ast.stmt] = []
        if t.value == ir.Global(t.name) and t.name in binding_names:
            builder = binding_names[t.name]
        else:
            builder = py_name
            out.append(self._builder(py_name, None, t.value))
        rows = []
        for point in t.points:
            table = self._table(point.layer, t.name, out)
            row = [_const(point.name), table]
            if any(o.label for o in point.layer.overrides):  # what the name states for each
                row.append(ast.List([_const(o.label) for o in point.layer.overrides], ast.Load()))
            rows.append(ast.Tuple(elts=row, ctx=ast.Load()))
        sweep = ast.Attribute(_name("program"), "sweep", ast.Load())
        points: ast.expr = ast.List(elts=rows, ctx=ast.Load())
        if len(rows) >= BIG_TABLE:
            points = self._big_table(t.name, rows, out)
        keywords = {"at": _const(_loc(t.span)), "points": points}
        if t.params:
            keywords["params"] = _params_dict(t.params)
        out.append(ast.Expr(_call(sweep, [_const(t.name), _name(builder)], keywords)))
        return out

    def _big_table(self, owner: str, rows: list[ast.expr], out: list[ast.stmt]) -> ast.Name:
        """A big sweep's points as a module-level list, one point per line, kept out of black
        (`# fmt: off`): formatting a 1,000-point table cost a second; it is data, laid out
        here exactly as black would."""
        slug = re.sub(r"\W+", "_", owner).strip("_")
        name = self.namer.name(f"_{slug}_points", "table")
        self.taken.add(name)
        marker = f"__ibc_table_{len(self.tables)}__"
        out.append(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=_name(marker)))
        lines = ["# fmt: off", f"{name} = ["]
        lines += [f"    {_black_text(row)}," for row in rows]
        lines += ["]", "# fmt: on"]
        self.tables[f"{name} = {marker}"] = "\n".join(lines)
        return _name(name)

    def _table(self, layer: ir.IrLayer, owner: str, out: list[ast.stmt]) -> ast.Dict:
        """`{path: value}` of a module-level layer: literal data as Python data, any other
        value as the name of a module-level builder (appended to `out` the first time)."""
        keys, values = [], []
        for o in layer.overrides:
            keys.append(_const(o.path))
            ok, data = _literal(o.value)
            if ok:
                values.append(_data(data))
                continue
            name = self.value_builders.get(o.value)
            if name is None:
                slug = re.sub(r"\W+", "_", f"{owner}_{o.path}").strip("_")
                # One builder per distinct value: `f in [f, g]` needs two (`_s_f`, `_s_f_2`).
                kind = f"value:{len(self.value_builders)}"
                name = self.value_builders[o.value] = self.namer.name("_" + slug, kind)
                self.taken.add(name)
                out.append(self._builder(name, None, o.value))
            values.append(_name(name))
        return ast.Dict(keys=keys, values=values)

    def _def(self, d: ir.IrDef) -> ast.stmt:
        namer = self.def_namers[d.name]
        params = self.def_params[d.name]
        local_names = dict(params)
        defaults: list[ast.expr] = []
        first_default = next((i for i, p in enumerate(d.params) if p.default is not None), None)
        body: list[ast.stmt] = []
        for i, p in enumerate(d.params):
            if first_default is not None and i >= first_default:
                defaults.append(_const(None))
            if p.default is not None:  # `if x is None: x = DEFAULT`
                name = params[p.name]
                test = ast.Compare(left=_name(name), ops=[ast.Is()], comparators=[_const(None)])
                value = self.expr(p.default, {}, d.name)
                assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)
                body.append(ast.If(test=test, body=[assign], orelse=[]))
        for b in d.body:
            value = self.expr(b.value, local_names, d.name)
            local_names[b.name] = namer.name(b.name)
            body.append(
                ast.Assign(targets=[ast.Name(id=local_names[b.name], ctx=ast.Store())], value=value)
            )
        body.append(ast.Return(self.expr(d.result, local_names, d.name)))
        return _funcdef(
            self.def_names[d.name], _arguments(["m", *params.values()], defaults), body, []
        )

    # ---- expressions
    def _args(self, args, locals_, scope) -> ast.List:
        return ast.List(elts=[self.expr(a, locals_, scope) for a in args], ctx=ast.Load())

    def _kwargs(self, kwargs, locals_, scope) -> ast.Dict:
        return ast.Dict(
            keys=[_const(k) for k, _ in kwargs],
            values=[self.expr(v, locals_, scope) for _, v in kwargs],
        )

    def _call_args(self, e, locals_, scope) -> list[ast.expr]:
        out: list[ast.expr] = []
        if e.args or e.kwargs:
            out.append(self._args(e.args, locals_, scope))
        if e.kwargs:
            out.append(self._kwargs(e.kwargs, locals_, scope))
        return out

    def expr(self, e, locals_: dict[str, str], scope: str) -> ast.expr:
        """The builder expression for `e`, by one method per IR node kind (`_expr_Stage`, …);
        `locals_` maps `.ib` locals to Python names; `scope` is the enclosing def's name ('' at
        top level)."""
        method = getattr(self, "_expr_" + type(e).__name__, None)
        if method is None:
            raise TypeError(f"not an IR expression: {e!r}")
        return method(e, locals_, scope)

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
            values=[self.expr(v, locals_, scope) for _, v in e.fields],
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
        obj = self.expr(e.obj, locals_, scope)
        return _m("method", obj, _const(e.method), *self._call_args(e, locals_, scope), **kw)

    def _expr_DefCall(self, e: ir.DefCall, locals_, scope) -> ast.expr:
        d = self.defs.get(e.name)
        if d is None:
            raise ValueError(f"IR error: call of unknown def `{e.name}`")
        params = self.def_params[d.name]
        keywords = {}
        for k, v in e.kwargs:
            if k not in params:
                raise ValueError(f"IR error: def `{e.name}` has no parameter `{k}`")
            keywords[params[k]] = self.expr(v, locals_, scope)
        if e.path is not None:  # its arguments are parameters: `m.expand` applies them
            return self._expand(e, d, locals_, scope)
        args = [self.expr(a, locals_, scope) for a in e.args]
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
        body = self.expr(e.body, inner, scope)
        fn = ast.Lambda(args=_arguments(["m", *py_params]), body=body)
        params = ast.Tuple(elts=[_const(p) for p in e.params], ctx=ast.Load())
        kw = _at(e)
        if any(d is not None for d in e.defaults):
            # built here, with the enclosing `m` and locals: where the lambda is written
            kw["defaults"] = _defaults_list(
                [None if d is None else self.expr(d, locals_, scope) for d in e.defaults]
            )
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
                values.append(ast.Lambda(_arguments(["m"]), self.expr(o.value, locals_, scope)))
                if o.label:  # the text a sweep point's name states for it
                    labels[o.path] = o.label
        base = ast.Lambda(_arguments(["m"]), self.expr(e.base, locals_, scope))
        table = ast.Dict(keys=keys, values=values)
        if not labels:
            return _m("with_", base, table, at=_const(_loc(e.span)))
        texts = ast.Dict(
            keys=[_const(k) for k in labels], values=[_const(v) for v in labels.values()]
        )
        return _m("with_", base, table, at=_const(_loc(e.span)), labels=texts)

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


def _program(method: str) -> ast.Attribute:
    """`program.method`"""
    return ast.Attribute(value=_name("program"), attr=method, ctx=ast.Load())


def _main_guard() -> ast.stmt:
    """`if __name__ == "__main__": raise SystemExit(program.main())`"""
    test = ast.Compare(left=_name("__name__"), ops=[ast.Eq()], comparators=[_const("__main__")])
    exit_ = _call(_name("SystemExit"), [_call(_program("main"), [])])
    return ast.If(test=test, body=[ast.Raise(exc=exit_, cause=None)], orelse=[])


def _at(e) -> dict[str, ast.expr]:
    """The `at=` keyword: the `.ib` location of `e`."""
    return {"at": _const(_loc(e.span))}


def _path(path: str | None) -> dict[str, ast.expr]:
    """The `path=` keyword of a literal or reference with a parameter path."""
    return {} if path is None else {"path": _const(path)}


def _defaults_list(items: list[ast.expr | None]) -> ast.List:
    """`[None, m.lit(2)]`: the `defaults=` of `m.fn`, one entry per parameter."""
    return ast.List(elts=[_const(None) if i is None else i for i in items], ctx=ast.Load())


def _params_dict(params) -> ast.Dict:
    """`{"model": "RandomForestClassifier()", "seed": 1}`: what a target's `with` layers set,
    for its run records."""
    return ast.Dict(keys=[_const(k) for k, _ in params], values=[_data(v) for _, v in params])


def _describe(e) -> str:
    """Short text for the right side of a destructuring: `f(…)`, `x`, `….m(…)`."""
    if isinstance(e, ir.Stage):
        return f"{e.ref.local or e.ref.name}(…)"
    if isinstance(e, ir.MethodStage):
        return f"….{e.method}(…)"
    if isinstance(e, ir.DefCall):
        return f"{e.name}(…)"
    if isinstance(e, (ir.Global, ir.Local)):
        return e.name
    if isinstance(e, ir.Apply):
        return f"{_describe(e.func)}(…)"
    return "…"


def _children(e):
    """The sub-expressions of an IR expression."""
    if isinstance(e, (ir.ListE, ir.TupleE)):
        yield from e.items
    elif isinstance(e, ir.DictE):
        for k, v in e.entries:
            yield k
            yield v
    elif isinstance(e, ir.RecordE):
        for _, v in e.fields:
            yield v
    elif isinstance(e, (ir.Stage, ir.DefCall)):
        yield from e.args
        yield from (v for _, v in e.kwargs)
    elif isinstance(e, ir.MethodStage):
        yield e.obj
        yield from e.args
        yield from (v for _, v in e.kwargs)
    elif isinstance(e, ir.Apply):
        yield e.func
        yield from e.args
        yield from (v for _, v in e.kwargs)
    elif isinstance(e, ir.LambdaE):
        yield e.body
        yield from (d for d in e.defaults if d is not None)
    elif isinstance(e, (ir.FieldE, ir.AttrE)):
        yield e.obj
    elif isinstance(e, ir.IndexE):
        yield e.obj
        yield e.index
    elif isinstance(e, (ir.BinE, ir.BoolE)):
        yield e.left
        yield e.right
    elif isinstance(e, ir.UnE):
        yield e.operand
    elif isinstance(e, ir.CmpE):
        yield e.first
        yield from e.rest
    elif isinstance(e, ir.CondE):
        yield e.cond
        yield e.then
        yield e.orelse
    elif isinstance(e, ir.Unpack):
        yield e.value
    elif isinstance(e, ir.WithE):
        yield e.base
        yield from (o.value for o in e.layer.overrides)
