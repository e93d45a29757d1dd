"""Golden files (tests/golden_kit.py), the way a contributor meets them: pytest run in a
subprocess on a test that checks a golden file, in a copy of this suite's `conftest.py` and
`golden_kit.py`. A missing golden file fails and is not written; `--update-golden` writes it;
a changed output fails with a diff."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent

CHECKING_TEST = """
from pathlib import Path

from golden_kit import check_golden


def test_output():
    check_golden(Path(__file__).parent / "golden" / "out.txt", "the output\\n")
"""


def _suite(tmp_path: Path) -> Path:
    tests = tmp_path / "tests"
    tests.mkdir()
    shutil.copy(TESTS / "conftest.py", tests / "conftest.py")
    shutil.copy(TESTS / "golden_kit.py", tests / "golden_kit.py")
    (tests / "test_out.py").write_text(CHECKING_TEST, encoding="utf-8")
    return tests


def _pytest(tmp_path: Path, *options: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "IBC_UPDATE_GOLDEN"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly"]
        + ["tests/test_out.py", *options],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_missing_golden_file_fails_and_is_not_written(tmp_path):
    tests = _suite(tmp_path)
    run = _pytest(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "missing golden file" in run.stdout
    assert "--update-golden" in run.stdout
    assert not (tests / "golden" / "out.txt").exists()


def test_update_golden_writes_the_file_and_then_it_is_compared(tmp_path):
    tests = _suite(tmp_path)
    run = _pytest(tmp_path, "--update-golden")
    assert run.returncode == 0, run.stdout + run.stderr
    golden = tests / "golden" / "out.txt"
    assert golden.read_text(encoding="utf-8") == "the output\n"
    run = _pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr

    golden.write_text("an older output\n", encoding="utf-8")
    run = _pytest(tmp_path)
    assert run.returncode == 1
    assert "differs from the golden file" in run.stdout
    assert "-an older output" in run.stdout and "+the output" in run.stdout
    assert golden.read_text(encoding="utf-8") == "an older output\n"  # comparing never writes

    run = _pytest(tmp_path, IBC_UPDATE_GOLDEN="1")  # the variable does what the option does
    assert run.returncode == 0, run.stdout + run.stderr
    assert golden.read_text(encoding="utf-8") == "the output\n"


def test_every_golden_comparison_goes_through_the_kit():
    """No test writes or compares golden files by its own rules (as four did, two of them
    writing a missing file instead of failing)."""
    own = {TESTS / "golden_kit.py", TESTS / "conftest.py", Path(__file__).resolve()}
    strays = [
        str(path.relative_to(TESTS))
        for path in sorted(TESTS.rglob("*.py"))
        if path not in own
        and any(word in path.read_text(encoding="utf-8") for word in ("IBC_UPDATE_GOLDEN", "REGEN"))
    ]
    assert strays == []
    users = {
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("test_*.py")
        if "from golden_kit import check_golden\n" in path.read_text(encoding="utf-8")
        and path != Path(__file__).resolve()
    }
    assert {
        "codegen/test_script.py",
        "codegen/test_plain.py",
        "cli/test_params_cli.py",
        "fmt/test_golden.py",
    } <= users
