"""Variants and sweep points spelled out, for the direct form of the `plain` target.

`baseline with { model = RandomForestClassifier(n_estimators = 200) }`, where `baseline =
evaluate(model)`, needs no late binding: the overridden name is read by the expression under
the `with` (through top-level bindings it reads), never from inside a `def`. Then the
variant is that expression with the overrides written in, `evaluate(RandomForestClassifier(
n_estimators=200))`, and a sweep point likewise (docs/running.md, "The plain target").

`spell_program` gives, for every target, its value with each `with` spelled out, and for
every sweep one expression per point; or raises `Late` when some override is read from
inside a `def` (a def-internal path, or a top-level binding a def reads), sets a named
parameter (a literal binding, which `-s` must still win over), or a `with` is nested in an
override: those programs keep the layered form (`plain_layers`).
"""

from __future__ import annotations

from ibc.codegen import ir
from ibc.codegen.lower import map_ir
from ibc.codegen.plain import _is_constant
from ibc.codegen.plain_layers import walk_ir
from ibc.base.records import fields


def replace(node, **changes):
    """`node` with some fields changed (`ibc.base.records.replace` takes `obj` itself)."""
    return type(node)(*(changes.get(f, getattr(node, f)) for f in fields(node)))


class Late(Exception):
    """The program needs late binding: the layered form."""


def _lookups(node: object) -> set[str]:
    """The parameter paths the code of `node` looks up itself (not through what it reads)."""
    out: set[str] = set()
    for sub in walk_ir(node):
        if isinstance(sub, ir.Stage):
            out.update(p for p in (sub.path, sub.callee_path) if p is not None)
        elif isinstance(sub, (ir.MethodStage, ir.DefCall, ir.RefValue, ir.ListE, ir.TupleE)):
            if sub.path is not None:
                out.add(sub.path)
        elif isinstance(sub, ir.RecordE) and sub.path is not None:
            out.add(sub.path)
        elif isinstance(sub, ir.Global):
            out.add(sub.name)
    return out


def _under(path: str, lookup: str) -> bool:
    return path == lookup or path.startswith((lookup + ".", lookup + "["))


