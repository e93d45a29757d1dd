"""Argument matching (`ibc.types.calls.check_call`): Python's rules for positional, keyword,
keyword-only, positional-only, `*args` and `**kwargs` parameters, defaults, generics solved
from arguments, lambdas checked last; directly on hand-built calls, then through programs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.diagnostics.wording import words
from ibc.driver import Options, check_file
from ibc.syntax import nodes as n
from ibc.base.spans import Span
from ibc.types.calls import check_call, unchecked_call
from ibc.types.relations import FLAT
from ibc.base.typeterms import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    KEYWORD_ONLY,
    POSITIONAL_ONLY,
    STR,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    FuncType,
    ListType,
    Param,
    TupleType,
    TypeVar,
)

S = Span("t.ib", 1, 1, 1, 2)


def v(name: str) -> n.Var:
    return n.Var(name, S)


def pos(name: str) -> n.Arg:
    return n.Arg(None, v(name), S)


def kw(key: str, name: str) -> n.Arg:
    return n.Arg(n.Name(key, S), v(name), S)


class Infer:
    """A stand-in for the checker: a `Var`'s type comes from a table; records the order."""

    def __init__(self, **types) -> None:
        self.types = types
        self.seen: list[str] = []
        self.expected: dict[str, object] = {}

    def __call__(self, e, expected):
        if isinstance(e, n.Lambda):
            self.seen.append("<lambda>")
            self.expected["<lambda>"] = expected
            return expected if expected is not None else ANY
        self.seen.append(e.name)
        self.expected[e.name] = expected
        return self.types[e.name]


def call(ftype, args, **types):
    diags = Diagnostics()
    infer = Infer(**types)
    match = check_call(ftype, "f", tuple(args), S, infer, diags, FLAT)
    return match, [d.code for d in diags.sorted()], diags, infer


def P(name, t, kind="positional", default=False):
    return Param(name, t, kind, default, "0" if default else None)


F2 = FuncType((P("a", INT), P("b", FLOAT, default=True)), STR)


def test_positional_and_keyword_fill_by_name():
    match, codes, _, _ = call(F2, [pos("x"), kw("b", "y")], x=INT, y=FLOAT)
    assert codes == []
    assert match.params == ["a", "b"]
    assert match.result == STR


def test_keywords_in_any_order():
    match, codes, _, _ = call(F2, [kw("b", "y"), kw("a", "x")], x=INT, y=INT)
    assert codes == [] and match.params == ["b", "a"]


def test_argument_type_mismatch_names_the_parameter():
    _, codes, diags, _ = call(F2, [pos("x")], x=STR)
    assert codes == ["E0401"]
    d = diags.sorted()[0]
    assert d.args["expected"] == "Int" and d.args["found"] == "Str"
    # the checker gives facts; the wording writes the sentence
    assert (d.args["role"], d.args["position"], d.args["param"]) == ("positional", 1, "a")
    message, _ = words(d.code, d.args)
    assert message.startswith("the 1st argument of `") and "(`a`) must be `Int`" in message


def test_subtype_arguments_are_accepted():
    _, codes, _, _ = call(F2, [pos("x"), pos("y")], x=BOOL, y=INT)
    assert codes == []


def test_missing_required():
    _, codes, diags, _ = call(F2, [kw("b", "y")], y=FLOAT)
    assert codes == ["E0404"]
    assert diags.sorted()[0].args["names"] == ["a"]


def test_too_many_positional():
    _, codes, diags, _ = call(F2, [pos("x"), pos("y"), pos("z")], x=INT, y=INT, z=INT)
    assert codes == ["E0403"]
    assert diags.sorted()[0].args["expected"] == 2
    assert diags.sorted()[0].args["found"] == 3


def test_duplicate_argument():
    _, codes, _, _ = call(F2, [pos("x"), kw("a", "y")], x=INT, y=INT)
    assert codes == ["E0405"]


def test_unknown_keyword_suggests_and_hides_missing():
    _, codes, diags, _ = call(F2, [kw("aa", "x")], x=INT)
    assert codes == ["E0402"]  # `a` is missing too, but one mistake is reported once
    assert "a" in diags.sorted()[0].args["suggestions"]


def test_keyword_only():
    f = FuncType((P("x", INT), P("seed", INT, KEYWORD_ONLY, default=True)), INT)
    match, codes, _, _ = call(f, [pos("a"), kw("seed", "b")], a=INT, b=INT)
    assert codes == [] and match.params == ["x", "seed"]
    _, codes, diags, _ = call(f, [pos("a"), pos("b")], a=INT, b=INT)
    assert codes == ["E0403"]
    assert diags.sorted()[0].args["keyword_only"] == ["seed"]


def test_positional_only_cannot_be_passed_by_keyword():
    f = FuncType((P("x", INT, POSITIONAL_ONLY),), INT)
    _, codes, _, _ = call(f, [pos("a")], a=INT)
    assert codes == []
    _, codes, diags, _ = call(f, [kw("x", "a")], a=INT)
    assert codes == ["E0402"]
    assert diags.sorted()[0].args["positional_only"] is True


def test_var_positional_collects_extra_arguments_by_index():
    f = FuncType((P("first", INT), P("rest", INT, VAR_POSITIONAL)), INT)
    match, codes, _, _ = call(f, [pos("a"), pos("b"), pos("c")], a=INT, b=INT, c=INT)
    assert codes == []
    assert match.params == ["first", "rest[0]", "rest[1]"]
    _, codes, _, _ = call(f, [pos("a"), pos("b")], a=INT, b=STR)
    assert codes == ["E0401"]


