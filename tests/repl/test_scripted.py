"""`ibc repl` with standard input that is not a terminal: entries read line by line, plain
output, exit code 1 when an entry failed. (Run as `python -m ibc.repl`, the same command.)"""

import os
import subprocess
import sys

SCRIPT = """\
x = 2
def triple(v: Int) -> Int:
    w = v * 3
    return w
triple(x)
y = x |>
  triple
:type y
inc(y)
"""


def _repl(args, text, cwd):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "ibc.repl", *args],
        input=text,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_scripted_session(project):
    done = _repl(["main.ib"], SCRIPT, project)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "x : Int\ntriple : (v: Int) -> Int\n6 : Int\ny : Int\ny : Int\ninc ran\n7 : Int\n"
    )
    assert "ib>" not in done.stdout and "\x1b[" not in done.stdout


def test_errors_are_shown_like_ibc_check_and_the_session_goes_on(tmp_path):
    done = _repl([], 'x = 1\ny = x + "a"\nx + 1\n:quit\nx + 2\n', tmp_path)
    assert done.returncode == 1
    assert done.stdout == "x : Int\n2 : Int\n"  # nothing after :quit
    assert "error[E0412]" in done.stderr and " --> <input>:1:5" in done.stderr
    assert done.stderr.rstrip().endswith("1 error")


def test_a_missing_file_is_bad_usage(tmp_path):
    done = _repl(["nope.ib"], "", tmp_path)
    assert done.returncode == 2 and "no such file" in done.stderr
