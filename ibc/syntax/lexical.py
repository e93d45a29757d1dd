"""The Iterbuild lexer (docs/guide.md §2): text -> the tokens the LALR parser consumes.

It implements every lexical rule itself, with precise errors: comments (collected for the
formatter), names, reserved words and the soft keywords `type`/`experiment`/`sweep`/`search`
(keywords only at the start of a top-level declaration, when a name follows; `maximize`,
`minimize`, `trials`, `seed` only in a search's tail), numbers as in
Python (decoded to `int`/`float`), strings with Python's escapes (decoded), implicit line
joining inside brackets, and the `_NEWLINE`/`_INDENT`/`_DEDENT` tokens of `def` bodies (the
job of Lark's Indenter postlexer). It tracks the open-bracket stack, so an unclosed bracket is
reported where it was opened. A problem raises `LexError` (a code, offsets and facts); the
parser turns it into a `Diagnostic`.
"""

from __future__ import annotations

import re

from ibc.syntax._lark_parser import Token
from ibc.base.spans import Source

_new_str = str.__new__

KEYWORDS = {
    "from": "FROM",
    "import": "IMPORT",
    "as": "AS",
    "def": "DEF",
    "return": "RETURN",
    "with": "WITH",
    "in": "IN",
    "fn": "FN",
    "if": "IF",
    "else": "ELSE",
    "and": "AND",
    "or": "OR",
    "not": "NOT",
    "True": "TRUE",
    "False": "FALSE",
    "None": "NONE",
}
SOFT_KEYWORDS = {
    "type": "TYPE",
    "experiment": "EXPERIMENT",
    "sweep": "SWEEP",
    "search": "SEARCH",
}
# The words of a search's tail, keywords only in a `search` declaration outside brackets:
# `maximize`/`minimize` right after what ends an expression (the `}` of its `with`), `trials`
# and `seed` after the objective's path and the trial count (so a field may be `trials`).
SEARCH_WORDS = {"maximize": "MAXIMIZE", "minimize": "MINIMIZE", "trials": "TRIALS", "seed": "SEED"}
# A name the parser gives a meaning only in `NAME (impure)` of an import (docs/guide.md §2):
# the lexer leaves it a NAME; editors highlight it there (tests/editors/test_keywords.py).
IMPURE = "impure"
_SEARCH_AFTER = {
    "MAXIMIZE": ("RBRACE", "RPAR", "RSQB", "NAME", "NUMBER", "STRING", "TRUE", "FALSE", "NONE"),
    "MINIMIZE": ("RBRACE", "RPAR", "RSQB", "NAME", "NUMBER", "STRING", "TRUE", "FALSE", "NONE"),
    "TRIALS": ("NAME",),
    "SEED": ("NUMBER",),
}

PUNCTUATION = {
    "...": "ELLIPSIS",
    "|>": "PIPE",
    "=>": "FATARROW",
    "->": "ARROW",
    "<:": "SUBTYPE",
    "**": "POW",
    "//": "DSLASH",
    "==": "EQEQ",
    "!=": "NE",
    "<=": "LE",
    ">=": "GE",
    "(": "LPAR",
    ")": "RPAR",
    "[": "LSQB",
    "]": "RSQB",
    "{": "LBRACE",
    "}": "RBRACE",
    ",": "COMMA",
    ":": "COLON",
    ".": "DOT",
    "=": "EQ",
    "@": "AT",
    "+": "PLUS",
    "-": "MINUS",
    "*": "STAR",
    "/": "SLASH",
    "%": "PERCENT",
    "<": "LT",
    ">": "GT",
}
OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {")": "(", "]": "[", "}": "{"}
STRING_PREFIXES = {"r", "u", "f", "b", "br", "rb", "fr", "rf"}

# Spaces before a token are skipped by the same match (half as many matches as a separate
# whitespace token); `ws` matches only spaces that end the text.
_TOKEN = re.compile(
    r"""
    [ \t\f\r]*
    (?:
     (?P<comment>\#[^\n]*)
    |(?P<nl>\n)
    |(?P<number>(?:\d|\.\d)(?:[0-9A-Za-z_.]|(?<=[eE])[+-])*)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<quote>["'])
    |(?P<punct>\.\.\.|\|>|=>|->|<:|\*\*|//|==|!=|<=|>=|[()\[\]{},:.=@+\-*/%<>])
    |(?P<ws>\Z)
    )
    """,
    re.VERBOSE,
)
_SPACES = re.compile(r"[ \t\f\r]*")
_NAME_AHEAD = re.compile(r"[ \t]*[A-Za-z_]")
_INDENTATION = re.compile(r"[ \t\f]*")