class _Speller:
    def __init__(self, program: ir.IrProgram) -> None:
        self.values = {b.name: b.value for b in program.bindings}
        self.values.update({t.name: t.value for t in program.targets if not t.points})
        self.sweeps = {t.name for t in program.targets if t.kind == "sweep" or t.points}
        self.defs = {d.name: d for d in program.defs}
        self.named = {b.name for b in program.bindings if not b.hidden and _is_constant(b.value)}
        self._reach: dict[str, set[str]] = {}

    def reach(self, name: str) -> set[str]:
        """Every path a binding, target or def (`def:NAME`) looks up, through what it reads."""
        if name in self._reach:
            return self._reach[name]
        self._reach[name] = set()  # no recursion in the language; guards a cycle anyway
        if name.startswith("def:"):
            d = self.defs[name[4:]]
            node: object = (d.params, d.body, d.result)
        else:
            node = self.values.get(name)
        found = _lookups(node)
        for sub in walk_ir(node):
            if isinstance(sub, ir.Global):
                found |= self.reach(sub.name)
            elif isinstance(sub, ir.DefCall):
                found |= self.reach("def:" + sub.name)
        self._reach[name] = found
        return found

    def touches(self, paths: set[str], reached: set[str]) -> bool:
        return any(_under(p, lookup) for p in paths for lookup in reached)

    def spell(self, e: ir.IrExpr, layer: dict[str, ir.IrExpr]) -> ir.IrExpr:
        """`e` evaluated under `layer` (path -> value), as an expression without `with`."""
        paths = set(layer)

        def leaf(node):
            if isinstance(node, ir.WithE):
                raise Late
            if isinstance(node, ir.Global):
                name = node.name
                if name in layer:
                    if name in self.named:
                        raise Late
                    return layer[name]
                if not self.touches(paths, self.reach(name) | {name}):
                    return node
                if name in self.sweeps or name not in self.values:
                    raise Late
                return self.spell(self.values[name], layer)
            if isinstance(node, ir.DefCall):
                if self.touches(paths, self.reach("def:" + node.name)):
                    raise Late
                return self._call(node, layer)
            if isinstance(node, ir.Stage):
                if node.callee_path is not None and node.callee_path in layer:
                    func = layer[node.callee_path]
                    called = self._call(replace(node, callee_path=None), layer)
                    return ir.Apply(func, called.args, called.kwargs, node.span)
                return self._call(node, layer)
            if isinstance(node, ir.MethodStage) and node.path is not None:
                kwargs = tuple((k, self.pick(f"{node.path}.{k}", v, layer)) for k, v in node.kwargs)
                args = tuple(self.spell(a, layer) for a in node.args)
                return replace(node, obj=self.spell(node.obj, layer), args=args, kwargs=kwargs)
            if isinstance(node, ir.RefValue) and node.path in layer:
                return layer[node.path]
            if isinstance(node, (ir.ListE, ir.TupleE)) and node.path is not None:
                items = tuple(
                    self.pick(f"{node.path}[{i}]", item, layer) for i, item in enumerate(node.items)
                )
                return replace(node, items=items)
            if isinstance(node, ir.RecordE) and node.path is not None:
                fields = tuple((k, self.pick(f"{node.path}.{k}", v, layer)) for k, v in node.fields)
                return replace(node, fields=fields)
            return None

        return map_ir(e, leaf)

    def pick(self, path: str, e: ir.IrExpr, layer: dict[str, ir.IrExpr]) -> ir.IrExpr:
        """The override at `path`, else `e` spelled."""
        return layer[path] if path in layer else self.spell(e, layer)

    def _call(self, node, layer):
        """A `Stage` or `DefCall` with the overrides of its arguments written in; an
        overridden parameter it does not write becomes a keyword argument."""
        path = node.path
        args = []
        for i, arg in enumerate(node.args):
            name = node.arg_names[i] if i < len(node.arg_names) else None
            key = f"{path}.{name}" if path is not None and name else None
            args.append(layer[key] if key in layer else self.spell(arg, layer))
        kwargs = []
        for k, v in node.kwargs:
            key = f"{path}.{k}" if path is not None else None
            kwargs.append((k, layer[key] if key in layer else self.spell(v, layer)))
        if path is not None:
            written = {k for k, _ in node.kwargs} | {n for n in node.arg_names if n}
            for full, value in layer.items():
                rest = full[len(path) + 1 :]
                if full.startswith(path + ".") and rest.isidentifier() and rest not in written:
                    kwargs.append((rest, value))
        return replace(node, args=tuple(args), kwargs=tuple(kwargs))


def fixed_paths(program: ir.IrProgram) -> list[str]:
    """The paths the `with`s and sweep points of `program` set: spelled out, `-s` cannot
    reach them in the direct form (the program refuses such an `-s`)."""
    found: dict[str, None] = {}
    for node in walk_ir(program.targets):
        if isinstance(node, ir.WithE):
            found.update((o.path, None) for o in node.layer.overrides)
    for t in program.targets:
        for p in t.points:
            found.update((o.path, None) for o in p.layer.overrides)
    return list(found)


def spell_program(program: ir.IrProgram) -> tuple[dict[str, ir.IrExpr], dict[str, list]]:
    """`({target: value without with}, {sweep: [(point name, value), …]})`; raises `Late`."""
    if program.overrides is not None:
        raise Late
    speller = _Speller(program)
    for node in walk_ir((program.bindings, program.defs)):
        if isinstance(node, ir.WithE):
            raise Late  # a `with` outside a target's own expression
    values: dict[str, ir.IrExpr] = {}
    points: dict[str, list] = {}

    def top(e: ir.IrExpr) -> ir.IrExpr:
        def leaf(node):
            if isinstance(node, ir.WithE):
                if any(isinstance(n, ir.WithE) for n in walk_ir(node.layer)):
                    raise Late
                layer = {o.path: o.value for o in node.layer.overrides}
                return speller.spell(top(node.base), layer)
            return None

        return map_ir(e, leaf)

    for t in program.targets:
        if t.name in speller.sweeps:
            if any(isinstance(n, ir.WithE) for n in walk_ir(t.value)):
                raise Late
            points[t.name] = [
                (p.name, speller.spell(t.value, {o.path: o.value for o in p.layer.overrides}))
                for p in t.points
            ]
        else:
            values[t.name] = top(t.value)
            speller.values[t.name] = values[t.name]  # what later variants of it spell
            speller._reach.clear()
    return values, points
