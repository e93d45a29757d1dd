"""Lowering: from the checked program to the IR that the emitters read (`ir.py`).

Names become what they mean (`Global`, `Local`, `RefValue`), pipes become the calls they
stand for, every call says what it calls (a Python reference is a `Stage`, a method a
`MethodStage`, a `def` a `DefCall`), destructuring becomes a hidden whole plus `Unpack`s,
and the names of imported `.ib` modules are qualified (`common.split`) so that one program
holds them all. An experiment of the main file is a target (other bindings may use it by name, as
`Global`); an experiment of an imported module is an ordinary binding. What the emitters cannot run yet is reported here.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ibc.codegen import ir
from ibc.diagnostics.diagnostic import Diagnostics
from ibc.params.expand import Expanded
from ibc.base.records import fields, is_record, replace
from ibc.resolve.symbols import (
    BindingSym,
    DefSym,
    LocalSym,
    ModuleInfo,
    PyRefSym,
    Symbol,
    TargetSym,
)
from ibc.syntax import nodes as n
from ibc.base.spans import Span
from ibc.base.typeterms import Nominal, RecordType

PRELUDE_MODULE = "ibc.runtime.prelude"
RESOURCE_FUNCTIONS = ("file", "dir")


class Lowerer:
    def __init__(self, expanded: Expanded, diags: Diagnostics, left_out=frozenset()) -> None:
        self.left_out = left_out  # ids of declarations not lowered (`refused_searches`)
        checked = expanded.checked
        self.expanded = expanded
        self.sites = expanded.sites
        self.checked = checked
        self.program = checked.program
        self.diags = diags
        self.refs: dict[tuple, ir.PyRef] = {}
        self.pinned: dict[str, object] = {}  # snapshot module -> its pinned.PinnedTarget
        self.module: ModuleInfo = self.program.main
        self._hidden = 0
        self._prefixes: dict[int, str] = {}
        from ibc.resolve.fingerprint import Fingerprints

        self.fingerprints = Fingerprints(self.program.index)
        self._paths: dict[str, str] = {}  # a file as shown -> as named in emitted programs
        self._assign_prefixes()

    def _assign_prefixes(self) -> None:
        from ibc.params.paths import module_prefixes

        self._prefixes = module_prefixes(self.program)

    def qualified(self, sym: Symbol) -> str:
        prefix = self._prefixes.get(id(sym.module), "") if sym.module is not None else ""
        return prefix + sym.name

    # ----------------------------------------------------------------- program

    def lower(self) -> ir.IrProgram:
        bindings: list[ir.IrBinding] = []
        defs: list[ir.IrDef] = []
        targets: list[ir.IrTarget] = []
        for info, decl in self.program.names.order:
            self.module = info
            if id(decl) in self.left_out:  # a search, or what needs one (`refused_searches`)
                continue
            if isinstance(decl, n.FuncDef):
                defs.append(self.lower_def(decl, info))
            elif isinstance(decl, n.Binding):
                ty = self.checked.decl_types.get(id(decl))
                bindings.extend(self.lower_binding(decl, info, global_=True, ty=ty))
            elif isinstance(decl, (n.Sweep, n.Search)):
                sweep = isinstance(decl, n.Sweep)
                lowered = self.lower_sweep if sweep else self.lower_search
                target = lowered(decl, info)
                if target is None:
                    continue
                if info.kind == "main":
                    targets.append(target)
                else:
                    kind = "sweep" if sweep else "search"
                    self.diags.error(
                        "E0701",
                        decl.name.span,
                        feature=f"{'sweeps' if sweep else 'searches'} of imported modules",
                        hint=f"declare the {kind} in the file you run",
                    )
            elif isinstance(decl, n.Experiment):
                name = self.qualified_decl(decl.name.text, info)
                ty = self.checked.decl_types.get(id(decl))
                value = self.expr(decl.value)
                if info.kind == "main":  # a target; other bindings may use it by name
                    targets.append(ir.IrTarget(name, value, "experiment", decl.span, ty))
                else:  # an imported module's experiment is an ordinary value here
                    bindings.append(ir.IrBinding(name, value, decl.span, ty))
        main = self.program.main
        cli = self.expanded.cli
        overrides = ir.IrLayer(self.layer(cli)) if cli else None
        if self.expanded.cli_points:
            bindings, defs, targets = self._cli_sweeps(bindings, defs, targets)
        targets = self._with_params(targets, bindings)
        # Everything is lowered (the command line's values may add references): relocate once.
        bindings, defs, targets, overrides = self._relocate((bindings, defs, targets, overrides))
        self.refs = {key: self._relocate(ref) for key, ref in self.refs.items()}
        prelude_functions = tuple(
            sorted({r.name for r in self.refs.values() if r.module == PRELUDE_MODULE})
        )
        return ir.IrProgram(
            overrides=overrides,
            params=self._params(),
            source=self._project_path(main.display),
            source_hash=hashlib.sha256(main.source.text.encode("utf-8")).hexdigest(),
            project_root=str(self.program.root),
            refs=tuple(self.refs.values()),
            bindings=tuple(bindings),
            defs=tuple(defs),
            targets=tuple(targets),
            prelude_functions=prelude_functions,
        )

    def _project_path(self, display: str) -> str:
        """A file's path relative to the project root (emitted programs name `.ib` files so,
        whatever folder `ibc` ran in, so that the output is the same)."""
        known = self._paths.get(display)
        if known is None:
            known = display
            for info in self.program.loader.modules.values():
                if info.display == display:
                    try:
                        known = info.path.relative_to(self.program.root).as_posix()
                    except ValueError:
                        pass
                    break
            self._paths[display] = known
        return known

    def _relocate(self, value):
        """`value` (IR, tuples of it) with every span's file made project-relative."""

        def span(leaf):
            if isinstance(leaf, Span):
                return leaf._replace(file=self._project_path(leaf.file))
            return None

        return map_ir(value, span)

    # ----------------------------------------------------------------- parameters

    def layer(self, resolved) -> tuple[ir.IrOverride, ...]:
        out = []
        for item in resolved:
            value = ir.Lit(item.constant) if item.has_constant else self.expr(item.value)
            label = item.label or self._text(getattr(item.value, "span", None))
            # what run records show: a literal's value, else the whole source text (a table
            # clips it for width; JSON never does)
            shown = value.value if isinstance(value, ir.Lit) else label
            out.append(ir.IrOverride(item.path, value, item.span, shown, label))
        return tuple(out)

    def _text(self, span) -> str:
        """The source text of `span` on one line (whitespace runs as one space), or "". In
        full: run records keep it as the parameter's value; a table clips it for width."""
        if span is None:
            return ""
        for info in self.program.loader.modules.values():
            if info.display == span.file and span.end > span.start:
                return " ".join(info.source.text[span.start : span.end].split())
        return ""

    def _with_params(self, targets, bindings) -> list:
        """`targets`, each with the parameters its `with` layers set: those of its own
        expression and, through names, of the bindings and targets it is derived from (the
        outer layer wins)."""
        exprs = {b.name: b.value for b in bindings}
        exprs.update((t.name, t.value) for t in targets if t.kind == "experiment")
        out = []
        for target in targets:
            params: dict[str, object] = {}
            value, seen = target.value, set()
            while True:
                if isinstance(value, ir.WithE):
                    for o in value.layer.overrides:
                        params.setdefault(o.path, o.shown)
                    value = value.base
                elif isinstance(value, ir.Global) and value.name in exprs:
                    if value.name in seen:
                        break
                    seen.add(value.name)
                    value = exprs[value.name]
                else:
                    break
            out.append(replace(target, params=tuple(params.items())) if params else target)
        return out

    def lower_sweep(self, decl: n.Sweep, info: ModuleInfo) -> ir.IrTarget | None:
        entry = self.expanded.sweeps.get(id(decl))
        if entry is None:
            return None
        base, layer, points = entry
        value = self.expr(base)
        if layer:
            value = ir.WithE(value, ir.IrLayer(self.layer(layer)), decl.value.span)
        name = self.qualified_decl(decl.name.text, info)
        ty = self.checked.decl_types.get(id(decl))
        lowered = tuple(ir.IrPoint(p.name, ir.IrLayer(self.layer(p.overrides))) for p in points)
        return ir.IrTarget(name, value, "sweep", decl.span, ty, lowered)

    def lower_search(self, decl: n.Search, info: ModuleInfo) -> ir.IrTarget | None:
        """A search as a target of kind "search": its base (with the `with`'s plain
        overrides) and how its trials are proposed (docs/guide.md, "Searches")."""
        entry = self.expanded.searches.get(id(decl))
        if entry is None:
            return None
        base, layer, axes = entry
        values = self.expanded.search_values.get(id(decl), ())
        value = self.expr(base)
        if layer:
            value = ir.WithE(value, ir.IrLayer(self.layer(layer)), decl.value.span)
        lowered = []
        for axis, candidates in zip(axes, values):
            if axis.kind == "choice":
                choices = tuple(ir.IrLayer(self.layer(group)) for group in candidates)
                lowered.append(ir.IrAxis(axis.paths, "choice", None, None, choices, axis.labels))
            else:
                lowered.append(ir.IrAxis(axis.paths, axis.kind, axis.low, axis.high))
        search = ir.IrSearch(
            tuple(lowered),
            decl.direction.text,
            tuple(part.text for part in decl.objective),
            int(decl.trials.value),
            0 if decl.seed is None else int(decl.seed.value),
        )
        name = self.qualified_decl(decl.name.text, info)
        ty = self.checked.decl_types.get(id(decl))
        return ir.IrTarget(name, value, "search", decl.span, ty, search=search)

    def _cli_sweeps(self, bindings, defs, targets):
        """`ibc run -s 'p in [...]'`: every target becomes a sweep over the given values.
        An experiment that other bindings use by name keeps its value for them: the value
        moves to a hidden binding `T#value` that the uses are pointed at. (A sweep used by
        name is the swept sweep: its dict holds the combined points.)"""
        for t in targets:
            if t.kind == "search":
                self.diags.error(
                    "E0701",
                    t.span,
                    feature=f"the search `{t.name}` under `-s PATH in […]`",
                    hint="run the search without a command-line sweep, or add the path as an "
                    "axis of the search",
                )
        renames = {t.name: f"{t.name}#value" for t in targets if t.kind != "sweep"}
        hidden = [
            ir.IrBinding(renames[t.name], t.value, t.span, t.type, hidden=True)
            for t in targets
            if t.kind != "sweep"
        ]
        bindings = [self._rename(b, renames) for b in bindings] + [
            self._rename(b, renames) for b in hidden
        ]
        defs = [self._rename(d, renames) for d in defs]
        out = []
        cli_layers = [self.layer(cli_point.overrides) for cli_point in self.expanded.cli_points]
        for target in targets:
            points = []
            for layer in cli_layers:
                if target.kind == "sweep":
                    for point in target.points:
                        merged = _merge_point(target.name, point, layer)
                        if all(p.name != merged.name for p in points):
                            points.append(merged)
                else:
                    points.append(_merge_point(target.name, None, layer))
            value = (
                self._rename(target.value, renames)
                if target.kind == "sweep"
                else ir.Global(renames[target.name])
            )
            out.append(
                ir.IrTarget(target.name, value, "sweep", target.span, target.type, tuple(points))
            )
        return bindings, defs, out

    def _rename(self, value, renames: dict[str, str]):
        """`value` with `Global` references to the names in `renames` pointed elsewhere."""

        def rename(leaf):
            if isinstance(leaf, ir.Global) and leaf.name in renames:
                return ir.Global(renames[leaf.name])
            return None

        return map_ir(value, rename)

    def _params(self) -> tuple[tuple[str, str], ...]:
        out = []
        for path, site in sorted(self.sites.by_path.items()):
            annotation = python_annotation(site.type)
            if annotation is not None:
                out.append((path, annotation))
        return tuple(out)

    def qualified_decl(self, name: str, info: ModuleInfo) -> str:
        return self._prefixes.get(id(info), "") + name

    def lower_binding(self, decl: n.Binding, info: ModuleInfo, global_: bool, ty=None):
        value = self.expr(decl.value)
        pattern = decl.pattern
        if isinstance(pattern, n.NamePattern):
            name = self.qualified_decl(pattern.name.text, info) if global_ else pattern.name.text
            return [ir.IrBinding(name, value, decl.span, ty)]
        self._hidden += 1
        whole = f"_tuple{self._hidden}"
        if global_:
            whole = self.qualified_decl(whole, info)
        out = [ir.IrBinding(whole, value, decl.span, ty, hidden=True)]
        ref: ir.IrExpr = ir.Global(whole) if global_ else ir.Local(whole)
        out.extend(self._unpack(pattern, ref, info, global_, decl.span))
        return out

    def _unpack(self, pattern: n.TuplePattern, whole: ir.IrExpr, info, global_: bool, span):
        out: list[ir.IrBinding] = []
        for index, item in enumerate(pattern.items):
            part = ir.Unpack(whole, index, len(pattern.items), pattern.span)
            if isinstance(item, n.NamePattern):
                name = self.qualified_decl(item.name.text, info) if global_ else item.name.text
                out.append(ir.IrBinding(name, part, item.span))
            else:
                self._hidden += 1
                inner = f"_tuple{self._hidden}"
                if global_:
                    inner = self.qualified_decl(inner, info)
                out.append(ir.IrBinding(inner, part, item.span, hidden=True))
                ref = ir.Global(inner) if global_ else ir.Local(inner)
                out.extend(self._unpack(item, ref, info, global_, span))
        return out

    def lower_def(self, decl: n.FuncDef, info: ModuleInfo) -> ir.IrDef:
        params = tuple(
            ir.IrParam(p.name.text, self.expr(p.default) if p.default is not None else None)
            for p in decl.params
        )
        body: list[ir.IrBinding] = []
        for stmt in decl.body:
            body.extend(self.lower_binding(stmt, info, global_=False))
        return ir.IrDef(
            self.qualified_decl(decl.name.text, info),
            params,
            tuple(body),
            self.expr(decl.result),
            decl.span,
        )

    # ----------------------------------------------------------------- references

    def ref(self, sym: PyRefSym, revision: str | None = None) -> ir.PyRef:
        key = (id(sym), revision)
        if key in self.refs:
            return self.refs[key]
        target = self.program.pyrefs.resolve(sym)
        module = sym.module_name or (sym.decl.module if sym.decl else "")
        name = sym.py_name
        kind = target.kind if target is not None else "unknown"
        if target is not None and target.definition is not None:
            qualname = getattr(target.definition, "qualname", None)
            if qualname and getattr(target.definition, "module", None) == module:
                name = qualname
        revision = revision or (
            str(sym.decl.revision.value) if sym.decl and sym.decl.revision else None
        )
        fingerprint = ""
        code: tuple[str, ...] = ()
        pins = getattr(self.program, "pins", None)
        pinned = pins.targets.get((id(sym), revision)) if pins and revision else None
        if pinned is not None:
            # The reference as it was at a commit: it runs from the snapshot's module, and
            # its fingerprint is that of the old source (docs/revisions.md "Caching").
            module, kind, name = pinned.run_module, pinned.kind, sym.py_name
            qualname = getattr(pinned.definition, "qualname", None)
            if qualname and getattr(pinned.definition, "module", None) == pinned.module:
                name = qualname
            code = pinned.index.fingerprint(pinned.module, name)
            fingerprint = f"src:{code}" if code else f"rev:{pinned.commit}"
            self.pinned[pinned.run_module] = pinned
        else:
            fingerprint = self.code_fingerprint(module, name, sym.file, kind != "unknown")
            if fingerprint.startswith("src:"):
                code = self.code_parts(module, name, sym.file)
        local = self.qualified(sym)
        taken = {r.local for r in self.refs.values()}
        if local in taken:
            local = f"{local}@{revision}" if revision else local + "_"
        pyref = ir.PyRef(
            local=local,
            module=module,
            name=name,
            kind=kind,
            revision=pinned.commit if pinned is not None else revision,
            impure=bool(sym.item and sym.item.impure),
            fingerprint=fingerprint,
            span=sym.span,
            code=code,
        )
        if pyref.revision is not None and pinned is None:
            self.diags.error("E0702", sym.span, name=sym.name)  # an unresolved revision
        self.refs[key] = pyref
        return pyref

    def code_fingerprint(self, module: str, name: str, file=None, read: bool = True) -> str:
        """The identity of the code of `module.name` in stage keys: `name==version` for an
        installed distribution, `src:<hash>` of the project source (when `read`), else ""."""
        try:
            dist = self.program.index.distribution(module)
        except Exception:  # noqa: BLE001
            dist = None
        if dist:
            return f"{dist[0]}=={dist[1]}"
        code = self.fingerprints.of(module, name, file) if read else ""
        return f"src:{code}" if code else ""

    def code_parts(self, module: str, name: str, file=None) -> tuple[str, ...]:
        """The definitions the fingerprint of `module.name` covers, one by one, as
        `"name file:line hash"` (the file relative to the project root), for `ibc why`."""
        out = []
        for part, path, line, hashed in self.fingerprints.closure(module, name, file):
            where = "?"
            if path is not None:
                try:
                    where = Path(path).resolve().relative_to(self.program.root).as_posix()
                except (ValueError, OSError):
                    where = Path(path).as_posix()
            out.append(f"{part} {where}:{line} {hashed}")
        return tuple(out)

    def class_fingerprint(self, t) -> str:
        """The fingerprint of the class of a method's receiver (its methods' code is part of
        a method stage's key), "" when the type is not a known class."""
        if not isinstance(t, Nominal) or ":" not in t.target:
            return ""
        module, _, qualname = t.target.partition(":")
        return self.code_fingerprint(module, qualname)

    def class_name(self, t) -> str:
        """The name of the class of a method's receiver (`LogisticRegression`), for the label
        of the stage (`LogisticRegression.predict` in `ibc why`, progress and graphs); "" when
        the type is not a known class."""
        if not isinstance(t, Nominal) or ":" not in t.target:
            return ""
        return t.target.partition(":")[2]

    def symbol_value(self, sym: Symbol, at: n.Expr) -> ir.IrExpr:
        if isinstance(sym, LocalSym):
            return ir.Local(sym.name)
        if isinstance(sym, (BindingSym, TargetSym)):
            return ir.Global(self.qualified(sym))
        if isinstance(sym, PyRefSym):
            path = (
                self.qualified(sym)
                if sym.module is not None and sym.module.kind != "prelude"
                else None
            )
            return ir.RefValue(self.ref(sym), path)
        if isinstance(sym, DefSym):
            decl = sym.decl
            assert decl is not None
            params = tuple(p.name.text for p in decl.params)
            body = ir.DefCall(self.qualified(sym), tuple(ir.Local(p) for p in params), (), at.span)
            return ir.LambdaE(params, body, at.span, self._defaults(decl.params))
        raise AssertionError(f"{sym.kind} `{sym.name}` used as a value passed the checker")

    # ----------------------------------------------------------------- expressions

    def expr(self, e: n.Expr) -> ir.IrExpr:
        return getattr(self, "_" + type(e).__name__)(e)

    def _Literal(self, e: n.Literal) -> ir.IrExpr:
        return ir.Lit(e.value)

    def _Var(self, e: n.Var) -> ir.IrExpr:
        sym = self.program.names.symbols.get(id(e))
        if sym is None:
            return ir.Lit(None)
        return self.symbol_value(sym, e)

    def _ListExpr(self, e: n.ListExpr) -> ir.IrExpr:
        return ir.ListE(tuple(self.expr(i) for i in e.items), self.sites.node_paths.get(id(e)))

    def _TupleExpr(self, e: n.TupleExpr) -> ir.IrExpr:
        return ir.TupleE(tuple(self.expr(i) for i in e.items), self.sites.node_paths.get(id(e)))

    def _DictExpr(self, e: n.DictExpr) -> ir.IrExpr:
        return ir.DictE(tuple((self.expr(k), self.expr(v)) for k, v in e.entries))

    def _RecordExpr(self, e: n.RecordExpr) -> ir.IrExpr:
        return ir.RecordE(
            tuple((f.name.text, self.expr(f.value)) for f in e.fields),
            self.sites.node_paths.get(id(e)),
        )

    def _Attribute(self, e: n.Attribute) -> ir.IrExpr:
        member = self.program.names.symbols.get(id(e))
        if member is not None:
            return self.symbol_value(member, e)
        base_type = self.checked.types.get(id(e.value))
        obj = self.expr(e.value)
        if isinstance(base_type, RecordType):
            return ir.FieldE(obj, e.name.text, e.span)
        return ir.AttrE(obj, e.name.text, e.span)

    def _Index(self, e: n.Index) -> ir.IrExpr:
        return ir.IndexE(self.expr(e.value), self.expr(e.index), e.span)

    def _args(self, call: n.Call):
        args = tuple(self.expr(a.value) for a in call.args if a.name is None)
        kwargs = tuple((a.name.text, self.expr(a.value)) for a in call.args if a.name is not None)
        return args, kwargs

    def _Call(self, e: n.Call) -> ir.IrExpr:
        func = e.func
        sym = None
        revision = None
        if isinstance(func, n.Revision):
            revision = str(func.revision.value)
            func = func.value
        if isinstance(func, (n.Var, n.Attribute)):
            sym = self.program.names.symbols.get(id(func))
        if isinstance(func, n.Attribute) and sym is None:
            args, kwargs = self._args(e)
            base_type = self.checked.types.get(id(func.value))
            obj = self.expr(func.value)
            if isinstance(base_type, RecordType):
                return ir.Apply(ir.FieldE(obj, func.name.text, func.span), args, kwargs, e.span)
            return ir.MethodStage(
                obj,
                func.name.text,
                args,
                kwargs,
                e.span,
                self.sites.node_paths.get(id(e)),
                self.class_fingerprint(base_type),
                self.class_name(base_type),
            )
        if isinstance(sym, PyRefSym):
            ref = self.ref(sym, revision)
            args, kwargs = self._args(e)
            if ref.module == PRELUDE_MODULE and ref.name in RESOURCE_FUNCTIONS:
                args = self._resource_path(args)
            return ir.Stage(
                ref,
                args,
                kwargs,
                e.span,
                self.sites.node_paths.get(id(e)),
                self.sites.arg_names.get(id(e), ()),
                self.sites.callee_paths.get(id(e)),
            )
        if isinstance(sym, DefSym):
            args, kwargs = self._args(e)
            return ir.DefCall(
                self.qualified(sym),
                args,
                kwargs,
                e.span,
                self.sites.node_paths.get(id(e)),
                self.sites.arg_names.get(id(e), ()),
            )
        args, kwargs = self._args(e)
        return ir.Apply(self.expr(func), args, kwargs, e.span)

    def _resource_path(self, args: tuple[ir.IrExpr, ...]) -> tuple[ir.IrExpr, ...]:
        """`file("data/x.csv")` names a path relative to the `.ib` file; at run time paths
        resolve against the project root, so rewrite a literal path accordingly."""
        if not args or not isinstance(args[0], ir.Lit) or not isinstance(args[0].value, str):
            return args
        path = args[0].value
        if os.path.isabs(path):
            return args
        absolute = self.module.path.parent / path
        rel = os.path.relpath(absolute, self.program.root)
        return (ir.Lit(Path(rel).as_posix()), *args[1:])

    def _Pipe(self, e: n.Pipe) -> ir.IrExpr:
        call = self.checked.pipes.get(id(e))
        if call is None:  # not checked (an earlier error): call the right-hand side
            return ir.Apply(self.expr(e.func), (self.expr(e.value),), (), e.span)
        return self.expr(call)

    def _Lambda(self, e: n.Lambda) -> ir.IrExpr:
        return ir.LambdaE(
            tuple(p.name.text for p in e.params),
            self.expr(e.body),
            e.span,
            self._defaults(e.params),
        )

    def _defaults(self, params: tuple[n.Param, ...]) -> tuple[ir.IrExpr | None, ...]:
        if all(p.default is None for p in params):
            return ()
        return tuple(self.expr(p.default) if p.default is not None else None for p in params)

    def _IfExpr(self, e: n.IfExpr) -> ir.IrExpr:
        return ir.CondE(self.expr(e.cond), self.expr(e.then), self.expr(e.orelse), e.span)

    def _BinOp(self, e: n.BinOp) -> ir.IrExpr:
        return ir.BinE(e.op, self.expr(e.left), self.expr(e.right), e.span)

    def _UnaryOp(self, e: n.UnaryOp) -> ir.IrExpr:
        return ir.UnE(e.op, self.expr(e.operand), e.span)

    def _BoolOp(self, e: n.BoolOp) -> ir.IrExpr:
        return ir.BoolE(e.op, self.expr(e.left), self.expr(e.right), e.span)

    def _Compare(self, e: n.Compare) -> ir.IrExpr:
        return ir.CmpE(self.expr(e.first), e.ops, tuple(self.expr(r) for r in e.rest), e.span)

    def _With(self, e: n.With) -> ir.IrExpr:
        layer = self.expanded.layers.get(id(e))
        base = self.expr(e.base)
        if not layer:
            return base
        return ir.WithE(base, ir.IrLayer(self.layer(layer)), e.span)

    def _WithBest(self, e: n.WithBest) -> ir.IrExpr:
        sym = self.program.names.symbols.get(id(e.search))
        name = self.qualified(sym)
        return ir.WithBestE(self.expr(e.base), name, e.span)

    def _Revision(self, e: n.Revision) -> ir.IrExpr:
        sym = self.program.names.symbols.get(id(e.value))
        if isinstance(sym, PyRefSym):
            return ir.RefValue(self.ref(sym, str(e.revision.value)))
        return self.expr(e.value)


