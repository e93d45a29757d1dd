"""Turn the LALR parser's "unexpected token" into a diagnostic in the user's words.

The parser knows the offending token and the set of terminal names it would have accepted;
this module looks at them and at the tokens around (the open-bracket stack, the previous
token, the start of the line) to pick the most telling code: an unclosed bracket reported
where it was opened, a missing expression after `=`, a missing `:` after a `def` header, a
slice, a misplaced `fn`, a reserved word used as a name, or a plain "unexpected `)`" with
the expected tokens in words ("a name", "`)`", "the end of the line").
"""

from __future__ import annotations

import re

from ibc.diagnostics.diagnostic import Diagnostic, error
from ibc.syntax.lexical import KEYWORDS, PUNCTUATION, SEARCH_WORDS, SOFT_KEYWORDS, Lexer, LexError
from ibc.base.spans import Source

_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "_NEWLINE": "the end of the line",
    "$END": "the end of the file",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the indented block",
}
for _text, _kind in {**PUNCTUATION, **KEYWORDS, **SOFT_KEYWORDS, **SEARCH_WORDS}.items():
    _WORDS[_kind] = f"`{_text}`"

_KEYWORD_TYPES = set(KEYWORDS.values()) | set(SOFT_KEYWORDS.values())
_EXPRESSION_STARTS = {
    "NAME", "NUMBER", "STRING", "LPAR", "LSQB", "LBRACE", "MINUS", "PLUS", "NOT", "TRUE",
    "FALSE", "NONE", "FN",
}  # fmt: skip
_ORDER = ["`,`", "`)`", "`]`", "`}`", "an expression", "a name", "a number", "a string"]
_OPERATORS = {
    "PLUS", "MINUS", "STAR", "SLASH", "DSLASH", "PERCENT", "POW", "EQEQ", "NE", "LT", "LE",
    "GT", "GE", "IN", "NOT", "AND", "OR", "IF", "PIPE", "WITH", "AT", "DOT", "LSQB", "LPAR",
}  # fmt: skip
_ASSIGNS_NEXT = re.compile(r"[ \t]*(=(?!=)|\.)")


def found_words(tok) -> str:
    """How to name the token that was found: "`)`", "the end of the line"."""
    kind = tok.type
    if kind in ("_NEWLINE", "$END", "_INDENT", "_DEDENT"):
        return {
            "_NEWLINE": "the end of the line",
            "$END": "the end of the file",
            "_INDENT": "an indented line",
            "_DEDENT": "the end of the indented block",
        }[kind]
    text = str(tok)
    if len(text) > 24:
        text = text[:21] + "..."
    return f"`{text}`"


_CLOSER_OF = {"(": "RPAR", "[": "RSQB", "{": "RBRACE"}


def expected_words(expected: set[str], innermost: str | None = None) -> list[str]:
    """The accepted terminals in words, expression starters folded into "an expression" and
    operators into "an operator". LALR merges the lookaheads of similar states, so only the
    closing bracket of the innermost open bracket (`innermost`) is kept."""
    names = set(expected) - ({"RPAR", "RSQB", "RBRACE"} - {_CLOSER_OF.get(innermost or "")})
    if innermost:
        names.discard("_NEWLINE")  # newlines inside brackets are not tokens
    out: list[str] = []
    if {"NAME", "NUMBER", "STRING", "LPAR"} <= names:
        names -= _EXPRESSION_STARTS
        out.append("an expression")
    if len(names & _OPERATORS) > 4:
        names -= _OPERATORS
        out.append("an operator")
    words = {_WORDS.get(kind, kind) for kind in names if kind in _WORDS}
    out.extend(words)
    return sorted(out, key=lambda w: (_ORDER.index(w) if w in _ORDER else 99, w))


def _previous(lexer: Lexer, tok):
    emitted = lexer.emitted
    for i in range(len(emitted) - 1, -1, -1):
        if emitted[i] is tok:
            return emitted[i - 1] if i > 0 else None
    return emitted[-1] if emitted else None


def _line_tokens(lexer: Lexer, tok) -> list:
    """The tokens of the logical line that holds `tok`, up to it."""
    out = []
    for prev in reversed(lexer.emitted):
        if prev is tok:
            continue
        if prev.type in ("_NEWLINE", "_INDENT", "_DEDENT"):
            break
        out.append(prev)
    out.reverse()
    return out


def _unclosed(lexer: Lexer, source: Source) -> Diagnostic | None:
    """When brackets are open at a syntax error, lex on: if one of them is still open at
    the end of the file, the real error is that bracket."""
    open_now = {where for _, where in lexer.stack}
    if not open_now or lexer.generator is None:
        return None
    try:
        for _ in lexer.generator:
            pass
    except LexError as exc:
        if exc.code == "E0103" and exc.start in open_now:
            return error(exc.code, source.span(exc.start, exc.end), **exc.args_)
        still = [where for _, where in lexer.stack if where in open_now]
        if exc.code == "E0103" and still:
            where = still[-1]
            char = source.text[where]
            return error(
                "E0103", source.span(where, where + 1), char=char, line=source.line_col(where)[0]
            )
    return None


def describe_unexpected(exc, lexer: Lexer, source: Source) -> Diagnostic:
    """The diagnostic for Lark's `UnexpectedToken` `exc`."""
    tok = exc.token
    expected = set(exc.expected or ())
    stack = list(lexer.stack)
    unclosed = _unclosed(lexer, source)
    if unclosed is not None:
        return unclosed
    kind = tok.type
    if kind == "$END":
        end = len(source.text)
        span = source.span(end, end)
    else:
        span = source.span(tok.start_pos, tok.end_pos)
    found = found_words(tok)
    line = _line_tokens(lexer, tok)
    if stack or not line or line[0].type != "SEARCH":
        # LALR merges lookaheads: a search's words are expected only in a search's tail.
        expected -= set(SEARCH_WORDS.values())
    words = expected_words(expected, stack[-1][0] if stack else None)
    facts = {"found": found, "expected": words}
    prev = _previous(lexer, tok)

    if "_INDENT" in expected and kind != "_INDENT":
        return error("E0114", span, name=_def_header(lexer) or "?", **facts)
    if kind == "_INDENT":
        return error("E0111", span, **facts)
    if kind == "COLON" and stack and stack[-1][0] == "[":
        return error("E0120", span, **facts)
    if kind == "FN":
        return error("E0124", span, after=found_words(prev) if prev else "", **facts)
    if kind in _KEYWORD_TYPES and "NAME" in expected:
        names_only = not ({"NUMBER", "STRING"} & expected)
        if names_only or _ASSIGNS_NEXT.match(source.text, tok.end_pos):
            return error("E0126", span, word=str(tok), **facts)
    if (
        "COLON" in expected
        and line
        and line[0].type == "DEF"
        and prev is not None
        and (prev.type == "RPAR" or "ARROW" not in expected)
    ):
        if len(line) > 1 and line[1].type == "NAME":
            return error("E0108", span, name=str(line[1]), **facts)
    if {"NAME", "NUMBER", "STRING", "LPAR"} <= expected and prev is not None:
        return error("E0102", span, after=found_words(prev), **facts)
    if kind in ("_NEWLINE", "$END"):
        return error("E0106", span, **facts)
    return error("E0101", span, **facts)


def _def_header(lexer: Lexer) -> str | None:
    """The name of the `def` whose header ends just before `tok` (for "expected an indented
    body")."""
    emitted = lexer.emitted
    for i in range(len(emitted) - 1, -1, -1):
        if emitted[i].type == "DEF" and i + 1 < len(emitted):
            return str(emitted[i + 1])
    return None
