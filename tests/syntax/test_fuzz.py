"""Random and mutated text never makes the parser raise: only diagnostics come out."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ibc.syntax.parser import parse_expression, parse_module, parse_override, parse_type
from ibc.base.spans import Source

TOUR = (Path(__file__).parent / "tour.ib").read_text(encoding="utf-8")
ALPHABET = st.sampled_from(
    list("abxyz019_.,:;=()[]{}<>+-*/%@|!#\"'\\ \t\n\r")
    + ["def ", "fn ", " with ", " in ", "=>", "|>", "->", "type ", "return "]
)


def check(result, diags):
    assert (result is None) == bool(diags)
    for diag in diags:
        assert diag.span.line >= 1 and diag.span.col >= 1
        assert diag.code.startswith("E0")


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_random_text_never_raises(text):
    for parse in (parse_module, parse_expression, parse_override, parse_type):
        check(*parse(Source("f.ib", text)))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(TOUR) - 1), st.integers(0, 12), st.text(max_size=4))
def test_mutated_tour_never_raises(at, cut, insert):
    text = TOUR[:at] + insert + TOUR[at + cut :]
    check(*parse_module(Source("tour.ib", text)))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_never_raises(text):
    check(*parse_module(Source("u.ib", text)))
