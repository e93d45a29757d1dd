"""`ibc freeze FILE` and `ibc log PY_FILE:NAME` (docs/revisions.md "Tools"): tools for version pins.

- `freeze` rewrites every symbolic revision string of a `.ib` file (`"v1.0"`, `"main"`,
  `"HEAD~2"`) to the full commit id it names today, in place: only the characters of those
  string literals change (comments and layout are kept), and a frozen file freezes to
  itself. A revision git does not know is reported and nothing is written.
- `log` lists, newest first, the commits in which one Python function's code changed — its
  own source, or a project-local helper it depends on (its fingerprint, docs/running.md "What is
  recomputed", as read at each commit) — with the short id, date, subject and the size of the change
  to the function's own source (`+3 -1 lines`, `helpers changed`, `moved, …`); `--patch` adds the
  function's diff per commit. The commits are found by `ibc.resolve.history`, the code that
  `history(f)` sweeps over too (docs/revisions.md, "History sweeps").

`ibc/commands/cli.py` wires them: `add_freeze_arguments(p)`/`freeze_main(args)` and
`add_log_arguments(p)`/`log_main(args)`; the mains return exit codes (0, 1 errors, 2 usage).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


# ---------------------------------------------------------------------------- freeze


def add_freeze_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="the .ib file whose revisions to freeze")
    p.add_argument(
        "--check",
        action="store_true",
        help="only report whether the file is frozen (exit 1 if not)",
    )


def freeze_text(path: Path, text: str) -> tuple[str, list, dict]:
    """(new text, diagnostics, {revision: commit}) for the `.ib` source `text` of `path`."""
    from ibc.diagnostics.diagnostic import Diagnostics
    from ibc.resolve.pinned import _walk
    from ibc.resolve.project import find_root
    from ibc.resolve.revisions import GitProblem, Repo, check_revision
    from ibc.syntax import nodes as n
    from ibc.syntax.parser import parse_module
    from ibc.base.spans import Source

    source = Source(str(path), text)
    module, problems = parse_module(source)
    diags = Diagnostics()
    if module is None or problems:
        return text, list(problems), {}
    literals = []
    for node in _walk(module):
        if isinstance(node, (n.PyImport, n.Revision)) and node.revision is not None:
            literals.append(node.revision)
    symbolic = []
    for lit in literals:
        rev = str(lit.value)
        reason = check_revision(rev)
        if reason is not None:
            diags.error("E0607", lit.span, revision=rev, reason=reason)
        else:
            symbolic.append(lit)
    if diags.has_errors or not symbolic:
        return text, list(diags.items), {}
    try:
        repo = Repo.open(find_root(path))
        commits = repo.resolve([str(lit.value) for lit in symbolic])
    except GitProblem as exc:
        for lit in symbolic:
            diags.error(exc.code, lit.span, revision=str(lit.value), **exc.args_)
        return text, list(diags.items), {}
    for lit in symbolic:
        if commits.get(str(lit.value)) is None:
            diags.error("E0602", lit.span, revision=lit.value, near=repo.near(str(lit.value)))
    if diags.has_errors:
        return text, list(diags.items), {}
    out = text
    for lit in sorted(symbolic, key=lambda lit: lit.span.start, reverse=True):
        commit = commits[str(lit.value)]
        out = out[: lit.span.start] + f'"{commit}"' + out[lit.span.end :]
    changed = {str(lit.value): commits[str(lit.value)] for lit in symbolic}
    return out, [], {k: v for k, v in changed.items() if k != v}


def freeze_main(args: argparse.Namespace, out=None, err=None) -> int:
    from ibc.diagnostics.render import render_text
    from ibc.base.spans import Source

    out, err = out or sys.stdout, err or sys.stderr
    path = Path(args.file)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {path}: {exc}", file=err)
        return EXIT_USAGE
    new, diags, changed = freeze_text(path, text)
    if diags:
        err.write(render_text(diags, {str(path): Source(str(path), text)}, color=False))
        return EXIT_ERRORS
    if not changed:
        print(f"{path}: every revision is a commit id already", file=out)
        return EXIT_OK
    if getattr(args, "check", False):
        for rev, commit in changed.items():
            print(f'{path}: "{rev}" is symbolic (today {commit[:12]})', file=out)
        return EXIT_ERRORS
    with open(path, "w", encoding="utf-8", newline="") as fh:  # line endings kept as read
        fh.write(new)
    for rev, commit in changed.items():
        print(f'{path}: "{rev}" -> "{commit}"', file=out)
    return EXIT_OK


# ---------------------------------------------------------------------------- log


def add_log_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", metavar="PY_FILE:NAME", help="a function or class: src/features.py:clean")
    p.add_argument("--patch", "-p", action="store_true", help="show the function's diff per commit")
    p.add_argument("-n", "--max-count", type=int, default=None, help="show at most N commits")


def function_log(
    py_file: Path, name: str, limit: int | None = None, notes: list[str] | None = None
) -> list[dict]:
    """The commits that changed `name` of `py_file`, newest first (`ibc.resolve.history`,
    which `history(f)` sweeps over too): dicts with `commit`, `date`, `subject`, `added`,
    `removed` (lines of its own source), `helpers` (True when only project code it depends
    on changed), `status` ("added", "changed", "moved") and `old`/`new` (its own source
    before and after). When the history starts because an older commit's file did not define
    `name`, `notes` gets a line that says so. Raises `GitProblem`/`ValueError`."""
    from ibc.resolve.history import function_history
    from ibc.resolve.project import find_root
    from ibc.resolve.pyinterface import PythonIndex
    from ibc.resolve.revisions import Repo

    file = py_file.resolve()
    root = find_root(file)
    repo = Repo.open(root)
    try:
        rel = file.relative_to(root).as_posix()
    except ValueError:
        raise ValueError(f"{py_file} is not inside the project at {root}") from None
    history = function_history(repo, PythonIndex(root), rel, name, limit=limit)
    if not history.head:
        raise ValueError("the repository has no commits")
    if history.ended is not None and notes is not None:  # docs/errors.md, W0613
        from ibc.diagnostics.wording import words

        commit, subject, path = history.ended
        first = history.versions[-1].commit[:7] if history.versions else ""
        args = {"name": name, "commit": commit[:7], "subject": subject, "path": path}
        notes.append(words("W0613", {**args, "first": first})[0])
    out = []
    for version in history.versions:
        diff = list(
            difflib.unified_diff(
                (version.old or "").splitlines(), (version.new or "").splitlines(), lineterm="", n=0
            )
        )
        out.append(
            {
                "commit": version.commit,
                "date": version.date,
                "subject": version.subject,
                "added": sum(1 for d in diff if d.startswith("+") and not d.startswith("+++")),
                "removed": sum(1 for d in diff if d.startswith("-") and not d.startswith("---")),
                "helpers": version.helpers,
                "status": version.status,
                "old": version.old,
                "new": version.new,
            }
        )
    return out


def describe(entry: dict) -> str:
    """`+3 -1 lines`, `added (12 lines)`, `helpers changed`, `moved, +0 -0 lines`."""
    if entry["status"] == "added":
        return f"added ({entry['added']} lines)"
    if entry["status"] == "moved":
        return f"moved, +{entry['added']} -{entry['removed']} lines"
    if entry["helpers"]:
        return "helpers changed"
    return f"+{entry['added']} -{entry['removed']} lines"


def log_main(args: argparse.Namespace, out=None, err=None) -> int:
    from ibc.resolve.revisions import GitProblem

    out, err = out or sys.stdout, err or sys.stderr
    py_file, sep, name = str(args.ref).rpartition(":")
    if not sep or not py_file or not name or not all(p.isidentifier() for p in name.split(".")):
        print("error: expected PY_FILE:NAME, e.g. src/features.py:clean", file=err)
        return EXIT_USAGE
    path = Path(py_file)
    if not path.is_file():
        print(f"error: {py_file} is not a file", file=err)
        return EXIT_USAGE
    notes: list[str] = []
    try:
        entries = function_log(path, name, getattr(args, "max_count", None), notes)
    except GitProblem as exc:
        from ibc.diagnostics.wording import words

        message, hint = words(exc.code, exc.args_)
        print(f"error[{exc.code}]: {message}" + (f"\n  = hint: {hint}" if hint else ""), file=err)
        return EXIT_ERRORS
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_ERRORS
    if not entries:
        print(f"{py_file}:{name}: no commit defines it", file=out)
        return EXIT_OK
    for entry in entries:
        print(
            f"{entry['commit'][:8]}  {entry['date']}  {entry['subject']}  ({describe(entry)})",
            file=out,
        )
        if getattr(args, "patch", False):
            diff = difflib.unified_diff(
                (entry["old"] or "").splitlines(),
                (entry["new"] or "").splitlines(),
                f"{py_file}:{name} before",
                f"{py_file}:{name} at {entry['commit'][:8]}",
                lineterm="",
            )
            for line in diff:
                print("    " + line, file=out)
    for note in notes:
        print(f"note: {note}", file=out)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """`python -m ibc.commands.revisions freeze FILE` / `log PY_FILE:NAME`, as `ibc freeze`/`ibc log`."""
    parser = argparse.ArgumentParser(prog="ibc")
    commands = parser.add_subparsers(dest="command", required=True)
    add_freeze_arguments(commands.add_parser("freeze", help="rewrite revisions to commit ids"))
    add_log_arguments(commands.add_parser("log", help="commits that changed one function"))
    args = parser.parse_args(argv)
    return freeze_main(args) if args.command == "freeze" else log_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
