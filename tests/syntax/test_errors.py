"""Every syntax error code, as data: (program, code, line:col, a fragment of the message);
and the shared case file `tests/errors/syntax.test`, run through the parser alone."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from ibc.diagnostics.wording import words
from ibc.syntax.parser import parse_expression, parse_module, read_source
from ibc.base.spans import Source

CASES = [
    ("x = [1 2]\n", "E0101", "1:8", "unexpected `2`"),
    ("x = 1\ndef f(: Int) -> Int: return 1\n", "E0101", "2:7", "unexpected `:`"),
    ("x =\n", "E0102", "1:4", "expected an expression after `=`"),
    ("x = 1 +\n", "E0102", "1:8", "after `+`"),
    ("x = f(1,\n    2\ny = 3\n", "E0103", "1:6", "this `(` on line 1 is never closed"),
    ("x = (1 +\ny = 2\n", "E0103", "1:5", "`(` on line 1"),
    ("xs = [1, {a = 1}", "E0103", "1:6", "this `[` on line 1"),
    ("x = f([1, 2)]\n", "E0104", "1:12", "does not match the `[`"),
    ("x = 1)\n", "E0105", "1:6", "unexpected `)`"),
    ("from m import\n", "E0106", "1:14", "unexpected end of the line"),
    (
        "def prepare(x: Int) -> Int\n    return x\n",
        "E0108",
        "1:27",
        "after the parameter list of `def prepare`",
    ),
    ("def prepare(x: Int)\n    return x\n", "E0108", "1:20", "`def prepare`"),
    ("def f(x: Int) -> Int:\n    y = x + 1\n", "E0109", "2:5", "must end with `return`"),
    (
        "def f(x: Int) -> Int:\n    return x\n    y = 2\n",
        "E0110",
        "3:5",
        "nothing may follow `return`",
    ),
    ("x = 1\n  y = 2\n", "E0111", "2:3", "unexpected indentation"),
    (
        "def f(x: Int) -> Int:\n        y = x\n    return y\n",
        "E0112",
        "3:1",
        "matches no enclosing block",
    ),
    ("def f(x: Int) -> Int:\n\treturn x\n", "E0113", "2:1", "tab"),
    ("def f(x: Int) -> Int:\nx = 1\n", "E0114", "2:1", "indented body for `def f`"),
    ("def f(x: Int) -> Int:\n", "E0114", "2:1", "the end of the file"),
    ("import numpy as np\n", "E0115", "1:1", "`import numpy`"),
    ('import "x.py"\n', "E0115", "1:1", "only `.ib` modules"),
    ("from numpy import *\n", "E0116", "1:19", "`from numpy import *`"),
    ("from .features import add_ratios\n", "E0117", "1:6", "relative imports"),
    ("from ..pkg.m import a\n", "E0117", "1:6", "`from ..pkg.m ...`"),
    ('from "common.ib" import split (impure)\n', "E0118", "1:25", "`(impure)` only applies"),
    ('from "common.ib" import split : Int\n', "E0118", "1:25", "a type on an imported name"),
    ('from "common.ib" @ "v1" import split\n', "E0118", "1:20", "at a revision"),
    ("from clock import now (pure)\n", "E0119", "1:24", "expected `(impure)` after `now`"),
    ("head = rows[0:10]\n", "E0120", "1:14", "slices are not supported"),
    ('r = {a = 1, "b": 2}\n', "E0121", "1:13", "mixes record fields"),
    ('r = {"b": 2, a = 1}\n', "E0121", "1:14", "mixes record fields"),
    ("m = {accuracy: Float}\n", "E0122", "1:6", "`{accuracy: …}` is a record type"),
    ("m = {a: List[Int]}\n", "E0122", "1:6", "record type"),
    ("experiment e = b with { steps[1.5].C = 1 }\n", "E0123", "1:31", "must be an integer"),
    ("y = x |> fn v => v + 1\n", "E0124", "1:10", "a `fn` cannot start here"),
    ("y = 1 + fn v => v\n", "E0124", "1:9", "`fn`"),
    ("experiment e = b with { (a, b) = (1, 2) }\n", "E0125", "1:32", "takes its values with `in`"),
    ("in = 3\n", "E0126", "1:1", "`in` is a reserved word"),
    ("x = f(from = 1)\n", "E0126", "1:7", "`from` is a reserved word"),
    ("def return(x: Int) -> Int: return x\n", "E0126", "1:5", "`return` is a reserved word"),
    ("m = f(a = 1, 2)\n", "E0127", "1:14", "cannot follow the keyword argument `a`"),
    ("x = 1 $ 2\n", "E0140", "1:7", "unexpected character `$`"),
    ("x = a ! b\n", "E0140", "1:7", "`!`"),
    ("x = 1 + \\\n  2\n", "E0140", "1:9", "`\\`"),
    ("caf\u00e9 = 1\n", "E0140", "1:4", "unexpected character"),
    ("x = 007\n", "E0141", "1:5", "leading zeros"),
    ("x = 1__0\n", "E0142", "1:5", "two underscores"),
    ("x = 1_\n", "E0143", "1:5", "not between two digits"),
    ("x = 1_.5\n", "E0143", "1:5", "`1_.5`"),
    ("x = 12abc\n", "E0144", "1:5", "`12abc` is not a valid number"),
    ("x = 0x\n", "E0144", "1:5", "`0x`"),
    ("x = 1j\n", "E0144", "1:5", "complex numbers"),
    ('x = "abc\n', "E0145", "1:5", "never closed"),
    ("x = 'abc", "E0145", "1:5", "never closed"),
    ('pattern = "a\\d+"\n', "E0146", "1:13", "`\\d` is not a known escape"),
    ('x = "\\x4"\n', "E0147", "1:6", "`\\x4` is not a complete escape"),
    ('x = "\\N{NOT A NAME}"\n', "E0147", "1:6", "not a complete escape"),
    ('x = f"{y}"\n', "E0148", "1:5", "string prefixes"),
    ("x = rb'y'\n", "E0148", "1:5", '`rb"…"`'),
    ('doc = """text"""\n', "E0149", "1:7", "triple-quoted"),
    ('xs = ["a" "b"]\n', "E0150", "1:11", "two strings side by side"),
    ('xs = ["a"\n      "b"]\n', "E0150", "2:7", "side by side"),
    ("x = 1" + "0" * 4400 + "\n", "E0144", "1:5", "4401 digits, more than Python's limit"),
    ('from "src/\\u0000.py" import f\n', "E0151", "1:6", "holds a NUL character"),
    ('from "m\\udc80.ib" import f\n', "E0151", "1:6", "half of a surrogate pair"),
    ("x = 1\nexperiment e = x with layer(x)\n", "E0152", "2:23", "not `layer(…)`"),
    ("search s = b with { x in [1] } trials 3\n", "E0101", "1:32", "unexpected `trials`"),
]


@pytest.mark.parametrize(
    "text, code, at, fragment", CASES, ids=[c[1] + ":" + c[0][:20] for c in CASES]
)
def test_error_case(text, code, at, fragment):
    result, diags = parse_module(Source("main.ib", text))
    assert result is None
    assert len(diags) == 1
    diag = diags[0]
    message, _hint = words(diag.code, diag.args)
    assert (diag.code, f"{diag.span.line}:{diag.span.col}", message) == (code, at, message)
    assert fragment in message


def test_every_registered_syntax_code_has_a_case():
    from ibc.diagnostics.wording import all_wordings

    codes = {w.code for w in all_wordings() if w.code.startswith("E01")}
    assert codes <= {c[1] for c in CASES}
    for w in all_wordings():
        if w.code.startswith("E00") or w.code.startswith("E01"):
            assert w.title and w.message and w.explain


def test_messages_never_name_lark_tokens():
    for text, *_ in CASES:
        _, diags = parse_module(Source("main.ib", text))
        message, hint = words(diags[0].code, diags[0].args)
        for token_name in ("RPAR", "LPAR", "_NEWLINE", "NAME", "$END", "__ANON", "COMMA"):
            if token_name not in text:
                assert token_name not in message + (hint or "")


def test_expression_snippet_errors():
    _, diags = parse_expression(Source("-s", "f(1"))
    assert diags[0].code == "E0103"
    _, diags = parse_expression(Source("-s", "a\nb"))
    assert diags[0].code == "E0101"
    _, diags = parse_expression(Source("-s", ""))
    assert diags[0].code == "E0102" or diags[0].code == "E0106"


def _parse_only(main: Path):
    source, diags = read_source(str(main))
    if source is not None:
        _, diags = parse_module(source)
    return SimpleNamespace(diagnostics=diags)


def _case_file():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.errors.harness import parse_cases

    path = Path(__file__).resolve().parents[1] / "errors" / "syntax.test"
    return parse_cases(path.read_text(encoding="utf-8"), path)


@pytest.mark.parametrize("case", _case_file(), ids=lambda c: c.title)
def test_shared_case_file(case, tmp_path):
    from tests.errors.harness import check_case

    check_case(case, tmp_path, check=_parse_only)