_DIGITS = r"\d(?:_?\d)*"
_DEC = re.compile(r"(?:0(?:_?0)*|[1-9](?:_?\d)*)\Z")
_RADIX = re.compile(r"0(?:[xX](?:_?[0-9a-fA-F])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)\Z")
_FLOAT = re.compile(
    rf"(?:(?:(?:{_DIGITS})?\.{_DIGITS}|{_DIGITS}\.)(?:[eE][+-]?{_DIGITS})?|{_DIGITS}[eE][+-]?{_DIGITS})\Z"
)
_LEADING_ZERO = re.compile(r"0[0-9_]*[1-9][0-9_]*\Z")

_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX_LENGTH = {"x": 2, "u": 4, "U": 8}


class LexError(Exception):
    """A lexical problem: a diagnostic code, the offending text's offsets and the facts."""

    def __init__(self, code: str, start: int, end: int, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.start = start
        self.end = end
        self.args_ = args


def decode_number(text: str, start: int) -> int | float:
    """The value of a number's spelling, or a `LexError` saying what is wrong with it."""
    if _DEC.match(text) or _RADIX.match(text):
        try:
            return int(text, 0)
        except ValueError:  # over Python's limit of 4,300 digits for a decimal integer
            digits = len(text.replace("_", ""))
            shown = text[:12] + "…"
            raise LexError("E0144", start, start + len(text), text=shown, reason=f"{digits}")
    if _FLOAT.match(text):
        return float(text)
    end = start + len(text)
    if "__" in text:
        raise LexError("E0142", start, end, text=text)
    if text.endswith("_") or "_." in text or "._" in text or re.search(r"_[eExXoObBjJ]", text):
        raise LexError("E0143", start, end, text=text)
    if _LEADING_ZERO.match(text):
        raise LexError("E0141", start, end, text=text, fixed=str(int(text.replace("_", ""))))
    if text[-1] in "jJ" and (_FLOAT.match(text[:-1]) or _DEC.match(text[:-1])):
        raise LexError("E0144", start, end, text=text, reason="complex")
    raise LexError("E0144", start, end, text=text, reason="")


def decode_string(body: str, start: int) -> str:
    """Decode the escapes of a string's body (the text between the quotes, which starts at
    offset `start`); an unknown or malformed escape raises a `LexError` pointing at it."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1] if i + 1 < n else ""
        here = start + i
        if esc in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[esc])
            i += 2
        elif esc in "01234567" and esc:
            j = i + 1
            while j < n and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(chr(int(body[i + 1 : j], 8)))
            i = j
        elif esc in _HEX_LENGTH:
            size = _HEX_LENGTH[esc]
            digits = body[i + 2 : i + 2 + size]
            if len(digits) != size or not all(c in "0123456789abcdefABCDEF" for c in digits):
                bad_end = i + 2 + len(digits)
                raise LexError(
                    "E0147", here, start + bad_end, escape=body[i:bad_end], kind=esc, size=size
                )
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise LexError(
                    "E0147",
                    here,
                    start + i + 2 + size,
                    escape=body[i : i + 2 + size],
                    kind=esc,
                    size=size,
                )
            out.append(chr(code))
            i += 2 + size
        elif esc == "N":
            close = body.find("}", i)
            if not body.startswith("{", i + 2) or close == -1:
                raise LexError("E0147", here, start + i + 2, escape="\\N", kind="N", size=0)
            import unicodedata

            try:
                out.append(unicodedata.lookup(body[i + 3 : close]))
            except KeyError:
                raise LexError(
                    "E0147", here, start + close + 1, escape=body[i : close + 1], kind="N", size=0
                ) from None
            i = close + 1
        else:
            raise LexError("E0146", here, here + 1 + len(esc), escape="\\" + esc)
    return "".join(out)


class Lexer:
    """Tokens of one source for the LALR parser. `module` is True for a whole file (soft
    keywords and indentation apply) and False for a snippet (an expression, an override, a
    type). After lexing, `comments` holds every comment and `values` the decoded value of
    each number and string token, keyed by its start offset."""

    def __init__(self, source: Source, module: bool = True) -> None:
        self.source = source
        self.module = module
        self.comments: list[tuple[int, int, str]] = []
        self.values: dict[int, object] = {}
        self.stack: list[tuple[str, int]] = []  # open brackets: (char, offset)
        self.emitted: list[Token] = []
        self.generator = None

    def lex(self, _parser_state: object = None):
        """The token stream (Lark calls this with its parser state)."""
        self.generator = self._tokens()
        return self.generator

    def _tokens(self):
        text = self.source.text
        n = len(text)
        pos = 1 if text.startswith("\ufeff") else 0
        line = 1
        line_start = 0
        indents = [0]
        at_line_start = True  # no token yet on this logical line
        measure = True  # at the start of a physical line outside brackets
        stack = self.stack
        emitted = self.emitted
        match = _TOKEN.match
        last_type = ""
        search = 0  # in a `search` declaration: 1, and 2 once past `maximize`/`minimize`

        def token(kind: str, start: int, end: int) -> Token:
            col = start - line_start + 1
            value = text[start:end]
            tok = _new_str(Token, value)  # Lark's Token() checks deprecated forms: slow
            tok.type = kind
            tok.value = value
            tok.start_pos = start
            tok.line = tok.end_line = line
            tok.column = col
            tok.end_column = end - line_start + 1
            tok.end_pos = end
            emitted.append(tok)
            return tok

        while pos < n:
            if measure and self.module:
                # Measure indentation of a line that holds a token.
                measure = False
                m = _INDENTATION.match(text, pos)
                indent_end = m.end()
                nxt = text[indent_end : indent_end + 1]
                if nxt not in ("", "\n", "#", "\r"):
                    ws = text[pos:indent_end]
                    if "\t" in ws:
                        tab = pos + ws.index("\t")
                        raise LexError("E0113", tab, tab + 1)
                    width = len(ws)
                    if width > indents[-1]:
                        indents.append(width)
                        yield token("_INDENT", indent_end, indent_end)
                    elif width < indents[-1]:
                        while width < indents[-1]:
                            indents.pop()
                            yield token("_DEDENT", indent_end, indent_end)
                        if width != indents[-1]:
                            raise LexError("E0112", pos, indent_end)
            m = match(text, pos)
            if m is None:
                bad = _SPACES.match(text, pos).end()
                ch = text[bad]
                raise LexError("E0140", bad, bad + 1, char=ch, codepoint=f"U+{ord(ch):04X}")
            kind = m.lastgroup
            start, end = m.start(kind), m.end()
            if kind == "ws":
                pos = end
                continue
            if kind == "comment":
                body_end = end - 1 if text[end - 1 : end] == "\r" else end
                self.comments.append((start, body_end, text[start:body_end]))
                pos = end
                continue
            if kind == "nl":
                if not stack and not at_line_start:
                    tok = token("_NEWLINE", start, end)
                    last_type = "_NEWLINE"
                    at_line_start = True
                    search = 0
                    yield tok
                pos = end
                line += 1
                line_start = end
                measure = not stack
                continue
            if kind == "number":
                word = m.group(kind)
                self.values[start] = decode_number(word, start)
                tok = token("NUMBER", start, end)
            elif kind == "name":
                word = m.group(kind)
                ahead = text[end : end + 1]
                if ahead in ("'", '"') and word.lower() in STRING_PREFIXES:
                    raise LexError("E0148", start, end + 1, prefix=word)
                tkind = KEYWORDS.get(word)
                if tkind is None:
                    tkind = "NAME"
                    if (
                        word in SOFT_KEYWORDS
                        and self.module
                        and at_line_start
                        and len(indents) == 1
                        and not stack
                        and _NAME_AHEAD.match(text, end)
                    ):
                        tkind = SOFT_KEYWORDS[word]
                        search = tkind == "SEARCH"
                    elif search and not stack and word in SEARCH_WORDS:
                        wanted = SEARCH_WORDS[word]
                        if last_type in _SEARCH_AFTER[wanted] and (search == 2) == (
                            wanted in ("TRIALS", "SEED")
                        ):
                            tkind = wanted
                            search = 2
                tok = token(tkind, start, end)
            elif kind == "quote":
                q = m.group(kind)
                if text.startswith(q * 3, start):
                    raise LexError("E0149", start, start + 3, quote=q * 3)
                i = start + 1
                while True:
                    if i >= n or text[i] == "\n":
                        stop = i - 1 if i > start + 1 and text[i - 1] == "\r" else i
                        raise LexError("E0145", start, max(stop, start + 1), quote=q)
                    c = text[i]
                    if c == q:
                        break
                    i += 2 if c == "\\" and i + 1 < n and text[i + 1] != "\n" else 1
                end = i + 1
                if last_type == "STRING":
                    raise LexError("E0150", start, end)
                self.values[start] = decode_string(text[start + 1 : i], start + 1)
                tok = token("STRING", start, end)
            else:  # punctuation
                p = m.group(kind)
                if p in OPENERS:
                    stack.append((p, start))
                elif p in CLOSERS:
                    if not stack:
                        raise LexError("E0105", start, end, char=p)
                    opener, where = stack[-1]
                    if opener != CLOSERS[p]:
                        raise LexError(
                            "E0104",
                            start,
                            end,
                            char=p,
                            opener=opener,
                            opener_line=self.source.line_col(where)[0],
                            opener_start=where,
                        )
                    stack.pop()
                tok = token(PUNCTUATION[p], start, end)
            last_type = tok.type
            at_line_start = False
            pos = end
            yield tok
        if stack:
            opener, where = stack[-1]
            raise LexError(
                "E0103", where, where + 1, char=opener, line=self.source.line_col(where)[0]
            )
        if not at_line_start or (not self.module and not emitted):
            yield token("_NEWLINE", n, n)
        while len(indents) > 1:
            indents.pop()
            yield token("_DEDENT", n, n)
