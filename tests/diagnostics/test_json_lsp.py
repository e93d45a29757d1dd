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
        "fixes": [],
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


def _apply_json_edits(text: str, edits: list[dict]) -> str:
    """`text` with the edits of `ibc check --format json` made (1-based lines and columns,
    `end_col` exclusive), the last first."""
    lines = text.splitlines(keepends=True)

    def offset(line: int, col: int) -> int:
        return sum(len(x) for x in lines[: line - 1]) + col - 1

    for edit in sorted(edits, key=lambda e: (e["line"], e["col"]), reverse=True):
        start = offset(edit["line"], edit["col"])
        text = text[:start] + edit["text"] + text[offset(edit["end_line"], edit["end_col"]) :]
    return text


def test_check_json_carries_the_fixes_and_making_them_fixes_the_program(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "feats.py").write_text(
        "def make(n_estimators: int = 10, depth: int = 3) -> int:\n    return n_estimators\n"
    )
    text = (
        'from "feats.py" import make\n'
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.datasets import make_classification\n"
        "(X, y) = make_classification(n_samples = 50, random_state = 0)\n"
        "m = LogisticRegression()\n"
        "a = make(n_estimator = 3)\n"
        "f = m.fit(X,  y)\n"
    )
    main = tmp_path / "main.ib"
    main.write_text(text)

    def check() -> tuple[int, list[dict]]:
        done = subprocess.run(
            [sys.executable, "-m", "ibc", "check", "main.ib", "--format", "json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=os.environ,
            timeout=120,
        )
        return done.returncode, json.loads(done.stdout)

    code, items = check()
    assert code == 1
    by_code = {item["code"]: item for item in items}
    assert sorted(by_code) == ["E0402", "E0407"]
    (spelling,) = by_code["E0402"]["fixes"]
    assert spelling == {
        "title": "Change `n_estimator` to `n_estimators`",
        "kind": "spelling",
        "preferred": True,
        "edits": [
            {
                "file": "main.ib",
                "line": 6,
                "col": 10,
                "end_line": 6,
                "end_col": 21,
                "text": "n_estimators",
            }
        ],
    }
    (rewrite,) = by_code["E0407"]["fixes"]
    assert rewrite["kind"] == "rewrite" and rewrite["title"] == "Rewrite as `fit(m, X, y)`"
    assert [e["text"] for e in rewrite["edits"]] == ["fit(m, X,  y)"]
    fixed = _apply_json_edits(text, spelling["edits"] + rewrite["edits"])
    assert fixed.endswith("a = make(n_estimators = 3)\nf = fit(m, X,  y)\n")
    main.write_text(fixed)
    assert check() == (0, [])
