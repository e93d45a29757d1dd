"""Showing diagnostics: for a terminal (Rust/Elm style), as JSON, and for the language server.

`render_text` prints each diagnostic with its code, its words (from
`ibc.diagnostics.wording`), its location, the source line with the span underlined, its hint
and its related notes, then a summary line:

    error[E0402]: the 2nd argument of `evaluate` must be a `DataFrame`, found `Int`
      --> cancer.ib:12:39
       |
    12 | experiment baseline = evaluate(model, 3)
       |                                       ^
       = hint: ...

    1 error

Carets stay under the span when the line holds tabs (expanded to 4-column stops in both the
source line and the caret line) or wide characters (CJK counts two columns). Colours are
hand-written ANSI escapes: importing `rich` would cost more than the rest of `ibc check`.

`render_json` gives `ibc check --format json`; `to_lsp` gives one LSP `Diagnostic`;
`render_internal_error` and `internal_error` word a crash of the compiler itself (E0000).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Any

from ibc.diagnostics.diagnostic import ERROR, WARNING, Diagnostic, Related, error
from ibc.diagnostics.wording import words
from ibc.base.spans import NO_SPAN, Source, Span

TAB_WIDTH = 4

_RESET = "\x1b[0m"
_ERROR = "\x1b[1;31m"  # red bold
_WARNING = "\x1b[1;33m"  # yellow bold
_GUTTER = "\x1b[1;34m"  # blue bold
_HINT = "\x1b[36m"  # cyan
_BOLD = "\x1b[1m"


class _Style:
    """Wraps text in ANSI escapes, or leaves it alone when colour is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, escape: str) -> str:
        if not self.color or not text:
            return text
        return f"{escape}{text}{_RESET}"


# ---------------------------------------------------------------------------------------------
# terminal text


def use_color(stream: Any) -> bool:
    """Whether to colour output written to `stream`.

    `FORCE_COLOR` set to a non-empty value forces colour on; otherwise colour is on when the
    stream is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`."""
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


# Diagnostics of one code on one line shown in full; the rest are counted in one line (the
# JSON and language-server forms keep every one).
REPEATS_SHOWN = 5


def render_text(diags: list[Diagnostic], sources: dict[str, Source], color: bool) -> str:
    """Every diagnostic (sorted by file and position), then a summary line; '' when none."""
    if not diags:
        return ""
    style = _Style(color)
    blocks = []
    shown: dict[tuple, int] = {}  # (file, line, code) -> how many were shown
    for d in sorted(diags, key=_position):
        where = (d.span.file, d.span.line, d.code)
        shown[where] = shown.get(where, 0) + 1
        if shown[where] <= REPEATS_SHOWN:
            blocks.append(_render_one(d, sources, style))
    for (file, line, code), count in shown.items():
        if count > REPEATS_SHOWN:  # a generated file's thousand alike: said once
            more = count - REPEATS_SHOWN
            blocks.append(f"… and {more} more {code} on {file}:{line} (not shown)")
    return "\n\n".join(blocks) + "\n\n" + summary(diags, color) + "\n"


def summary(diags: list[Diagnostic], color: bool = False) -> str:
    """`2 errors, 1 warning`, `1 error`, `3 warnings` ('' when there is nothing)."""
    style = _Style(color)
    errors = sum(1 for d in diags if d.severity == ERROR)
    warnings = len(diags) - errors
    parts = []
    if errors:
        parts.append(style(_plural(errors, "error"), _ERROR))
    if warnings:
        parts.append(style(_plural(warnings, "warning"), _WARNING))
    return ", ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _position(diag: Diagnostic) -> tuple:
    span = diag.span
    return (span.file, span.line, span.col, span.end_line, span.end_col, diag.code)


