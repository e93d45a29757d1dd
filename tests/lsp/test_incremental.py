"""The incremental parse (`ibc.lsp.incremental`) gives exactly a full parse's answer.

The module assembled from chunks must equal `parse_module`'s (declarations, comments and every
span, compared field by field), and a text with an error must give the full parse's
diagnostics: checked for every `.ib` file of the repository, chunk by chunk and after a cold
whole-file parse, and for seeded random edits of them. Also: what `split` cuts, what a change
re-parses, and the driver taking the pre-parsed module and the kept index.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ibc.driver import check_file
from ibc.lsp.analysis import Analyzer
from ibc.lsp.incremental import ChunkParser, relocate, split
from ibc.syntax.parser import parse_module
from ibc.base.spans import Source, Span

ROOT = Path(__file__).resolve().parents[2]
PROJECT = Path(__file__).parent / "project"
IB_FILES = sorted(
    p
    for p in ROOT.rglob("*.ib")
    if not any(part.startswith(".") or part == "node_modules" for part in p.relative_to(ROOT).parts)
)


def _same(parser: ChunkParser, path: str, text: str) -> bool:
    """Asserts the equality; True when the answer was assembled from chunks."""
    source = Source(path, text)
    expected = parse_module(source)
    got = parser.parse(source)
    assert got[1] == expected[1]
    assert got[0] == expected[0]
    if got[0] is not None:  # equal records, spans included; also the same spans' files
        assert got[0].span == expected[0].span and got[0].comments == expected[0].comments
    return not parser.full


def test_the_repository_has_ib_files():
    assert len(IB_FILES) >= 20


@pytest.mark.parametrize("path", IB_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_ib_file_assembled_equals_the_full_parse(path):
    text = path.read_text(encoding="utf-8")
    _same(ChunkParser(whole_above=2.0), path.name, text)  # every chunk parsed alone
    cold = ChunkParser()
    _same(cold, path.name, text)  # a first parse of the whole file…
    _same(cold, path.name, text)  # …whose chunks, tabled, make the module again


def _edit(rng: random.Random, text: str) -> str:
    """One random edit of the kinds typing makes, and some that break the text."""
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    kind = rng.randrange(10)
    if kind == 0:  # delete a line
        del lines[i]
    elif kind == 1:  # duplicate a line (a binding bound twice, say)
        lines.insert(i, lines[i])
    elif kind == 2:  # a comment or a blank line
        lines.insert(i, rng.choice(["# note (", "", "   # [", "#", "\r"]))
    elif kind == 3:  # join two lines
        if i + 1 < len(lines):
            lines[i : i + 2] = [lines[i] + lines[i + 1]]
    elif kind == 4:  # indent or dedent a line
        lines[i] = lines[i][4:] if lines[i].startswith("    ") else "    " + lines[i]
    elif kind == 5:  # a new declaration
        lines.insert(
            i, rng.choice(["z_new = 1", "def g(x: Int) -> Int: return x", "(a, b) = (1, 2)"])
        )
    else:  # a character inserted or deleted in a line (brackets, quotes, literals)
        line = lines[i]
        at = rng.randrange(len(line) + 1)
        if rng.random() < 0.4 and line:
            at = min(at, len(line) - 1)
            lines[i] = line[:at] + line[at + 1 :]
        else:
            ch = rng.choice(list("()[]{}\"'#,=1ax \\") + ["\t", "\ufeff", "é", "12"])
            lines[i] = line[:at] + ch + line[at:]
    return "\n".join(lines)


def _typing(rng: random.Random, path: str, text: str, edits: int) -> int:
    """`edits` random edits checked one after the other with one parser; an edit that breaks
    the text is undone before the next one (a typo fixed). How many were assembled."""
    parser = ChunkParser()
    _same(parser, path, text)
    assembled = 0
    good = text
    for _ in range(edits):
        text = _edit(rng, good)
        assembled += _same(parser, path, text)
        if parse_module(Source(path, text))[0] is not None:
            good = text
    return assembled


@pytest.mark.parametrize("seed", range(6))
def test_random_edits_give_the_full_parse(seed):
    rng = random.Random(seed)
    big = [p for p in IB_FILES if p.stat().st_size > 800]
    assembled = 0
    for path in rng.sample(big, min(4, len(big))):
        assembled += _typing(rng, path.name, path.read_text(encoding="utf-8"), 25)
    assert assembled >= 20  # many edits were answered from chunks, not by a full parse


def test_random_edits_of_a_generated_file():
    text = "".join(
        f"x_{k} = f(x_{k - 1}, [{k},\n    {k + 1}])  # c{k}\ndef g_{k}(v: Int) -> Int:\n"
        f"    w = v\n# inside\n    return w\n"
        for k in range(1, 40)
    )
    assert _typing(random.Random(7), "gen.ib", text, 80) >= 20


TRICKY = [
    "x = 1\n\ufeffy = 2\nz = 3\n",  # a byte-order mark starting a line: an error, not skipped
    "\ufeffx = 1\ny = 2\n",  # …but skipped at the start of the file
    "x = 1\r\ny = [2,\r\n3]\r\n# end\r\n",  # CRLF
    "x = 1\ny = 2",  # no newline at the end
    "def f(a: Int) -> Int:\n    return a\n\n\n# after\ny = f(1)\n",
    "def f(a: Int) -> Int:\n  b = a\n    return b\nx = 1\n",  # bad indentation
    "x = 1\n  y = 2\nz = 3\n",  # an unexpected indent
    "x = 1\n1 = y\nz = 3\n",
    'x = \'a(\' \ny = "b\\"["\nz = 3\n',  # brackets in strings, an escaped quote
    "x = 'unterminated(\ny = 2\n",
    "type T = Int\nexperiment e = 1\nsweep s = e with { x in [1] }\ntype = 3\n",
    "x = 1\n)\ny = 2\n",
    "x = (1,\n# (\n2)\ny = 2\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_give_the_full_parse(text):
    parser = ChunkParser(whole_above=2.0)
    _same(parser, "t.ib", "x_pre = 0\n")
    _same(parser, "t.ib", text)
    _same(ChunkParser(), "t.ib", text)


def test_split_cuts_at_declarations_with_their_leading_comments():
    text = (
        "# head\nx = [1,\n2]\n\n# about y\ny = (\n  '(' )\n"
        "def f(a: Int) -> Int:\n    b = a\n# c\n    return b\nz = '#' # [\n"
    )
    chunks = split(text)
    assert "".join(c.text for c in chunks) == text
    assert [c.text.splitlines()[0] for c in chunks] == [
        "# head",
        "",
        "def f(a: Int) -> Int:",
        "z = '#' # [",
    ]
    assert [c.line for c in chunks] == [1, 4, 8, 12]
    assert all(text[c.offset :].startswith(c.text) for c in chunks)


def test_split_leaves_an_unclosed_bracket_in_one_chunk():
    chunks = split("x = f(\ny = 2\nz = 3\n")
    assert len(chunks) == 1


def test_relocate_moves_lines_and_offsets_not_columns():
    span = Span("f.ib", 1, 5, 2, 3, 4, 12)
    assert relocate(span, 3, 40) == Span("f.ib", 4, 5, 5, 3, 44, 52)
    assert relocate((span, "c"), 0, 0)[0] is span


def test_a_one_line_change_reparses_one_chunk_and_reuses_the_others():
    text = "".join(f"x_{k} = {k}\n" for k in range(50))
    parser = ChunkParser()
    first, _ = parser.parse(Source("a.ib", text))
    assert parser.full
    second, _ = parser.parse(Source("a.ib", text.replace("x_3 = 3\n", "x_3 = 33\n")))
    assert not parser.full and parser.reparsed == 1
    assert second.decls[2] is first.decls[2]  # before the change: the same nodes
    assert second.decls[10] is not first.decls[10]  # after it: moved by one character
    assert second.decls[10].span.start == first.decls[10].span.start + 1


def test_a_syntax_error_gives_the_full_parse_diagnostics():
    text = "".join(f"x_{k} = {k}\n" for k in range(20))
    parser = ChunkParser()
    parser.parse(Source("a.ib", text))
    bad = text.replace("x_15 = 15\n", "x_15 = (15\n")
    module, diags = parser.parse(Source("a.ib", bad))
    assert parser.full and module is None
    assert diags == parse_module(Source("a.ib", bad))[1] and diags[0].code == "E0103"


def test_the_driver_takes_the_parsed_module_and_the_index():
    main = PROJECT / "main.ib"
    text = main.read_text(encoding="utf-8")
    plain = check_file(main, text=text)
    from ibc.resolve.project import display_path
    from ibc.resolve.pyinterface import PythonIndex
    from ibc.resolve.project import find_root

    parsed = ChunkParser().parse(Source(display_path(main.absolute()), text))
    index = PythonIndex(find_root(main))
    result = check_file(main, text=text, parsed=parsed, index=index)
    assert result.diagnostics == plain.diagnostics
    assert result.resolved is not None and result.resolved.index is index
    assert result.resolved.main.ast is parsed[0]


def test_the_driver_reports_a_parsed_syntax_error():
    main = PROJECT / "main.ib"
    text = "x = (1\n"
    from ibc.resolve.project import display_path

    parsed = parse_module(Source(display_path(main.absolute()), text))
    result = check_file(main, text=text, parsed=parsed)
    assert [d.code for d in result.diagnostics] == ["E0103"]
    assert result.resolved is None


def test_the_analyzer_rechecks_an_edit_through_the_driver():
    main = PROJECT / "main.ib"
    text = main.read_text(encoding="utf-8")
    analyzer = Analyzer()
    first = analyzer.analyze(main, text)
    edited = text + "\nextra_binding = 1\n"
    second = analyzer.analyze(main, edited)
    assert analyzer.parser.reparsed <= 2 and not analyzer.parser.full
    assert second.result.diagnostics == check_file(main, text=edited).diagnostics
    assert second.program is not None and second.program.index is first.program.index


def test_chunks_are_kept_per_file_and_an_undo_reparses_nothing():
    text = "".join(f"x_{k} = {k}\n" for k in range(30))
    edited = text.replace("x_4 = 4\n", "x_4 = 44\n")
    parser = ChunkParser()
    parser.parse(Source("a.ib", text))
    parser.parse(Source("b.ib", text))
    parser.parse(Source("a.ib", edited))
    assert not parser.full and parser.reparsed == 1  # b.ib's parse did not evict a.ib's chunks
    _same(parser, "a.ib", text)  # the undo
    assert not parser.full and parser.reparsed == 0
    parser.forget("a.ib")
    parser.parse(Source("a.ib", edited))
    assert parser.full
