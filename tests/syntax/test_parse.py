"""The parser builds the right nodes: the tour, every declaration form, literals, soft keywords,
BOM, CRLF and a missing final newline."""

from pathlib import Path

import pytest

from ibc.syntax import nodes as n
from ibc.syntax.parser import parse_expression, parse_module, parse_override, parse_type
from ibc.base.spans import Source

TOUR = Path(__file__).parent / "tour.ib"  # a copy of /work/shared/tour.ib


def module(text: str) -> n.Module:
    result, diags = parse_module(Source("main.ib", text))
    assert diags == [], diags
    return result


def expr(text: str):
    result, diags = parse_expression(Source("<expr>", text))
    assert diags == [], diags
    return result


def walk(node):
    yield node
    for child in n.children(node):
        yield from walk(child)


def tour_text() -> str:
    return TOUR.read_text(encoding="utf-8")


def test_tour_parses_with_every_declaration_kind():
    mod = module(tour_text())
    kinds = [type(d).__name__ for d in mod.decls]
    for kind in [
        "PyImport",
        "IbImport",
        "IbFromImport",
        "TypeDecl",
        "Binding",
        "FuncDef",
        "Experiment",
        "Sweep",
    ]:
        assert kind in kinds
    assert len(mod.decls) == 58
    every = {type(x).__name__ for d in mod.decls for x in walk(d)}
    for kind in [
        "Pipe",
        "Lambda",
        "IfExpr",
        "BinOp",
        "UnaryOp",
        "BoolOp",
        "Compare",
        "With",
        "Revision",
        "RecordExpr",
        "DictExpr",
        "TupleExpr",
        "ListExpr",
        "Index",
        "Attribute",
        "Call",
        "FuncType",
        "RecordType",
        "TypeParam",
        "TuplePattern",
    ]:
        assert kind in every, kind
    assert all(text.startswith("#") for _, text in mod.comments)
    assert len(mod.comments) == tour_text().count("#") - tour_text().count('"#')


def test_no_lark_tree_leaks_into_the_ast():
    mod = module(tour_text())
    for decl in mod.decls:
        for node in walk(decl):
            assert type(node).__module__ == "ibc.syntax.nodes", type(node)


def test_python_imports():
    mod = module(
        "from a.b import c, d as e (impure) : (x: Int) -> Int\n"
        'from "src/f.py" @ "v1" import g as h\n'
        "from m import (\n    p,\n    q,  # note\n)\n"
    )
    first, second, third = mod.decls
    assert first.module == "a.b" and not first.is_path
    assert [i.local.text for i in first.items] == ["c", "e"]
    assert first.items[1].impure and isinstance(first.items[1].annotation, n.FuncType)
    assert second.is_path and second.module == "src/f.py" and second.revision.value == "v1"
    assert [i.name.text for i in third.items] == ["p", "q"]
    assert third.span.end_line == 6 and third.span.end_col == 2


def test_ib_imports():
    a, b, c = module(
        'import "common.ib" as common\nimport "lib/m.ib"\nfrom "c.ib" import x as y\n'
    ).decls
    assert isinstance(a, n.IbImport) and a.alias.text == "common" and a.path == "common.ib"
    assert isinstance(b, n.IbImport) and b.alias is None
    assert isinstance(c, n.IbFromImport) and c.items[0].local.text == "y"


def test_type_declarations():
    a, b, c = module(
        'type Frame = "pandas:DataFrame"\n'
        'type B <: A, C = "m:B"\n'
        "type P = Tuple[List[Int], ...]\n"
    ).decls
    assert a.target.value == "pandas:DataFrame" and a.alias is None
    assert [t.name for t in b.supertypes] == ["A", "C"]
    assert isinstance(c.alias.args[1], n.TypeEllipsis)


def test_bindings_and_patterns():
    a, b, c = module("x: Float = 0.25\n((a, b), c) = t\n(s,) = t\n").decls
    assert a.annotation.name == "Float" and a.value.value == 0.25
    assert isinstance(b.pattern.items[0], n.TuplePattern)
    assert len(c.pattern.items) == 1


