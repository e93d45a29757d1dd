"""The error-case harness: programs and their expected diagnostics side by side.

A case file (`tests/errors/*.test`) holds many cases:

    ### unknown name in a binding
    x = y + 1
    >>> E0201 1:5 unknown name `y`

    ### a Python file's name is misspelled
    @@@ src/features.py
    def scale(x): return x
    @@@ main.ib
    from "src/features.py" import scal
    >>> E0302 1:31 `scal`
    >>> hint: did you mean `scale`?

- `### TITLE` starts a case (titles are unique within a file; a program line cannot start
  with `###`). Before the first case, only blank lines and `# ` comment lines are allowed.
- The lines that follow are the program, the file `main.ib` (its line 1 is the line right
  after the title), unless `@@@ PATH` lines split them into several files (`PATH` relative,
  and one of them `main.ib`). Trailing blank lines of a file are dropped; every file ends
  with one newline.
- `>>> CODE LINE:COL FRAGMENT` lines come last and list EVERY diagnostic expected in
  `main.ib` (errors and warnings, in any order); FRAGMENT (may be empty) must occur in the
  diagnostic's message. `>>> hint: FRAGMENT` checks the hint of the diagnostic above it.
  A case without `>>>` lines expects no diagnostic at all.

`run_case` writes the files into a fresh folder with an empty `ibc.toml` (the project root),
calls the check function (by default `ibc.driver.check_file`) on `main.ib` and compares the
(code, line, col) of what it reports with the expectations exactly, then the fragments.
Diagnostics located in the case's other files are shown on failure but not compared.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

from ibc.diagnostics.diagnostic import CompileError, Diagnostic
from ibc.diagnostics.render import render_text
from ibc.diagnostics.wording import words
from ibc.base.spans import Source

CASES_DIR = Path(__file__).resolve().parent
MAIN = "main.ib"

CheckFunction = Callable[[Path], object]

_EXPECT = re.compile(r"^>>> ([EW]\d{4}) (\d+):(\d+)(?: (.*))?$")
_HINT = re.compile(r"^>>> hint: ?(.*)$")


@dataclass(frozen=True)
class Expectation:
    """One `>>> CODE LINE:COL FRAGMENT` line (and its `>>> hint:` line, if any)."""

    code: str
    line: int
    col: int
    fragment: str
    hint: str | None = None
    at: int = 0  # the line of the case file

    def __str__(self) -> str:
        text = f">>> {self.code} {self.line}:{self.col} {self.fragment}".rstrip()
        if self.hint is not None:
            text += f"\n>>> hint: {self.hint}"
        return text


@dataclass(frozen=True)
class Case:
    """One `### title` case: its files and what `main.ib` must produce."""

    path: Path
    title: str
    at: int  # the line of the `###` in the case file
    files: tuple[tuple[str, str], ...]  # (relative path, text)
    expectations: tuple[Expectation, ...]

    @property
    def id(self) -> str:
        return f"{self.path.name}::{self.title}"

    @property
    def main_text(self) -> str:
        return dict(self.files)[MAIN]


class CaseFormatError(Exception):
    """A case file that does not follow the format."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path.name}:{line}: {message}")
        self.path = path
        self.line = line


# ---------------------------------------------------------------------------------------------
# reading case files


def parse_cases(text: str, path: Path) -> list[Case]:
    """The cases of one case file; raises `CaseFormatError` at the first malformed line."""
    cases: list[Case] = []
    chunk: list[tuple[int, str]] = []
    title, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("###"):
            if title:
                cases.append(_parse_case(path, title, start, chunk))
            title, start, chunk = line[3:].strip(), number, []
            if not title:
                raise CaseFormatError(path, number, "a case needs a title after `###`")
        elif title:
            chunk.append((number, line))
        elif line.strip() and not line.startswith("# "):
            raise CaseFormatError(path, number, "text before the first `### title` case")
    if title:
        cases.append(_parse_case(path, title, start, chunk))
    seen: dict[str, int] = {}
    for case in cases:
        if case.title in seen:
            raise CaseFormatError(
                path,
                case.at,
                f"the title `{case.title}` is used twice (first on line {seen[case.title]})",
            )
        seen[case.title] = case.at
    return cases