def _render_one(diag: Diagnostic, sources: dict[str, Source], style: _Style) -> str:
    message, hint = words(diag.code, diag.args)
    is_error = diag.severity != WARNING
    label_escape = _ERROR if is_error else _WARNING
    label = "error" if is_error else "warning"
    width = max(len(str(span.line)) for span in [diag.span, *(r.span for r in diag.related)])
    pad = " " * width

    lines = [style(f"{label}[{diag.code}]", label_escape) + style(f": {message}", _BOLD)]
    lines += _located(diag.span, sources, width, style, label_escape)
    if hint:
        prefix = f"{pad} = "
        hint_lines = hint.split("\n")
        lines.append(style(prefix, _GUTTER) + style(f"hint: {hint_lines[0]}", _HINT))
        for more in hint_lines[1:]:
            lines.append(" " * (len(prefix) + len("hint: ")) + style(more, _HINT))
    for related in diag.related:
        lines.append(style("note", _BOLD) + f": {related.note}")
        lines += _located(related.span, sources, width, style, _GUTTER)
    return "\n".join(lines)


def _located(
    span: Span, sources: dict[str, Source], width: int, style: _Style, caret_escape: str
) -> list[str]:
    """The `--> file:line:col` line and, when the source is known, the underlined line."""
    pad = " " * width
    lines = [style(f"{pad}--> ", _GUTTER) + f"{span.file}:{span.line}:{span.col}"]
    source = sources.get(span.file)
    if source is None:
        return lines
    bar = style(f"{pad} |", _GUTTER)
    text = source.line_text(span.line)
    shown, offsets = layout(text)
    start = min(max(span.col - 1, 0), len(text))
    last_line = span.end_line if span.end_col > 1 else span.end_line - 1
    multi = last_line > span.line
    if span.end_line == span.line:
        end = min(max(span.end_col - 1, start), len(text))
    else:
        end = len(text)
    carets = max(1, offsets[end] - offsets[start])
    number = style(f"{span.line:>{width}} |", _GUTTER)
    underline = style("^" * carets, caret_escape)
    if multi:
        underline += f" ...to line {last_line}"
    lines.append(bar)
    lines.append(f"{number} {shown}" if shown else number)
    lines.append(f"{bar} {' ' * offsets[start]}{underline}")
    return lines


def char_width(ch: str) -> int:
    """Terminal columns taken by one character (tabs are handled by `layout`)."""
    if unicodedata.combining(ch):
        return 0
    category = unicodedata.category(ch)
    if category == "Cf":  # zero-width format characters (BOM, joiners)
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def layout(text: str) -> tuple[str, list[int]]:
    """The line as shown (tabs expanded, control characters made visible) and the display
    column at which each character starts (one more entry for the position past the end)."""
    shown: list[str] = []
    offsets: list[int] = []
    column = 0
    for ch in text:
        offsets.append(column)
        if ch == "\t":
            spaces = TAB_WIDTH - column % TAB_WIDTH
            shown.append(" " * spaces)
            column += spaces
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            shown.append("\ufffd")
            column += 1
        elif category == "Cf":
            continue
        else:
            shown.append(ch)
            column += char_width(ch)
    offsets.append(column)
    return "".join(shown), offsets


# ---------------------------------------------------------------------------------------------
# JSON and the language server


def to_dict(diag: Diagnostic, sources: dict[str, Source] | None = None) -> dict[str, Any]:
    """One diagnostic as the JSON object of `ibc check --format json`; its `fixes` need the
    text of the file (`sources`, by file name) to be checked and worded, and are left out
    (an empty list) without it."""
    message, hint = words(diag.code, diag.args)
    span = diag.span
    return {
        "code": diag.code,
        "severity": diag.severity,
        "message": message,
        "hint": hint,
        "file": span.file,
        "line": span.line,
        "col": span.col,
        "end_line": span.end_line,
        "end_col": span.end_col,
        "related": [
            {"file": r.span.file, "line": r.span.line, "col": r.span.col, "note": r.note}
            for r in diag.related
        ],
        "fixes": _fixes_json(diag, (sources or {}).get(span.file)),
    }