def map_ir(value, leaf):
    """`value` (IR records, tuples and lists of them) rebuilt bottom-up, each part replaced
    by `leaf(part)` when that is not None. Spans are named tuples: `leaf` sees them whole."""
    replaced = leaf(value)
    if replaced is not None:
        return replaced
    if isinstance(value, Span):
        return value
    if isinstance(value, tuple):
        return tuple(map_ir(item, leaf) for item in value)
    if isinstance(value, list):
        return [map_ir(item, leaf) for item in value]
    if type(value).__module__ == ir.__name__ and is_record(value):
        return type(value)(*(map_ir(getattr(value, f), leaf) for f in fields(value)))
    return value


def lower(expanded: Expanded, diags: Diagnostics, targets=()) -> ir.IrProgram | None:
    """The IR of a checked program (None after errors). A run of named `targets` that reach
    no search leaves the searches out with what depends on them (docs/guide.md,
    "Searches"); otherwise every declaration is lowered, searches as targets of kind
    "search"."""
    from ibc.codegen.searches import refused_searches

    needed, left_out = refused_searches(expanded.checked.program, targets)
    if needed:  # the run needs a search: nothing is left out
        left_out = frozenset()
    return Lowerer(expanded, diags, left_out).lower()


def python_annotation(t) -> str | None:
    """The Python annotation that `-s PATH=LITERAL` checks a literal against, or None when
    no literal can have the type (a model, a function)."""
    from ibc.base import typeterms as T

    if isinstance(t, T.Prim):
        return {"Int": "int", "Float": "float", "Str": "str", "Bool": "bool", "None": "None"}.get(
            t.name
        )
    if isinstance(t, T.AnyType):
        return "typing.Any"
    if isinstance(t, T.LiteralType):  # checked as its values' type, as a binding of it is
        return python_annotation(T.literal_base(t))
    if isinstance(t, T.ListType):
        inner = python_annotation(t.elem)
        return f"list[{inner}]" if inner else None
    if isinstance(t, T.TupleOfType):
        inner = python_annotation(t.elem)
        return f"tuple[{inner}, ...]" if inner else None
    if isinstance(t, T.TupleType):
        items = [python_annotation(i) for i in t.items]
        return f"tuple[{', '.join(items)}]" if items and all(items) else None
    if isinstance(t, T.DictType):
        key, value = python_annotation(t.key), python_annotation(t.value)
        return f"dict[{key}, {value}]" if key and value else None
    if isinstance(t, T.OptionalType):
        inner = python_annotation(t.inner)
        return f"typing.Optional[{inner}]" if inner else None
    return None


