"""Name resolution: every `Var` (and every `module.member`) to the symbol it refers to.

Scopes: a lambda's parameters, then a `def`'s parameters and locals (a local is visible after
the binding that defines it), then the module's top level (every top-level name is visible in
the whole file), then the prelude. Along the way this records which top-level declarations
each declaration uses, so that cycles among bindings (and recursion among `def`s) are found
and declarations can be ordered by dependency.
"""

from __future__ import annotations

from ibc.diagnostics.diagnostic import Diagnostics, Related
from ibc.base.spell import nearest
from ibc.base.records import field, record
from ibc.resolve.symbols import (
    BindingSym,
    DefSym,
    IbModuleSym,
    LocalSym,
    ModuleInfo,
    Symbol,
    TargetSym,
)
from ibc.syntax import nodes as n

Decl = object  # a top-level declaration node: Binding, FuncDef, Experiment, Sweep or Search

# Unknown names that get "did you mean" hints: each hint scans every name in scope, so a file
# of a thousand unknown names took seconds; past this many, the errors come without hints.
MAX_SUGGESTED = 100

# Functions (`fn`) nested deeper than this are refused (E0010): the script target writes each
# function value whose body is more than one step as a Python `def` inside the one around it,
# and Python refuses code indented 100 levels deep (docs/running.md, "Deep programs").
MAX_FN_DEPTH = 64


@record(mutable=True)
class Scope:
    names: dict[str, LocalSym]
    parent: "Scope | None" = None
    # For `def` bodies: local name -> index of the statement that binds it.
    order: dict[str, int] = field(default_factory=dict)
    current: int = -1  # index of the statement being resolved (-1: params/defaults)

    def lookup(self, name: str) -> tuple[LocalSym | None, "Scope | None"]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name], scope
            scope = scope.parent
        return None, None

    def all_names(self) -> list[str]:
        out: list[str] = []
        scope: Scope | None = self
        while scope is not None:
            out.extend(scope.names)
            scope = scope.parent
        return out


@record(mutable=True)
class Resolution:
    """What name resolution hands on: for each `Var` and resolved `Attribute` node (by
    `id`), its symbol; for each top-level declaration, the declarations it uses."""

    symbols: dict[int, Symbol] = field(default_factory=dict)
    uses: dict[int, list[Symbol]] = field(default_factory=dict)  # id(decl) -> used top-level syms
    decl_of: dict[int, tuple[ModuleInfo, Decl]] = field(default_factory=dict)
    order: list[tuple[ModuleInfo, Decl]] = field(default_factory=list)  # dependency order
    locals: dict[int, LocalSym] = field(default_factory=dict)  # id(Param/Binding name node)
    # `history(f, …)` after `in` (docs/revisions.md, "History sweeps"): (module, call, in a
    # search), for `ibc.resolve.history_axis`
    histories: list = field(default_factory=list)


