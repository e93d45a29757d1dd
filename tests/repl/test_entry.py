"""Entries of the REPL: when input continues, how lines join, declarations or expression."""

import pytest

from ibc.repl.entry import (
    BOTH,
    TYPE,
    VALUE,
    clashes,
    declared_names,
    in_block,
    join_lines,
    needs_more,
    parse_entry,
)


@pytest.mark.parametrize(
    "text",
    [
        "f(",
        "xs = [1,",
        "r = {a = 1,",
        "x =",
        "f = fn x =>",
        "y = x |>",
        "def f(x: Int) -> Int:",
        "def f(x: Int) -> Int:\n    return x",
        "def f(\n  x: Int) -> Int:\n    return x",
        "from m import (",
    ],
)
def test_unfinished_entries_continue(text):
    assert needs_more(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x = 1",
        "f(1, 2)",
        'x = "("',
        "x = 1  # ends with =",
        "x = 1  # a comment (",
        "def f(x: Int) -> Int: return x * 2",
        "def f(x: Int) -> Int:\n    return x\n",
        "xs = [1,\n 2]",
        ":type f(",
        "a == b",
    ],
)
def test_finished_entries_do_not(text):
    assert not needs_more(text)


def test_a_def_block_is_open_until_its_header_closes():
    assert in_block("def f(x: Int) -> Int:\n    return x")
    assert not in_block("def f(x: Int) -> Int: return x")
    assert not in_block("x = 1")


def test_lines_after_an_operator_are_joined():
    assert join_lines("y = x |>\n    double") == "y = x |> double"
    assert join_lines("x =  # note\n  1 + 2") == "x = 1 + 2"
    assert join_lines("f(a,\n  b)") == "f(a,\n  b)"  # brackets keep their lines


def test_declarations_and_expressions_are_told_apart():
    assert len(parse_entry("a = 1\nb = 2").decls) == 2
    assert parse_entry("a + 1").is_expression
    assert parse_entry("x").is_expression
    assert not parse_entry("experiment e = 3").is_expression


def test_the_parse_that_got_further_reports_the_error():
    entry = parse_entry("x = 1 +")
    assert [d.code for d in entry.diagnostics] == ["E0102"]
    assert entry.diagnostics[0].span.start == 7
    entry = parse_entry("f(1, ]")
    assert entry.diagnostics and entry.diagnostics[0].span.start == 5


def test_declared_names_by_namespace():
    decls = parse_entry(
        'from m import a, b as c\nimport "lib/x.ib"\nfrom "y.ib" import T\n'
        "type M = Int\n(p, (q, r)) = f()\ndef g(x: Int) -> Int: return x\nsweep s = 1"
    ).decls
    names = [declared_names(d) for d in decls]
    assert names == [
        [(VALUE, "a"), (VALUE, "c")],
        [(VALUE, "x")],
        [(BOTH, "T")],
        [(TYPE, "M")],
        [(VALUE, "p"), (VALUE, "q"), (VALUE, "r")],
        [(VALUE, "g")],
        [(VALUE, "s")],
    ]
    assert clashes((BOTH, "T"), (TYPE, "T")) and not clashes((VALUE, "T"), (TYPE, "T"))
