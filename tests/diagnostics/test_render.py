"""Terminal rendering: golden strings with and without colour, carets under tabs, wide
characters and line ends, multi-line spans, notes, summary counts, and when colour is used."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from ibc.diagnostics import wording
from ibc.diagnostics.diagnostic import Related, error, warning
from ibc.diagnostics.render import layout, render_text, summary, use_color
from ibc.base.spans import Source

CANCER = "\n" * 11 + "experiment baseline = evaluate(model, 3)\n"


@pytest.fixture(autouse=True)
def words_for_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test-only codes, removed from the registry after each test."""
    wording._load_all()
    table = {
        "E9402": wording.Wording(
            "E9402",
            "wrong argument",
            "the {position} argument of `{callee}` must be a `{expected}`, found `{found}`",
            "did you mean `{suggestion}`?",
        ),
        "E9201": wording.Wording("E9201", "unknown name", "unknown name `{name}`"),
        "W9101": wording.Wording("W9101", "unused", "`{name}` is never used", "remove it"),
    }
    for code, entry in table.items():
        monkeypatch.setitem(wording.REGISTRY, code, entry)


def at(source: Source, needle: str, length: int | None = None, occurrence: int = 0):
    start = -1
    for _ in range(occurrence + 1):
        start = source.text.index(needle, start + 1)
    return source.span(start, start + (len(needle) if length is None else length))


def test_golden_plain() -> None:
    source = Source("cancer.ib", CANCER)
    diag = error(
        "E9402",
        at(source, "3"),
        position="2nd",
        callee="evaluate",
        expected="DataFrame",
        found="Int",
        suggestion="n_estimators",
    )
    assert render_text([diag], {"cancer.ib": source}, color=False) == (
        "error[E9402]: the 2nd argument of `evaluate` must be a `DataFrame`, found `Int`\n"
        "  --> cancer.ib:12:39\n"
        "   |\n"
        "12 | experiment baseline = evaluate(model, 3)\n"
        "   |                                       ^\n"
        "   = hint: did you mean `n_estimators`?\n"
        "\n"
        "1 error\n"
    )


def test_golden_color() -> None:
    source = Source("m.ib", "x = y\n")
    diags = [error("E9201", at(source, "y"), name="y"), warning("W9101", at(source, "x"), name="x")]
    assert render_text(diags, {"m.ib": source}, color=True) == (
        "\x1b[1;33mwarning[W9101]\x1b[0m\x1b[1m: `x` is never used\x1b[0m\n"
        "\x1b[1;34m --> \x1b[0mm.ib:1:1\n"
        "\x1b[1;34m  |\x1b[0m\n"
        "\x1b[1;34m1 |\x1b[0m x = y\n"
        "\x1b[1;34m  |\x1b[0m \x1b[1;33m^\x1b[0m\n"
        "\x1b[1;34m  = \x1b[0m\x1b[36mhint: remove it\x1b[0m\n"
        "\n"
        "\x1b[1;31merror[E9201]\x1b[0m\x1b[1m: unknown name `y`\x1b[0m\n"
        "\x1b[1;34m --> \x1b[0mm.ib:1:5\n"
        "\x1b[1;34m  |\x1b[0m\n"
        "\x1b[1;34m1 |\x1b[0m x = y\n"
        "\x1b[1;34m  |\x1b[0m     \x1b[1;31m^\x1b[0m\n"
        "\n"
        "\x1b[1;31m1 error\x1b[0m, \x1b[1;33m1 warning\x1b[0m\n"
    )


def test_no_escape_codes_without_color() -> None:
    source = Source("m.ib", "x = y\n")
    text = render_text([error("E9201", at(source, "y"), name="y")], {"m.ib": source}, False)
    assert "\x1b" not in text


def snippet(text: str, needle: str, length: int | None = None, occurrence: int = 0) -> list[str]:
    """The source line and caret line rendered for a span of `text`."""
    source = Source("m.ib", text)
    diag = error("E9201", at(source, needle, length, occurrence), name="n")
    lines = render_text([diag], {"m.ib": source}, False).splitlines()
    return lines[3:5]


def test_tab_expanded_alike_in_line_and_carets() -> None:
    assert snippet("\tx = yy\n", "yy") == ["1 |     x = yy", "  |         ^^"]
    assert snippet("ab\tc\n", "c") == ["1 | ab  c", "  |     ^"]


def test_wide_characters_keep_carets_aligned() -> None:
    assert snippet("名前 = yy\n", "yy") == ["1 | 名前 = yy", "  |        ^^"]
    assert snippet("x = 名前\n", "名前") == ["1 | x = 名前", "  |     ^^^^"]


def test_span_past_line_end_shows_one_caret() -> None:
    assert snippet("f(x\n", "\n") == ["1 | f(x", "  |    ^"]


def test_span_at_end_of_file() -> None:
    source = Source("m.ib", "x = (\n")
    end = source.span(len(source.text), len(source.text))
    lines = render_text([error("E9201", end, name="n")], {"m.ib": source}, False).splitlines()
    assert lines[1:5] == [" --> m.ib:2:1", "  |", "2 |", "  | ^"]


