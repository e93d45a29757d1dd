"""The driver never hands on emitted code that Python does not compile (docs/running.md, "Deep
programs"): a bad emission is an internal error (E0000), and no code is returned, so neither
`ibc compile` writes it nor `ibc run` runs it. No program makes today's emitters write such
code, so the emitter is replaced here by one that does."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.driver import Options, compile_file


def main(tmp_path: Path) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    path = tmp_path / "main.ib"
    path.write_text("experiment a = 1 + 1\n")
    return path


@pytest.mark.parametrize("bad", ["x = (" * 300 + "1" + ")" * 300 + "\n", "def f(:\n"])
def test_emitted_code_that_does_not_compile_is_an_internal_error(tmp_path, monkeypatch, bad):
    import ibc.codegen.script as script

    monkeypatch.setattr(script, "emit_script", lambda program, out_path=None: bad)
    result = compile_file(main(tmp_path), Options(format=False))
    assert result.code is None
    [diag] = result.diagnostics
    assert diag.code == "E0000"
    assert "the emitted Python does not compile" in diag.args["detail"]
    assert "SyntaxError" in diag.args["detail"]


def test_good_code_is_handed_on(tmp_path):
    result = compile_file(main(tmp_path), Options(format=False))
    assert result.ok and result.code is not None
    compile(result.code, "main.py", "exec")