def _fixes_json(diag: Diagnostic, source: Source | None) -> list[dict[str, Any]]:
    """The fixes of `diag` that apply to `source` (docs/errors.md): each with its title,
    kind, whether it is the preferred one, and its edits, positioned as the diagnostic is
    (1-based, `end_col` exclusive) with the replacement text."""
    from ibc.diagnostics.fixes import apply, fixes_of, title

    if source is None:
        return []
    out = []
    for fix in fixes_of(diag):
        replacements = apply(fix, source.text, source.path)
        if not replacements:
            continue
        if all(source.text[s.start : s.end] == new for s, new in replacements):
            continue  # the text already reads so
        edits = []
        for span, new in replacements:
            line, col = source.line_col(span.start)
            end_line, end_col = source.line_col(span.end)
            edits.append(
                {
                    "file": span.file,
                    "line": line,
                    "col": col,
                    "end_line": end_line,
                    "end_col": end_col,
                    "text": new,
                }
            )
        out.append(
            {
                "title": title(fix, source.text, replacements),
                "kind": fix.kind,
                "preferred": fix.preferred,
                "edits": edits,
            }
        )
    return out


def render_json(diags: list[Diagnostic], sources: dict[str, Source]) -> str:
    """A JSON list of diagnostics, sorted by file and position (lines and columns 1-based,
    `end_col` exclusive); `sources` (the texts, by file name) give the fixes."""
    items = [to_dict(d, sources) for d in sorted(diags, key=_position)]
    import json

    return json.dumps(items, indent=2, ensure_ascii=False)


def to_lsp(diag: Diagnostic, source: Source | None = None) -> dict[str, Any]:
    """An LSP `Diagnostic`: 0-based `range`, `severity` 1 (error) or 2 (warning), the hint on
    a line after the message. Given the `source`, characters are counted in UTF-16 code
    units as LSP requires; without it, in code points (the same for ASCII text)."""
    message, hint = words(diag.code, diag.args)
    result: dict[str, Any] = {
        "range": _lsp_range(diag.span, source),
        "severity": 1 if diag.severity != WARNING else 2,
        "code": diag.code,
        "source": "ibc",
        "message": f"{message}\n{hint}" if hint else message,
    }
    if diag.related:
        result["relatedInformation"] = [_lsp_related(r, source) for r in diag.related]
    return result


def _lsp_related(related: Related, source: Source | None) -> dict[str, Any]:
    same = source is not None and related.span.file == source.path
    return {
        "location": {
            "uri": _uri(related.span.file),
            "range": _lsp_range(related.span, source if same else None),
        },
        "message": related.note,
    }


def _uri(path: str) -> str:
    try:
        return Path(path).absolute().as_uri()
    except ValueError:
        return path


def _lsp_range(span: Span, source: Source | None) -> dict[str, Any]:
    return {
        "start": {"line": span.line - 1, "character": _utf16(source, span.line, span.col)},
        "end": {
            "line": span.end_line - 1,
            "character": _utf16(source, span.end_line, span.end_col),
        },
    }


def _utf16(source: Source | None, line: int, col: int) -> int:
    if source is None:
        return max(col - 1, 0)
    before = source.line_text(line)[: max(col - 1, 0)]
    extra = max(col - 1, 0) - len(before)  # a column past the line's end stays past it
    return len(before.encode("utf-16-le")) // 2 + extra


# ---------------------------------------------------------------------------------------------
# crashes of the compiler


def internal_error(exc: BaseException, span: Span = NO_SPAN) -> Diagnostic:
    """An E0000 diagnostic for an unexpected exception raised while compiling `span`."""
    location = f"{span.file}:{span.line}"
    return error(
        "E0000",
        span,
        location=location,
        exception=type(exc).__name__,
        detail=str(exc),
        file=span.file,
    )


def render_internal_error(exc: BaseException, location: str) -> str:
    """The text for a crash inside the compiler while compiling `location` ("FILE:LINE"):
    it says it is a bug, names the exception, and asks for a report; the traceback follows
    only when the environment sets `IBC_DEBUG=1`."""
    file, _, line = location.rpartition(":")
    if not file or not line.isdigit():
        file = location
    detail = str(exc)
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    text = (
        f"internal error: this is a bug in ibc while compiling {location}\n"
        f"  {what}\n"
        f"please report it with the file {file}"
    )
    if os.environ.get("IBC_DEBUG") == "1":
        import traceback

        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        text += "\n\n" + trace.rstrip("\n")
    else:
        text += " (set IBC_DEBUG=1 to see the traceback)"
    return text + "\n"