def _parse_case(path: Path, title: str, at: int, chunk: list[tuple[int, str]]) -> Case:
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    preamble: list[tuple[int, str]] = []
    expectations: list[Expectation] = []
    for number, line in chunk:
        if line.startswith(">>>"):
            expectations.append(_parse_expectation(path, number, line, expectations))
        elif expectations:
            if line.strip():
                raise CaseFormatError(path, number, "program text after the `>>>` lines")
        elif line.startswith("@@@"):
            name = line[3:].strip()
            _check_file_name(path, number, name, files)
            current = files[name] = []
        elif current is not None:
            current.append(line)
        else:
            preamble.append((number, line))
    if files:
        for number, line in preamble:
            if line.strip():
                raise CaseFormatError(path, number, "program text before the first `@@@ PATH`")
        if MAIN not in files:
            raise CaseFormatError(path, at, f"a case with `@@@` files needs a `@@@ {MAIN}`")
    else:
        files[MAIN] = [line for _, line in preamble]
    texts = tuple((name, _file_text(lines)) for name, lines in files.items())
    return Case(path, title, at, texts, tuple(expectations))


def _parse_expectation(
    path: Path, number: int, line: str, previous: list[Expectation]
) -> Expectation:
    hint = _HINT.match(line)
    if hint:
        if not previous:
            raise CaseFormatError(
                path, number, "`>>> hint:` needs a `>>> CODE LINE:COL` line above it"
            )
        if previous[-1].hint is not None:
            raise CaseFormatError(path, number, "a diagnostic has one `>>> hint:` line at most")
        last = previous.pop()
        return Expectation(last.code, last.line, last.col, last.fragment, hint.group(1), last.at)
    match = _EXPECT.match(line)
    if not match:
        raise CaseFormatError(
            path, number, "expected `>>> CODE LINE:COL FRAGMENT` or `>>> hint: FRAGMENT`"
        )
    code, row, col, fragment = match.groups()
    return Expectation(code, int(row), int(col), (fragment or "").strip(), None, number)


def _check_file_name(path: Path, number: int, name: str, files: dict) -> None:
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name:
        raise CaseFormatError(
            path, number, f"`@@@ {name}`: the path must be relative, inside the case"
        )
    if name in files:
        raise CaseFormatError(path, number, f"`@@@ {name}` appears twice in the case")


def _file_text(lines: list[str]) -> str:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "".join(line + "\n" for line in lines)


def load_cases(folder: Path = CASES_DIR) -> tuple[list[Case], list[CaseFormatError]]:
    """Every case of every `*.test` file in `folder`, and the files that failed to parse."""
    cases: list[Case] = []
    problems: list[CaseFormatError] = []
    for path in sorted(folder.glob("*.test")):
        try:
            cases += parse_cases(path.read_text(encoding="utf-8"), path)
        except CaseFormatError as problem:
            problems.append(problem)
        except UnicodeDecodeError as problem:
            problems.append(CaseFormatError(path, 1, f"not UTF-8: {problem}"))
    return cases, problems


def expected_codes(cases: Iterable[Case]) -> set[str]:
    """The codes that at least one case expects."""
    return {e.code for case in cases for e in case.expectations}


# ---------------------------------------------------------------------------------------------
# running and comparing


def driver_check(main: Path) -> object:
    """The real check: `ibc.driver.check_file`."""
    from ibc.driver import check_file

    return check_file(main)


def write_case(case: Case, root: Path) -> Path:
    """Write the case's files (and an empty `ibc.toml`) under `root`; the path of `main.ib`."""
    (root / "ibc.toml").write_text("", encoding="utf-8")
    for name, text in case.files:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root / MAIN


def run_case(case: Case, root: Path, check: CheckFunction = driver_check) -> list[Diagnostic]:
    """Write the case under `root` and return every diagnostic the check reports."""
    main = write_case(case, root)
    try:
        result = check(main)
    except CompileError as failure:
        return list(failure.diagnostics)
    return list(getattr(result, "diagnostics"))


