"""The editor features as pure functions of a checked document and a position.

Nothing here knows the protocol: positions are LSP's (0-based line, UTF-16 character), and
answers are small records the server turns into `lsprotocol` objects. Tests call these
directly.

- `hover`: the type of the name or expression under the cursor (its declaration's type for a
  name being bound, the callee's parameter for a keyword argument), and for a parameter of the
  program its path and value as `ibc params` lists them (`ibc.params.listing`).
- `definition`: where the name under the cursor is defined: in a `.ib` file (the main file,
  an imported module, a stub, the prelude), or for a Python reference at its `def` or
  `class` line in the Python source (`PyRefResolver` knows the module and line; the file is
  found with `PythonIndex.locate`, nothing is imported).
- `document_symbols`: the top-level declarations of a parsed module, with kinds.
- `format_document`: the text formatted by `ibc.syntax.format.format_source`, if that exists.
Completion is in `ibc.lsp.completion`.
"""

from __future__ import annotations

from pathlib import Path

from ibc.lsp.analysis import Analysis
from ibc.base.records import record
from ibc.resolve.symbols import (
    BindingSym,
    DefSym,
    IbModuleSym,
    LocalSym,
    PyRefSym,
    Symbol,
    TargetSym,
    TypeSym,
)
from ibc.syntax import nodes as n
from ibc.base.spans import Span

# Kinds of document symbols and completion items (LSP's SymbolKind / CompletionItemKind
# names; the server maps them to numbers).
MODULE, CLASS, FUNCTION, VARIABLE, EVENT, ARRAY, STRUCT, KEYWORD, FIELD, PROPERTY = (
    "module",
    "class",
    "function",
    "variable",
    "event",
    "array",
    "struct",
    "keyword",
    "field",
    "property",
)


@record
class HoverInfo:
    """Markdown text about the node whose `span` is under the cursor."""

    text: str
    span: Span


@record
class Location:
    """A place in a file: 0-based `line`, `character` (code points; the server converts)."""

    path: Path
    line: int
    character: int
    end_line: int
    end_character: int


@record
class DocSymbol:
    name: str
    kind: str
    detail: str
    span: Span  # the whole declaration
    selection: Span  # its name
    children: tuple = ()


# ------------------------------------------------------------------------------- nodes


def node_path(module: n.Module, offset: int) -> list[object]:
    """The nodes whose span holds `offset`, outermost first (the module's declarations and
    their sub-nodes; a span's end counts, so a cursor just after a name is on it)."""
    chain: list[object] = []
    nodes: list[object] = list(module.decls)
    while nodes:
        inside = None
        for node in nodes:
            span = getattr(node, "span", None)
            if span is not None and span.start <= offset <= span.end and span.end > span.start:
                inside = node
                # prefer a later sibling starting exactly here (`a|+b` is on `a`, fine either way)
        if inside is None:
            break
        chain.append(inside)
        nodes = n.children(inside)
    return chain


def _symbol_of(analysis: Analysis, chain: list[object]) -> tuple[Symbol | None, object | None]:
    """The symbol that the innermost name of `chain` refers to or defines, and that node."""
    program = analysis.program
    if program is None or not chain:
        return None, None
    symbols = program.names.symbols
    main = program.main
    inner = chain[-1]
    parent = chain[-2] if len(chain) > 1 else None
    if isinstance(inner, n.Var):
        return symbols.get(id(inner)), inner
    if isinstance(inner, n.Name):
        if isinstance(parent, n.Attribute):
            return symbols.get(id(parent)), parent
        if isinstance(parent, n.ImportItem):
            return main.values.get(parent.local.text) or main.types.get(parent.local.text), parent
        if (
            isinstance(parent, (n.FuncDef, n.Experiment, n.Sweep, n.Search))
            and parent.name is inner
        ):
            return main.values.get(inner.text), parent
        if isinstance(parent, n.TypeDecl):
            return main.types.get(inner.text), parent
        if isinstance(parent, n.NamePattern):
            local = program.names.locals.get(id(inner))
            return (local or main.values.get(inner.text)), parent
        if isinstance(parent, n.Param):
            return program.names.locals.get(id(parent)), parent
        if isinstance(parent, n.IbImport):
            return main.values.get(inner.text), parent
    if isinstance(inner, n.IbImport):
        return None, inner
    return None, None


# ------------------------------------------------------------------------------- hover


