"""The error index (`docs/errors.md`) is current, and every registered code has a case."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.diagnostics.index import generate
from ibc.diagnostics.wording import all_wordings

from .harness import expected_codes, load_cases

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "docs" / "errors.md"

# Codes that no program can trigger, each with where it is tested instead.
EXEMPT = {
    "E0000": "a crash of the compiler itself; tested in tests/diagnostics/test_general.py",
    "E0001": "bytes that are not UTF-8; tests/syntax/test_input.py",
    "E0002": "a binary file; tests/syntax/test_input.py",
    "E0003": "an unreadable file; tests/syntax/test_input.py and tests/driver/test_driver.py",
    "E0004": "a crash of the parser; tests/syntax/test_input.py",
    "E0005": "a settings file (not compared by cases); tests/runs/test_build_settings.py",
    "E0006": "a settings file (not compared by cases); tests/runs/test_build_settings.py",
    "E0007": "a settings file (not compared by cases); tests/runs/test_build_settings.py",
    "E0307": "needs a file outside the case folder; tests/driver/test_driver.py",
    "E0701": "a compile-time error; tests/driver/test_driver.py",
    "E0702": "a compile-time error; tests/driver/test_driver.py",
    "E0522": "needs -s on the command line; tests/search/test_search_cli.py",
    "E0705": "needs --target plain; tests/e2e/test_plain_target.py, tests/codegen/test_plain.py",
    "E0602": "needs a git repository; tests/revisions/test_errors.py",
    "E0603": "needs a git repository; tests/revisions/test_errors.py",
    "E0604": "needs a git repository; tests/revisions/test_errors.py",
    "E0606": "needs git missing from PATH; tests/revisions/test_errors.py",
    "E0609": "needs a git repository; tests/revisions/test_errors.py",
    "E0612": "needs a git repository; tests/history/test_history_sweeps.py",
    "E0613": "needs a git repository; tests/history/test_history_errors.py",
    "W0612": "needs a git repository; tests/history/test_history_sweeps.py",
    "W0613": "needs a git repository; tests/history/test_history_sweeps.py",
    "W0401": "needs --strict; tests/driver/test_driver.py",
}


def test_error_index_is_up_to_date() -> None:
    fix = "run python -m ibc.diagnostics.index --write docs/errors.md"
    assert INDEX.is_file(), f"docs/errors.md is missing: {fix}"
    assert INDEX.read_text(encoding="utf-8") == generate(), f"docs/errors.md is out of date: {fix}"


def test_every_section_has_its_anchor() -> None:
    text = generate()
    for wording in all_wordings():
        assert f'<a id="{wording.code.lower()}"></a>' in text


def test_every_code_has_a_case() -> None:
    cases, problems = load_cases()
    assert not problems, f"case files that do not parse: {problems}"
    covered = expected_codes(cases)
    missing = [w.code for w in all_wordings() if w.code not in covered and w.code not in EXEMPT]
    assert not missing, "these codes appear in no `>>>` line of tests/errors/*.test: " + ", ".join(
        missing
    )


def test_exempt_codes_are_registered() -> None:
    registered = {w.code for w in all_wordings()}
    assert set(EXEMPT) <= registered


def test_sections_are_grouped_by_phase_in_order() -> None:
    from ibc.diagnostics.wording import Wording, did_you_mean

    text = generate(
        [
            Wording("W0101", "unused binding", "`{name}` is never used", "remove it"),
            Wording(
                "E0201",
                "unknown name",
                "unknown name `{name}`",
                did_you_mean,
                explain="A name must be defined.",
                example="x = y + 1\n",
            ),
            Wording("E0101", "unclosed bracket", "this `{bracket}` is never closed"),
            Wording("E0000", "internal", lambda args: f"crash at {args.get('location')}"),
        ]
    )
    heads = [
        line for line in text.splitlines() if line.startswith("## ") or line.startswith("### ")
    ]
    assert heads[heads.index("## Codes") + 1 :] == [
        "## Input and internal errors (E00xx)",
        "### E0000: internal",
        "## Syntax (E01xx)",
        "### E0101: unclosed bracket",
        "## Names and `.ib` modules (E02xx)",
        "### E0201: unknown name",
        "## Warnings (Wxxxx)",
        "### W0101: unused binding",
    ]
    assert text.index("### E0201") < text.index("### W0101")
    assert '<a id="e0201"></a>' in text and "[E0201](#e0201)" in text
    assert "```ib\nx = y + 1\n```" in text
    assert "Message: unknown name `…`" in text
    assert "Hint: did you mean `…`?" in text
    assert "## Exit codes" in text and "| 3 | an experiment failed at run time |" in text
