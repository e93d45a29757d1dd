"""Spans run from a node's first to its last token (1-based, end exclusive)."""

from ibc.syntax.parser import parse_module
from ibc.base.spans import Source


def where(span) -> tuple:
    return (span.line, span.col, span.end_line, span.end_col)


def test_spans_of_several_nodes():
    text = (
        "x = (a + b) * c\n"
        "def f(k: Int = 1) -> Int:\n"
        "    y = g(k,\n"
        "          z = 2)\n"
        "    return y\n"
        "experiment e = base with { m.C = 0.1 }  # tail\n"
    )
    mod, diags = parse_module(Source("m.ib", text))
    assert diags == []
    binding, func, exp = mod.decls
    assert where(binding.span) == (1, 1, 1, 16)
    assert where(binding.value.span) == (1, 5, 1, 16)  # starts at the `(`
    assert where(binding.value.left.span) == (1, 6, 1, 11)  # the sum itself, without parentheses
    assert where(func.span) == (2, 1, 5, 13)
    assert where(func.params[0].span) == (2, 7, 2, 17)
    assert where(func.body[0].value.span) == (3, 9, 4, 17)
    assert where(func.body[0].value.args[1].span) == (4, 11, 4, 16)
    assert where(func.return_span) == (5, 5, 5, 13)
    assert where(exp.value.span) == (6, 16, 6, 39)
    assert where(exp.value.overrides[0].paths[0].span) == (6, 28, 6, 31)
    assert [(where(s), t) for s, t in mod.comments] == [((6, 41, 6, 47), "# tail")]
    assert mod.span.start == 0 and mod.span.end == len(text)
    assert binding.value.span.start == 4 and binding.value.span.end == 15