def test_var_keyword_takes_unknown_names():
    f = FuncType((P("x", INT), P("options", FLOAT, VAR_KEYWORD)), INT)
    match, codes, _, _ = call(f, [pos("a"), kw("alpha", "b")], a=INT, b=FLOAT)
    assert codes == [] and match.params == ["x", "alpha"]
    _, codes, _, _ = call(f, [pos("a"), kw("alpha", "b")], a=INT, b=STR)
    assert codes == ["E0401"]


def test_generic_result_is_solved_from_arguments():
    T = TypeVar("T")
    first = FuncType((P("xs", ListType(T)),), T, (T,))
    match, codes, _, _ = call(first, [pos("a")], a=ListType(STR))
    assert codes == [] and match.result == STR


def test_generic_widens_across_arguments():
    T = TypeVar("T")
    pair = FuncType((P("a", T), P("b", T)), ListType(T), (T,))
    match, codes, _, _ = call(pair, [pos("x"), pos("y")], x=INT, y=FLOAT)
    assert codes == [] and match.result == ListType(FLOAT)
    _, codes, _, _ = call(pair, [pos("x"), pos("y")], x=INT, y=STR)
    assert codes == ["E0401"]


def test_unsolved_generic_result_is_any():
    T = TypeVar("T")
    make = FuncType((), ListType(T), (T,))
    match, codes, _, _ = call(make, [])
    assert codes == [] and match.result == ListType(ANY)


def test_lambdas_are_checked_last_with_solved_types():
    A, B = TypeVar("A"), TypeVar("B")
    fmap = FuncType(
        (P("f", FuncType((Param(None, A),), B)), P("xs", ListType(A))), ListType(B), (A, B)
    )
    lam = n.Lambda((), v("body"), S)
    infer = Infer(xs=ListType(INT))
    diags = Diagnostics()
    check_call(fmap, "map", (n.Arg(None, lam, S), pos("xs")), S, infer, diags, FLAT)
    assert infer.seen == ["xs", "<lambda>"]
    hint = infer.expected["<lambda>"]
    assert isinstance(hint, FuncType) and hint.params[0].type == INT


def test_unchecked_call_infers_every_argument():
    infer = Infer(a=INT, b=STR)
    match = unchecked_call((pos("a"), kw("k", "b")), infer)
    assert infer.seen == ["a", "b"]
    assert match.result == ANY and match.params == [None, "k"]


# --------------------------------------------------------------------------- via programs


def check(tmp_path: Path, text: str, files: dict[str, str] | None = None):
    (tmp_path / "ibc.toml").write_text("")
    for rel, body in (files or {}).items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    main = tmp_path / "main.ib"
    main.write_text(text)
    return check_file(main, Options(format=False))


def codes(result):
    return [d.code for d in result.diagnostics if d.is_error]


def call_params(result):
    """The argument-to-parameter tables of the program's calls, in source order."""
    out = []
    for match in result.checked.calls.values():
        out.append(match.params)
    return out


def test_python_function_signature_from_source(tmp_path):
    py = "def scale(x: float, *, factor: float = 2.0, **extra) -> float:\n    return x\n"
    r = check(
        tmp_path,
        'from "src/m.py" import scale\ny: Float = scale(1, factor = 3, note = 4)\n',
        {"src/m.py": py},
    )
    assert codes(r) == []
    assert ["x", "factor", "note"] in call_params(r)


def test_python_function_var_positional(tmp_path):
    py = "def total(*xs: int) -> int:\n    return sum(xs)\n"
    r = check(
        tmp_path,
        'from "src/m.py" import total\na = total(1, 2, 3)\nb = total(1, "x")\n',
        {"src/m.py": py},
    )
    assert codes(r) == ["E0401"]
    assert r.diagnostics[0].span.line == 3
    assert ["xs[0]", "xs[1]", "xs[2]"] in call_params(r)


def test_def_default_makes_argument_optional(tmp_path):
    r = check(tmp_path, "def f(a: Int, k: Int = 3) -> Int: return a * k\nx: Int = f(2)\n")
    assert codes(r) == []


def test_lambda_call_arity(tmp_path):
    r = check(tmp_path, "g = fn (a: Int, b: Int) => a + b\nx = g(1)\ny = g(1, 2, 3)\n")
    assert sorted(codes(r)) == ["E0403", "E0404"]


def test_prelude_generic_map_infers_result(tmp_path):
    r = check(tmp_path, "xs = map(fn x => x * 2.5, [1, 2])\nys: List[Str] = xs\n")
    assert codes(r) == ["E0401"]
    d = r.diagnostics[0]
    assert d.args["found"] == "List[Float]"


def test_prelude_zip_pairs(tmp_path):
    r = check(tmp_path, 'ps: List[Tuple[Int, Str]] = zip([1, 2], ["a", "b"])\n')
    assert codes(r) == []
    decl_types = list(r.checked.decl_types.values())
    assert ListType(TupleType((INT, STR))) in decl_types


def test_error_in_argument_of_lambda_reported_once(tmp_path):
    r = check(tmp_path, 'x = (fn v => v)(1 + "a")\n')
    assert codes(r) == ["E0412"]


def test_error_in_value_piped_into_lambda_reported_once(tmp_path):
    r = check(tmp_path, 'x = (1 + "a") |> (fn v => v * 2)\n')
    assert codes(r) == ["E0412"]
