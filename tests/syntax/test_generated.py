"""The committed standalone parser matches the grammar, and parsing does not import `lark`."""

import subprocess
import sys

from ibc.syntax import build_parser


def test_generated_parser_is_current():
    assert (
        build_parser.recorded_hash() == build_parser.grammar_hash()
    ), "grammar/iterbuild.lark changed: run `python -m ibc.syntax.build_parser`"


def _code(text: str) -> list[str]:
    """The generated module without its pickled tables (pickles of sets vary between runs)."""
    return [line for line in text.splitlines() if not line.startswith("b'")]


def test_regeneration_matches_the_committed_file():
    text = build_parser.generate()
    assert text.splitlines()[1] == build_parser.HASH_PREFIX + build_parser.grammar_hash()
    assert _code(text) == _code(build_parser.GENERATED.read_text(encoding="utf-8"))


def test_parsing_does_not_import_lark():
    code = (
        "import sys\n"
        "from ibc.syntax.parser import parse_module\n"
        "from ibc.base.spans import Source\n"
        "m, d = parse_module(Source('x', 'x = f(1) |> g\\n'))\n"
        "assert not d\n"
        "print('lark' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
