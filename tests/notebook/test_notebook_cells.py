"""Cells as chunks of the session module: names, replacement, and the line map back."""

from __future__ import annotations

from ibc.notebook.cells import (
    EXPERIMENT,
    IMPORT,
    SWEEP,
    LineMap,
    merge,
    session_text,
    split_cell,
)
from ibc.syntax.parser import parse_module
from ibc.base.spans import Source, Span


def chunks_of(text: str, cell: str = "In[1]"):
    module, problems = parse_module(Source(cell, text))
    assert module is not None and not problems
    return split_cell(module, text, cell)


def test_split_names_kinds_and_lines():
    text = (
        "from m import a, b as c\n"
        "(x, y) = a(1)\n"
        "def f(v: Int) -> Int:\n"
        "    return v\n"
        "experiment e = {v = f(1)}\n"
        "sweep s = e with { x in [1, 2] }\n"
    )
    chunks = chunks_of(text)
    assert [c.names for c in chunks] == [("a", "c"), ("x", "y"), ("f",), ("e",), ("s",)]
    assert chunks[0].kind == IMPORT
    assert [c.kind for c in chunks][3:] == [EXPERIMENT, SWEEP]
    assert [c.line for c in chunks] == [1, 2, 3, 5, 6]
    assert chunks[2].text == "def f(v: Int) -> Int:\n    return v"


def test_a_new_declaration_replaces_the_old_one_in_place_of_order():
    old = chunks_of("n = 1\nm = n + 1\n")
    new = chunks_of("n = 2\n", "In[2]")
    merged, notes = merge(old, new)
    assert session_text(merged) == "m = n + 1\nn = 2\n"
    assert notes == []


def test_an_import_loses_only_the_redeclared_name_and_keeps_its_columns():
    old = chunks_of("from m import a, b, c\n")
    merged, notes = merge(old, chunks_of("b = 1\n", "In[2]"))
    assert merged[0].text == "from m import a,    c"
    assert merged[0].names == ("a", "c")
    assert notes == []
    module, problems = parse_module(Source("s", session_text(merged)))
    assert module is not None and not problems


def test_a_destructuring_redeclared_in_part_is_dropped_with_a_note():
    merged, notes = merge(chunks_of("(p, q) = (1, 2)\n"), chunks_of("p = 3\n", "In[2]"))
    assert session_text(merged) == "p = 3\n"
    assert len(notes) == 1 and "`q`" in notes[0] and "In[1], line 1" in notes[0]


def test_line_map_sends_session_spans_to_their_cells():
    first = "a = 1\nb = 2\n"
    second = "\nc = (\n    3)\n"  # a cell whose first line is the `%%ib` line
    chunks, _ = merge(chunks_of(first), chunks_of(second, "In[2]"))
    cells = {"In[1]": Source("In[1]", first), "In[2]": Source("In[2]", "%%ib\nc = (\n    3)\n")}
    mapping = LineMap("__notebook__.ib", chunks, cells)
    assert mapping.locate(2) == ("In[1]", 2)
    assert mapping.locate(4) == ("In[2]", 3)
    span = mapping.span(Span("__notebook__.ib", 4, 5, 4, 6, 0, 0))
    assert (span.file, span.line, span.col) == ("In[2]", 3, 5)
    assert cells["In[2]"].text[span.start : span.end] == "3"
    assert mapping.span(Span("other.ib", 4, 5, 4, 6)).file == "other.ib"
    assert mapping.text("at __notebook__.ib:3:5 and x.ib:1:1") == "at In[2]:2:5 and x.ib:1:1"
