"""The benchmark's fixtures stay valid: each checks (or runs) cleanly, and the generator
writes files of exactly the requested length whose size grows linearly.

Run with `python -m pytest bench/tests -q` (not part of the main `tests/` suite).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ibc.driver import Options, check_file, compile_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from gen_lines import generate, write_project  # noqa: E402


def _errors(result) -> list[str]:
    return [f"{d.code} {d.span}" for d in result.diagnostics if d.is_error]


def test_check50_is_about_fifty_lines_and_checks_cleanly():
    path = FIXTURES / "check50" / "experiment.ib"
    assert 45 <= len(path.read_text().splitlines()) <= 55
    result = check_file(path)
    assert result.ok, _errors(result)
    assert not result.diagnostics  # no warnings either: the benchmark measures a clean check


def test_check50_uses_scikit_learn_and_a_project_file():
    text = (FIXTURES / "check50" / "experiment.ib").read_text()
    assert "from sklearn." in text and 'from "src/features.py" import' in text
    assert (FIXTURES / "check50" / "ibc.toml").exists()


def test_trivial50_compiles_for_run():
    path = FIXTURES / "trivial50" / "stages.ib"
    assert len(path.read_text().splitlines()) == 50
    result = compile_file(path, Options(format=False))
    assert result.ok, _errors(result)
    assert result.code and "combined" in result.code


@pytest.mark.parametrize("lines", [30, 101, 1000])
def test_generate_gives_exactly_the_requested_lines(lines):
    assert len(generate(lines).splitlines()) == lines


def test_generated_size_is_linear():
    small, big = generate(1000), generate(10000)
    # names grow by one digit (x_99 -> x_999), so characters grow a little faster than lines
    assert 9.5 < len(big) / len(small) < 11
    assert 9.5 < big.count(" ") / small.count(" ") < 10.5


def test_generated_project_checks_cleanly(tmp_path):
    path = write_project(200, tmp_path / "p")
    result = check_file(path)
    assert result.ok, _errors(result)
    assert (tmp_path / "p" / "ibc.toml").exists()
