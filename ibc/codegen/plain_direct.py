"""The *direct* form of the `plain` target: a program as the Python a careful person writes.

Used for every program that needs no late binding (docs/running.md, "The plain target"):
its `with`s and sweep points are spelled out by `plain_spell`. Top to bottom:

    test_size = 0.25                     # literal bindings: the named parameters
    seed = 0

    def evaluate(model):                 # a function per `def`
        ...

    <copied prelude and support functions, the tables>

    if __name__ == "__main__":
        with _IbcRun(sys.argv[1:]) as experiment:
            X, y = load_breast_cancer(return_X_y=True)       # one statement per binding
            model = LogisticRegression(C=1.0, max_iter=500)
            baseline = experiment("baseline", lambda: evaluate(model))
            grid = experiment.sweep("grid", {"grid[C=0.1]": lambda: evaluate(…), …})

`_IbcRun` (`ibc/runtime/standalone.py`) reads the command line before any call runs: `-s` on
a named parameter replaces its module-level value; `-s` on any other parameter (an argument
of a call, a signature default, an element of a literal, a computed binding) is written into
the program's code, which then runs re-parsed (`_IBC_PATHS` says which call or literal has
which parameter path). Bindings run in order, as in a Python script; an experiment runs only
when asked for (or read by one asked for), and a failing experiment does not stop the others.
Each target comes right after the bindings it needs, so a binding that fails stops only what
follows it.
"""

from __future__ import annotations

import ast

from ibc.codegen import ir
from ibc.codegen.plain import _assign, _attr, _call, _Emitter, _header, _is_constant, _name
from ibc.codegen.names import arguments
from ibc.codegen.plain_layers import walk_ir
from ibc.codegen.plain_spell import fixed_paths, spell_program

RUNNER = "experiment"  # the `with … as experiment:` name; `experiment` is a `.ib` keyword


def emit_direct(program: ir.IrProgram, out_path) -> str:
    return _Direct(program, out_path).emit()


def _reads(node: object) -> set[str]:
    return {n.name for n in walk_ir(node) if isinstance(n, ir.Global)}


