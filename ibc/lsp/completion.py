"""Completion: what may be typed at the cursor.

The text being typed rarely parses, so the context comes from the document's current text (a
scan of its brackets, strings and comments up to the cursor) and the answers from the last
analysis that type-checked (`Analysis`, perhaps of an earlier version):

- inside `with { … }`, where a path is written: the program's parameter paths (`model.C`,
  `steps[1].C`, `test_size`) with their types and values, replacing the partial path;
- inside the parentheses of a call, where an argument starts: the keyword arguments of the
  callee (`C = `, `max_iter = `) not yet given, then the names in scope;
- after `in` in a search's `with`: the spaces (`log_uniform(`, `int_range(`, `choice([`), then
  the names in scope; after `in` in a sweep's: `history(` (the versions of a function in git,
  docs/revisions.md), then the names; inside `history(…)`, its keywords (`since =`, `last =`,
  `compatible =`);
- elsewhere: the names in scope (the file's top level, the prelude, and the parameters and
  locals of the enclosing `def`), the language's keywords and the types.
"""

from __future__ import annotations

import re

from ibc.lsp.analysis import Analysis
from ibc.lsp.features import (
    CLASS,
    EVENT,
    FIELD,
    FUNCTION,
    KEYWORD,
    MODULE,
    PROPERTY,
    VARIABLE,
    parameter_tables,
    symbol_type,
)
from ibc.base.records import record
from ibc.resolve.symbols import (
    DefSym,
    IbModuleSym,
    PyRefSym,
    Symbol,
    TargetSym,
    TypeSym,
)
from ibc.syntax import nodes as n
from ibc.syntax.lexical import KEYWORDS, SOFT_KEYWORDS

_PATH_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.[]")
_CALLEE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*\Z")
_GIVEN = re.compile(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?![=>])")


@record
class Completion:
    """One proposal: `label` shown, `insert` typed in place of the text from offset
    `replace_from` to the cursor; `sort` orders the proposals (lower first)."""

    label: str
    kind: str
    detail: str
    insert: str
    replace_from: int
    sort: int = 5


@record
class Context:
    """What the cursor is in: `kind` is "path" (a `with` path), "argument" (the start of a
    call's argument, `callee` its text) or "value"; `given` the keywords the call already has."""

    kind: str
    start: int  # offset where the partial word (or path) begins
    callee: str = ""
    given: tuple[str, ...] = ()


def context_at(text: str, offset: int) -> Context:
    """The completion context of the cursor at `offset` in `text`."""
    offset = max(0, min(offset, len(text)))
    stack: list[list] = []  # [bracket, offset, offset after the last separator at this depth]
    i = 0
    end = offset
    while i < end:
        ch = text[i]
        if ch == "#":
            newline = text.find("\n", i)
            if newline == -1 or newline >= end:
                return Context("comment", offset)
            i = newline + 1
            continue
        if ch in "\"'":
            close = _string_end(text, i, end)
            if close is None:
                return Context("string", offset)
            i = close
            continue
        if ch in "([{":
            stack.append([ch, i, i + 1])
        elif ch in ")]}":
            if stack and "([{"[")]}".index(ch)] == stack[-1][0]:
                stack.pop()
        elif ch == "," and stack:
            stack[-1][2] = i + 1
        i += 1
    path_start = offset
    while path_start > 0 and text[path_start - 1] in _PATH_CHARS:
        path_start -= 1
    word_start = offset
    while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] == "_"):
        word_start -= 1
    if not stack:
        return Context("value", word_start)
    bracket, opened, segment = stack[-1]
    before = text[:opened].rstrip()
    piece = text[segment:path_start]
    if bracket == "{" and _after_with(before):
        return Context("path" if not piece.strip() else "value", path_start)
    if bracket == "(" and len(stack) > 1 and stack[-2][0] == "{":
        # `{ (model.C, |`: a tuple of paths, opened where an override starts
        outer = stack[-2]
        if _after_with(text[: outer[1]].rstrip()) and not text[outer[2] : opened].strip():
            return Context("path" if not piece.strip() else "value", path_start)
    if bracket == "(" and piece.strip() == "":
        match = _CALLEE.search(before)
        if match and match.group(1) not in KEYWORDS:
            inside = text[opened + 1 : offset]
            given = tuple(m.group(1) for m in _GIVEN.finditer(_flatten(inside)))
            return Context("argument", word_start, re.sub(r"\s+", "", match.group(1)), given)
    return Context("value", word_start)


