"""The language server and searches (docs/guide.md, "Searches"): hover on a search's name
gives its type, hover on an axis's space the type of the values it proposes and the path it
sets; completion offers the parameter paths inside the search's `with` and the spaces after
`in`; the outline lists the search."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.lsp import features
from ibc.lsp.analysis import Analyzer
from ibc.lsp.completion import complete

PROJECT = Path(__file__).parent / "project"
TEXT = """\
def evaluate(C: Float, n: Int, kind: Str) -> {accuracy: Float}:
    return {accuracy = C * n}
C = 1.0
n = 10
kind = "a"
experiment baseline = evaluate(C, n, kind)
search tuned = baseline with {
    C in log_uniform(0.001, 100.0),
    n in int_range(1, 20),
    kind in ["a", "b"],
} maximize accuracy trials 40
"""


@pytest.fixture(scope="module")
def analysis():
    return Analyzer().analyze(PROJECT / "search.ib", TEXT)


def _pos(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    offset = text.index(needle) + delta
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)


def test_the_program_checks(analysis):
    assert analysis.checked is not None and analysis.result.ok


def test_hover_on_a_numeric_space(analysis):
    found = features.hover(analysis, *_pos(TEXT, "log_uniform", 2))
    assert "log_uniform: space of Float" in found.text
    assert "`C`" in found.text
    found = features.hover(analysis, *_pos(TEXT, "int_range", 2))
    assert "int_range: space of Int" in found.text


def test_hover_on_a_categorical_space(analysis):
    found = features.hover(analysis, *_pos(TEXT, '["a", "b"]'))
    assert "choice: space of Str (2 values)" in found.text


def test_hover_on_the_search_name(analysis):
    found = features.hover(analysis, *_pos(TEXT, "tuned", 1))
    assert "search tuned: Dict[Str, {accuracy: Float}]" in found.text


def test_completion_offers_paths_in_a_search(analysis):
    text = TEXT.replace("    n in int_range(1, 20),\n", "    n in int_range(1, 20),\n    ki\n")
    offset = text.index("    ki\n") + 6
    labels = [c.label for c in complete(analysis, text, offset)]
    assert "kind" in labels


def test_completion_offers_spaces_after_in(analysis):
    text = TEXT.replace("    n in int_range(1, 20),\n", "    n in \n")
    offset = text.index("    n in \n") + 9
    found = complete(analysis, text, offset)
    labels = [c.label for c in found]
    assert labels[:5] == ["uniform", "log_uniform", "int_range", "int_log_range", "choice"]
    assert found[0].insert == "uniform("
    # not after `in` in a sweep
    sweep = "sweep s = baseline with { n in "
    assert "uniform" not in [c.label for c in complete(analysis, sweep, len(sweep))]


def test_outline_lists_the_search(analysis):
    symbols = features.document_symbols(analysis.module_ast)
    assert ("tuned", "search") in [(s.name, s.detail) for s in symbols]
