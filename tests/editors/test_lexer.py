"""The Pygments lexer `ibc.syntax.pygments_lexer.IterbuildLexer`: no `Error` token on any valid
program of the repository, and the right token class for each lexical form."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

pytest.importorskip("pygments")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from pygments.token import (  # noqa: E402
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    String,
)

from ibc.syntax import pygments_lexer as iblexer  # noqa: E402
from ibc.syntax.pygments_lexer import IterbuildLexer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOUR = ROOT.parent / "shared" / "tour.ib"


def tokens(text: str) -> list[tuple[object, str]]:
    return [(t, v) for _, t, v in IterbuildLexer().get_tokens_unprocessed(text) if v.strip()]


def token_of(text: str, word: str, nth: int = 0) -> object:
    """The token class of the `nth` token spelled `word`."""
    found = [t for t, v in tokens(text) if v == word]
    assert len(found) > nth, f"no token {word!r} in {tokens(text)}"
    return found[nth]


def errors(text: str) -> list[tuple[int, str]]:
    return [(i, v) for i, t, v in IterbuildLexer().get_tokens_unprocessed(text) if t in Error]


def repository_ib_files() -> list[Path]:
    files = [p for p in ROOT.rglob("*.ib") if not {".git", "node_modules"} & set(p.parts)]
    if TOUR.exists():
        files.append(TOUR)
    return sorted(files)


def test_the_repository_has_ib_files():
    names = {p.name for p in repository_ib_files()}
    assert {"prelude.ib", "cancer.ib", "tour.ib"} <= names


@pytest.mark.parametrize(
    "path", repository_ib_files(), ids=lambda p: str(p.relative_to(p.parents[1]))
)
def test_no_error_token_in_repository_files(path: Path):
    assert errors(path.read_text(encoding="utf-8")) == []


def test_no_error_token_in_valid_error_case_programs():
    from ibc.syntax.parser import parse_module
    from ibc.base.spans import Source
    from tests.errors.harness import load_cases

    cases, _ = load_cases()
    checked = 0
    for case in cases:
        for name, text in case.files:
            if not name.endswith(".ib"):
                continue
            module, diagnostics = parse_module(Source(name, text))
            if module is None or any(d.is_error() for d in diagnostics):
                continue  # a syntax-error case: the compiler, not the lexer, must reject it
            checked += 1
            assert errors(text) == [], f"{case.id} {name}"
    assert checked > 50


def test_tokens_cover_the_text_exactly():
    text = TOUR.read_text() if TOUR.exists() else (ROOT / "stdlib" / "prelude.ib").read_text()
    assert "".join(v for _, _, v in IterbuildLexer().get_tokens_unprocessed(text)) == text


def test_keywords():
    text = "from m import f as g\ndef h(x: Int) -> Int: return x if x and not x or x in [] else x\n"
    for word in ("from", "import", "as"):
        assert token_of(text, word) is Keyword.Namespace
    for word in ("def", "return", "if", "else", "in"):
        assert token_of(text, word) is Keyword
    for word in ("and", "not", "or"):
        assert token_of(text, word) is Operator.Word
    assert token_of("x = [True, False, None]", "None") is Keyword.Constant
    assert token_of("f = fn x => x", "fn") is Keyword


def test_soft_keywords_only_start_a_declaration():
    assert token_of("type Seed = Int\n", "type") is Keyword.Declaration
    assert token_of("type Seed = Int\n", "Seed") is Name.Class
    assert token_of("experiment base = f(1)\n", "experiment") is Keyword.Declaration
    assert token_of("experiment base = f(1)\n", "base") is Name.Function
    assert token_of("sweep grid = b with { x in [1] }\n", "sweep") is Keyword.Declaration
    # as names: a keyword argument, an attribute, a binding, inside brackets, indented
    assert token_of('x = f(type = "l2")\n', "type") is Name
    assert token_of("x = model.type\n", "type") is Name.Attribute
    assert token_of("type = 1\n", "type") is Name
    assert token_of("x = f(\ntype y)\n", "type") is Name
    assert token_of("def f(x: Int) -> Int:\n    sweep = x\n    return sweep\n", "sweep") is Name


def test_strings_and_escapes():
    toks = tokens(r"""x = "a\n\x41\u00e9\N{BULLET}\"" + 'it\'s' """)
    escapes = [v for t, v in toks if t is String.Escape]
    assert escapes == [r"\n", r"\x41", r"\u00e9", r"\N{BULLET}", r"\"", r"\'"]
    assert (String.Double, "a") in toks and (String.Single, "it") in toks
    assert (Error, r"\d") in tokens(r'x = "a\d"')
    # an unclosed string ends with its line
    assert token_of('x = "abc\ny = 1\n', "y") is Name


@pytest.mark.parametrize(
    "spelling, kind",
    [
        ("1_000_000", Number.Integer),
        ("0", Number.Integer),
        ("0x1f", Number.Hex),
        ("0o17", Number.Oct),
        ("0b1_01", Number.Bin),
        ("0.5", Number.Float),
        (".5", Number.Float),
        ("5.", Number.Float),
        ("1e-3", Number.Float),
        ("2.5E+1_0", Number.Float),
    ],
)
def test_numbers(spelling: str, kind: object):
    assert tokens(f"x = [{spelling}]")[3] == (kind, spelling)


def test_comments():
    toks = tokens("x = 1  # the answer\n# a line\n")
    assert (Comment.Single, "# the answer") in toks and (Comment.Single, "# a line") in toks
    assert token_of('x = "# not a comment"', "# not a comment") is String.Double


def test_operators():
    text = 'y = x |> f(k = 1) |> (fn v => v ** 2 // 3) @ "v1"\ntype T <: U = "m:C"\n'
    for op in ("|>", "=>", "**", "//", "@", "<:", "="):
        assert token_of(text, op) is Operator, op
    assert token_of("def f(x: Int) -> Int: return x", "->") is Operator


def test_type_names():
    text = "def f(X: Array, X_train: List[Frame]) -> Optional[SVC]: return X\n"
    assert token_of(text, "Array") is Name.Class
    assert token_of(text, "Frame") is Name.Class
    assert token_of(text, "SVC") is Name.Class
    assert token_of(text, "List") is Keyword.Type
    assert token_of(text, "Optional") is Keyword.Type
    assert token_of(text, "X") is Name
    assert token_of(text, "X_train") is Name
    assert token_of(text, "f") is Name.Function


def test_impure_only_inside_an_import():
    text = 'from "src/clock.py" import now (impure) : () -> Float\n'
    assert token_of(text, "impure") is Keyword.Pseudo
    assert token_of(text, "src/clock.py") is String.Double
    listed = "from m.clock import (\n    now (impure),\n    later,\n)\nx = f(impure)\n"
    assert token_of(listed, "impure", 0) is Keyword.Pseudo
    assert token_of(listed, "impure", 1) is Name
    assert token_of(listed, "m") is Name.Namespace
    assert token_of(listed, "clock") is Name.Namespace


def test_word_lists_match_the_compiler():
    from ibc.syntax.lexical import KEYWORDS, SOFT_KEYWORDS
    from ibc.types.env import BUILTIN_TYPE_NAMES

    ours = (
        iblexer.NAMESPACE_KEYWORDS + iblexer.KEYWORDS + iblexer.WORD_OPERATORS + iblexer.CONSTANTS
    )
    assert sorted(ours) == sorted(KEYWORDS)
    assert sorted(iblexer.SOFT_KEYWORDS) == sorted(SOFT_KEYWORDS)
    assert sorted(iblexer.BUILTIN_TYPES) == sorted(set(BUILTIN_TYPE_NAMES) - {"None"})


def test_lexer_metadata():
    assert IterbuildLexer.name == "Iterbuild"
    assert set(IterbuildLexer.aliases) == {"iterbuild", "ib"}
    assert IterbuildLexer.filenames == ["*.ib"]


def test_found_through_the_pygments_entry_point():
    points = metadata.entry_points(group="pygments.lexers")
    if not any(p.value == "ibc.syntax.pygments_lexer:IterbuildLexer" for p in points):
        pytest.skip("the pygments.lexers entry point is not in the installed metadata yet")
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

    assert isinstance(get_lexer_by_name("ib"), IterbuildLexer)
    assert isinstance(get_lexer_for_filename("cancer.ib"), IterbuildLexer)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab_1.0x\"'\\#()[]{}|>=@:\n \t")), max_size=60))
def test_never_fails_and_keeps_every_character(text: str):
    out = "".join(v for _, _, v in IterbuildLexer().get_tokens_unprocessed(text))
    assert out == text


def test_search_declaration_and_its_tail():
    text = (
        "search tuned = base with { C in log_uniform(0.001, 1.0) } "
        "maximize scores.f1 trials 40 seed 3\n"
    )
    assert token_of(text, "search") is Keyword.Declaration
    assert token_of(text, "tuned") is Name.Function
    assert token_of(text, "maximize") is Keyword
    assert token_of(text, "trials") is Keyword
    assert token_of(text, "seed") is Keyword
    assert token_of(text, "40") is Number.Integer
    assert (
        token_of("search s = b with { x in [1] } minimize loss trials 4\n", "minimize") is Keyword
    )
    # as names: a binding, an argument, an attribute
    assert token_of("maximize = trials + seed\n", "maximize") is Name
    assert token_of("maximize = trials + seed\n", "seed") is Name
    assert token_of("x = f(trials = 3)\n", "trials") is Name
    assert token_of("x = r.seed\n", "seed") is Name.Attribute
