"""Golden pairs: `cases/NAME.ib` formats to `cases/NAME.formatted.ib`.

The expected files are golden files (tests/golden_kit.py): regenerate them after a deliberate
change of style with `python -m pytest tests/fmt/test_golden.py --update-golden`, then read
the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_kit import check_golden

from ibc.syntax.format import format_source, same_module
from ibc.syntax.parser import parse_module
from ibc.base.spans import Source

CASES = Path(__file__).resolve().parent / "cases"
INPUTS = sorted(p for p in CASES.glob("*.ib") if not p.name.endswith(".formatted.ib"))


def _expected(path: Path) -> Path:
    return path.with_name(path.name[: -len(".ib")] + ".formatted.ib")


def test_there_are_enough_golden_pairs():
    assert len(INPUTS) >= 12


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden(path: Path):
    text = path.read_text(encoding="utf-8")
    out = format_source(text, path.name)
    expected_path = _expected(path)
    check_golden(expected_path, out)
    expected = expected_path.read_text(encoding="utf-8")
    assert format_source(expected, expected_path.name) == expected  # idempotent
    before, _ = parse_module(Source(path.name, text))
    after, _ = parse_module(Source(expected_path.name, expected))
    assert same_module(before, after)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_no_line_longer_than_needed(path: Path):
    """Every line over 100 columns is one the grammar cannot break (no bracket left open
    at its end): breaking happens only inside brackets."""
    for line in _expected(path).read_text(encoding="utf-8").splitlines():
        if len(line) > 100:
            assert not line.rstrip().endswith(("(", "[", "{")), line
