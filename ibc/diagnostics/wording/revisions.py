"""Wording of revision diagnostics (E06xx, after E0601 in `types`): pinned references whose
revision, file or name cannot be found, and the git problems behind them."""

from __future__ import annotations

from ibc.diagnostics.wording import backticked, register


def _near(args: dict) -> str | None:
    near = args.get("near") or []
    if not near:
        return "name a commit, a tag or a branch of the project's repository (`git tag` lists tags)"
    return "revisions near it: " + ", ".join(backticked(x) for x in near)


def _names(args: dict) -> str | None:
    found = args.get("suggestions") or []
    if found:
        return f"did you mean {backticked(found[0])}? (it is defined at that revision)"
    return "`ibc log FILE:NAME` lists the commits where a function changed"


register(
    "E0602",
    "unknown revision",
    '`"{revision}"` is not a revision of the project\'s git repository',
    _near,
    explain=(
        "A pinned reference names a revision that git does not know: a commit id, a tag, a "
        "branch or an expression such as `HEAD~2`. The compiler resolves it to a full commit "
        "id with `git cat-file --batch-check`; nothing in the working tree changes."
    ),
)
register(
    "E0603",
    "file missing at the revision",
    '`{path}` does not exist at revision "{revision}"',
    "pin a revision at which the file existed (`git log --follow -- FILE`)",
    explain=(
        "The Python file of a pinned reference is read at the revision with `git cat-file`; "
        "it was not part of the repository then (it was added later, or moved)."
    ),
)
register(
    "E0604",
    "name missing at the revision",
    '`{path}` does not define `{name}` at revision "{revision}"',
    _names,
    explain=(
        "The pinned name must be defined in the file as it was at the revision; it may have "
        "been added or renamed since."
    ),
)
register(
    "E0605",
    "not a git repository",
    "a pinned reference needs the project's git repository, but {root} is not in one",
    "run `git init` and commit, or remove the `@` to use today's version",
    explain=(
        'A revision (`name @ "v1"`) names a commit of the git repository holding the project '
        "root; a project outside any repository has no revisions."
    ),
    example='from "src/m.py" @ "v1" import f\nx = f(1)',
)
register(
    "E0606",
    "git is not installed",
    "pinned references are read with git, which cannot be run here",
    "install git and make sure it is on PATH",
    explain=(
        "The compiler runs the `git` program (never a shell) to resolve revisions and read "
        "old files; it was not found on `PATH`."
    ),
)
register(
    "E0607",
    "not a revision",
    '`"{revision}"` is not accepted as a revision: {reason}',
    "write a commit id, a tag, a branch or `HEAD~n`",
    explain=(
        "Revision strings are checked before git sees them: a leading `-` (which git would "
        "read as an option), whitespace, control characters, ranges (`a..b`), paths (`:`) and "
        "shell metacharacters are refused. Nothing is ever run through a shell."
    ),
    example='from "src/m.py" @ "--output=/tmp/x" import f\nx = f(1)',
)
register(
    "E0608",
    "revision of an installed module",
    "`{name}` comes from `{module}`, which is not a file of the project, so it has no revisions",
    "pin only functions and classes of the project's own Python files",
    explain=(
        "Revisions are commits of the project's git repository; an installed library is "
        "versioned by its distribution (pin it in your environment instead)."
    ),
    example='from json import loads\nx = (loads @ "v1")("1")',
)
register(
    "E0609",
    "file unreadable at the revision",
    '`{path}` at revision "{revision}" cannot be read (line {line}): {message}',
    "pin another revision, or fix the file there",
    explain="The pinned file, as it was at the revision, has a syntax error.",
)
