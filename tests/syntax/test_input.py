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


def test_a_device_is_refused_without_reading_it():
    """`ibc check /dev/zero` once grew without limit: a file that is not regular is E0003."""
    import os

    if not os.path.exists("/dev/zero"):
        return
    source, diags = read_source("/dev/zero")
    assert source is None and [d.code for d in diags] == ["E0003"]
    assert "not a regular file" in diags[0].args["reason"]


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(parser, "MAX_SOURCE_BYTES", 1000)
    path = tmp_path / "big.ib"
    path.write_text("x = 1\n" * 200)
    source, diags = read_source(str(path))
    assert source is None and [d.code for d in diags] == ["E0003"]
    assert "larger than" in diags[0].args["reason"]
    path.write_text("x = 1\n" * 100)
    source, diags = read_source(str(path))
    assert source is not None and diags == []


def test_ibc_check_of_a_device_ends_at_once(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ibc", "check", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "error[E0003]" in done.stderr
    assert "not a regular file" in done.stderr and "Traceback" not in done.stderr