def _after_with(before: str) -> bool:
    return re.search(r"(?:^|[^A-Za-z0-9_])with\Z", before) is not None


def _string_end(text: str, start: int, end: int) -> int | None:
    """The offset just after the string literal opening at `start`, or None if the cursor
    (`end`) is inside it."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        close = text.find(quote * 3, start + 3)
        return None if close == -1 or close + 3 > end else close + 3
    i = start + 1
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote:
            return i + 1
        if ch == "\n":
            return i  # an unterminated string ends at its line
        i += 1
    return None


def _flatten(text: str) -> str:
    """`text` with the contents of nested brackets removed, so that only the outer call's
    arguments are seen."""
    out, depth = [], 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


# ------------------------------------------------------------------------------- proposals


def complete(analysis: Analysis | None, text: str, offset: int) -> list[Completion]:
    """The proposals for the cursor at `offset` of `text` (the document's current text);
    `analysis` is the last one that type-checked (None: keywords only)."""
    ctx = context_at(text, offset)
    if ctx.kind in ("comment", "string"):
        return []
    if ctx.kind == "path":
        return _paths(analysis, text, ctx, offset)
    out: list[Completion] = []
    if ctx.kind == "value" and _after_search_in(text, ctx.start):
        out += [
            Completion(space, FUNCTION, f"search space of {t}", f"{space}(", ctx.start, 0)
            for space, t in n.SPACES.items()
        ]
        out.append(
            Completion("choice", FUNCTION, "categorical search space", "choice([", ctx.start, 0)
        )
    if ctx.kind == "value" and _after_in(text, ctx.start, "sweep "):
        out.append(
            Completion(
                "history", FUNCTION, "the versions of a function in git", "history(", ctx.start, 0
            )
        )
    if ctx.kind == "argument" and ctx.callee == "history":
        out += [
            Completion(f"{key} =", FIELD, detail, f"{key} = ", ctx.start, 0)
            for key, detail in _HISTORY_KEYWORDS.items()
            if key not in ctx.given
        ]
    elif ctx.kind == "argument" and analysis is not None and analysis.checked is not None:
        out += _keyword_arguments(analysis, ctx)
    out += _names(analysis, ctx, offset)
    if ctx.kind == "value":
        words = [*KEYWORDS, *SOFT_KEYWORDS]
        out += [Completion(w, KEYWORD, "keyword", w, ctx.start, 8) for w in words]
    return out


_IN_AT_END = re.compile(r"\bin\s*\Z")
_DECL_START = re.compile(r"^(?=\S)", re.M)


_HISTORY_KEYWORDS = {
    "since": 'Str: the versions from the one in effect at a revision ("v1.0")',
    "last": "Int: the newest N versions",
    "compatible": "Bool: leave out the versions whose signature no longer fits",
}


def _after_search_in(text: str, start: int) -> bool:
    """Whether `start` follows `in` in a `search` declaration (an axis's space goes here)."""
    return _after_in(text, start, "search ")


def _after_in(text: str, start: int, keyword: str) -> bool:
    """Whether `start` follows `in` in a declaration that starts with `keyword`."""
    if not _IN_AT_END.search(text, 0, start):
        return False
    starts = [m.start() for m in _DECL_START.finditer(text, 0, start)]
    line_start = starts[-1] if starts else 0
    return text.startswith(keyword, line_start)


def _paths(analysis: Analysis | None, text: str, ctx: Context, offset: int) -> list[Completion]:
    if analysis is None or analysis.checked is None:
        return []
    partial = text[ctx.start : offset]
    _, rows, sites = parameter_tables(analysis)
    if not sites:
        sites = _sites_of_checked(analysis)
    out = []
    for path, site in sorted(sites.items()):
        if site.alias or not path.startswith(partial):
            continue
        row = rows.get(path)
        value = row.value if row is not None else site.text
        detail = f"{site.type} = {value}"
        out.append(Completion(path, PROPERTY, detail, path, ctx.start, 1))
    return out


def _sites_of_checked(analysis: Analysis) -> dict:
    """Parameter paths of a program that type-checked with `with` errors (no `Expanded`)."""
    if "sites" not in analysis.cache:
        from ibc.params.paths import collect, module_prefixes

        try:
            table = collect(analysis.checked, module_prefixes(analysis.program)).by_path
        except Exception:  # noqa: BLE001
            table = {}
        analysis.cache["sites"] = table
    return analysis.cache["sites"]


def _keyword_arguments(analysis: Analysis, ctx: Context) -> list[Completion]:
    from ibc.base.typeterms import KEYWORD_ONLY, POSITIONAL, FuncType

    sym = _lookup_dotted(analysis, ctx.callee)
    if sym is None:
        return []
    ftype = symbol_type(analysis, sym)
    if not isinstance(ftype, FuncType):
        return []
    out = []
    for param in ftype.params:
        if not param.name or param.kind not in (POSITIONAL, KEYWORD_ONLY):
            continue
        if param.name in ctx.given:
            continue
        detail = str(param.type)
        if param.has_default:
            detail += f" = {param.default if param.default is not None else '…'}"
        out.append(Completion(f"{param.name} =", FIELD, detail, f"{param.name} = ", ctx.start, 0))
    return out


def _lookup_dotted(analysis: Analysis, dotted: str) -> Symbol | None:
    parts = dotted.split(".")
    sym = _lookup(analysis, parts[0])
    for part in parts[1:]:
        if not isinstance(sym, IbModuleSym) or sym.target is None:
            return None
        sym = sym.target.values.get(part)
    return sym


def _lookup(analysis: Analysis, name: str) -> Symbol | None:
    program = analysis.program
    sym = program.main.values.get(name)
    if sym is None and program.prelude is not None:
        sym = program.prelude.values.get(name)
    return sym


def _names(analysis: Analysis | None, ctx: Context, offset: int) -> list[Completion]:
    if analysis is None or analysis.program is None:
        return []
    program = analysis.program
    out: list[Completion] = []
    seen: set[str] = set()

    def add(name: str, kind: str, detail: str, sort: int) -> None:
        if name not in seen:
            seen.add(name)
            out.append(Completion(name, kind, detail, name, ctx.start, sort))

    for local, detail in _locals_at(analysis, offset):
        add(local, VARIABLE, detail, 2)
    for name, sym in program.main.values.items():
        add(name, _kind(sym), "", 3)
    if program.prelude is not None:
        for name, sym in program.prelude.values.items():
            add(name, _kind(sym), "prelude", 4)
    for table in (program.main.types, program.prelude.types if program.prelude else {}):
        for name in table:
            add(name, CLASS, "type", 6)
    return [_typed(analysis, c) for c in out]


def _typed(analysis: Analysis, item: Completion) -> Completion:
    """The proposal with its type as detail (computed for names of the main file only)."""
    if item.detail or analysis.checked is None:
        return item
    sym = analysis.program.main.values.get(item.label)
    if sym is None:
        return item
    try:
        detail = str(symbol_type(analysis, sym))
    except Exception:  # noqa: BLE001
        detail = ""
    return Completion(item.label, item.kind, detail, item.insert, item.replace_from, item.sort)


def _kind(sym: Symbol) -> str:
    if isinstance(sym, DefSym):
        return FUNCTION
    if isinstance(sym, TargetSym):
        return EVENT
    if isinstance(sym, IbModuleSym):
        return MODULE
    if isinstance(sym, TypeSym):
        return CLASS
    if isinstance(sym, PyRefSym):
        return CLASS if sym.py_name[:1].isupper() else FUNCTION
    return VARIABLE


def _locals_at(analysis: Analysis, offset: int) -> list[tuple[str, str]]:
    """The parameters and locals of the `def` around `offset` (in the analysed text)."""
    module = analysis.module_ast
    if module is None:
        return []
    for decl in module.decls:
        if isinstance(decl, n.FuncDef) and decl.span.start <= offset <= decl.span.end:
            out = [(p.name.text, "parameter") for p in decl.params]
            for stmt in decl.body:
                out += [(name.text, "local") for name, _ in n.pattern_names(stmt.pattern)]
            return out
    return []
