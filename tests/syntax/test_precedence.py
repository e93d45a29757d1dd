"""Operator precedence and associativity (docs/guide.md §4)."""

from ibc.syntax import nodes as n
from ibc.syntax.parser import parse_expression
from ibc.base.spans import Source


def expr(text: str):
    result, diags = parse_expression(Source("<expr>", text))
    assert diags == [], diags
    return result


def show(e) -> str:
    """A fully parenthesized rendering of an expression tree."""
    if isinstance(e, n.Var):
        return e.name
    if isinstance(e, n.Literal):
        return e.text
    if isinstance(e, n.BinOp):
        return f"({show(e.left)} {e.op} {show(e.right)})"
    if isinstance(e, n.BoolOp):
        return f"({show(e.left)} {e.op} {show(e.right)})"
    if isinstance(e, n.UnaryOp):
        return f"({e.op} {show(e.operand)})"
    if isinstance(e, n.Compare):
        return "(" + show(e.first) + "".join(f" {o} {show(r)}" for o, r in zip(e.ops, e.rest)) + ")"
    if isinstance(e, n.Pipe):
        return f"({show(e.value)} |>{'!' if e.inject else ''} {show(e.func)})"
    if isinstance(e, n.With):
        return f"({show(e.base)} with {len(e.overrides)})"
    if isinstance(e, n.Lambda):
        return f"(fn {','.join(p.name.text for p in e.params)} => {show(e.body)})"
    if isinstance(e, n.IfExpr):
        return f"({show(e.then)} if {show(e.cond)} else {show(e.orelse)})"
    if isinstance(e, n.Revision):
        return f"({show(e.value)} @ {e.revision.text})"
    if isinstance(e, n.Call):
        return f"{show(e.func)}(" + ", ".join(show(a.value) for a in e.args) + ")"
    if isinstance(e, n.Attribute):
        return f"{show(e.value)}.{e.name.text}"
    if isinstance(e, n.Index):
        return f"{show(e.value)}[{show(e.index)}]"
    return type(e).__name__


CASES = [
    ("1 + 2 * 3", "(1 + (2 * 3))"),
    ("1 - 2 - 3", "((1 - 2) - 3)"),
    ("2 ** 3 ** 2", "(2 ** (3 ** 2))"),
    ("-x ** 2", "(- (x ** 2))"),
    ("2 ** -1", "(2 ** (- 1))"),
    ("a // b % c / d", "(((a // b) % c) / d)"),
    ('-f @ "v1" ** 2', '(- ((f @ "v1") ** 2))'),
    ('f.g(x) @ "v1"', '(f.g(x) @ "v1")'),
    ('(f @ "v1")(x)', '(f @ "v1")(x)'),
    ("not a == b", "(not (a == b))"),
    ("a or b and not c", "(a or (b and (not c)))"),
    ("0 < x <= 1", "(0 < x <= 1)"),
    ("a in b not in c", "(a in b not in c)"),
    ("a if b or c else d if e else f", "(a if (b or c) else (d if e else f))"),
    ("x |> f(k = 1) |> g", "((x |>! f(1)) |> g)"),
    ("x |> (f(k = 1))", "(x |> f(1))"),
    ("x |> (fn y => y)", "(x |> (fn y => y))"),
    ("x |> f if c else g", "(x |> (f if c else g))"),
    ("a |> f with {b = 1} with {c in [1]}", "(((a |> f) with 1) with 1)"),
    ("fn x => x |> f with {a = 1}", "(fn x => ((x |> f) with 1))"),
    ("fn (x: Int, y) => x * y", "(fn x,y => (x * y))"),
    ("f(fn x => x + 1, 2)", "f((fn x => (x + 1)), 2)"),
    ("x[1].y(2)", "x[1].y(2)"),
]


def test_precedence_table():
    for text, expected in CASES:
        assert show(expr(text)) == expected, text


def test_with_override_forms():
    w = expr("b with { model.C = 0.1, steps[1].C in [1, 2], (p, q) in [(1, 2)], }")
    assert [o.sweep for o in w.overrides] == [False, True, True]
    assert w.overrides[1].paths[0].parts == ("steps", 1, "C")
    assert len(w.overrides[2].paths) == 2
