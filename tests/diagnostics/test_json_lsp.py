"""`ibc check --format json` objects and language-server diagnostics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ibc.diagnostics import wording
from ibc.diagnostics.diagnostic import Related, error, warning
from ibc.diagnostics.render import render_json, to_dict, to_lsp
from ibc.base.spans import Source


@pytest.fixture(autouse=True)
def words_for_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    wording._load_all()
    monkeypatch.setitem(
        wording.REGISTRY,
        "E9201",
        wording.Wording("E9201", "unknown name", "unknown name `{name}`", "did you mean `{near}`?"),
    )
    monkeypatch.setitem(
        wording.REGISTRY, "W9101", wording.Wording("W9101", "unused", "`{name}` is unused")
    )


SOURCE = Source("main.ib", "x = 1\ny = z + 1\n")


def test_json_fields() -> None:
    diag = error(
        "E9201",
        SOURCE.span(10, 11),
        related=(Related(SOURCE.span(0, 1), "`x` is here"),),
        name="z",
        near="x",
    )
    (item,) = json.loads(render_json([diag], {"main.ib": SOURCE}))
    assert item == {
        "code": "E9201",
        "severity": "error",
        "message": "unknown name `z`",
        "hint": "did you mean `x`?",
        "file": "main.ib",
        "line": 2,
        "col": 5,
        "end_line": 2,
        "end_col": 6,
        "related": [{"file": "main.ib", "line": 1, "col": 1, "note": "`x` is here"}],
    }


def test_json_warning_without_hint_and_order() -> None:
    diags = [
        error("E9201", SOURCE.span(10, 11), name="z", near="x"),
        warning("W9101", SOURCE.span(0, 1), name="x"),
    ]
    items = json.loads(render_json(diags, {}))
    assert [i["code"] for i in items] == ["W9101", "E9201"]
    assert items[0]["severity"] == "warning" and items[0]["hint"] is None
    assert items[0]["related"] == []
    assert json.loads(render_json([], {})) == []


def test_json_keeps_unicode_readable() -> None:
    diag = warning("W9101", SOURCE.span(0, 1), name="名前")
    assert "名前" in render_json([diag], {})
    assert to_dict(diag)["message"] == "`名前` is unused"


def test_lsp_diagnostic() -> None:
    diag = error("E9201", SOURCE.span(10, 11), name="z", near="x")
    assert to_lsp(diag) == {
        "range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 5}},
        "severity": 1,
        "code": "E9201",
        "source": "ibc",
        "message": "unknown name `z`\ndid you mean `x`?",
    }


def test_lsp_warning_without_hint() -> None:
    lsp = to_lsp(warning("W9101", SOURCE.span(0, 1), name="x"))
    assert lsp["severity"] == 2
    assert lsp["message"] == "`x` is unused"


def test_lsp_counts_utf16_units_when_given_the_source() -> None:
    source = Source("main.ib", 's = "😀" + q\n')
    start = source.text.index("q")
    diag = error("E9201", source.span(start, start + 1), name="q", near="s")
    assert to_lsp(diag)["range"]["start"]["character"] == 10  # code points
    assert to_lsp(diag, source)["range"]["start"] == {"line": 0, "character": 11}  # 😀 is 2 units
    assert to_lsp(diag, source)["range"]["end"] == {"line": 0, "character": 12}


def test_lsp_related_information() -> None:
    diag = error(
        "E9201", SOURCE.span(10, 11), related=(Related(SOURCE.span(0, 1), "here"),), name="z"
    )
    (info,) = to_lsp(diag, SOURCE)["relatedInformation"]
    assert info["message"] == "here"
    assert info["location"]["uri"] == (Path.cwd() / "main.ib").as_uri()
    assert info["location"]["range"]["start"] == {"line": 0, "character": 0}