class _Direct(_Emitter):
    def __init__(self, program: ir.IrProgram, out_path) -> None:
        super().__init__(program, out_path)
        self.layered = False
        self.namer.reserve(RUNNER)
        self.global_names.add(RUNNER)
        self.paths: dict[int, tuple[str, ...]] = {}  # id(ast node) -> (path, arg names…)

    # -- expressions: a binding is a module-level value --------------------------------------

    def _expr_Global(self, e: ir.Global, scope) -> ast.expr:
        if e.name not in self.binding_names:
            raise ValueError(f"plain target: unknown binding `{e.name}`")
        return _name(self.binding_names[e.name])

    def _with_path(self, node: ast.AST, path: str | None, names=()) -> ast.AST:
        if path is not None:
            self.paths[id(node)] = (path, *(n or "" for n in names))
            self.where_nodes.append(node)
        return node

    def _expr_Stage(self, e: ir.Stage, scope) -> ast.expr:
        return self._with_path(super()._expr_Stage(e, scope), e.path, e.arg_names[: len(e.args)])

    def _expr_DefCall(self, e: ir.DefCall, scope) -> ast.expr:
        node = super()._expr_DefCall(e, scope)
        return self._with_path(node, e.path, e.arg_names[: len(e.args)])

    def _expr_MethodStage(self, e: ir.MethodStage, scope) -> ast.expr:
        return self._with_path(super()._expr_MethodStage(e, scope), e.path)

    def _expr_ListE(self, e: ir.ListE, scope) -> ast.expr:
        return self._with_path(super()._expr_ListE(e, scope), e.path)

    def _expr_TupleE(self, e: ir.TupleE, scope) -> ast.expr:
        return self._with_path(super()._expr_TupleE(e, scope), e.path)

    def _expr_RecordE(self, e: ir.RecordE, scope) -> ast.expr:
        return self._with_path(super()._expr_RecordE(e, scope), e.path)

    # -- statements ----------------------------------------------------------------------

    def statements(
        self, bindings, name_of, read_whole, scope: dict[str, str]
    ) -> list[tuple[ast.stmt, list[str]]]:
        """`(statement, the .ib names it binds)` for `bindings` in order: `name = value`, and
        a destructuring (a hidden whole and one `Unpack` per name) as one tuple assignment
        `a, (b, c) = value` when the whole is read by its `Unpack`s alone. `scope` (the
        locals of a def) gains each name as it is bound."""
        unpacks: dict[str, list[ir.IrBinding]] = {}
        for b in bindings:
            v = b.value
            if isinstance(v, ir.Unpack) and isinstance(v.value, (ir.Global, ir.Local)):
                unpacks.setdefault(v.value.name, []).append(b)
        uses: dict[str, int] = {}
        for b in bindings:
            for node in walk_ir(b.value):
                if isinstance(node, (ir.Global, ir.Local)):
                    uses[node.name] = uses.get(node.name, 0) + 1
        if read_whole is not None:
            for name in read_whole:
                uses[name] = uses.get(name, 0) + 1

        def pattern(whole: str) -> tuple[ast.expr, list[str]] | None:
            parts = sorted(unpacks.get(whole, ()), key=lambda b: b.value.index)
            if not parts or [p.value.index for p in parts] != list(range(parts[0].value.length)):
                return None
            if uses.get(whole, 0) != len(parts):
                return None
            elts, names = [], []
            for part in parts:
                inner = pattern(part.name) if part.hidden else None
                if part.hidden and inner is None:
                    return None
                if inner is not None:
                    elts.append(inner[0])
                    names += inner[1]
                else:
                    elts.append(ast.Name(id=name_of(part.name), ctx=ast.Store()))
                names.append(part.name)
            return ast.Tuple(elts=elts, ctx=ast.Store()), names

        out: list[tuple[ast.stmt, list[str]]] = []
        done: set[str] = set()
        for b in bindings:
            if b.name in done:
                continue
            found = pattern(b.name) if b.hidden else None
            value = self.expr(b.value, scope)
            if found is not None:
                target, names = found
                done.update(names)
                out.append((ast.Assign(targets=[target], value=value), [b.name, *names]))
            else:
                out.append((_assign(name_of(b.name), value), [b.name]))
            scope.update({n: name_of(n) for n in out[-1][1]})
        return out

    def _def(self, d: ir.IrDef) -> ast.FunctionDef:
        """A function per `def`; its body's destructurings are tuple assignments."""
        func = super()._def(d)
        if not any(b.hidden for b in d.body):
            return func
        namer = self.def_namers[d.name]
        scope = dict(self.def_params[d.name])
        names = {b.name: namer.name(b.name) for b in d.body}
        body = func.body[: len(func.body) - len(d.body) - 1]
        for statement, _ in self.statements(
            d.body, names.__getitem__, _reads_locals(d.result), scope
        ):
            body.append(statement)
        body.append(ast.Return(value=self.expr(d.result, scope)))
        func.body = body
        return func

    def _run_body(self, units) -> list[ast.stmt]:
        """The statements of the run, each target right after the bindings it needs."""
        program = self.program
        by_name: dict[str, int] = {}
        for i, (_, bound, _reads_) in enumerate(units):
            for name in bound:
                by_name[name] = i
        emitted: set[int] = set()
        out: list[ast.stmt] = []

        def emit(i: int, stack=()) -> None:
            if i in emitted or i in stack:
                return
            for name in sorted(units[i][2], key=lambda n: by_name.get(n, -1)):
                if name in by_name:
                    emit(by_name[name], (*stack, i))
            emitted.add(i)
            out.append(units[i][0])

        for t in program.targets:
            emit(by_name[t.name])
        for i in range(len(units)):
            emit(i)
        return out

    def _def_reads(self) -> dict[str, set[str]]:
        """The top-level names each def reads, through the defs it calls too."""
        direct = {
            d.name: (
                _reads((d.params, d.body, d.result)),
                _defs_called((d.params, d.body, d.result)),
            )
            for d in self.program.defs
        }
        out: dict[str, set[str]] = {}

        def reach(name: str, seen: set[str]) -> set[str]:
            if name in out:
                return out[name]
            globals_, calls = direct.get(name, (set(), set()))
            found = set(globals_)
            for other in calls - seen:
                found |= reach(other, seen | {name})
            out[name] = found
            return found

        for d in self.program.defs:
            reach(d.name, set())
        return out

    def emit(self) -> str:
        program = self.program
        refs, prelude = self._plan_names()
        self.plan_module(prelude)
        constant = [b for b in program.bindings if not b.hidden and _is_constant(b.value)]
        constant_names = {b.name for b in constant}
        computed = [b for b in program.bindings if b.name not in constant_names]
        def_reads = self._def_reads()

        def needs(node: object) -> set[str]:
            found = _reads(node)
            for called in _defs_called(node):
                found |= def_reads.get(called, set())
            return found - constant_names

        params = [_assign(self.binding_names[b.name], self.expr(b.value, {})) for b in constant]
        defs = [self._def(d) for d in program.defs]
        units = []
        values = {b.name: b.value for b in computed}
        named = self.binding_names.__getitem__
        for statement, bound in self.statements(computed, named, None, {}):
            units.append((statement, bound, set().union(*(needs(values[n]) for n in bound))))
        spelled, points = spell_program(program)
        for t in program.targets:
            if t.name in points:  # `experiment.sweep("grid", {"grid[C=0.1]": lambda: …, …})`
                table = ast.Dict(
                    keys=[ast.Constant(value=name) for name, _ in points[t.name]],
                    values=[
                        ast.Lambda(args=arguments([]), body=self.expr(value, {}))
                        for _, value in points[t.name]
                    ],
                )
                run = _call(_attr(_name(RUNNER), "sweep"), [ast.Constant(value=t.name), table])
                reads = set().union(*(needs(v) for _, v in points[t.name]))
            else:
                thunk = ast.Lambda(args=arguments([]), body=self.expr(spelled[t.name], {}))
                run = _call(_name(RUNNER), [ast.Constant(value=t.name), thunk])
                reads = needs(spelled[t.name])
            units.append((_assign(self.binding_names[t.name], run), [t.name], reads))
        run_body = self._run_body(units)

        uses_unpack = any(
            isinstance(n, ast.Name) and n.id == "_ibc_unpack"
            for part in (*defs, *run_body)
            for n in ast.walk(part)
        )
        # without parameters, `-s` is refused before the checker or the re-spelling is needed
        omit = () if program.params else ("check_set", "_ibc_respell")
        omit += () if fixed_paths(program) else ("_ibc_refused",)
        support = self.copy_support(["_ibc_unpack"] * uses_unpack + ["_IbcRun"], omit)
        body: list[ast.stmt] = [ast.Import(names=[ast.alias(name=m)]) for m in ("os", "sys")]
        body += self._root_setup() + self._pinned_setup() + self._imports(refs)
        if self.needs_missing:
            body.append(_assign("_IBC_MISSING", _call(_name("object"))))
        body += params + defs + self.prelude_funcs + support
        module = ast.Module(body=[*body, _guard(run_body)], type_ignores=[])
        where, paths = self.index(module)
        # the tables, data for the support code, once the nodes they index are counted
        tables = self._tables(units, points, constant, paths)
        module.body[-1:-1] = [*tables, _assign("_IBC_WHERE", where)]
        ast.fix_missing_locations(module)
        return _header(program) + ast.unparse(module) + "\n"

    def _tables(self, units, points, constant, paths) -> list[ast.stmt]:
        """`_IBC_TARGETS`, `_IBC_POINTS`, `_IBC_BINDINGS`, `_IBC_RENAMED`, `_IBC_NAMED`,
        `_IBC_FIXED`, `_IBC_PARAMS`, `_IBC_NEEDS` and `_IBC_PATHS` (those that are not empty
        where the support reads them with a default)."""
        program = self.program
        target_names = {t.name for t in program.targets}
        binding_names = [b.name for b in program.bindings if not b.hidden]
        renamed = {
            n: self.binding_names[n]
            for n in [*binding_names, *target_names]
            if self.binding_names[n] != n
        }
        params = dict(program.params)
        needs = self._needs_table(units, target_names)
        fixed = fixed_paths(program)
        out = [_assign("_IBC_TARGETS", _str_tuple(t.name for t in program.targets))]
        if points:
            # each point: its name, and the text each of its axes states (to name it after
            # the `-s` values that replace an axis, as the script target does)
            axes = {
                p.name: {o.path: o.label for o in p.layer.overrides}
                for t in program.targets
                for p in t.points
            }
            keys = [ast.Constant(value=name) for name in points]
            values = [
                ast.Tuple(
                    elts=[
                        ast.Tuple(
                            elts=[ast.Constant(value=p), _str_dict(axes.get(p, {}))],
                            ctx=ast.Load(),
                        )
                        for p, _ in ps
                    ],
                    ctx=ast.Load(),
                )
                for ps in points.values()
            ]
            out.append(_assign("_IBC_POINTS", ast.Dict(keys=keys, values=values)))
        out.append(_assign("_IBC_BINDINGS", _str_tuple(binding_names)))
        if renamed:
            out.append(_assign("_IBC_RENAMED", _str_dict(renamed)))
        named = [b.name for b in constant if b.name in params]
        out.append(_assign("_IBC_NAMED", _str_tuple(named)))
        if fixed:
            out.append(_assign("_IBC_FIXED", _str_tuple(fixed)))
        out.append(_assign("_IBC_PARAMS", _str_dict(params)))
        if needs:
            keys = [ast.Constant(value=k) for k in needs]
            values = [_str_tuple(v) for v in needs.values()]
            out.append(_assign("_IBC_NEEDS", ast.Dict(keys=keys, values=values)))
        keys = [ast.Constant(value=i) for i in paths]
        values = [_str_tuple(v) for v in paths.values()]
        out.append(_assign("_IBC_PATHS", ast.Dict(keys=keys, values=values)))
        return out

    def _needs_table(self, units, target_names) -> dict[str, tuple[str, ...]]:
        """`{target: targets it reads, directly or through bindings}`, for the targets that
        read some; `"*"` holds the targets that bindings read (they always run)."""
        reads_of = {}
        for _, bound, reads in units:
            for name in bound:
                reads_of[name] = reads

        def closure(name: str, seen: set[str]) -> set[str]:
            out: set[str] = set()
            for other in reads_of.get(name, ()):
                if other in seen:
                    continue
                seen.add(other)
                if other in target_names:
                    out.add(other)
                out |= closure(other, seen)
            return out

        table: dict[str, tuple[str, ...]] = {}
        for t in self.program.targets:
            found = closure(t.name, {t.name})
            if found:
                table[t.name] = tuple(n for n in reads_of if n in found)
        always: set[str] = set()
        for _, bound, reads in units:
            if not any(n in target_names for n in bound):
                always |= closure(bound[0], set(bound))
        if always:
            table["*"] = tuple(t.name for t in self.program.targets if t.name in always)
        return table


