"""Rename and find references: where a binding or a parameter is written, across files.

`target_at(analysis, offset)` says what the cursor is on, as a `Target` that outlives the
analysis: a top-level name of a `.ib` file (a binding, a `def`, an experiment, a sweep or a
search), keyed by its file and name, so that the checks of other files that import it find
it again; a parameter of a top-level `def`, keyed by the file, the `def` and its name; or a
name local to one document (a lambda's parameter, a binding inside a `def`). Names of the
prelude, of stubs and of Python code are not targets: the source they come from is not the
workspace's `.ib` code.

`occurrences(analysis, target)` lists where one checked file writes the target, read from
the resolver's tables (`Resolved.names`: which symbol each name refers to), never by
searching the text: its declaration, its uses (`x`, `common.x`), the names of
`from "m.ib" import x`, the first part of a parameter path that starts at it (`with {
x.alpha = … }`), and for a parameter the keyword arguments of the calls of its `def`
(`double(n = 2)`). A name is only changed where it is written as the target's name (a use
through an alias `import … as y` stays). The server runs it on every `.ib` file of the
workspace that mentions the name (docs/editors.md, "Rename and references").
"""

from __future__ import annotations

import os
import re

from ibc.base.records import record
from ibc.lsp.analysis import Analysis
from ibc.lsp.features import _symbol_of, node_path
from ibc.resolve.symbols import BindingSym, DefSym, IbModuleSym, LocalSym, Symbol, TargetSym
from ibc.syntax import nodes as n
from ibc.syntax.lexical import KEYWORDS

TOP, PARAM, LOCAL = "top", "param", "local"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@record
class Target:
    """What is renamed: `kind` TOP (`key` = (file, name)), PARAM (`key` = (file, def,
    name)) or LOCAL (`symbol` the local's symbol, in `file` only). `start`/`end`: the name
    under the cursor (character offsets)."""

    kind: str
    name: str
    key: tuple
    start: int
    end: int
    symbol: object | None = None


@record
class Occurrence:
    start: int
    end: int
    declaration: bool = False


def valid_name(name: str) -> bool:
    return bool(_IDENTIFIER.match(name)) and name not in KEYWORDS


def _top_key(sym: Symbol | None) -> tuple | None:
    if not isinstance(sym, (BindingSym, DefSym, TargetSym)) or sym.module is None:
        return None
    if sym.module.kind not in ("main", "module"):
        return None  # the prelude's or a stub's: not the workspace's code
    return (os.path.abspath(sym.module.path), sym.name)


def target_at(analysis: Analysis | None, offset: int) -> Target | None:
    """The renamable name at `offset`, or None."""
    module = analysis.module_ast if analysis is not None else None
    if module is None:
        return None
    chain = node_path(module, offset)
    if not chain:
        return None
    inner, parent = chain[-1], chain[-2] if len(chain) > 1 else None
    # the keyword of an argument: the parameter of the `def` called
    if isinstance(inner, n.Name) and isinstance(parent, n.Arg) and parent.name is inner:
        call = next((c for c in reversed(chain) if isinstance(c, n.Call)), None)
        key = _callee_key(analysis, call) if call is not None else None
        if key is None:
            return None
        return Target(PARAM, inner.text, (*key, inner.text), inner.span.start, inner.span.end)
    if isinstance(inner, n.Path):
        return _path_target(analysis, inner, offset)
    sym, node = _symbol_of(analysis, chain)
    span = _name_span(inner, node)
    if sym is None or span is None:
        return None
    if isinstance(sym, LocalSym):
        owner = sym.owner
        if isinstance(sym.decl, n.Param) and isinstance(owner, n.FuncDef) and owner in module.decls:
            key = (str(analysis.path), owner.name.text, sym.name)
            return Target(PARAM, sym.name, key, span.start, span.end)
        return Target(LOCAL, sym.name, (str(analysis.path),), span.start, span.end, sym)
    key = _top_key(sym)
    if key is None or span_text(analysis, span) != sym.name:
        return None
    return Target(TOP, sym.name, key, span.start, span.end)


def _name_span(inner, node):
    if isinstance(inner, n.Var):
        return inner.span
    if isinstance(inner, n.Name):
        return inner.span
    if isinstance(node, n.Attribute):
        return node.name.span
    return None


def span_text(analysis: Analysis, span) -> str:
    return analysis.text[span.start : span.end]


def _path_target(analysis: Analysis, path: n.Path, offset: int) -> Target | None:
    """A parameter path's first part, when it names a top-level binding (`model` in
    `with { model.alpha = … }`)."""
    first = path.parts[0] if path.parts else None
    if not isinstance(first, str) or offset > path.span.start + len(first):
        return None
    program = analysis.program
    key = _top_key(program.main.values.get(first)) if program is not None else None
    if key is None or analysis.text[path.span.start : path.span.start + len(first)] != first:
        return None
    return Target(TOP, first, key, path.span.start, path.span.start + len(first))


