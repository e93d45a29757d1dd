"""E0000: a crash inside the compiler is reported as a bug, with its location, never as a bare
traceback (unless IBC_DEBUG=1 asks for one). No program can trigger it, so it is tested here
rather than in tests/errors/general.test."""

from __future__ import annotations

import pytest

from ibc.diagnostics.diagnostic import ERROR
from ibc.diagnostics.render import internal_error, render_internal_error, render_text
from ibc.diagnostics.wording import REGISTRY, all_wordings, words
from ibc.base.spans import Source


def crash() -> KeyError:
    try:
        {}["missing"]
    except KeyError as exc:
        return exc
    raise AssertionError("unreachable")


def test_internal_error_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IBC_DEBUG", raising=False)
    text = render_internal_error(crash(), "cancer.ib:12")
    assert text.startswith("internal error: this is a bug in ibc while compiling cancer.ib:12\n")
    assert "  KeyError: 'missing'\n" in text
    assert "please report it with the file cancer.ib" in text
    assert "Traceback" not in text
    assert "IBC_DEBUG=1" in text


def test_internal_error_traceback_with_ibc_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IBC_DEBUG", "1")
    text = render_internal_error(crash(), "cancer.ib:12")
    assert "Traceback (most recent call last)" in text
    assert "in crash" in text
    assert "KeyError: 'missing'" in text


def test_internal_error_without_a_line() -> None:
    text = render_internal_error(ValueError(), "<repl>")
    assert "while compiling <repl>\n  ValueError\n" in text
    assert "with the file <repl>" in text


def test_e0000_is_registered_with_everything_the_index_needs() -> None:
    all_wordings()
    entry = REGISTRY["E0000"]
    assert entry.title and entry.explain
    assert "IBC_DEBUG" in entry.explain


def test_internal_error_diagnostic_renders_like_any_other() -> None:
    source = Source("main.ib", "x = f(1)\n")
    diag = internal_error(RuntimeError("no rule for Call"), source.span(4, 8))
    assert diag.code == "E0000" and diag.severity == ERROR
    message, hint = words(diag.code, diag.args)
    assert message == (
        "internal error: this is a bug in ibc while compiling main.ib:1 (RuntimeError: no rule for Call)"
    )
    assert hint is not None and "report it with the file main.ib" in hint
    text = render_text([diag], {"main.ib": source}, False)
    assert "error[E0000]: internal error" in text
    assert "1 | x = f(1)\n  |     ^^^^\n" in text
