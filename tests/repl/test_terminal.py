"""`ibc repl` on a pseudo-terminal: the prompt_toolkit front end shows a prompt, evaluates,
continues a `def` block, and keeps its history under `$IBC_CACHE_DIR`."""

import os
import sys

import pytest

pexpect = pytest.importorskip("pexpect")


def test_a_terminal_session(project, tmp_path):
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", IBC_CACHE_DIR=str(tmp_path))
    child = pexpect.spawn(
        sys.executable,
        ["-m", "ibc.repl", "main.ib"],
        cwd=str(project),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(24, 100),
    )
    try:
        child.expect("ib>")
        child.send("base * 7\r")
        child.expect("70 : Int")
        child.send("def f(v: Int) -> Int:\r")
        child.send("return v + 1\r")
        child.send("\r")
        child.expect(r"f : \(v: Int\) -> Int")
        child.send(":quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    history = (tmp_path / "repl_history").read_text()
    assert "+base * 7" in history and "+:quit" in history
