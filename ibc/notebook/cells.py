"""Notebook cells as pieces of one session module, and the map back from it to the cells.

A cell's text is parsed on its own (`parse_module`); each top-level declaration becomes a
`Chunk`: its source text, the cell it came from, the cell line it starts on, and the names it
binds. The session module is the chunks' texts joined by newlines, in the order they were
added; `merge` puts a cell's chunks after the others and removes every older chunk that binds
a name the cell declares again (a new declaration replaces the old, docs/notebook.md "`%%ib`: cells
of declarations"). An import of several names loses only the names declared again (`from m import a,
b` then `b = 1` keeps `from m import a`, the `b` blanked out so the rest keeps its columns); any
other declaration is removed whole, and a name it also bound is reported as dropped.

`LineMap` turns a span of the session text into a span of the cell that wrote it (file
`In[3]`, the cell's own line and column), so diagnostics read as they would in a file that
holds only that cell.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from ibc.diagnostics.diagnostic import Diagnostic, Related
from ibc.base.records import record
from ibc.syntax import nodes as n
from ibc.base.spans import Source, Span

EXPERIMENT, SWEEP, IMPORT, OTHER = "experiment", "sweep", "import", "other"


@record
class Chunk:
    """One declaration of a cell: `text` as written (for an import that lost names, the
    import rewritten on one line), `cell` the label of its cell (`In[3]`), `line` the cell
    line it starts on, `names` the names it binds. An import keeps `items`: each item's local
    name and where it (with its comma) starts and ends in `text`, so that a name can be taken
    out of it by blanking its text (lines and columns of the rest do not move)."""

    text: str
    cell: str
    line: int
    names: tuple[str, ...]
    kind: str = OTHER
    items: tuple[tuple[str, int, int], ...] = ()


def decl_names(decl) -> tuple[str, ...]:
    """The names a declaration binds (an import's local names, a pattern's names …)."""
    if isinstance(decl, (n.PyImport, n.IbFromImport)):
        return tuple(item.local.text for item in decl.items)
    if isinstance(decl, n.IbImport):
        return (decl.alias.text if decl.alias else Path(decl.path).stem,)
    if isinstance(decl, n.Binding):
        return tuple(name.text for name, _ in n.pattern_names(decl.pattern))
    return (decl.name.text,)


def split_cell(module: n.Module, text: str, cell: str) -> list[Chunk]:
    """The chunks of a parsed cell, in source order."""
    chunks = []
    for decl in module.decls:
        span = decl.span
        piece = text[span.start : span.end]
        kind, items = OTHER, ()
        if isinstance(decl, n.Experiment):
            kind = EXPERIMENT
        elif isinstance(decl, (n.Sweep, n.Search)):  # a search runs as a sweep of its trials
            kind = SWEEP
        elif isinstance(decl, (n.PyImport, n.IbFromImport)) and decl.items:
            kind = IMPORT
            items = tuple(_item_extent(item, text, span.start) for item in decl.items)
        chunks.append(Chunk(piece, cell, span.line, decl_names(decl), kind, items))
    return chunks


def _item_extent(item: n.ImportItem, text: str, base: int) -> tuple[str, int, int]:
    """An import item's local name, and its extent in its declaration's text (`base` is the
    declaration's offset in the cell), with the comma that follows it."""
    end = item.span.end
    probe = end
    while probe < len(text) and text[probe] in " \t\r\n":
        probe += 1
    if probe < len(text) and text[probe] == ",":
        end = probe + 1
    return item.local.text, item.span.start - base, end - base


def merge(old: list[Chunk], new: list[Chunk]) -> tuple[list[Chunk], list[str]]:
    """The session's chunks after adding a cell's `new` chunks, and notes on names that were
    dropped because they shared an older declaration with a name declared again."""
    declared = {name for chunk in new for name in chunk.names}
    kept: list[Chunk] = []
    notes: list[str] = []
    for chunk in old:
        again = [name for name in chunk.names if name in declared]
        if not again:
            kept.append(chunk)
            continue
        rest = [name for name in chunk.names if name not in declared]
        if chunk.kind == IMPORT and rest:
            text = chunk.text
            for name, start, end in chunk.items:
                if name in declared:
                    blank = "".join(c if c == "\n" else " " for c in text[start:end])
                    text = text[:start] + blank + text[end:]
            items = tuple(item for item in chunk.items if item[0] not in declared)
            kept.append(Chunk(text, chunk.cell, chunk.line, tuple(rest), IMPORT, items))
        elif rest:
            listed = ", ".join(f"`{name}`" for name in rest)
            notes.append(
                f"note: the declaration of {listed} ({chunk.cell}, line {chunk.line}) was "
                f"removed with the old declaration of `{again[0]}`"
            )
    return kept + list(new), notes


def session_text(chunks: list[Chunk]) -> str:
    return "\n".join(chunk.text for chunk in chunks) + ("\n" if chunks else "")


class LineMap:
    """From lines of the session text (file `path`) back to the cells that wrote them."""

    def __init__(self, path: str, chunks: list[Chunk], cells: dict[str, Source]) -> None:
        self.path = path
        self.cells = cells
        self.starts: list[int] = []
        self.chunks = list(chunks)
        line = 1
        for chunk in self.chunks:
            self.starts.append(line)
            line += chunk.text.count("\n") + 1

    def locate(self, line: int) -> tuple[str, int] | None:
        """The cell label and cell line of session line `line` (None outside every chunk)."""
        index = bisect.bisect_right(self.starts, line) - 1
        if index < 0:
            return None
        chunk = self.chunks[index]
        offset = line - self.starts[index]
        if offset > chunk.text.count("\n"):
            return None
        return chunk.cell, chunk.line + offset

    def span(self, span: Span) -> Span:
        """`span` in its cell's coordinates (unchanged when it is not in the session text)."""
        if span.file != self.path:
            return span
        start = self.locate(span.line)
        if start is None:
            start = self.locate(span.line - 1)  # the end of the text: the last chunk's end
            if start is None:
                return span
        cell, line = start
        end = self.locate(span.end_line)
        if end is None or end[0] != cell:
            end_line, end_col = line, span.col + 1
        else:
            end_line, end_col = end[1], span.end_col
        source = self.cells.get(cell)
        begin = _offset(source, line, span.col)
        finish = _offset(source, end_line, end_col)
        return Span(cell, line, span.col, end_line, end_col, begin, max(begin, finish))

    def diagnostic(self, diag: Diagnostic) -> Diagnostic:
        related = tuple(Related(self.span(r.span), self.text(r.note)) for r in diag.related)
        args = {k: self.text(v) if isinstance(v, str) else v for k, v in diag.args.items()}
        return Diagnostic(diag.code, self.span(diag.span), args, diag.severity, related)

    def text(self, text: str) -> str:
        """`text` with every `PATH:LINE:COL` of the session text rewritten to its cell's."""
        pattern = re.escape(self.path) + r":(\d+):(\d+)"

        def replace(match: re.Match) -> str:
            found = self.locate(int(match.group(1)))
            if found is None:
                return match.group(0)
            return f"{found[0]}:{found[1]}:{match.group(2)}"

        return re.sub(pattern, replace, text)


def _offset(source: Source | None, line: int, col: int) -> int:
    if source is None:
        return 0
    text = source.text
    pos = 0
    for _ in range(line - 1):
        found = text.find("\n", pos)
        if found < 0:
            return len(text)
        pos = found + 1
    return min(pos + col - 1, len(text))