class NameResolver:
    def __init__(self, diags: Diagnostics, prelude: ModuleInfo | None, res: Resolution) -> None:
        self.diags = diags
        self.prelude = prelude
        self.res = res
        self.module: ModuleInfo | None = None
        self.decl_uses: list[Symbol] | None = None
        self.unknown = 0  # unknown names reported so far (near names for the first ones)
        self.fn_depth = 0  # how many `fn` enclose the expression being resolved

    # ----------------------------------------------------------------- modules

    def resolve_module(self, info: ModuleInfo) -> None:
        if info.ast is None:
            return
        self.module = info
        for decl in info.ast.decls:
            if isinstance(decl, (n.Binding, n.FuncDef, n.Experiment, n.Sweep, n.Search)):
                self.decl_uses = []
                self.res.decl_of[id(decl)] = (info, decl)
                if isinstance(decl, n.FuncDef):
                    self._def(decl)
                elif isinstance(decl, n.Search):
                    self._search(decl)
                else:
                    self.expr(decl.value, None)
                self.res.uses[id(decl)] = self.decl_uses
        self.decl_uses = None

    def resolve_expression(self, expr: n.Expr, module: ModuleInfo) -> None:
        """Resolve one expression in a module's top-level scope (a command-line override)."""
        self.module = module
        self.decl_uses = None
        self.expr(expr, None)

    def _def(self, decl: n.FuncDef) -> None:
        scope = Scope({})
        for param in decl.params:
            if param.default is not None:
                self.expr(param.default, None)
            if param.name.text in scope.names:
                self.diags.error(
                    "E0209", param.name.span, name=param.name.text, where=decl.name.text
                )
                continue
            sym = LocalSym(param.name.text, param.name.span, self.module, param, (), decl)
            scope.names[param.name.text] = sym
            self.res.locals[id(param)] = sym
        body = Scope({}, scope)
        for index, stmt in enumerate(decl.body):
            for name, position in n.pattern_names(stmt.pattern):
                if name.text in body.names or name.text in scope.names:
                    self.diags.error("E0209", name.span, name=name.text, where=decl.name.text)
                    continue
                sym = LocalSym(name.text, name.span, self.module, stmt, position, decl)
                body.names[name.text] = sym
                body.order[name.text] = index
                self.res.locals[id(name)] = sym
        for index, stmt in enumerate(decl.body):
            body.current = index
            self.expr(stmt.value, body)
        body.current = len(decl.body)
        self.expr(decl.result, body)

    # ----------------------------------------------------------------- expressions

    def expr(self, e: n.Expr, scope: Scope | None) -> None:
        method = getattr(self, "_" + type(e).__name__, None)
        if method is not None:
            method(e, scope)
            return
        for child in n.children(e):
            if isinstance(child, (n.Name, n.Path)) or _is_type(child):
                continue
            if isinstance(child, (n.Arg, n.Field)):
                self.expr(child.value, scope)
            elif isinstance(child, n.Override):
                self._override(child, scope)
            else:
                self.expr(child, scope)  # type: ignore[arg-type]

    def _Var(self, e: n.Var, scope: Scope | None) -> None:
        sym = self.lookup(e.name, e, scope)
        if sym is not None:
            self.res.symbols[id(e)] = sym

    def _Attribute(self, e: n.Attribute, scope: Scope | None) -> None:
        if isinstance(e.value, n.Var):
            sym = self.lookup(e.value.name, e.value, scope)
            if sym is not None:
                self.res.symbols[id(e.value)] = sym
            if isinstance(sym, IbModuleSym):
                target = sym.target
                if target is None:
                    return
                member = target.values.get(e.name.text)
                if member is None:
                    self.diags.error(
                        "E0210",
                        e.name.span,
                        name=e.name.text,
                        module=sym.name,
                        suggestions=nearest(e.name.text, list(target.values)),
                    )
                    return
                self.res.symbols[id(e)] = member
                self._use(member)
            return
        self.expr(e.value, scope)

    def _Lambda(self, e: n.Lambda, scope: Scope | None) -> None:
        inner = Scope({}, scope)
        for param in e.params:
            if param.default is not None:
                self.expr(param.default, scope)
            if param.name.text in inner.names:
                self.diags.error("E0209", param.name.span, name=param.name.text, where="fn")
                continue
            sym = LocalSym(param.name.text, param.name.span, self.module, param, (), e)
            inner.names[param.name.text] = sym
            self.res.locals[id(param)] = sym
        self.fn_depth += 1
        if self.fn_depth == MAX_FN_DEPTH + 1:
            self.diags.error("E0010", e.span, kind="fn", limit=MAX_FN_DEPTH)
        try:
            self.expr(e.body, inner)
        finally:
            self.fn_depth -= 1

    def _With(self, e: n.With, scope: Scope | None) -> None:
        self.expr(e.base, scope)
        for override in e.overrides:
            self._override(override, scope)

    def _override(self, override: n.Override, scope: Scope | None, search: bool = False) -> None:
        value = override.value
        if override.sweep and n.history_call(value) and not self._binds("history"):
            # a form of the sweep syntax: only its arguments are names
            self.res.histories.append((self.module, value, search))
            for arg in value.args:
                self.expr(arg.value, scope)
            return
        self.expr(value, scope)

    def _binds(self, name: str) -> bool:
        return self.module is not None and name in self.module.values

    def _search(self, decl: n.Search) -> None:
        """A search's names: a space's name (`log_uniform(…)` after `in`) is a form of the
        search syntax, not a name; its arguments are resolved (docs/guide.md, "Searches")."""
        w = decl.value
        if not isinstance(w, n.With):
            self.expr(w, None)
            return
        self.expr(w.base, None)
        for override in w.overrides:
            if override.sweep and n.space_call(override.value) is not None:
                for arg in override.value.args:
                    self.expr(arg.value, None)
            else:
                self._override(override, None, search=True)

    # ----------------------------------------------------------------- lookup

    def lookup(self, name: str, at: n.Var, scope: Scope | None) -> Symbol | None:
        if scope is not None:
            local, owner = scope.lookup(name)
            if local is not None and owner is not None:
                bound_at = owner.order.get(name)
                if bound_at is not None and bound_at >= owner.current:
                    self.diags.error(
                        "E0211",
                        at.span,
                        (Related(local.span, f"`{name}` is bound here"),),
                        name=name,
                    )
                    return None
                return local
        assert self.module is not None
        sym = self.module.values.get(name)
        if sym is None and self.prelude is not None and self.module is not self.prelude:
            sym = self.prelude.values.get(name)
        if sym is None and name == "history":  # the sweep form, written elsewhere
            self.diags.error("E0611", at.span)
            return None
        if sym is None:
            self.unknown += 1
            if self.unknown > MAX_SUGGESTED:  # near names cost a scan of every name each
                self.diags.error("E0201", at.span, name=name, suggestions=[], is_type=False)
                return None
            candidates = list(self.module.values)
            if self.prelude is not None:
                candidates += list(self.prelude.values)
            if scope is not None:
                candidates += scope.all_names()
            hint_type = name in self.module.types or (
                self.prelude is not None and name in self.prelude.types
            )
            self.diags.error(
                "E0201",
                at.span,
                name=name,
                suggestions=nearest(name, candidates),
                is_type=hint_type,
            )
            return None
        self._use(sym)
        return sym

    def _use(self, sym: Symbol) -> None:
        if self.decl_uses is not None and isinstance(sym, (BindingSym, DefSym, TargetSym)):
            self.decl_uses.append(sym)


