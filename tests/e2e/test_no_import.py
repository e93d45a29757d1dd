"""The compiler never imports or runs user code (docs/guide.md §3): checking and compiling a
program whose Python files would announce their import leaves no trace, and imports none of
the libraries the program names."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PROGRAM = """\
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from "src/trap.py" import make_data, score
from src.other import helper

data = make_data(10)
model = LogisticRegression(C = 0.5)
experiment e = {value = score(data), other = helper(1)}
"""

TRAP = """\
import pathlib
pathlib.Path(__file__).with_name("IMPORTED").write_text("yes")
raise SystemExit("user code ran at compile time")

def make_data(n: int) -> list[float]:
    return [float(i) for i in range(n)]

def score(data: list[float]) -> float:
    return sum(data)
"""


def test_compiling_never_imports_user_code(tmp_path: Path):
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "trap.py").write_text(TRAP)
    (tmp_path / "src" / "other.py").write_text(
        TRAP.replace("IMPORTED", "OTHER") + "\n\ndef helper(x: int) -> int:\n    return x\n"
    )
    (tmp_path / "main.ib").write_text(PROGRAM)
    probe = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from ibc.driver import check_file, compile_file, Options
        path = Path({str(tmp_path / "main.ib")!r})
        result = check_file(path)
        assert result.ok, [d.code for d in result.diagnostics]
        for target in ("script", "plain"):
            out = compile_file(path, Options(target=target, format=False))
            assert out.ok and out.code, [d.code for d in out.diagnostics]
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "numpy", "src", "scipy", "pandas"))
        print("LEAKED", leaked)
        """)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "LEAKED []" in done.stdout
    assert not (tmp_path / "src" / "IMPORTED").exists()
    assert not (tmp_path / "src" / "OTHER").exists()
