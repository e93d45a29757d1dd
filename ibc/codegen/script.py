"""The `script` target: an `IrProgram` as a Python program that runs on `ibc.runtime`.

The emitted module is built as Python `ast` nodes and printed with `ast.unparse` (the caller
runs black when a person will read it). It holds, in order: a header naming the `.ib` source
and its sha256; imports; the project root; one `Ref` per Python reference (data: nothing is
imported until a stage runs); one builder function per `def` (expanded where it is called);
one builder per top-level binding and per target, registered on `program`; and
`raise SystemExit(program.main())` under `if __name__ == "__main__"`.

Builders create graph nodes and run nothing: every `.ib` expression becomes calls on the
builder context `m` (`m.call(ref, [args], {kwargs}, at="f.ib:3:5")`, `m.get("name")`, …), one
statement per node (`ibc.codegen.script_exprs`: the code is flat however deep the program
nests), and every call carries its `.ib` location so that a failure points at the `.ib` line. A function
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
share it, so the table grows by one line per point. A search is `program.search("tuned",
tuned, at=…, axes=[(["x"], "uniform", -1.0, 1.0), (["kind"], "choice", [({"kind": "a"},
['"a"']), …])], direction="minimize", objective=["loss"], trials=16, seed=0)`, its categorical
candidates tables like a sweep's points; `e with best(tuned)` is `m.with_best(lambda m: E,
"tuned", at=…)`. The program's compile-time overrides are
`program.set_overrides({…}, {path: source text})`, and its parameters' paths and types (for
`-s`) a `params={…}` table given to `Program`.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from ibc.codegen import ir
from ibc.codegen.names import Body, Namer
from ibc.codegen.script_exprs import (
    Expressions,
    _arguments,
    _call,
    _const,
    _data,
    _funcdef,
    _literal,
    _loc,
    _name,
)

# Names the emitted module defines itself (and `m`, every builder's context parameter).
RESERVED = frozenset({"os", "Program", "Ref", "PROJECT_ROOT", "program", "m"})


def emit_script(program: ir.IrProgram, out_path: Path | None = None) -> str:
    """The Python source of `program` as a script-target module (not black-formatted).
    With `out_path`, the project root is found relative to the emitted file at run time;
    without it, it is the absolute `program.project_root`."""
    return _Emitter(program, out_path).emit()


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


class _Emitter(Expressions):
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
        self.body: Body | None = None  # the function being emitted (`expr` adds to it)

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
        for child in ir.children(expr):
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
        if t.kind == "search":
            return self._search(t, binding_names, py_name)
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
        body = self._function_body(Body(self.taken), value, {}, "")
        return _funcdef(py_name, _arguments(["m"]), body, decorators)

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
    def _target_builder(self, t: ir.IrTarget, binding_names, py_name: str, out: list) -> str:
        """The name of a sweep's or a search's builder: the binding of its name when it is
        one, else `py_name`, whose definition is appended to `out`."""
        if t.value == ir.Global(t.name) and t.name in binding_names:
            return binding_names[t.name]
        out.append(self._builder(py_name, None, t.value))
        return py_name

    def _sweep(self, t: ir.IrTarget, binding_names, py_name: str) -> list[ast.stmt]:
        """A sweep's builder (unless it is the binding of its name), the builders of its
        points' non-literal values, and `program.sweep(name, builder, at=…, points=[…])`."""
        out: list[ast.stmt] = []
        builder = self._target_builder(t, binding_names, py_name, out)
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

    def _search(self, t: ir.IrTarget, binding_names, py_name: str) -> list[ast.stmt]:
        """A search's builder, the builders of its categorical candidates' non-literal
        values, and `program.search(name, builder, at=…, axes=[…], direction=…,
        objective=[…], trials=…, seed=…)`; an axis is `(paths, kind, lo, hi)` or, for a
        categorical one, `(paths, "choice", [({path: value}, [label…]), …])`."""
        out: list[ast.stmt] = []
        builder = self._target_builder(t, binding_names, py_name, out)
        search = t.search
        axes = []
        for axis in search.axes:
            paths = ast.List([_const(p) for p in axis.paths], ast.Load())
            if axis.kind == "choice":
                rows = []
                for layer in axis.choices:
                    table = self._table(layer, t.name, out)
                    labels = ast.List(
                        [_const(o.label or str(o.shown)) for o in layer.overrides], ast.Load()
                    )
                    rows.append(ast.Tuple([table, labels], ast.Load()))
                axes.append(
                    ast.Tuple([paths, _const("choice"), ast.List(rows, ast.Load())], ast.Load())
                )
            else:
                parts = [paths, _const(axis.kind), _const(axis.low), _const(axis.high)]
                axes.append(ast.Tuple(parts, ast.Load()))
        keywords = {
            "at": _const(_loc(t.span)),
            "axes": ast.List(axes, ast.Load()),
            "direction": _const(search.direction),
            "objective": ast.List([_const(p) for p in search.objective], ast.Load()),
            "trials": _const(search.trials),
            "seed": _const(search.seed),
        }
        if t.params:
            keywords["params"] = _params_dict(t.params)
        call = _call(_program("search"), [_const(t.name), _name(builder)], keywords)
        out.append(ast.Expr(call))
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
        bound = {b.name: namer.name(b.name) for b in d.body}  # the locals' names, first
        self.body = Body(self.taken | set(params.values()) | set(bound.values()))
        for i, p in enumerate(d.params):
            if first_default is not None and i >= first_default:
                defaults.append(_const(None))
            if p.default is not None:  # `if x is None: x = DEFAULT`, built in the `if`
                name = params[p.name]
                test = ast.Compare(left=_name(name), ops=[ast.Is()], comparators=[_const(None)])
                block = Body(set(), owner=self.body)
                saved, self.body = self.body, block
                value = self._build(p.default, {}, d.name)
                self.body = saved
                assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)
                self.body.statements.append(
                    ast.If(test=test, body=[*block.statements, assign], orelse=[])
                )
        for b in d.body:
            value = self._build(b.value, local_names, d.name)
            local_names[b.name] = bound[b.name]
            self.body.statements.append(
                ast.Assign(targets=[ast.Name(id=local_names[b.name], ctx=ast.Store())], value=value)
            )
        body = self._function_body(self.body, d.result, local_names, d.name)
        self.body = None
        return _funcdef(
            self.def_names[d.name], _arguments(["m", *params.values()], defaults), body, []
        )

    # ---- expressions


def _program(method: str) -> ast.Attribute:
    """`program.method`"""
    return ast.Attribute(value=_name("program"), attr=method, ctx=ast.Load())


def _main_guard() -> ast.stmt:
    """`if __name__ == "__main__": raise SystemExit(program.main())`"""
    test = ast.Compare(left=_name("__name__"), ops=[ast.Eq()], comparators=[_const("__main__")])
    exit_ = _call(_name("SystemExit"), [_call(_program("main"), [])])
    return ast.If(test=test, body=[ast.Raise(exc=exit_, cause=None)], orelse=[])


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
