"""The case-file harness itself: parsing the format, and comparing with a fake check function
(so the harness is tested before, and independently of, the real driver)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from ibc.diagnostics.diagnostic import CompileError, error, warning
from ibc.base.spans import Source

from .harness import (
    CASES_DIR,
    CaseFormatError,
    check_case,
    compare,
    expected_codes,
    load_cases,
    parse_cases,
    run_case,
)

FILE = Path("demo.test")


def fake_check(main: Path) -> SimpleNamespace:
    """Reports E0000 where a line says `boom WORD` (WORD as the detail) and W0101 at `meh`."""
    source = Source(str(main), main.read_text(encoding="utf-8"))
    diags = []
    start = 0
    for text in source.text.splitlines(keepends=True):
        if "boom" in text:
            at = start + text.index("boom")
            detail = text[text.index("boom") + 5 :].strip()
            diags.append(
                error(
                    "E0000",
                    source.span(at, at + 4),
                    location="x",
                    exception="E",
                    detail=detail,
                    file="main.ib",
                )
            )
        if "meh" in text:
            at = start + text.index("meh")
            diags.append(warning("W0101", source.span(at, at + 3), name="meh"))
        start += len(text)
    return SimpleNamespace(diagnostics=diags)


def one(text: str):
    (case,) = parse_cases(text, FILE)
    return case


def test_single_file_case() -> None:
    case = one("### t\nx = 1\n  boom here\n>>> E0000 2:3 here\n>>> hint: report\n")
    assert case.id == "demo.test::t"
    assert case.files == (("main.ib", "x = 1\n  boom here\n"),)
    (expect,) = case.expectations
    assert (expect.code, expect.line, expect.col, expect.fragment, expect.hint) == (
        "E0000",
        2,
        3,
        "here",
        "report",
    )


def test_several_cases_and_blank_lines_between() -> None:
    cases = parse_cases("# a comment\n\n### a\nx\n\n\n### b\n\n### c\ny\n>>> W0101 1:1\n", FILE)
    assert [c.title for c in cases] == ["a", "b", "c"]
    assert cases[0].main_text == "x\n"
    assert cases[1].main_text == ""
    assert cases[2].expectations[0].fragment == ""


def test_files_of_a_case() -> None:
    case = one("### t\n@@@ src/f.py\ndef f(): pass\n@@@ main.ib\nboom\n>>> E0000 1:1\n")
    assert dict(case.files) == {"src/f.py": "def f(): pass\n", "main.ib": "boom\n"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("x = 1\n### t\n", "before the first"),
        ("###\nx\n", "needs a title"),
        ("### t\n>>> E01 1:1 x\n", "expected `>>> CODE"),
        ("### t\n>>> hint: x\n", "needs a `>>> CODE"),
        ("### t\n>>> E0000 1:1\n>>> hint: a\n>>> hint: b\n", "one `>>> hint:`"),
        ("### t\n>>> E0000 1:1\nx = 2\n", "after the `>>>`"),
        ("### t\n@@@ lib.ib\nx\n", "needs a `@@@ main.ib`"),
        ("### t\nx\n@@@ main.ib\n", "before the first `@@@"),
        ("### t\n@@@ ../up.ib\n", "must be relative"),
        ("### t\n@@@ main.ib\n@@@ main.ib\n", "appears twice"),
        ("### t\nx\n### t\ny\n", "used twice"),
    ],
)
def test_format_errors(text: str, message: str) -> None:
    with pytest.raises(CaseFormatError, match=message.replace("(", r"\(")):
        parse_cases(text, FILE)


def test_passing_case(tmp_path: Path) -> None:
    case = one(
        "### t\nx = 1\nboom kaput\nmeh\n>>> W0101 3:1 meh\n>>> E0000 2:1 kaput\n>>> hint: report it\n"
    )
    check_case(case, tmp_path, fake_check)


def test_files_and_project_root_are_written(tmp_path: Path) -> None:
    case = one("### t\n@@@ src/f.py\ndef f(): pass\n@@@ main.ib\nx\n")
    seen = {}

    def check(main: Path):
        seen["main"] = main
        seen["toml"] = (main.parent / "ibc.toml").read_text()
        seen["py"] = (main.parent / "src" / "f.py").read_text()
        return SimpleNamespace(diagnostics=[])

    run_case(case, tmp_path, check)
    assert seen == {"main": tmp_path / "main.ib", "toml": "", "py": "def f(): pass\n"}


def test_missing_and_unexpected_diagnostics(tmp_path: Path) -> None:
    case = one("### t\nboom\nmeh\n>>> E0000 1:2\n")
    with pytest.raises(AssertionError) as failure:
        check_case(case, tmp_path, fake_check)
    report = str(failure.value)
    assert "missing: E0000 1:2" in report
    assert "unexpected: E0000 1:1" in report and "unexpected: W0101 2:1" in report
    assert "case `t` (demo.test:1)" in report
    assert "  1 | boom" in report  # the program
    assert ">>> W0101 2:1 W0101" in report  # the actual diagnostics as `>>>` lines
    assert "error[E0000]" in report and "--> " in report  # the rendered diagnostics


def test_no_expectations_means_no_diagnostic(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="unexpected: W0101 1:1"):
        check_case(one("### t\nmeh\n"), tmp_path, fake_check)


def test_wrong_fragment_and_wrong_hint(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(AssertionError, match="`nope` is not in the message"):
        check_case(one("### t\nboom x\n>>> E0000 1:1 nope\n"), tmp_path / "a", fake_check)
    with pytest.raises(AssertionError, match="`nope` is not in the hint"):
        check_case(
            one("### t\nboom x\n>>> E0000 1:1 x\n>>> hint: nope\n"), tmp_path / "b", fake_check
        )


def test_duplicates_are_matched_one_to_one(tmp_path: Path) -> None:
    text = "### t\nboom one\nx\n>>> E0000 1:1 one\n>>> E0000 1:1 one\n"
    with pytest.raises(AssertionError, match="missing: E0000 1:1"):
        check_case(one(text), tmp_path, fake_check)


def test_diagnostics_of_other_files_are_not_compared(tmp_path: Path) -> None:
    case = one("### t\n@@@ lib.ib\nmeh\n@@@ main.ib\nx\n")

    def check(main: Path):
        lib = Source(str(main.parent / "lib.ib"), "meh\n")
        return SimpleNamespace(diagnostics=[warning("W0101", lib.span(0, 3))])

    check_case(case, tmp_path, check)


def test_compile_error_is_accepted_as_the_result(tmp_path: Path) -> None:
    source = Source("main.ib", "boom\n")
    diag = error("E0000", source.span(0, 4), detail="d")

    def check(main: Path):
        raise CompileError([diag])

    assert run_case(one("### t\nboom\n"), tmp_path, check) == [diag]
    assert compare(one("### t\nboom\n>>> E0000 1:1 d\n"), [diag], tmp_path) == []


def test_shipped_case_files_parse() -> None:
    cases, problems = load_cases(CASES_DIR)
    assert problems == []
    assert any(case.path.name == "general.test" for case in cases)
    assert "E0000" not in expected_codes(c for c in cases if c.path.name == "general.test")
