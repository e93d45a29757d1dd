"""A Pygments lexer for Iterbuild (`.ib` files), for highlighting in the REPL, the
documentation and anything else that uses Pygments (docs/repl.md, editors/README.md).

`IterbuildLexer` follows the lexical rules of docs/guide.md §2 as `ibc/syntax/lexical.py`
implements them, but only to colour text: it never raises and never rejects a program
(the compiler reports errors). It knows

- comments (`Comment.Single`), strings in `"…"` or `'…'` with Python's escapes
  (`String.Double`/`String.Single`, escapes `String.Escape`, an unknown escape `Error`),
  numbers as in Python (`Number.Integer`, `.Float`, `.Hex`, `.Oct`, `.Bin`, with `_`);
- reserved words: `from import as` (`Keyword.Namespace`), `def return with in fn if else`
  (`Keyword`), `and or not` (`Operator.Word`), `True False None` (`Keyword.Constant`);
- the soft keywords `type`, `experiment` and `sweep` (`Keyword.Declaration`) only at the
  start of a top-level declaration, outside brackets, when a name follows: `f(type = "l2")`
  and `model.type` stay names;
- `(impure)` after an imported name (`Keyword.Pseudo` for the word), only inside an import;
- names: a `def`'s name and the name an `experiment`/`sweep` declares (`Name.Function`), the
  name a `type` declares and other names of two characters or more that start with a
  capital and hold no `_` (`Name.Class`: by convention types and Python classes are
  CamelCase, while `X` and `X_train` are values), the built-in types `Int Float Str Bool File Any List Dict
  Tuple Optional` (`Keyword.Type`), attributes after `.` (`Name.Attribute`), module paths of
  `from … import` (`Name.Namespace`), other names (`Name`);
- operators (`Operator`: `|> => -> <: ** // == != <= >= ... = @ + - * / % < >`) and
  punctuation (`Punctuation`: `( ) [ ] { } , : .`).

It is registered with Pygments through the entry point
`[project.entry-points."pygments.lexers"] iterbuild = "ibc.syntax.pygments_lexer:IterbuildLexer"`,
so `pygments.lexers.get_lexer_by_name("iterbuild")` and `pygmentize -l ib` find it. It imports
nothing of the compiler, so loading it is cheap; tests check that its word lists match the
compiler's (`ibc.syntax.lexical`, `ibc.types.env`).
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, default, include, words
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = [
    "IterbuildLexer",
    "KEYWORDS",
    "NAMESPACE_KEYWORDS",
    "WORD_OPERATORS",
    "CONSTANTS",
    "SOFT_KEYWORDS",
    "SEARCH_WORDS",
    "BUILTIN_TYPES",
]

NAMESPACE_KEYWORDS = ("from", "import", "as")
KEYWORDS = ("def", "return", "with", "in", "fn", "if", "else")
WORD_OPERATORS = ("and", "or", "not")
CONSTANTS = ("True", "False", "None")
SOFT_KEYWORDS = ("type", "experiment", "sweep", "search")
# A search's tail (docs/guide.md, "Searches"): keywords only in `} maximize FIELD trials N`.
SEARCH_WORDS = ("maximize", "minimize", "trials", "seed")
BUILTIN_TYPES = ("Int", "Float", "Str", "Bool", "File", "Any", "List", "Dict", "Tuple", "Optional")

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DIGITS = r"\d(?:_?\d)*"
_EXPONENT = rf"[eE][+-]?{_DIGITS}"
_FLOAT = rf"(?:(?:{_DIGITS})?\.{_DIGITS}(?:{_EXPONENT})?|{_DIGITS}\.(?:{_EXPONENT})?|{_DIGITS}{_EXPONENT})"
_ESCAPE = (
    r"\\(?:[\\'\"abfnrtv]|[0-7]{1,3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}\n]+\})"
)
_IMPURE = r"(\()([ \t]*)(impure)([ \t]*)(\))"
# The end of a word: a name never continues into the next character.
_END = r"(?![A-Za-z0-9_])"
# `maximize FIELD.PATH trials N [seed N]`, after the `}` of a search's `with`.
_SEARCH_TAIL = (
    rf"(maximize|minimize)([ \t]+)({_NAME}(?:\.{_NAME})*)([ \t]+)(trials)([ \t]+)(\d+)"
    rf"(?:([ \t]+)(seed)([ \t]+)(\d+))?{_END}"
)


def _string_state(quote: str, token: object) -> list:
    return [
        (quote, token, "#pop"),
        (_ESCAPE, String.Escape),
        (r"\\.", Error),
        (rf"[^{quote}\\\n]+", token),
        # An unclosed string ends with its line (the compiler reports it).
        default("#pop"),
    ]


class IterbuildLexer(RegexLexer):
    """Pygments lexer for Iterbuild (`.ib`) programs."""

    name = "Iterbuild"
    aliases = ["iterbuild", "ib"]
    filenames = ["*.ib"]
    mimetypes = ["text/x-iterbuild"]

    tokens = {
        # Top level, outside brackets: where declarations start.
        "root": [
            (
                rf"^(type)([ \t]+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Class),
            ),
            (
                rf"^(experiment|sweep|search)([ \t]+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Function),
            ),
            (
                _SEARCH_TAIL,
                bygroups(
                    Keyword, Whitespace, Name.Attribute, Whitespace, Keyword, Whitespace,
                    Number.Integer, Whitespace, Keyword, Whitespace, Number.Integer,
                ),  # fmt: skip
            ),
            (r"[)\]}]", Punctuation),  # unbalanced: the compiler reports it
            include("common"),
        ],
        # Inside (), [] or {}: no declarations start here.
        "bracket": [
            (r"[)\]}]", Punctuation, "#pop"),
            include("common"),
        ],
        # After `from`, up to `import`: a module path, a file path or a revision.
        "from": [
            (r"[ \t\f\r]+", Whitespace),
            (r"\bimport" + _END, Keyword.Namespace, ("#pop", "import")),
            (r"\n", Whitespace, "#pop"),
            (r"#[^\n]*", Comment.Single),
            (_NAME, Name.Namespace),
            (r"\.\.\.|\.", Punctuation),
            (r"@", Operator),
            include("strings"),
            (r"[()\[\]{}]", Punctuation),
        ],
        # After `import`, to the end of the line (or of its parenthesised list).
        "import": [
            (_IMPURE, bygroups(Punctuation, Whitespace, Keyword.Pseudo, Whitespace, Punctuation)),
            (r"\(", Punctuation, "import-bracket"),
            (r"\n", Whitespace, "#pop"),
            (r"[)\]}]", Punctuation),
            include("common"),
        ],
        "import-bracket": [
            (_IMPURE, bygroups(Punctuation, Whitespace, Keyword.Pseudo, Whitespace, Punctuation)),
            include("bracket"),
        ],
        "common": [
            (r"\ufeff", Whitespace),
            (r"[ \t\f\r]+", Whitespace),
            (r"\n", Whitespace),
            (r"#[^\n]*", Comment.Single),
            include("strings"),
            include("numbers"),
            (rf"(\.)([ \t]*)({_NAME})", bygroups(Punctuation, Whitespace, Name.Attribute)),
            (rf"(def)([ \t]+)({_NAME})", bygroups(Keyword, Whitespace, Name.Function)),
            (r"from" + _END, Keyword.Namespace, "from"),
            (r"import" + _END, Keyword.Namespace, "import"),
            (words(NAMESPACE_KEYWORDS, suffix=_END), Keyword.Namespace),
            (words(KEYWORDS, suffix=_END), Keyword),
            (words(WORD_OPERATORS, suffix=_END), Operator.Word),
            (words(CONSTANTS, suffix=_END), Keyword.Constant),
            (words(BUILTIN_TYPES, suffix=_END), Keyword.Type),
            # CamelCase or capitals, two characters or more, no `_`: `X` and `X_train` are values.
            (r"[A-Z][A-Za-z0-9]+(?![A-Za-z0-9_])", Name.Class),
            (_NAME, Name),
            (r"\|>|=>|->|<:|\*\*|//|==|!=|<=|>=|\.\.\.|[=@+\-*/%<>]", Operator),
            (r"[(\[{]", Punctuation, "bracket"),
            (r"[,:.]", Punctuation),
        ],
        "strings": [
            (r'"', String.Double, "dqs"),
            (r"'", String.Single, "sqs"),
        ],
        "numbers": [
            (rf"0[xX](?:_?[0-9a-fA-F])+{_END}", Number.Hex),
            (rf"0[oO](?:_?[0-7])+{_END}", Number.Oct),
            (rf"0[bB](?:_?[01])+{_END}", Number.Bin),
            (rf"{_FLOAT}{_END}", Number.Float),
            (rf"{_DIGITS}{_END}", Number.Integer),
        ],
        "dqs": _string_state('"', String.Double),
        "sqs": _string_state("'", String.Single),
    }