def test_empty_span_shows_one_caret() -> None:
    assert snippet("x = y\n", "y", length=0) == ["1 | x = y", "  |     ^"]


def test_multi_line_span_underlines_first_line_and_says_where_it_ends() -> None:
    text = "x = f(a,\n  b,\n  c)\n"
    source = Source("m.ib", text)
    span = source.span(text.index("f("), text.index("c)") + 2)
    lines = render_text([error("E9201", span, name="n")], {"m.ib": source}, False).splitlines()
    assert lines[3:5] == ["1 | x = f(a,", "  |     ^^^^ ...to line 3"]


def test_span_ending_at_start_of_next_line_is_one_line() -> None:
    assert snippet("ab\ncd\n", "ab\n") == ["1 | ab", "  | ^^"]


def test_related_notes_have_their_own_location() -> None:
    source = Source("m.ib", "x = 1\n" + "\n" * 98 + "x = 2\n")
    diag = error(
        "E9201",
        at(source, "x", occurrence=1),
        related=(Related(at(source, "x"), "`x` is first defined here"),),
        name="x",
    )
    assert render_text([diag], {"m.ib": source}, False).splitlines()[:10] == [
        "error[E9201]: unknown name `x`",
        "   --> m.ib:100:1",
        "    |",
        "100 | x = 2",
        "    | ^",
        "note: `x` is first defined here",
        "   --> m.ib:1:1",
        "    |",
        "  1 | x = 1",
        "    | ^",
    ]


def test_unknown_source_shows_the_location_only() -> None:
    diag = warning("W9101", Source("gone.ib", "abc\n").span(1, 2), name="b")
    assert render_text([diag], {}, False) == (
        "warning[W9101]: `b` is never used\n --> gone.ib:1:2\n  = hint: remove it\n\n1 warning\n"
    )


def test_sorted_by_file_then_position() -> None:
    a, b = Source("a.ib", "p q\n"), Source("b.ib", "r\n")
    diags = [
        error("E9201", at(b, "r"), name="r"),
        error("E9201", at(a, "q"), name="q"),
        error("E9201", at(a, "p"), name="p"),
    ]
    text = render_text(diags, {"a.ib": a, "b.ib": b}, False)
    order = [line for line in text.splitlines() if line.startswith("error")]
    assert order == [
        "error[E9201]: unknown name `p`",
        "error[E9201]: unknown name `q`",
        "error[E9201]: unknown name `r`",
    ]


def test_summary_counts() -> None:
    span = Source("m.ib", "x\n").span(0, 1)
    e, w = error("E9201", span, name="x"), warning("W9101", span, name="x")
    assert summary([e, e, w]) == "2 errors, 1 warning"
    assert summary([e]) == "1 error"
    assert summary([w, w, w]) == "3 warnings"
    assert summary([]) == ""
    assert render_text([], {}, False) == ""
    assert render_text([e, w, w], {}, False).endswith("\n\n1 error, 2 warnings\n")


def test_layout_offsets() -> None:
    shown, offsets = layout("a\t名\u0301\x07")
    assert shown == "a   名\u0301\ufffd"
    assert offsets == [0, 1, 4, 6, 6, 7]


class FakeStream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    "env, tty, expected",
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),
        ({"TERM": "dumb"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": ""}, False, False),
    ],
)
def test_use_color(monkeypatch: pytest.MonkeyPatch, env: dict, tty: bool, expected: bool) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert use_color(FakeStream(tty)) is expected


def test_use_color_on_a_closed_or_plain_stream() -> None:
    closed = io.StringIO()
    closed.close()
    assert use_color(closed) is False
    assert use_color(object()) is False


def test_rendering_does_not_import_rich() -> None:
    code = (
        "import sys\n"
        "from ibc.diagnostics.render import render_text\n"
        "from ibc.diagnostics.diagnostic import error\n"
        "from ibc.base.spans import Source\n"
        "s = Source('m.ib', 'x\\n')\n"
        "render_text([error('E0000', s.span(0, 1))], {'m.ib': s}, True)\n"
        "assert 'rich' not in sys.modules, 'rich was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_many_diagnostics_of_one_code_on_one_line_are_counted_not_repeated():
    """4,000 unknown keywords of one call: five shown in full, the rest in one line; the
    summary still counts them all."""
    from ibc.base.spans import Source, Span
    from ibc.diagnostics.diagnostic import error
    from ibc.diagnostics.render import REPEATS_SHOWN, render_text

    text = "x = f(" + ", ".join(f"k{i} = 1" for i in range(4000)) + ")\n"
    source = Source("main.ib", text)
    diags = [
        error("E0402", Span("main.ib", 1, 7 + 8 * i, 1, 9 + 8 * i), callee="f", name=f"k{i}")
        for i in range(4000)
    ]
    out = render_text(diags, {"main.ib": source}, color=False)
    assert out.count("error[E0402]") == REPEATS_SHOWN
    assert f"… and {4000 - REPEATS_SHOWN} more E0402 on main.ib:1 (not shown)" in out
    assert out.rstrip().endswith("4000 errors")
    assert len(out) < 20 * len(text)