def _guard(run_body: list[ast.stmt]) -> ast.If:
    """`if __name__ == "__main__": with _IbcRun(sys.argv[1:]) as experiment: <run_body>`."""
    argv = ast.Subscript(
        value=_attr(_name("sys"), "argv"),
        slice=ast.Slice(lower=ast.Constant(value=1)),
        ctx=ast.Load(),
    )
    run = ast.With(
        items=[
            ast.withitem(
                context_expr=_call(_name("_IbcRun"), [argv]),
                optional_vars=ast.Name(id=RUNNER, ctx=ast.Store()),
            )
        ],
        body=run_body or [ast.Pass()],
    )
    main = ast.Compare(
        left=_name("__name__"), ops=[ast.Eq()], comparators=[ast.Constant(value="__main__")]
    )
    return ast.If(test=main, body=[run], orelse=[])


def _defs_called(node: object) -> set[str]:
    return {n.name for n in walk_ir(node) if isinstance(n, ir.DefCall)}


def _reads_locals(node: object) -> set[str]:
    return {n.name for n in walk_ir(node) if isinstance(n, ir.Local)}


def _str_tuple(items) -> ast.Tuple:
    return ast.Tuple(elts=[ast.Constant(value=i) for i in items], ctx=ast.Load())


def _str_dict(entries: dict[str, str]) -> ast.Dict:
    return ast.Dict(
        keys=[ast.Constant(value=k) for k in entries],
        values=[ast.Constant(value=v) for v in entries.values()],
    )
