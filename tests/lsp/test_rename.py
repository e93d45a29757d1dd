"""Rename and references as pure functions of checked documents (`ibc.lsp.rename`): what a
cursor's name is, and where another file's check writes it. The server's requests over
stdio, across the workspace's files, are tested in test_refactor.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.lsp import rename as r
from ibc.lsp.analysis import Analyzer

LIB = "size = 3\ndef double(n: Int) -> Int: return n * 2\n"
USER = """\
import "lib.ib" as lib
from "lib.ib" import double as dbl
experiment e = {v = lib.size, w = dbl(n = 2)}
experiment f = e with { lib.size = 4 }
inc = fn(a: Int) => a + 1
def g(k: Int) -> Int:
    m = k + 1
    return m * 2
"""


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    root = tmp_path_factory.mktemp("rename")
    (root / "ibc.toml").write_text("")
    (root / "lib.ib").write_text(LIB)
    analyzer = Analyzer()
    lib = analyzer.analyze(root / "lib.ib", LIB)
    user = analyzer.analyze(root / "user.ib", USER)
    assert user.result.diagnostics == []
    return lib, user


def _written(analysis, target) -> list[tuple[int, str, bool]]:
    text = analysis.text
    return [
        (text.count("\n", 0, o.start) + 1, text[o.start : o.end], o.declaration)
        for o in r.occurrences(analysis, target)
    ]


def test_a_binding_through_a_module_name_and_in_a_parameter_path(checked):
    lib, user = checked
    target = r.target_at(lib, LIB.index("size"))
    assert (target.kind, target.name) == (r.TOP, "size")
    assert _written(lib, target) == [(1, "size", True)]
    assert _written(user, target) == [(3, "size", False), (4, "size", False)]


def test_an_aliased_import_keeps_its_alias(checked):
    lib, user = checked
    target = r.target_at(lib, LIB.index("double"))
    assert _written(user, target) == [(2, "double", False)]  # not `dbl`


def test_a_parameter_and_the_keyword_arguments_of_its_calls(checked):
    lib, user = checked
    target = r.target_at(lib, LIB.index("n: Int"))
    assert (target.kind, target.key[1:]) == (r.PARAM, ("double", "n"))
    assert _written(lib, target) == [(2, "n", True), (2, "n", False)]
    assert _written(user, target) == [(3, "n", False)]  # `dbl(n = 2)`


@pytest.mark.parametrize(
    "needle, kind, lines",
    [("a + 1", r.LOCAL, [5, 5]), ("m * 2", r.LOCAL, [7, 8]), ("k + 1", r.PARAM, [6, 7])],
)
def test_locals_of_a_lambda_and_a_def(checked, needle, kind, lines):
    _, user = checked
    target = r.target_at(user, USER.index(needle))
    assert target.kind == kind
    assert [line for line, _, _ in _written(user, target)] == lines


def test_no_target_on_a_python_name_a_prelude_name_or_a_keyword(tmp_path):
    text = "from sklearn.linear_model import Ridge\nm = fit(Ridge(), [[1.0]], [1.0])\n"
    analysis = Analyzer().analyze(tmp_path / "x.ib", text)
    for needle in ("Ridge(", "fit(", "import"):
        assert r.target_at(analysis, text.index(needle)) is None, needle


def test_names_a_rename_accepts():
    assert r.valid_name("count") and r.valid_name("_x1")
    assert not r.valid_name("with") and not r.valid_name("1x") and not r.valid_name("a-b")


def test_a_name_already_bound_where_the_target_is_seen_is_a_conflict(checked):
    lib, user = checked
    size = r.target_at(lib, LIB.index("size"))
    assert r.conflicts(lib, size, "double") == f"`double` is already defined in {lib.display}"
    assert r.conflicts(lib, size, "count") is None
    # user.ib sees `size` only as `lib.size`: its own `inc` is no conflict there
    assert r.conflicts(user, size, "inc") is None
    param = r.target_at(lib, LIB.index("n: Int"))
    assert r.conflicts(lib, param, "k") is None
