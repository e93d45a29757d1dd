"""Every `.ib` file of the repository, and every error case that parses, formats to a text
that parses to the same AST (spans aside) with the same comments, and formats again to
itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.syntax.format import format_source, same_module
from ibc.syntax.parser import parse_module
from ibc.base.spans import Source
from tests.errors.harness import load_cases

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for p in ROOT.rglob("*.ib")
    if not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
)


def _case_texts() -> list[tuple[str, str]]:
    cases, _ = load_cases()
    out = []
    for case in cases:
        for name, text in case.files:
            if name.endswith(".ib") and parse_module(Source(name, text))[0] is not None:
                out.append((f"{case.id}::{name}", text))
    return out


CASE_TEXTS = _case_texts()


def _check(text: str, name: str) -> None:
    out = format_source(text, name)
    assert format_source(out, name) == out, f"{name}: not idempotent"
    before, _ = parse_module(Source(name, text))
    after, diags = parse_module(Source(name, out))
    assert after is not None, diags
    assert same_module(before, after)
    assert [t.rstrip() for _, t in before.comments] == [t for _, t in after.comments]


def test_the_corpus_is_there():
    names = {p.name for p in FILES}
    assert {"tour.ib", "cancer.ib"} <= names
    assert any("stdlib" in p.parts for p in FILES)
    assert len(CASE_TEXTS) > 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_file(path: Path):
    _check(path.read_text(encoding="utf-8"), str(path))


def test_error_cases_that_parse():
    for name, text in CASE_TEXTS:
        _check(text, name)
