"""Parameter paths (docs/parameters.md §1): every place of a program that an override can address.

Every top-level binding is a parameter, by its name. Every argument of a call that a binding
is bound to is a parameter, `binding.argument`, nested through calls (`clf.model.C`):
positional arguments by the name the callee's signature gives them, `*args` elements by
index (`split.arrays[1]`), keyword parameters the call does not write by their name (with the
signature's default). Elements of list and tuple literals are `path[i]`, fields of record
literals `path.field`. Inside a `def`, the call bound to the local `b` is `f.b` (`f.return`
for the returned call), shared by every call of `f`. The names a file imports from Python are
parameters too (an override swaps the function). A path stops at a reference to another
name, an operator, a conditional, a lambda, an index, and a callee whose signature is unknown.

`collect` walks the checked program once and hands on a `Sites` table: each path's `Site`,
and for lowering the path of each call and literal node.
"""

from __future__ import annotations

from ibc.base.records import field, record
from ibc.resolve.symbols import ModuleInfo, PyRefSym
from ibc.syntax import nodes as n
from ibc.base.spans import Span
from ibc.types.check import Checked
from ibc.base.typeterms import (
    ANY,
    KEYWORD_ONLY,
    POSITIONAL,
    POSITIONAL_ONLY,
    FuncType,
    Type,
    free_vars,
)

BINDING = "binding"
ARGUMENT = "argument"
DEFAULT = "default"
ELEMENT = "element"
FIELD = "field"
FUNCTION = "function"


@record
class Site:
    """One parameter. `node` is the expression that sets it (None for a signature default);
    `text` its source text (or the default's); `owner` the top-level declaration it belongs
    to (for reachability); `where` says where it is set, for listings."""

    path: str
    kind: str
    type: Type
    node: object
    text: str
    span: Span | None
    where: str
    owner: object = field(compare=False, repr=False)
    alias: bool = False  # a second name of a destructuring: same site, not listed twice


@record(mutable=True)
class Sites:
    by_path: dict = field(default_factory=dict)  # path -> Site
    node_paths: dict = field(default_factory=dict)  # id(call or literal node) -> path
    arg_names: dict = field(default_factory=dict)  # id(call) -> names of positional arguments
    callee_paths: dict = field(default_factory=dict)  # id(call) -> path of a swappable callee
    ref_paths: dict = field(default_factory=dict)  # id(Var of an imported name) -> its path