def hover(analysis: Analysis, line: int, character: int) -> HoverInfo | None:
    """What to show for the cursor at (`line`, `character`), or None."""
    checked = analysis.checked
    module = analysis.module_ast
    if checked is None or module is None:
        return None
    offset = analysis.lines().offset(line, character)
    chain = node_path(module, offset)
    if not chain:
        return None
    inner = chain[-1]
    parent = chain[-2] if len(chain) > 1 else None
    lines: list[str] = []
    span = getattr(inner, "span", None)
    # A keyword argument's name: the callee's parameter, and the argument's parameter path.
    if isinstance(inner, n.Name) and isinstance(parent, n.Arg) and parent.name is inner:
        t = checked.types.get(id(parent.value))
        lines.append(_code(f"{inner.text}: {t}" if t is not None else inner.text))
        lines += _param_lines(analysis, parent.value)
        return HoverInfo("\n\n".join(lines), inner.span)
    if isinstance(inner, n.Path):
        lines += _path_lines(analysis, str(inner))
        return HoverInfo("\n\n".join(lines), inner.span) if lines else None
    space = _space_hover(analysis, chain) or _history_hover(analysis, chain)
    if space is not None:
        return space
    sym, node = _symbol_of(analysis, chain)
    if sym is not None:
        lines.append(_code(f"{_sym_label(sym)}: {symbol_type(analysis, sym)}"))
        where = _sym_where(analysis, sym)
        if where:
            lines.append(where)
        target = node if isinstance(node, n.Var | n.Attribute) else None
        if target is not None:
            lines += _param_lines(analysis, target)
        elif isinstance(sym, (BindingSym, TargetSym)) and sym.module is analysis.program.main:
            lines += _path_lines(analysis, sym.name)
        return HoverInfo("\n\n".join(lines), getattr(inner, "span", span))
    # Any other expression: its type.
    for node in reversed(chain):
        t = checked.types.get(id(node))
        if t is not None:
            lines.append(_code(str(t)))
            lines += _param_lines(analysis, node)
            return HoverInfo("\n\n".join(lines), node.span)
    return None


def _space_hover(analysis: Analysis, chain: list[object]) -> HoverInfo | None:
    """A search axis's space under the cursor (its name, or a list literal's brackets): the
    type of the values it gives and the path it sets (docs/guide.md, "Searches")."""
    if not chain or not isinstance(chain[0], n.Search):
        return None
    override = next((c for c in chain if isinstance(c, n.Override) and c.sweep), None)
    if override is None:
        return None
    value = override.value
    kind = n.space_call(value)
    on_name = kind is not None and (chain[-1] is value or chain[-1] is value.func)
    on_list = isinstance(value, n.ListExpr) and chain[-1] is value
    if not (on_name or on_list):
        return None
    if kind in n.SPACES:
        shown = f"{kind}: space of {n.SPACES[kind]}"
    else:
        items = value.args[0].value if kind == "choice" and value.args else value
        types = [
            str(analysis.checked.types.get(id(item), "Any")) for item in getattr(items, "items", ())
        ]
        elem = types[0] if types and all(t == types[0] for t in types) else "Any"
        shown = f"choice: space of {elem} ({len(types)} values)"
    paths = ", ".join(f"`{p}`" for p in override.paths)
    return HoverInfo(f"{_code(shown)}\n\nthe values a search proposes for {paths}", value.span)


def _history_hover(analysis: Analysis, chain: list[object]) -> HoverInfo | None:
    """`history(f)` in a sweep axis, the cursor on `history`: the versions it gives, newest
    first, with their dates and subjects (docs/revisions.md, "History sweeps")."""
    histories = getattr(analysis.program, "histories", None)
    if not histories or len(chain) < 2:
        return None
    call, inner = chain[-2], chain[-1]
    if not isinstance(call, n.Call) or inner is not call.func or id(call) not in histories:
        return None
    axis = histories[id(call)]
    lines = [_code(f"history({axis.sym.name}): {len(axis.values)} versions, newest first")]
    for label, _expr, version in axis.values[:_HOVER_VERSIONS]:
        if version is None:
            lines.append(f"- `{axis.sym.name}@{label}`: today's, uncommitted")
        else:
            lines.append(f"- `{axis.sym.name}@{label}` {version.date}: {version.subject}")
    if len(axis.values) > _HOVER_VERSIONS:
        lines.append(f"- … {len(axis.values) - _HOVER_VERSIONS} more (`ibc log`)")
    return HoverInfo("\n".join(lines[:1]) + "\n\n" + "\n".join(lines[1:]), call.func.span)


_HOVER_VERSIONS = 12  # versions a hover lists


def _code(text: str) -> str:
    return f"```iterbuild\n{text}\n```"


def _sym_label(sym: Symbol) -> str:
    if isinstance(sym, TargetSym):
        kind = "search " if sym.is_search else "sweep " if sym.is_sweep else "experiment "
        return kind + sym.name
    if isinstance(sym, DefSym):
        return "def " + sym.name
    if isinstance(sym, TypeSym):
        return "type " + sym.name
    if isinstance(sym, IbModuleSym):
        return "module " + sym.name
    if isinstance(sym, LocalSym):
        return "(local) " + sym.name
    return sym.name