def _owner(file: str, case: Case, root: Path) -> str:
    """Which of the case's files a diagnostic's span names (`main.ib` unless another)."""
    path = Path(file)
    candidates = [path] if path.is_absolute() else [root / path, Path.cwd() / path]
    others = {(root / name).resolve(): name for name, _ in case.files if name != MAIN}
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError, ValueError):
            continue
        if resolved in others:
            return others[resolved]
    return MAIN


def compare(case: Case, diagnostics: list[Diagnostic], root: Path) -> list[str]:
    """What differs between the case's expectations and `diagnostics` ([] when they agree)."""
    mine = [d for d in diagnostics if _owner(d.span.file, case, root) == MAIN]
    expected = Counter((e.code, e.line, e.col) for e in case.expectations)
    actual = Counter((d.code, d.span.line, d.span.col) for d in mine)
    problems = [f"missing: {c} {l}:{k}" for (c, l, k) in sorted((expected - actual).elements())]
    problems += [f"unexpected: {c} {l}:{k}" for (c, l, k) in sorted((actual - expected).elements())]
    if problems:
        return problems
    unused = list(mine)
    for expectation in case.expectations:
        same_place = [
            d
            for d in unused
            if (d.code, d.span.line, d.span.col)
            == (expectation.code, expectation.line, expectation.col)
        ]
        fitting = [d for d in same_place if _fits(expectation, d)]
        if fitting:
            unused.remove(fitting[0])
            continue
        message, hint = words(same_place[0].code, same_place[0].args)
        where = f"{expectation.code} {expectation.line}:{expectation.col}"
        if expectation.fragment not in message:
            problems.append(f"{where}: `{expectation.fragment}` is not in the message {message!r}")
        else:
            problems.append(f"{where}: `{expectation.hint}` is not in the hint {hint!r}")
    return problems


def _fits(expectation: Expectation, diag: Diagnostic) -> bool:
    message, hint = words(diag.code, diag.args)
    if expectation.fragment not in message:
        return False
    if expectation.hint is not None and (hint is None or expectation.hint not in hint):
        return False
    return True


def as_expectations(diagnostics: list[Diagnostic]) -> str:
    """Diagnostics written as `>>>` lines (to compare with, or paste into, a case file)."""
    lines = []
    for diag in sorted(diagnostics, key=lambda d: (d.span.file, d.span.line, d.span.col, d.code)):
        message, hint = words(diag.code, diag.args)
        lines.append(f">>> {diag.code} {diag.span.line}:{diag.span.col} {message}")
        if hint:
            lines.append(f">>> hint: {hint}")
    return "\n".join(lines) or "(none)"


def _sources(diagnostics: list[Diagnostic], root: Path) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for diag in diagnostics:
        for span in [diag.span, *(r.span for r in diag.related)]:
            if span.file in sources:
                continue
            path = Path(span.file)
            path = path if path.is_absolute() else root / path
            try:
                sources[span.file] = Source(span.file, path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                pass
    return sources


def failure_report(
    case: Case, diagnostics: list[Diagnostic], root: Path, problems: list[str]
) -> str:
    """The case, what it expects, what the compiler said, and how they differ."""
    parts = [f"case `{case.title}` ({case.path.name}:{case.at})"]
    for name, text in case.files:
        numbered = "\n".join(f"{n:>3} | {line}" for n, line in enumerate(text.splitlines(), 1))
        parts.append(f"--- {name}\n{numbered or '(empty)'}")
    parts.append("--- expected\n" + ("\n".join(map(str, case.expectations)) or "(no diagnostic)"))
    mine = [d for d in diagnostics if _owner(d.span.file, case, root) == MAIN]
    others = [d for d in diagnostics if d not in mine]
    parts.append("--- actual\n" + as_expectations(mine))
    if others:
        parts.append(
            "--- actual, in the case's other files (not compared)\n" + as_expectations(others)
        )
    parts.append("--- differences\n" + "\n".join(problems))
    parts.append("--- rendered\n" + render_text(diagnostics, _sources(diagnostics, root), False))
    return "\n".join(parts)


def check_case(case: Case, root: Path, check: CheckFunction = driver_check) -> None:
    """Run one case; raise `AssertionError` with a full report when it does not hold."""
    diagnostics = run_case(case, root, check)
    problems = compare(case, diagnostics, root)
    if problems:
        raise AssertionError(failure_report(case, diagnostics, root, problems))
