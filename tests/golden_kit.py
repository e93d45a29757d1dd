"""Golden files: output that a test compares, byte for byte, with a file kept in the repository
(emitted programs in tests/golden/script and tests/golden/plain, `ibc params`/`ibc diff`
tables in tests/golden/params, formatted `.ib` files in tests/fmt/cases).

Every such comparison goes through `check_golden`. A golden file that differs fails with a
diff; a golden file that is missing fails too (a golden file is written on purpose, never as a
side effect of a run that found nothing to compare with). `python -m pytest TESTS
--update-golden` (or `IBC_UPDATE_GOLDEN=1`) writes the files instead of comparing; read the
diff (`git diff tests/`) before committing them.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

UPDATE_VARIABLE = "IBC_UPDATE_GOLDEN"
OPTION = "--update-golden"


def add_option(parser) -> None:
    """The `--update-golden` option of pytest (called by tests/conftest.py)."""
    parser.addoption(
        OPTION,
        action="store_true",
        default=False,
        help=f"regenerate golden files instead of comparing with them (sets {UPDATE_VARIABLE}=1)",
    )


def configure(config) -> None:
    """With `--update-golden`, set the variable that `check_golden` reads (subprocesses see
    it too)."""
    if config.getoption(OPTION):
        os.environ[UPDATE_VARIABLE] = "1"


def updating() -> bool:
    return os.environ.get(UPDATE_VARIABLE) == "1"


def check_golden(path: Path, text: str) -> None:
    """Fail unless `text` equals the golden file at `path`; when updating, write it."""
    path = Path(path)
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(
            f"missing golden file {path}: run the test that checks it with {OPTION} to "
            "write it, and read it before committing",
            pytrace=False,
        )
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{path} (golden)",
            tofile="this run",
        )
        pytest.fail(
            f"output differs from the golden file {path} (if the change is meant, run with "
            f"{OPTION} and read the diff):\n" + "".join(diff),
            pytrace=False,
        )
