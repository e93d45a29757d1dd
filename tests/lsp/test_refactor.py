"""Rename, find references and quick fixes, through pygls's client talking to `ibc lsp`
over stdio, on a workspace of several `.ib` files (some open in the editor, some only on
disk)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lsp.lspclient import Client

COMMON = """\
def double(n: Int) -> Int:
    return n * 2

base = 3
"""
MAIN = """\
import "common.ib" as common
from "common.ib" import double

size = common.double(common.base)
twice = double(n = size)
experiment e = {s = size, t = twice}
experiment f = e with { size = 4 }
"""
OTHER = """\
from "common.ib" import double

experiment o = {v = double(n = 1)}
"""
UNRELATED = """\
# not the double of common.ib
double_it = 1
"""
FIXES = """\
from sklearn.ensemble import RandomForestClassifier
from sklearn.datasets import make_classification

(X, y) = make_classification(n_samples = 50, random_state = 0)
model = RandomForestClassifier(n_estimator = 10)
fitted = model.fit(X, y)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("refactor")
    (root / "ibc.toml").write_text("")
    for name, text in (
        ("common.ib", COMMON),
        ("main.ib", MAIN),
        ("other.ib", OTHER),
        ("unrelated.ib", UNRELATED),
        ("fixes.ib", FIXES),
    ):
        (root / name).write_text(text)
    (root / ".ibc").mkdir()
    (root / ".ibc" / "hidden.ib").write_text(OTHER)  # the store's folder is not the code's
    return root


@pytest.fixture(scope="module")
def client(project):
    c = Client(project)
    c.initialize(project)
    for name in ("common.ib", "main.ib", "fixes.ib"):
        path = project / name
        since = len(c.notifications)
        c.open(path, path.read_text())
        c.diagnostics(path.as_uri(), since=since)
    yield c
    c.kill()


def _pos(text: str, needle: str, delta: int = 0) -> dict:
    offset = text.index(needle) + delta
    line = text.count("\n", 0, offset)
    return {"line": line, "character": offset - (text.rfind("\n", 0, offset) + 1)}


def _rename(client, path: Path, position: dict, new_name: str) -> dict:
    return client.request(
        "textDocument/rename",
        {"textDocument": {"uri": path.as_uri()}, "position": position, "newName": new_name},
    )


