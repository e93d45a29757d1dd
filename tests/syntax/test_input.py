"""Input problems (E0001-E0004): bytes that are not UTF-8 or binary, unreadable files, and
the guarantee that the parser reports an internal failure instead of raising."""

from ibc.syntax import parser
from ibc.syntax.parser import parse_module, read_source
from ibc.base.spans import Source


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.ib"
    path.write_bytes(b"x = 1\ny = 'caf\xe9'\n")
    source, diags = read_source(str(path))
    assert source is None and diags[0].code == "E0001"
    assert (diags[0].span.line, diags[0].span.col) == (2, 9)
    assert diags[0].args["byte"] == "0xe9"


def test_binary(tmp_path):
    path = tmp_path / "data.ib"
    path.write_bytes(b"\x80\x04\x95\x00\x00")
    source, diags = read_source(str(path))
    assert source is None and diags[0].code == "E0002"
    _, diags = parse_module(Source("t.ib", "x = 1\x00"))
    assert diags[0].code == "E0002" and diags[0].span.col == 6


def test_surrogate_escaped_text_is_not_utf8():
    _, diags = parse_module(Source("t.ib", "x = '\udce9'\n"))
    assert diags[0].code == "E0001"


def test_unreadable(tmp_path):
    source, diags = read_source(str(tmp_path / "missing.ib"))
    assert source is None and diags[0].code == "E0003"


def test_bom_is_read_and_skipped(tmp_path):
    path = tmp_path / "bom.ib"
    path.write_bytes(b"\xef\xbb\xbfx = 1\n")
    source, diags = read_source(str(path))
    assert diags == []
    module, diags = parse_module(source)
    assert diags == [] and module.decls[0].pattern.name.text == "x"


def test_internal_failure_is_a_diagnostic(monkeypatch):
    class Broken(parser.Lexer):
        def lex(self, _state=None):
            raise ValueError("boom")

    monkeypatch.setattr(parser, "Lexer", Broken)
    result, diags = parse_module(Source("t.ib", "x = 1\n"))
    assert result is None and diags[0].code == "E0004" and "boom" in diags[0].args["reason"]
