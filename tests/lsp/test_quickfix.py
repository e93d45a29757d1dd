"""Quick fixes as pure functions of a checked document (`ibc.lsp.quickfix`): each code whose
hint names a replacement gives an edit that makes it, and applying it removes the error.
The server's code actions over stdio are tested in test_refactor.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.lsp.analysis import Analyzer
from ibc.lsp.quickfix import quick_fixes

FEATS = """\
from typing import Literal


def fill(x: float, strategy: Literal["mean", "median"] = "mean") -> float:
    return x
"""

CASES = [
    # (code, the program, the text replaced, the replacement)
    ("E0201", "size = 3\nc = siz\n", "siz\n", "size\n"),
    ("E0207", 'from "lib.ib" import bse\n', "import bse", "import base"),
    ("E0210", 'import "lib.ib" as lib\ne = lib.bsae\n', "lib.bsae", "lib.base"),
    (
        "E0302",
        "from sklearn.linear_model import LogisticRegresion\n",
        "LogisticRegresion",
        "LogisticRegression",
    ),
    (
        "E0402",
        'from "src/feats.py" import fill\nv = fill(1.0, strategi = "mean")\n',
        "strategi",
        "strategy",
    ),
    ("E0408", "rec = {alpha = 1}\nb = rec.alpah\n", "rec.alpah", "rec.alpha"),
    ("E0416", "d: Flaot = 1.0\n", "Flaot", "Float"),
    (
        "E0429",
        'from "src/feats.py" import fill\nv = fill(1.0, strategy = "meen")\n',
        '"meen"',
        '"mean"',
    ),
    (
        "E0501",
        "size = 3\nexperiment x = {v = size}\nexperiment y = x with { sise = 4 }\n",
        "{ sise",
        "{ size",
    ),
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("quickfix")
    (root / "ibc.toml").write_text("")
    (root / "lib.ib").write_text("base = 3\n")
    (root / "src").mkdir()
    (root / "src" / "feats.py").write_text(FEATS)
    return root


def _apply(text: str, edits) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


@pytest.mark.parametrize("code, text, old, new", CASES, ids=[c[0] for c in CASES])
def test_the_hint_is_a_fix_that_removes_the_error(project, code, text, old, new):
    analyzer = Analyzer()
    path = project / "main.ib"
    analysis = analyzer.analyze(path, text)
    assert [d.code for d in analysis.result.diagnostics] == [code]
    fixes = quick_fixes(analysis, 0, len(text))
    preferred = [fix for fix in fixes if fix.preferred]
    assert len(preferred) == 1 and preferred[0].diagnostic["code"] == code
    fixed = _apply(text, preferred[0].edits)
    assert fixed == text.replace(old, new, 1)
    assert analyzer.analyze(path, fixed).result.diagnostics == []


def test_a_fix_only_where_the_range_meets_the_diagnostic(project):
    text = "size = 3\nc = siz\n"
    analysis = Analyzer().analyze(project / "main.ib", text)
    assert quick_fixes(analysis, 0, 5) == []
    assert quick_fixes(analysis, text.index("siz\n"), text.index("siz\n"))


def test_no_fix_when_the_diagnostic_is_not_at_the_misspelt_text(project):
    # the value comes through a binding: the span is `how`, not the string to replace
    text = 'from "src/feats.py" import fill\nhow = "meen"\nv = fill(1.0, how)\n'
    analysis = Analyzer().analyze(project / "main.ib", text)
    assert [d.code for d in analysis.result.diagnostics] == ["E0429"]
    assert quick_fixes(analysis, 0, len(text)) == []


def test_the_rewrite_of_a_mutating_fit_copies_the_arguments_as_written(project):
    text = (
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.datasets import make_classification\n"
        "(X, y) = make_classification(n_samples = 50, random_state = 0)\n"
        "m = LogisticRegression()\n"
        "f = m.fit(X,  y, sample_weight = None)\n"
        "g = m.fit(X, y)\n"
    )
    analysis = Analyzer().analyze(project / "main.ib", text)
    at = text.index("fit(X,  y")  # on the squiggle: the method's name
    fixes = quick_fixes(analysis, at, at)
    assert [f.title for f in fixes] == ["Rewrite as `fit(m, X, y, sample_weight = None)`"]
    fixed = _apply(text, fixes[0].edits)
    assert "f = fit(m, X,  y, sample_weight = None)\n" in fixed