def _sym_where(analysis: Analysis, sym: Symbol) -> str:
    if isinstance(sym, PyRefSym):
        target = python_target(analysis, sym)
        if target is not None:
            return f"Python `{target.module}:{sym.py_name}` ({target.kind})"
        return f"Python `{sym.module_name or '?'}:{sym.py_name}`"
    if sym.module is not None and sym.module is not analysis.program.main:
        return f"from `{sym.module.display}`"
    return ""


def symbol_type(analysis: Analysis, sym: Symbol):
    """The type the checker gave a symbol (`Any` when it has none)."""
    from ibc.types.check import _element
    from ibc.base.typeterms import ANY, ModuleType

    checked = analysis.checked
    if isinstance(sym, BindingSym):
        t = checked.decl_types.get(id(sym.decl), ANY)
        for index in sym.position:
            t = _element(t, index)
        return t
    if isinstance(sym, DefSym):
        return checked.def_types.get(id(sym.decl), ANY)
    if isinstance(sym, TargetSym):
        return checked.decl_types.get(id(sym.decl), ANY)
    if isinstance(sym, PyRefSym):
        try:
            return checked.env.ref_type(sym)
        except Exception:  # noqa: BLE001 - a reference that cannot be read is Any
            return ANY
    if isinstance(sym, IbModuleSym):
        return ModuleType(sym.target.display if sym.target else sym.name)
    if isinstance(sym, TypeSym):
        try:
            return checked.env.type_sym(sym)
        except Exception:  # noqa: BLE001
            return ANY
    if isinstance(sym, LocalSym):
        return _local_type(analysis, sym)
    return ANY


def _local_type(analysis: Analysis, sym: LocalSym):
    from ibc.types.check import _element
    from ibc.base.typeterms import ANY

    checked = analysis.checked
    decl, owner = sym.decl, sym.owner
    if isinstance(decl, n.Param):
        if isinstance(owner, n.FuncDef):
            ftype = checked.def_types.get(id(owner))
            for p in getattr(ftype, "params", ()):
                if p.name == sym.name:
                    return p.type
        if isinstance(owner, n.Lambda):
            ftype = checked.types.get(id(owner))
            for p in getattr(ftype, "params", ()):
                if p.name == sym.name:
                    return p.type
        return ANY
    if isinstance(decl, n.Binding):
        t = checked.types.get(id(decl.value), ANY)
        for index in sym.position:
            t = _element(t, index)
        return t
    return ANY


def parameter_tables(analysis: Analysis) -> tuple[dict, dict, dict]:
    """(id of the node that sets a parameter → its path, path → `ParamRow`, path → `Site`),
    built once per analysis; empty when the program had errors (no parameters then)."""
    if "params" in analysis.cache:
        return analysis.cache["params"]
    by_node: dict[int, str] = {}
    rows: dict = {}
    sites: dict = {}
    expanded = analysis.result.expanded
    if expanded is not None:
        from ibc.params.listing import parameters

        sites = dict(expanded.sites.by_path)
        for path, site in sites.items():
            if site.node is not None and not site.alias:
                by_node.setdefault(id(site.node), path)
        try:
            rows = {row.path: row for row in parameters(analysis.result, None, True)}
        except Exception:  # noqa: BLE001 - hover works without the listing
            rows = {}
    analysis.cache["params"] = (by_node, rows, sites)
    return analysis.cache["params"]


def _param_lines(analysis: Analysis, node: object) -> list[str]:
    by_node, _, _ = parameter_tables(analysis)
    path = by_node.get(id(node))
    return _path_lines(analysis, path) if path else []


def _path_lines(analysis: Analysis, path: str) -> list[str]:
    _, rows, sites = parameter_tables(analysis)
    row = rows.get(path)
    if row is not None:
        return [f"parameter `{path}` = `{row.value}` ({row.type})"]
    site = sites.get(path)
    if site is not None:
        return [f"parameter `{path}` = `{site.text}` ({site.type})"]
    return []


# ------------------------------------------------------------------------------- definition


def definition(analysis: Analysis, line: int, character: int) -> Location | None:
    """Where the name under the cursor is defined, or None."""
    module = analysis.module_ast
    if module is None:
        return None
    offset = analysis.lines().offset(line, character)
    chain = node_path(module, offset)
    if chain and isinstance(chain[-1], n.IbImport | n.IbFromImport):
        return _ib_file(analysis, chain[-1].path)
    if len(chain) > 1 and isinstance(chain[-1], n.Name) and isinstance(chain[-2], n.IbImport):
        return _ib_file(analysis, chain[-2].path)
    sym, _ = _symbol_of(analysis, chain)
    if sym is None:
        return None
    if isinstance(sym, PyRefSym):
        found = python_location(analysis, sym)
        if found is not None:
            return found
    if isinstance(sym, IbModuleSym) and sym.target is not None:
        return Location(sym.target.path, 0, 0, 0, 0)
    return _ib_location(sym)