def _merge_point(sweep: str, point: ir.IrPoint | None, cli: tuple) -> ir.IrPoint:
    """A point of `sweep` under one point of `ibc run -s 'PATH in …'` (docs/parameters.md,
    "-s and sweeps"): the command line is the outer layer, so where it sets a path that the
    sweep's point sets (or a prefix of it), its value replaces the point's, in the name too
    (`g[x=1.0]` under `-s 'x in [10.0]'` is `g[x=10.0]`); its other paths are added to the
    name. `point` None: a target that was not a sweep. (The runtime names points under the
    `-s` layers the same way: `ibc.runtime.layers.points_under`.)"""
    by_path = {o.path: o for o in cli}
    kept: list[ir.IrOverride] = []
    parts: list[tuple[str, str]] = []
    for o in point.layer.overrides if point is not None else ():
        winner = _set_by(by_path, o.path)
        if winner is None:
            kept.append(o)
            parts.append((o.path, o.label))
        elif (winner, by_path[winner].label) not in parts:
            parts.append((winner, by_path[winner].label))
    for o in cli:
        if (o.path, o.label) not in parts:
            parts.append((o.path, o.label))
    # a version of a history sweep is spelt `@3f2a1bc`: `clean@3f2a1bc` (docs/revisions.md)
    inner = ",".join(path + ("" if text[:1] == "@" else "=") + text for path, text in parts)
    name = sweep + "[" + inner + "]"
    return ir.IrPoint(name, ir.IrLayer(tuple(kept) + tuple(cli)))


def _set_by(paths: dict, path: str) -> str | None:
    """The path of `paths` that is `path` or a prefix of it, the shortest first."""
    for i, char in enumerate(path):
        if char in ".[" and path[:i] in paths:
            return path[:i]
    return path if path in paths else None