def test_def_forms():
    block, one, generic, bare = module(
        "def prepare(X: Array, k: Int = 10, *, seed: Int = 0, **kw: Any) -> Array:\n"
        "    ranked = rank(X)\n"
        "    return select(ranked, k = k)\n"
        "def double(x: Int) -> Int: return x * 2\n"
        "def first[T, M <: Estimator](xs: List[T]) -> T: return xs[0]\n"
        "def g(x): return x\n"
    ).decls
    assert [p.kind for p in block.params] == [
        n.POSITIONAL,
        n.POSITIONAL,
        n.KEYWORD_ONLY,
        n.VAR_KEYWORD,
    ]
    assert block.params[1].default.value == 10
    assert len(block.body) == 1 and isinstance(block.result, n.Call)
    assert block.return_span.line == 3 and block.span.end_line == 3
    assert one.body == () and isinstance(one.result, n.BinOp)
    assert [t.name.text for t in generic.type_params] == ["T", "M"]
    assert generic.type_params[1].bound.name == "Estimator"
    assert bare.params[0].annotation is None and bare.returns is None


def test_literals_are_decoded():
    values = [
        e.value
        for e in expr(
            "[1_000, 0x1f, 0o17, 0b101, 0.5, .5, 5., 1e-3, \"a\\tb\\x41\\u00e9\", 'q', True, None]"
        ).items
    ]
    assert values == [1000, 31, 15, 5, 0.5, 0.5, 5.0, 0.001, "a\tbA\u00e9", "q", True, None]
    lit = expr('"she said \\"hi\\""')
    assert lit.value == 'she said "hi"' and lit.text == '"she said \\"hi\\""'


@pytest.mark.parametrize(
    "text, kind",
    [
        ("{}", n.DictExpr),
        ('{"k": 1}', n.DictExpr),
        ("{a = 1, b = 2,}", n.RecordExpr),
        ("()", n.TupleExpr),
        ("(1,)", n.TupleExpr),
        ("(1)", n.Literal),
        ("[1, 2,]", n.ListExpr),
    ],
)
def test_brackets(text, kind):
    assert isinstance(expr(text), kind)


def test_soft_keywords_are_names_elsewhere():
    mod = module(
        'x = f(type = "l2")\n'
        "y = model.type\n"
        'experiment e = b with { model.type = "l2", sweep = 1, experiment in [1] }\n'
        "type = 3\n"
    )
    assert mod.decls[0].value.args[0].name.text == "type"
    assert mod.decls[1].value.name.text == "type"
    paths = [str(o.paths[0]) for o in mod.decls[2].value.overrides]
    assert paths == ["model.type", "sweep", "experiment"]
    assert isinstance(mod.decls[3], n.Binding)
    assert isinstance(expr("class_ + lambda * pass"), n.BinOp)  # Python keywords are names


def test_bom_crlf_and_missing_final_newline():
    mod = module("\ufeffx = 1\r\ndef f(x: Int) -> Int:\r\n    return x\r\ny = (1,\r\n  2)")
    assert [type(d).__name__ for d in mod.decls] == ["Binding", "FuncDef", "Binding"]
    assert mod.decls[2].value.items[1].value == 2
    assert module("x = 1  # c").comments[0][1] == "# c"
    assert module("").decls == ()
    assert module("# only\n\n").decls == ()


def test_parse_override_forms():
    ov, diags = parse_override(Source("-s", "steps[1].C=0.1"))
    assert diags == [] and ov.paths[0].parts == ("steps", 1, "C") and not ov.sweep
    ov, _ = parse_override(Source("-s", "(a, b) in [(1, 2)]"))
    assert [str(p) for p in ov.paths] == ["a", "b"] and ov.sweep
    ov, _ = parse_override(Source("-s", "model=RandomForestClassifier(n_estimators=100)"))
    assert isinstance(ov.value, n.Call)


def test_parse_type_forms():
    t, diags = parse_type(
        Source("<t>", "(*arrays: Array, test_size: Float = 0.25, **options: Any) -> List[Array]")
    )
    assert diags == []
    assert [p.kind for p in t.params] == [n.VAR_POSITIONAL, n.KEYWORD_ONLY, n.VAR_KEYWORD]
    assert t.params[1].default.value == 0.25
    t, _ = parse_type(Source("<t>", "(Int, Str) -> Float"))
    assert [p.name for p in t.params] == [None, None]
    t, _ = parse_type(Source("<t>", "{a: Int, b: common.Metrics}"))
    assert t.fields[1][1].name == "common.Metrics"
    t, _ = parse_type(Source("<t>", "Optional[None]"))
    assert t.args[0].name == "None"