def _ib_file(analysis: Analysis, rel: str) -> Location | None:
    target = (analysis.path.parent / rel).resolve()
    return Location(target, 0, 0, 0, 0) if target.is_file() else None


def _ib_location(sym: Symbol) -> Location | None:
    if sym.module is None:
        return None
    span = sym.span
    return Location(
        sym.module.path, span.line - 1, span.col - 1, span.end_line - 1, span.end_col - 1
    )


def python_target(analysis: Analysis, sym: PyRefSym):
    """What a Python reference resolved to (`PyTarget`), or None."""
    program = analysis.program
    if program is None:
        return None
    try:
        return program.pyrefs.resolve(sym)
    except Exception:  # noqa: BLE001 - an unreadable module has no definition to show
        return None


def python_location(analysis: Analysis, sym: PyRefSym) -> Location | None:
    """The `def` or `class` line of a Python reference in its source file."""
    target = python_target(analysis, sym)
    definition_ = getattr(target, "definition", None)
    line = getattr(definition_, "line", None)
    if target is None or definition_ is None or not line:
        return None
    module = getattr(definition_, "module", target.module)
    path: Path | None = None
    if sym.file is not None and module == sym.module_name:
        path = sym.file
    else:
        try:
            location = analysis.program.index.locate(module)
        except Exception:  # noqa: BLE001
            location = None
        if location is not None and location.path is not None:
            path = Path(location.path)
    if path is None or not path.is_file():
        return None
    name = getattr(definition_, "name", sym.py_name)
    character = 0
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                if number == line:
                    character = max(text.find(name), 0)
                    break
    except OSError:
        pass
    return Location(path, line - 1, character, line - 1, character + len(name))


# ------------------------------------------------------------------------------- symbols


def document_symbols(module: n.Module) -> list[DocSymbol]:
    """The top-level declarations of a module: imports, types, bindings, `def`s,
    experiments and sweeps."""
    out: list[DocSymbol] = []
    for decl in module.decls:
        if isinstance(decl, n.PyImport):
            for item in decl.items:
                kind = CLASS if item.name.text[:1].isupper() else FUNCTION
                detail = f"from {decl.module}"
                out.append(DocSymbol(item.local.text, kind, detail, item.span, item.local.span))
        elif isinstance(decl, n.IbImport):
            name = decl.alias.text if decl.alias else Path(decl.path).stem
            selection = decl.alias.span if decl.alias else decl.path_span
            out.append(DocSymbol(name, MODULE, decl.path, decl.span, selection))
        elif isinstance(decl, n.IbFromImport):
            for item in decl.items:
                detail = f"from {decl.path}"
                out.append(DocSymbol(item.local.text, VARIABLE, detail, item.span, item.local.span))
        elif isinstance(decl, n.TypeDecl):
            kind = STRUCT if isinstance(decl.alias, n.RecordType) else CLASS
            out.append(DocSymbol(decl.name.text, kind, "type", decl.span, decl.name.span))
        elif isinstance(decl, n.Binding):
            for name, _ in n.pattern_names(decl.pattern):
                out.append(DocSymbol(name.text, VARIABLE, "", decl.span, name.span))
        elif isinstance(decl, n.FuncDef):
            out.append(DocSymbol(decl.name.text, FUNCTION, "def", decl.span, decl.name.span))
        elif isinstance(decl, n.Experiment):
            out.append(DocSymbol(decl.name.text, EVENT, "experiment", decl.span, decl.name.span))
        elif isinstance(decl, n.Sweep):
            out.append(DocSymbol(decl.name.text, ARRAY, "sweep", decl.span, decl.name.span))
        elif isinstance(decl, n.Search):
            out.append(DocSymbol(decl.name.text, ARRAY, "search", decl.span, decl.name.span))
    return out


# ------------------------------------------------------------------------------- formatting


def format_document(text: str) -> str | None:
    """The formatted text, or None when there is no formatter, the text does not parse, or
    nothing changes."""
    try:
        from ibc.syntax.format import format_source
    except ImportError:
        return None
    try:
        formatted = format_source(text)
    except Exception:  # noqa: BLE001 - a text the formatter refuses is left alone
        return None
    if isinstance(formatted, tuple):  # (text, diagnostics), should it answer so
        formatted = formatted[0]
    if not isinstance(formatted, str) or formatted == text:
        return None
    return formatted