class Collector:
    def __init__(self, checked: Checked) -> None:
        self.checked = checked
        self.program = checked.program
        self.sites = Sites()
        self.module: ModuleInfo = self.program.main
        self.prefix = ""
        self.owner: object = None
        self.alias = False

    def collect(self, prefixes: dict[int, str]) -> Sites:
        for info in self.program.modules:
            if info.ast is None or info.kind == "prelude":
                continue
            self.module = info
            self.prefix = prefixes.get(id(info), "")
            for decl in info.ast.decls:
                self.owner = decl
                self._decl(decl)
        return self.sites

    # ----------------------------------------------------------------- declarations

    def _decl(self, decl) -> None:
        checked = self.checked
        if isinstance(decl, n.PyImport):
            for item in decl.items:
                sym = self.module.values.get(item.local.text)
                if isinstance(sym, PyRefSym) and sym.item is item:
                    self.owner = item  # reached when this name is used, not its neighbours
                    t = checked.env.ref_type(sym)
                    path = self.prefix + item.local.text
                    text = f"{decl.module}:{item.name.text}" if not decl.is_path else item.name.text
                    self._site(path, FUNCTION, t, None, text, item.span)
        elif isinstance(decl, n.Binding):
            t = checked.decl_types.get(id(decl), ANY)
            names = list(n.pattern_names(decl.pattern))
            for name, position in names:
                element = t
                for index in position:
                    from ibc.types.check import _element

                    element = _element(element, index)
                path = self.prefix + name.text
                self._site(path, BINDING, element, decl.value, self._text(decl.value), name.span)
            for name, _ in names:
                self.alias = name is not names[0][0]
                self.walk(decl.value, self.prefix + name.text, record_node=not self.alias)
            self.alias = False
        elif isinstance(decl, (n.Experiment, n.Sweep)):
            t = checked.decl_types.get(id(decl), ANY)
            path = self.prefix + decl.name.text
            self._site(path, BINDING, t, decl.value, self._text(decl.value), decl.name.span)
            self.walk(decl.value, path)
        elif isinstance(decl, n.FuncDef):
            base = self.prefix + decl.name.text
            for stmt in decl.body:
                names = list(n.pattern_names(stmt.pattern))
                for name, _ in names:
                    self.walk(stmt.value, f"{base}.{name.text}", record_node=name is names[0][0])
            self.walk(decl.result, f"{base}.return")

    # ----------------------------------------------------------------- expressions

    def walk(self, e, path: str, record_node: bool = True) -> None:
        if isinstance(e, n.Pipe):
            call = self.checked.pipes.get(id(e))
            if call is not None:
                self.walk(call, path, record_node)
            return
        if isinstance(e, n.Call):
            self._call(e, path, record_node)
        elif isinstance(e, (n.ListExpr, n.TupleExpr)):
            if record_node:
                self.sites.node_paths[id(e)] = path
            for index, item in enumerate(e.items):
                sub = f"{path}[{index}]"
                self._site(sub, ELEMENT, self._type(item), item, self._text(item), item.span)
                self.walk(item, sub, record_node)
        elif isinstance(e, n.RecordExpr):
            if record_node:
                self.sites.node_paths[id(e)] = path
            for f in e.fields:
                sub = f"{path}.{f.name.text}"
                self._site(sub, FIELD, self._type(f.value), f.value, self._text(f.value), f.span)
                self.walk(f.value, sub, record_node)

    def _call(self, e: n.Call, path: str, record_node: bool) -> None:
        func = e.func
        if isinstance(func, n.Revision):
            func = func.value
        ftype = self.checked.types.get(id(func))
        match = self.checked.calls.get(id(e))
        if not isinstance(ftype, FuncType) or match is None:
            return  # an unknown signature: the path stops here
        if isinstance(func, n.Lambda):
            return  # a lambda applied where it is written has no parameters of its own
        if record_node:
            self.sites.node_paths[id(e)] = path
            self.sites.arg_names[id(e)] = tuple(
                name for arg, name in zip(e.args, match.params) if arg.name is None
            )
            callee = self.program.names.symbols.get(id(func))
            if isinstance(callee, PyRefSym) and callee.module is self.module:
                self.sites.callee_paths[id(e)] = self.prefix + callee.name
        params = {p.name: p for p in ftype.params if p.name}
        given: set[str] = set()
        fname = ftype.name or _callee_text(func)
        for arg, name in zip(e.args, match.params):
            if name is None:
                continue
            given.add(name.partition("[")[0])
            sub = f"{path}.{name}"
            param = params.get(name.partition("[")[0])
            t = param.type if param is not None else ANY
            if t == ANY or free_vars(t):  # a generic parameter: the type the argument has
                t = self._type(arg.value)
            self._site(sub, ARGUMENT, t, arg.value, self._text(arg.value), arg.value.span)
            self.walk(arg.value, sub, record_node)
        for p in ftype.params:
            if p.name and p.name not in given and p.has_default:
                if p.kind in (POSITIONAL, KEYWORD_ONLY, POSITIONAL_ONLY):
                    sub = f"{path}.{p.name}"
                    text = p.default if p.default is not None else "…"
                    self._site(sub, DEFAULT, p.type, None, text, None, f"default of {fname}")

    # ----------------------------------------------------------------- helpers

    def _site(self, path, kind, t, node, text, span, where: str | None = None) -> None:
        if path in self.sites.by_path:
            return  # the second name of a destructuring addresses the same site
        where = where or (str(span) if span is not None else "")
        self.sites.by_path[path] = Site(
            path, kind, t, node, text, span, where, self.owner, self.alias
        )

    def _type(self, e) -> Type:
        return self.checked.types.get(id(e), ANY)

    def _text(self, e) -> str:
        span = e.span
        text = self.module.source.text[span.start : span.end]
        return " ".join(text.split())


def _callee_text(func) -> str:
    if isinstance(func, n.Var):
        return func.name
    if isinstance(func, n.Attribute):
        return func.name.text
    return "the callee"


def collect(checked: Checked, prefixes: dict[int, str]) -> Sites:
    return Collector(checked).collect(prefixes)


def module_prefixes(program) -> dict[int, str]:
    """How each module's names are qualified in paths and in the emitted program: the main
    file's (and the prelude's) not at all, an imported module's by its file stem (`common.`),
    numbered when two stems are the same."""
    from pathlib import Path

    out: dict[int, str] = {}
    taken: set[str] = set()
    for info in program.modules:
        if info.kind in ("main", "prelude"):
            out[id(info)] = ""
            continue
        stem = Path(info.path).stem
        prefix, counter = stem, 2
        while prefix in taken:
            prefix = f"{stem}{counter}"
            counter += 1
        taken.add(prefix)
        out[id(info)] = prefix + "."
    return out
