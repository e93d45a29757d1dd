"""Every case of every `tests/errors/*.test` file, each its own test (`syntax.test::title`),
run through the whole compiler (`ibc.driver.check_file`). See `harness.py` for the format."""

from __future__ import annotations

import pytest

from .harness import Case, CaseFormatError, check_case, driver_check, load_cases

CASES, PROBLEMS = load_cases()

PARAMS = [pytest.param(case, id=case.id) for case in CASES] + [
    pytest.param(problem, id=f"{problem.path.name}::format error") for problem in PROBLEMS
]


def _driver_available() -> bool:
    try:
        from ibc.driver import check_file  # noqa: F401
    except ModuleNotFoundError as missing:
        if missing.name in ("ibc.driver",):
            return False
        raise
    except ImportError as missing:  # the module exists but has no check_file yet
        if "check_file" in str(missing):
            return False
        raise
    return True


@pytest.mark.parametrize("case", PARAMS)
def test_case(case: Case | CaseFormatError, tmp_path) -> None:
    if isinstance(case, CaseFormatError):
        pytest.fail(f"the case file does not follow the format: {case}")
    if not _driver_available():
        pytest.skip("ibc.driver.check_file does not exist yet")
    check_case(case, tmp_path, driver_check)