def _apply(text: str, edits: list[dict]) -> str:
    """The text with LSP edits made (ASCII text: characters are UTF-16 units)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(pos: dict) -> int:
        return starts[pos["line"]] + pos["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        a, b = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:a] + edit["newText"] + text[b:]
    return text


def test_rename_a_binding_renames_its_uses_and_parameter_paths(client, project):
    main = project / "main.ib"
    edit = _rename(client, main, _pos(MAIN, "n = size", 4), "count")
    assert set(edit["changes"]) == {main.as_uri()}
    assert _apply(MAIN, edit["changes"][main.as_uri()]) == MAIN.replace(
        "size = common", "count = common"
    ).replace("n = size", "n = count").replace("s = size", "s = count").replace(
        "{ size = 4", "{ count = 4"
    )


def test_rename_a_def_across_files_open_and_on_disk(client, project):
    common, main, other = project / "common.ib", project / "main.ib", project / "other.ib"
    edit = _rename(client, common, _pos(COMMON, "double"), "twice_of")
    changes = edit["changes"]
    assert set(changes) == {common.as_uri(), main.as_uri(), other.as_uri()}
    assert _apply(COMMON, changes[common.as_uri()]) == COMMON.replace("double", "twice_of")
    assert _apply(MAIN, changes[main.as_uri()]) == MAIN.replace("double", "twice_of")
    assert _apply(OTHER, changes[other.as_uri()]) == OTHER.replace("double", "twice_of")


def test_rename_a_parameter_renames_the_keyword_arguments_of_its_calls(client, project):
    common, main, other = project / "common.ib", project / "main.ib", project / "other.ib"
    edit = _rename(client, common, _pos(COMMON, "n: Int"), "k")
    changes = edit["changes"]
    assert _apply(COMMON, changes[common.as_uri()]) == COMMON.replace("(n:", "(k:").replace(
        "n * 2", "k * 2"
    )
    assert _apply(MAIN, changes[main.as_uri()]) == MAIN.replace("(n = size", "(k = size")
    assert _apply(OTHER, changes[other.as_uri()]) == OTHER.replace("(n = 1", "(k = 1")
    # from the keyword argument of a call, the same parameter
    again = _rename(client, main, _pos(MAIN, "n = size"), "k")
    assert again["changes"] == changes


def test_prepare_rename_gives_the_name_or_refuses(client, project):
    main = project / "main.ib"
    found = client.request(
        "textDocument/prepareRename",
        {"textDocument": {"uri": main.as_uri()}, "position": _pos(MAIN, "twice =", 2)},
    )
    assert found["placeholder"] == "twice"
    assert found["range"]["start"] == {"line": 4, "character": 0}
    assert found["range"]["end"] == {"line": 4, "character": 5}
    fixes = project / "fixes.ib"
    for path, text, needle in (
        (fixes, FIXES, "RandomForestClassifier(n"),
        (main, MAIN, "experiment e"),
    ):
        refused = client.request(
            "textDocument/prepareRename",
            {"textDocument": {"uri": path.as_uri()}, "position": _pos(text, needle)},
        )
        assert refused is None, needle  # a Python name, a keyword


def test_rename_refuses_a_bad_or_taken_name(client, project):
    main = project / "main.ib"
    with pytest.raises(Exception, match="not a name"):
        _rename(client, main, _pos(MAIN, "twice ="), "with")
    with pytest.raises(Exception, match="already defined"):
        _rename(client, main, _pos(MAIN, "twice ="), "size")
    # `main.ib` imports `double` under its own name and binds `twice`
    common = project / "common.ib"
    with pytest.raises(Exception, match="`twice` is already defined in main.ib"):
        _rename(client, common, _pos(COMMON, "double"), "twice")


def test_references_across_files(client, project):
    common = project / "common.ib"

    def refs(declaration: bool) -> list[tuple[str, int, int]]:
        found = client.request(
            "textDocument/references",
            {
                "textDocument": {"uri": common.as_uri()},
                "position": _pos(COMMON, "base = "),
                "context": {"includeDeclaration": declaration},
            },
        )
        return sorted(
            (
                Path(r["uri"][len("file://") :]).name,
                r["range"]["start"]["line"],
                r["range"]["start"]["character"],
            )
            for r in found
        )

    assert refs(False) == [("main.ib", 3, 28)]
    assert refs(True) == [("common.ib", 3, 0), ("main.ib", 3, 28)]


def _actions(client, path: Path, text: str, needle: str) -> list[dict]:
    start = _pos(text, needle)
    return client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": path.as_uri()},
            "range": {"start": start, "end": start},
            "context": {"diagnostics": []},
        },
    )


def test_quick_fix_of_a_misspelt_keyword(client, project):
    fixes = project / "fixes.ib"
    (action,) = _actions(client, fixes, FIXES, "n_estimator =")
    assert action["title"] == "Change `n_estimator` to `n_estimators`"
    assert action["kind"] == "quickfix" and action["isPreferred"] is True
    assert action["diagnostics"][0]["code"] == "E0402"
    edits = action["edit"]["changes"][fixes.as_uri()]
    assert _apply(FIXES, edits) == FIXES.replace("n_estimator =", "n_estimators =")


def test_quick_fix_of_a_mutating_fit(client, project):
    fixes = project / "fixes.ib"
    (action,) = _actions(client, fixes, FIXES, "fit(X, y)")
    assert action["title"] == "Rewrite as `fit(model, X, y)`"
    assert action["diagnostics"][0]["code"] == "E0407"
    edits = action["edit"]["changes"][fixes.as_uri()]
    fixed = _apply(FIXES, edits)
    assert "fitted = fit(model, X, y)\n" in fixed
    # the fixed text checks clean but for the keyword, which has its own fix
    since = len(client.notifications)
    client.change(fixes, fixed, 2)
    diagnostics = client.diagnostics(fixes.as_uri(), since=since)["diagnostics"]
    assert [d["code"] for d in diagnostics] == ["E0402"]
    client.change(fixes, FIXES, 3)


def test_no_action_away_from_diagnostics(client, project):
    main = project / "main.ib"
    assert _actions(client, main, MAIN, "twice =") == []
