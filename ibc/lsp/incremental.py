"""Incremental parsing for the language server: re-parse only the declarations an edit touches.

`ChunkParser.parse(source)` returns exactly what `ibc.syntax.parser.parse_module(source)`
returns — the same `Module` (spans included) or the same diagnostics — but a text that differs
from the previous one in a few declarations costs a parse of those declarations only:

1. `split(text)` cuts the text into top-level declaration chunks. A declaration starts on a
   line whose first character (at column 0, outside brackets; `.ib` strings never span lines)
   begins a name or a tuple pattern (`[A-Za-z_(]`); the comment and blank lines just before it
   belong to it, so only the lines after the last declaration go with the module end (the last
   chunk). The lexer is in its initial state at every such line (no open bracket, indentation
   0, at the start of a logical line), so the token stream of the file is the chunks' streams
   one after the other.
2. Each chunk's nodes are cached by file name and chunk text, with the line and offset where
   they stand. Spans hold lines and character offsets (columns are per line, and every chunk
   starts a line), so `relocate` moves a chunk's nodes to another place by adding the
   difference of lines and offsets to every `Span` of its declarations and comments (no node
   holds a position outside its spans). A chunk not in the cache is parsed alone, as a module
   whose text is the chunk's (line 1, offset 0), and moved to its place. When most of the text
   is new (the first check of a file), the whole file is parsed once instead and its
   declarations and comments are tabled by chunk.
3. The `Module` is assembled as the parser's own `module` rule makes it: the file's name, the
   declarations in order, the span of the whole text and every comment.

When in doubt it parses the whole file: a text that is one chunk, and any chunk with a syntax
(or lexical, or input) error, gives `parse_module(source)`'s own answer — the diagnostics are
always those of a full parse. `tests/lsp/test_incremental.py` checks the equality against full
parses for every `.ib` file of the repository and for random edits.

The cache keeps, per file, the chunks its last two parses used (an undo finds its chunks
again), for the 32 files parsed last; nodes are immutable, so handing the same declaration to
successive checks is safe.
"""

from __future__ import annotations

import inspect
import re
from typing import NamedTuple

from ibc.diagnostics.diagnostic import Diagnostic
from ibc.syntax.nodes import Module
from ibc.syntax.parser import parse_module
from ibc.base.spans import Source, Span

__all__ = ["Chunk", "ChunkParser", "relocate", "split"]