def _is_type(node: object) -> bool:
    return isinstance(node, (n.TypeName, n.RecordType, n.FuncType, n.TypeEllipsis, n.TypeParam))


# --------------------------------------------------------------------------- ordering


def order_declarations(modules: list[ModuleInfo], res: Resolution, diags: Diagnostics) -> None:
    """Order every top-level declaration after the ones it uses (Tarjan's algorithm), and
    report each cycle once: a cycle among bindings (E0203), recursion among `def`s (E0204)."""
    decls: list[tuple[ModuleInfo, object]] = []
    for info in modules:
        if info.ast is None:
            continue
        for decl in info.ast.decls:
            if id(decl) in res.uses:
                decls.append((info, decl))

    def decl_id(sym: Symbol) -> int | None:
        decl = getattr(sym, "decl", None)
        return id(decl) if decl is not None and id(decl) in res.uses else None

    index_of: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    counter = 0
    by_id = {id(d): (info, d) for info, d in decls}

    def edges(node: int) -> list[int]:
        out = []
        for sym in res.uses.get(node, []):
            target = decl_id(sym)
            if target is not None:
                out.append(target)
        return out

    def strongconnect(root: int) -> None:
        nonlocal counter
        work = [(root, iter(edges(root)))]
        index_of[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for target in it:
                if target not in index_of:
                    index_of[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges(target))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index_of[target])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == node:
                        break
                cyclic = len(component) > 1 or node in edges(node)
                if cyclic:
                    _report_cycle([by_id[c] for c in reversed(component)], res, diags)
                else:
                    res.order.append(by_id[node])

    for _, decl in decls:
        if id(decl) not in index_of:
            strongconnect(id(decl))


def _report_cycle(members: list[tuple[ModuleInfo, object]], res: Resolution, diags: Diagnostics):
    names = []
    for _, decl in members:
        names.append(_decl_name(decl))
    first_info, first = members[0]
    span = _decl_span(first)
    chain = " -> ".join([*names, names[0]])
    if all(isinstance(d, n.FuncDef) for _, d in members):
        diags.error("E0204", span, names=names, chain=chain)
    else:
        related = tuple(
            Related(_decl_span(d), f"`{_decl_name(d)}` is part of the cycle")
            for _, d in members[1:]
        )
        diags.error("E0203", span, related, names=names, chain=chain)


def _decl_name(decl) -> str:
    if isinstance(decl, n.Binding):
        return ", ".join(name.text for name, _ in n.pattern_names(decl.pattern))
    return decl.name.text


def _decl_span(decl):
    if isinstance(decl, n.Binding):
        return decl.pattern.span
    return decl.name.span
