"""The error index: `docs/errors.md`, generated from the registry of diagnostic codes.

    python -m ibc.diagnostics.index                       # print the page
    python -m ibc.diagnostics.index --write docs/errors.md

The page opens with how to read a diagnostic and the exit codes, then has one section per
registered code, grouped by phase (E00 input and internal, E01 syntax, ... E07 code
generation, then warnings), each with an anchor (`#e0101`), its title, the explanation, the
example program and the hint. The page is a pure function of the registry, so a test can
regenerate it and compare (`tests/errors/test_index.py`).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ibc.diagnostics.wording import Text, Wording, all_wordings

GROUPS: list[tuple[str, str]] = [
    ("E00", "Input and internal errors (E00xx)"),
    ("E01", "Syntax (E01xx)"),
    ("E02", "Names and `.ib` modules (E02xx)"),
    ("E03", "Python references (E03xx)"),
    ("E04", "Types (E04xx)"),
    ("E05", "Parameters and overrides (E05xx)"),
    ("E06", "Revisions (E06xx)"),
    ("E07", "Code generation (E07xx)"),
    ("W", "Warnings (Wxxxx)"),
]
OTHER = "Other codes"

INTRO = """\
# Error index

Every diagnostic of `ibc` has a stable code: `E` for errors, `W` for warnings. This page
explains each of them with a small program that triggers it. It is generated from the
compiler's registry of codes; regenerate it with
`python -m ibc.diagnostics.index --write docs/errors.md`.

## Reading a diagnostic

```
error[E0402]: the 2nd argument of `evaluate` must be a `DataFrame`, found `Int`
  --> cancer.ib:12:39
   |
12 | experiment baseline = evaluate(model, 3)
   |                                       ^
   = hint: ...
```

- The first line gives the severity (`error` or `warning`), the code (look it up below) and
  what is wrong, naming what was expected and what was found.
- `-->` gives the location as `file:line:column` (both counted from 1).
- The source line follows, with the span of the problem underlined by `^`. A span that covers
  several lines is underlined on its first line and says on which line it ends.
- `= hint:` says how to fix it, when the compiler can tell ("did you mean `n_estimators`?").
- `note:` lines point at other places that explain the problem ("`x` is defined here").
- The last line counts the errors and warnings. `ibc` reports every independent error of a
  file in one run, not only the first: an unknown name has the type `Any`, which accepts
  everything and reports nothing more, so the declarations that do not depend on it are still
  type-checked; a misspelt import is one error, however often the name it meant is used.
  More than five diagnostics of one code on one line (a generated call with thousands of
  arguments) are shown as five and a count; `--format json` keeps every one.

`ibc check FILE --format json` prints the same diagnostics as a JSON list of objects with the
fields `code`, `severity`, `message`, `hint`, `file`, `line`, `col`, `end_line`, `end_col`
(exclusive), `related` (a list of `{file, line, col, note}`) and `fixes`: the edits that
carry out the hint, the same the language server offers as quick fixes (docs/editors.md). Each
fix is `{title, kind, preferred, edits}`: `kind` is `spelling` (a near name replaces a
misspelt one; one fix per suggestion, the nearest `preferred`) or `rewrite` (the expression in
the form the hint gives, `model.fit(X, y)` as `fit(model, X, y)`), and each edit is `{file,
line, col, end_line, end_col, text}`: the text from `line:col` to `end_line:end_col`
(1-based, columns counted in characters, the end exclusive) becomes `text`. A fix's edits are
made together; a diagnostic with no mechanical fix has an empty list.

```json
"fixes": [{"title": "Change `n_estimator` to `n_estimators`", "kind": "spelling",
           "preferred": true, "edits": [{"file": "main.ib", "line": 6, "col": 10,
           "end_line": 6, "end_col": 21, "text": "n_estimators"}]}]
```

Colour is used when the output is a terminal; set `NO_COLOR=1` to turn it off or
`FORCE_COLOR=1` to force it on. If the compiler itself crashes (`E0000`), set `IBC_DEBUG=1`
to see its traceback.

## Exit codes

| code | meaning |
| --- | --- |
| 0 | success (warnings alone do not fail) |
| 1 | errors in the program |
| 2 | bad usage of the command line |
| 3 | an experiment failed at run time |
"""


def group_of(code: str) -> str:
    """The title of the group a code belongs to."""
    for prefix, title in GROUPS:
        if code.startswith(prefix):
            return title
    return OTHER


def _placeholders(text: str) -> str:
    """A message template with its `{fact}` fields shown as `…`."""
    return re.sub(r"\{[^{}]*\}", "…", text).replace("{{", "{").replace("}}", "}")


class _Unknown(dict):
    """Facts that are all unknown: every one reads `…`."""

    def __missing__(self, key: str) -> str:
        return "…"

    def get(self, key: str, default: object = None) -> str:  # type: ignore[override]
        return "…"


def describe(text: Text) -> str | None:
    """A message or hint as it reads in general, before the facts of one diagnostic."""
    if text is None:
        return None
    if isinstance(text, str):
        return _placeholders(text)
    try:
        result = text(_Unknown())
    except Exception:  # a wording function that needs real facts: no general form
        return None
    return result or None


def _section(wording: Wording) -> list[str]:
    code = wording.code
    lines = [f'<a id="{code.lower()}"></a>', "", f"### {code}: {wording.title}", ""]
    message = describe(wording.message)
    if message:
        lines += [f"Message: {message}", ""]
    if wording.explain:
        lines += [wording.explain.strip(), ""]
    if wording.example:
        lines += ["```ib", wording.example.strip("\n"), "```", ""]
    hint = describe(wording.hint)
    if hint:
        lines += [f"Hint: {hint}", ""]
    return lines


def generate(wordings: list[Wording] | None = None) -> str:
    """The markdown text of the error index."""
    if wordings is None:
        wordings = all_wordings()
    order = [title for _, title in GROUPS] + [OTHER]
    grouped: dict[str, list[Wording]] = {title: [] for title in order}
    for wording in sorted(wordings, key=lambda w: w.code):
        grouped[group_of(wording.code)].append(wording)
    lines = [INTRO.rstrip("\n"), ""]
    contents = ["## Codes", ""]
    body: list[str] = []
    for title in order:
        members = grouped[title]
        if not members:
            continue
        contents.append(
            f"- {title}: " + ", ".join(f"[{w.code}](#{w.code.lower()})" for w in members)
        )
        body += [f"## {title}", ""]
        for wording in members:
            body += _section(wording)
    if len(contents) == 2:
        contents.append("No codes are registered yet.")
    lines += contents + [""] + body
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ibc.diagnostics.index", description="Generate the error index."
    )
    parser.add_argument("--write", metavar="PATH", help="write the page to PATH (else print it)")
    options = parser.parse_args(argv)
    text = generate()
    if options.write:
        path = Path(options.write)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(all_wordings())} codes)")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