_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_(")
_BLANK_OR_COMMENT = re.compile(r"[ \t\f\r]*(?:#.*)?\Z")
# What changes the bracket depth on a line: strings (skipped as the lexer reads them: a
# backslash escapes the next character; an unterminated string runs to the line's end), a
# comment (the rest of the line), and brackets.
_DEPTH_TOKEN = re.compile(
    r"""
    "(?:[^"\\]|\\.)*"?
  | '(?:[^'\\]|\\.)*'?
  | \#.*
  | [(\[{]
  | [)\]}]
""",
    re.VERBOSE,
)
_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")


class Chunk(NamedTuple):
    """One chunk of a text: its text, the 1-based line and the character offset of its first
    character."""

    text: str
    line: int
    offset: int


def split(text: str) -> list[Chunk]:
    """The top-level declaration chunks of `text` (see the module docstring); their texts
    joined are `text`. A text with no declaration start after its first line is one chunk."""
    lines = text.split("\n")
    starts: list[int] = [0]  # line indexes where chunks start
    depth = 0
    pending = -1  # first line of the run of blank/comment lines before the current line
    for index, line in enumerate(lines):
        if depth == 0:
            if line and line[0] in _START:
                if index:
                    first = pending if pending != -1 else index
                    if first > starts[-1]:
                        starts.append(first)
                pending = -1
            elif _BLANK_OR_COMMENT.match(line):
                if pending == -1:
                    pending = index
            else:
                pending = -1
        else:
            pending = -1
        if "(" in line or "[" in line or "{" in line or ")" in line or "]" in line or "}" in line:
            if '"' in line or "'" in line or "#" in line:
                for match in _DEPTH_TOKEN.finditer(line):
                    ch = match.group()[0]
                    if ch in _OPEN:
                        depth += 1
                    elif ch in _CLOSE:
                        depth = depth - 1 if depth else 0
            else:
                for ch in line:
                    if ch in _OPEN:
                        depth += 1
                    elif ch in _CLOSE:
                        depth = depth - 1 if depth else 0
    chunks: list[Chunk] = []
    offset = 0
    bounds = [*starts, len(lines)]
    for k in range(len(starts)):
        piece = "\n".join(lines[bounds[k] : bounds[k + 1]])
        if bounds[k + 1] < len(lines):
            piece += "\n"
        chunks.append(Chunk(piece, bounds[k] + 1, offset))
        offset += len(piece)
    return chunks


def relocate(value, lines: int, offset: int):
    """`value` (a node, a tuple of nodes, a `Span`, a comment pair) with every span moved
    down by `lines` lines and `offset` characters (negative: up); columns are unchanged."""
    if lines == 0 and offset == 0:
        return value
    return _move(value, lines, offset)


class _Movers(dict):
    """Each class's mover (`_mover`), made on first use."""

    def __missing__(self, cls: type):
        mover = self[cls] = _mover(cls)
        return mover


_MOVERS = _Movers()


def _move(value, lines: int, offset: int):
    return _MOVERS[value.__class__](value, lines, offset)


def _move_span(s, lines: int, offset: int) -> Span:
    return _new_tuple(
        Span, (s[0], s[1] + lines, s[2], s[3] + lines, s[4], s[5] + offset, s[6] + offset)
    )


def _move_tuple(value: tuple, lines: int, offset: int) -> tuple:
    movers = _MOVERS
    return tuple([movers[item.__class__](item, lines, offset) for item in value])


def _keep(value, lines: int, offset: int):
    return value


# A field whose annotation is one of these holds no span (the AST's `str`, `bool` and
# `tuple[str, ...]` fields); any other field is moved by the mover of its value's class.
_PLAIN = frozenset({"str", "bool", "int", "tuple[str, ...]", "tuple[str | int, ...]"})
_NEW_SPAN = "_new(_Span, ((s := v.{0})[0], s[1] + L, s[2], s[3] + L, s[4], s[5] + O, s[6] + O))"


def _mover(cls: type):
    """The function that moves an instance of `cls`: for a record class, one made for it
    that builds the moved record field by field (spans inline, plain fields as they are,
    a tuple of nodes item by item)."""
    if cls is Span:
        return _move_span
    if cls is tuple:
        return _move_tuple
    fields = getattr(cls, "__record_fields__", None)
    if not fields:
        return _keep  # str, int, float, bool, None: no span inside
    notes: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        notes.update(inspect.get_annotations(klass))
    args = []
    for name in fields:
        note = notes.get(name, "")
        if note == "Span":
            args.append(_NEW_SPAN.format(name))
        elif note in _PLAIN:
            args.append(f"v.{name}")
        elif isinstance(note, str) and note.startswith("tuple[") and note.endswith(", ...]"):
            args.append(f"tuple([_M[x.__class__](x, L, O) for x in v.{name}])")
        else:
            args.append(f"_M[v.{name}.__class__](v.{name}, L, O)")
    code = f"def move(v, L, O):\n    return _cls({', '.join(args)})\n"
    namespace = {"_cls": cls, "_new": _new_tuple, "_Span": Span, "_M": _MOVERS}
    exec(compile(code, f"<relocate {cls.__name__}>", "exec"), namespace)  # noqa: S102
    return namespace["move"]


_new_tuple = tuple.__new__


class ChunkParser:
    """Parses successive versions of files chunk by chunk, keeping the chunks' nodes (see the
    module docstring). One instance serves any number of files."""

    def __init__(self, whole_above: float = 0.5, files: int = 32) -> None:
        # file -> the chunks of its last two parses, each a dict chunk text -> (decls,
        # comments, line, offset): the chunk's nodes where they were last placed (moving them
        # to another place shifts them by the difference)
        self._files: dict[str, tuple[dict[str, tuple], dict[str, tuple]]] = {}
        self.files = files  # how many files' chunks are kept (the most recently parsed)
        self.whole_above = whole_above  # share of new text above which the file is parsed whole
        self.reparsed = 0  # chunks parsed alone by the last call (for tests and benchmarks)
        self.full = False  # whether the last call parsed the whole file
        self.moved = 0  # chunks the last call relocated

    def parse(self, source: Source) -> tuple[Module | None, list[Diagnostic]]:
        """What `parse_module(source)` returns, re-using the chunks of earlier calls."""
        self.reparsed = self.moved = 0
        self.full = False
        path, text = source.path, source.text
        chunks = split(text)
        if len(chunks) < 2:
            return self._whole(source, chunks)
        last, before = self._files.get(path, ({}, {}))
        found = []
        new_chars = 0
        for chunk in chunks:
            entry = last.get(chunk[0]) or before.get(chunk[0])
            if entry is None:
                new_chars += len(chunk[0])
            found.append(entry)
        if new_chars > self.whole_above * len(text):
            return self._whole(source, chunks)
        kept: dict[str, tuple] = {}
        decls: list = []
        comments: list = []
        for chunk, entry in zip(chunks, found):
            piece, line, offset = chunk
            if entry is None:
                module, diags = parse_module(Source(path, piece))
                self.reparsed += 1
                if module is None or diags:
                    return self._whole(source, chunks)
                entry = (module.decls, module.comments, 1, 0)
            if entry[2] != line or entry[3] != offset:
                lines, chars = line - entry[2], offset - entry[3]
                entry = (_move(entry[0], lines, chars), _move(entry[1], lines, chars), line, offset)
                self.moved += 1
            kept[piece] = entry
            decls.extend(entry[0])
            comments.extend(entry[1])
        self._keep(path, kept)
        module = Module(path, tuple(decls), source.span(0, len(text)), tuple(comments))
        return module, []

    def _whole(self, source: Source, chunks: list[Chunk]) -> tuple[Module | None, list[Diagnostic]]:
        """The whole file parsed; when it parses, its declarations and comments are tabled
        by chunk (where they are) for the next calls."""
        self.full = True
        module, diags = parse_module(source)
        if module is None or diags or len(chunks) < 2:
            return module, diags
        kept: dict[str, tuple] = {}
        decls, comments = module.decls, module.comments
        d = c = 0
        for piece, line, offset in chunks:
            end = offset + len(piece)
            first_d, first_c = d, c
            while d < len(decls) and decls[d].span.start < end:
                d += 1
            while c < len(comments) and comments[c][0].start < end:
                c += 1
            if d > first_d and decls[d - 1].span.end > end:
                return module, diags  # a declaration across chunks: cache nothing
            kept[piece] = (decls[first_d:d], comments[first_c:c], line, offset)
        self._keep(source.path, kept)
        return module, diags

    def _keep(self, path: str, chunks: dict[str, tuple]) -> None:
        """`chunks` become the file's last parse; the one before is kept for an undo."""
        last = self._files.pop(path, ({}, {}))[0]
        self._files[path] = (chunks, last)
        while len(self._files) > self.files:
            del self._files[next(iter(self._files))]

    def forget(self, path: str) -> None:
        """Drop the chunks of a file (closed in the editor)."""
        self._files.pop(path, None)