def _callee_key(analysis: Analysis, call: n.Call) -> tuple | None:
    """(file, name) of the top-level `def` a call calls, or None."""
    symbols = analysis.program.names.symbols if analysis.program is not None else {}
    sym = symbols.get(id(call.func))
    if isinstance(sym, DefSym):
        key = _top_key(sym)
        return key
    return None


def occurrences(analysis: Analysis, target: Target) -> list[Occurrence]:
    """Where the checked file of `analysis` writes `target` (sorted, without repeats)."""
    program = analysis.program
    module = analysis.module_ast
    if program is None or module is None:
        return []
    here = str(analysis.path)
    if target.kind == LOCAL and target.key[0] != here:
        return []
    symbols, locals_ = program.names.symbols, program.names.locals
    found: dict[int, Occurrence] = {}
    name = target.name
    text = analysis.text

    def add(span, declaration: bool = False) -> None:
        if text[span.start : span.end] == name:
            found.setdefault(span.start, Occurrence(span.start, span.end, declaration))

    def matches(sym) -> bool:
        if target.kind == TOP:
            return _top_key(sym) == target.key
        if target.kind == LOCAL:
            return sym is target.symbol
        return (
            isinstance(sym, LocalSym)
            and isinstance(sym.owner, n.FuncDef)
            and isinstance(sym.decl, n.Param)
            and (here, sym.owner.name.text, sym.name) == target.key
        )

    for node in _walk(module):
        if isinstance(node, n.Var):
            if matches(symbols.get(id(node))):
                add(node.span)
        elif isinstance(node, n.Attribute):
            if target.kind == TOP and matches(symbols.get(id(node))):
                add(node.name.span)
        elif isinstance(node, n.Param):
            if target.kind != TOP and matches(locals_.get(id(node))):
                add(node.name.span, True)
        elif isinstance(node, n.NamePattern):
            local = locals_.get(id(node.name))
            if local is not None:
                if target.kind != TOP and matches(local):
                    add(node.name.span, True)
            elif target.kind == TOP and (here, node.name.text) == target.key:
                add(node.name.span, True)
        elif isinstance(node, (n.FuncDef, n.Experiment, n.Sweep, n.Search)):
            if target.kind == TOP and (here, node.name.text) == target.key:
                add(node.name.span, True)
        elif isinstance(node, n.IbFromImport) and target.kind == TOP:
            imported = os.path.abspath(analysis.path.parent / node.path)
            for item in node.items:
                if (imported, item.name.text) == target.key:
                    add(item.name.span)
        elif isinstance(node, n.Call) and target.kind == PARAM:
            key = _callee_key(analysis, node)
            if key is not None and (*key, name) == target.key:
                for arg in node.args:
                    if arg.name is not None and arg.name.text == name:
                        add(arg.name.span)
        elif isinstance(node, n.Path) and target.kind == TOP:
            _path_occurrence(analysis, node, target, add)
    return sorted(found.values(), key=lambda o: o.start)


def _path_occurrence(analysis: Analysis, path: n.Path, target: Target, add) -> None:
    """The part of a parameter path that names the target: its first part (a binding of
    this file or one imported from the target's), or the second after a module alias
    (`common.size`)."""
    from ibc.base.spans import Span

    parts = path.parts
    if not parts or not isinstance(parts[0], str):
        return
    main = analysis.program.main
    start = path.span.start
    first = main.values.get(parts[0])
    if _top_key(first) == target.key and parts[0] == target.name:
        add(Span(path.span.file, 1, 1, 1, 1, start, start + len(parts[0])))
    elif (
        isinstance(first, IbModuleSym)
        and first.target is not None
        and len(parts) > 1
        and (os.path.abspath(first.target.path), parts[1]) == target.key
    ):
        begin = start + len(parts[0]) + 1
        add(Span(path.span.file, 1, 1, 1, 1, begin, begin + len(target.name)))


def _walk(module: n.Module):
    stack = list(reversed(module.decls))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(n.children(node)))


def conflicts(analysis: Analysis, target: Target, new_name: str) -> str | None:
    """Why `new_name` cannot replace the target's name in this file, or None: for a
    top-level name, the file already binds `new_name` where it sees the target under its
    own name (the declaring file, a `from … import` of it); for a parameter, its `def`
    already has a parameter `new_name`."""
    program = analysis.program
    if program is None:
        return None
    if target.kind == TOP:
        seen = program.main.values.get(target.name)
        if _top_key(seen) == target.key and new_name in program.main.values:
            return f"`{new_name}` is already defined in {analysis.display}"
    elif target.kind == PARAM and target.key[0] == str(analysis.path):
        for decl in analysis.module_ast.decls:
            if isinstance(decl, n.FuncDef) and decl.name.text == target.key[1]:
                if any(p.name.text == new_name for p in decl.params):
                    return f"`{target.key[1]}` already has a parameter `{new_name}`"
    return None
