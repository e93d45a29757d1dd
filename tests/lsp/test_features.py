"""The editor features as pure functions of an analysis (no server, no pygls)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.lsp import features
from ibc.lsp.analysis import Analyzer, LineIndex, lsp_diagnostics
from ibc.lsp.completion import complete, context_at

PROJECT = Path(__file__).parent / "project"
MAIN = PROJECT / "main.ib"


@pytest.fixture(scope="module")
def analysis():
    return Analyzer().analyze(MAIN, MAIN.read_text())


def _pos(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    offset = text.index(needle) + delta
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)


def test_line_index_counts_utf16_units():
    lines = LineIndex('a = 1\nb = "😀" + c\n')
    offset = lines.offset(1, 8)  # after `b = "😀"`: the emoji is two UTF-16 units
    assert lines.text[offset] == " " and lines.text[offset - 1] == '"'
    assert lines.position(offset) == (1, 8)
    assert lines.offset(9, 0) == len(lines.text)


def test_clean_analysis_has_types_and_no_diagnostics(analysis):
    assert analysis.checked is not None and analysis.result.expanded is not None
    assert lsp_diagnostics(analysis) == {MAIN.absolute().as_uri(): []}


def test_diagnostics_of_an_error_are_in_lsp_form():
    bad = Analyzer().analyze(PROJECT / "bad.ib", 'x = "a" + 1\n')
    (items,) = lsp_diagnostics(bad).values()
    assert items[0]["code"] == "E0408" or items[0]["severity"] == 1
    assert items[0]["range"]["start"]["line"] == 0


def test_hover_on_a_call_shows_its_result_type(analysis):
    text = analysis.text
    found = features.hover(analysis, *_pos(text, "make_data(size", 1))
    assert "make_data: (n: Int, noise: Float = 0.1) -> List[Float]" in found.text
    assert "src.helpers:make_data" in found.text


def test_hover_on_a_local_parameter(analysis):
    found = features.hover(analysis, *_pos(analysis.text, "score(m,", 6))
    assert "(local) m: Model" in found.text


def test_hover_on_an_override_path(analysis):
    found = features.hover(analysis, *_pos(analysis.text, "model.alpha = 10", 7))
    assert "parameter `model.alpha`" in found.text


def test_hover_on_nothing(analysis):
    assert features.hover(analysis, 200, 0) is None


def test_definition_of_a_python_function_is_its_def_line(analysis):
    found = features.definition(analysis, *_pos(analysis.text, "score(m", 1))
    assert found.path.name == "helpers.py"
    assert found.path.read_text().splitlines()[found.line].startswith("def score")


def test_definition_of_an_import_path_is_the_file(analysis):
    found = features.definition(analysis, *_pos(analysis.text, '"common.ib"', 2))
    assert found.path == (PROJECT / "common.ib").resolve() and found.line == 0


def test_document_symbols_in_order(analysis):
    names = [(s.name, s.kind) for s in features.document_symbols(analysis.module_ast)]
    assert names[:4] == [
        ("make_data", features.FUNCTION),
        ("Model", features.CLASS),
        ("score", features.FUNCTION),
        ("common", features.MODULE),
    ]
    assert ("strong", features.EVENT) in names


def test_format_document_without_change_is_none():
    assert features.format_document("") is None


@pytest.mark.parametrize(
    "text, kind",
    [
        ("x = f(a, ", "argument"),
        ("x = f(a = g(", "argument"),
        ("x = f(a = ", "value"),
        ("e = b with { model.", "path"),
        ("e = b with { a = 1, mo", "path"),
        ("e = b with { (a, ", "path"),
        ("e = b with { a = ", "value"),
        ("x = {k = ", "value"),
        ('x = "with { ', "string"),
        ("# f(", "comment"),
        ("x = [1, 2]\ny = ", "value"),
    ],
)
def test_context_at(text, kind):
    assert context_at(text, len(text)).kind == kind


def test_context_of_a_call_knows_its_callee_and_given_keywords():
    text = "m = common.make(alpha = f(beta = 1), "
    ctx = context_at(text, len(text))
    assert ctx.callee == "common.make" and ctx.given == ("alpha",)


def test_complete_without_analysis_gives_keywords_only():
    labels = [c.label for c in complete(None, "x = ", 4)]
    assert "fn" in labels and "experiment" in labels


def test_complete_keyword_arguments_of_an_ib_function(analysis):
    text = analysis.text + "z = common.double("
    labels = [c.label for c in complete(analysis, text, len(text))]
    assert labels[0] == "x ="
    assert "size" in labels  # names follow the keywords


def test_complete_locals_inside_a_def(analysis):
    offset = analysis.text.index("score(m, data)")
    labels = [c.label for c in complete(analysis, analysis.text, offset)]
    assert labels[0] == "m"
