"""Properties over generated programs: formatting preserves the AST and is idempotent
(random expressions, fully parenthesized and randomly spaced), and the layout of the input
does not matter (spaces and in-bracket line breaks shuffled in formatted files)."""

from __future__ import annotations

import os
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibc.syntax.format import format_source, same_module
from ibc.syntax.lexical import Lexer
from ibc.syntax.parser import parse_module
from ibc.base.spans import Source

SETTINGS = settings(  # IBC_FMT_EXAMPLES=2000 for a longer search
    max_examples=int(os.environ.get("IBC_FMT_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

names = st.sampled_from(["a", "b", "x", "model", "f", "g"])
leaves = st.one_of(
    names,
    st.sampled_from(["1", "0.5", "1_000", "0x1f", "1e-3", '"s"', "'t'", "True", "None"]),
)
space = st.sampled_from(["", " ", "  "])


def _composite(inner):
    def wrap(s):
        return s.map(lambda t: f"({t})")

    p = wrap(inner)
    binop = st.tuples(p, st.sampled_from(["+", "-", "*", "/", "//", "%", "**"]), p)
    kwargs = st.lists(st.tuples(names, inner), max_size=2)
    return st.one_of(
        binop.map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(["-", "+", "not "]), p).map("".join),
        st.tuples(p, st.sampled_from(["<", "==", "in", "not in", ">="]), p).map(" ".join),
        st.tuples(p, st.sampled_from(["and", "or"]), p).map(" ".join),
        st.tuples(p, p, p).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"),
        st.tuples(names, st.lists(inner, max_size=3), kwargs).map(
            lambda t: f"{t[0]}({', '.join([*t[1], *(f'{k} = {v}' for k, v in t[2])])})"
        ),
        st.lists(inner, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: f"({', '.join(xs)})"),
        st.lists(st.tuples(names, inner), min_size=1, max_size=3).map(
            lambda fs: "{" + ", ".join(f"{k} = {v}" for k, v in fs) + "}"
        ),
        st.tuples(p, names).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(p, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(p, p).map(lambda t: f"{t[0]} |> {t[1]}"),
        st.tuples(p, names, inner).map(lambda t: f"{t[0]} |> {t[1]}({t[2]})"),
        st.tuples(names, inner).map(lambda t: f"fn {t[0]} => {t[1]}"),
        st.tuples(p, names, inner).map(lambda t: f"{t[0]} with {{ {t[1]}.C = {t[2]} }}"),
        names.map(lambda n: f'{n} @ "v1"'),
    )


expressions = st.recursive(leaves, _composite, max_leaves=12)


def _respace(text: str, rnd: random.Random) -> str:
    """Random spaces around the spaces of a one-line expression."""
    return "".join(c if c != " " else " " * rnd.randint(1, 3) for c in text)


@SETTINGS
@given(expressions, st.randoms(use_true_random=False))
def test_formatting_a_random_expression_keeps_its_meaning(expr, rnd):
    text = f"value = {_respace(expr, rnd)}\n"
    module, _ = parse_module(Source("gen.ib", text))
    if module is None:  # a generated text may still be invalid (a record key in a dict...)
        return
    out = format_source(text, "gen.ib")
    again, diags = parse_module(Source("gen.ib", out))
    assert again is not None, diags
    assert same_module(module, again)
    assert format_source(out, "gen.ib") == out


HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FORMATTED = sorted((HERE / "cases").glob("*.formatted.ib")) + [
    ROOT / "tests" / "fixtures" / "tour" / "tour.ib",
    ROOT / "examples" / "cancer" / "cancer.ib",
]
SAFE_JOIN = {"LPAR", "RPAR", "LSQB", "RSQB", "LBRACE", "RBRACE", "COMMA", "COLON"}


def _shuffle_layout(text: str, rnd: random.Random) -> str:
    """The same tokens with other spaces between them, and line breaks added or removed
    inside brackets; never next to a comment, never a blank line."""
    lexer = Lexer(Source("x.ib", text), True)
    tokens = [t for t in lexer.lex() if t.type not in ("_NEWLINE", "_INDENT", "_DEDENT")]
    out = [text[: tokens[0].start_pos]] if tokens else [text]
    depth = 0
    for tok, nxt in zip(tokens, tokens[1:] + [None]):
        out.append(text[tok.start_pos : tok.end_pos])
        depth += tok.type in ("LPAR", "LSQB", "LBRACE")
        depth -= tok.type in ("RPAR", "RSQB", "RBRACE")
        if nxt is None:
            out.append(text[tok.end_pos :])
            break
        gap = text[tok.end_pos : nxt.start_pos]
        if "#" in gap or gap.count("\n") > 1 or (depth == 0 and "\n" in gap):
            out.append(gap)
        elif depth > 0 and rnd.random() < 0.3:
            out.append("\n" + " " * rnd.randint(0, 9))
        elif tok.type in SAFE_JOIN or nxt.type in SAFE_JOIN:
            out.append(" " * rnd.randint(0, 2))
        else:
            out.append(" " * rnd.randint(1, 3))
    return "".join(out)


@SETTINGS
@given(st.sampled_from(FORMATTED), st.randoms(use_true_random=False))
def test_the_layout_of_the_input_does_not_matter(path, rnd):
    text = path.read_text(encoding="utf-8")
    expected = format_source(text, path.name)
    shuffled = _shuffle_layout(text, rnd)
    assert format_source(shuffled, path.name) == expected
