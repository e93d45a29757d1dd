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


# ---------------------------------------------------------------------------- history sweeps

_HISTORY_PROBLEMS = {
    "missing": ("`history` needs the function whose versions to sweep", "write `history(clean)`"),
    "positional": (
        "`history` takes one function; its other arguments are keywords",
        'write `history(clean, since = "v1.0", last = 5, compatible = True)`',
    ),
    "keyword": (
        "`history` has no argument `{name}`",
        "its keywords are `since` (a revision), `last` (a number) and `compatible` (True)",
    ),
    "type": (
        "`{name}` of `history` must be written as a literal of its type",
        '`since = "v1.0"` (a string), `last = 5` (an integer), `compatible = True`',
    ),
    "last": ("`last` of `history` must be at least 1", "`last = 5` keeps the 5 newest versions"),
    "target": (
        "`history` takes a Python function or class imported from a project file",
        'import it (`from "src/features.py" import clean`), then `history(clean)`',
    ),
    "pinned": (
        "`{name}` is pinned to a revision by its import; `history` needs today's reference",
        "import it without `@`, then `history({name})`",
    ),
}


def _problem(index: int):
    def text(args: dict) -> str:
        pair = _HISTORY_PROBLEMS.get(str(args.get("problem")), ("bad argument of `history`", ""))
        return pair[index].format_map(_Missing(args))

    return text


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"


register(
    "E0610",
    "bad argument of `history`",
    _problem(0),
    _problem(1),
    explain=(
        "`history(f)` is the list of the versions of one Python function of the project, one "
        'per commit in which it or a helper it uses changed (docs/revisions.md, "History '
        'sweeps"). It takes that function and the keywords `since = "rev"` (the versions '
        "from the one in effect at that revision), `last = N` (the N newest) and "
        "`compatible = True` (leave out, with a warning, the versions whose signature no "
        "longer fits)."
    ),
    example=(
        'from "src/m.py" import f\n'
        "experiment e = f(1.0)\n"
        "sweep s = e with { f in history(f, newest = 3) }"
    ),
)
register(
    "E0611",
    "`history` outside a sweep axis",
    lambda a: (
        "`history(…)` cannot be a search's space"
        if a.get("search") is True
        else "`history(…)` is the values of a sweep axis, and only that"
    ),
    lambda a: (
        "sweep the versions instead: `sweep s = e with { f in history(f) }`"
        if a.get("search") is True
        else "write it after `in` in a sweep: `sweep s = e with { f in history(f) }`, or "
        "`-s 'f in history(f)'`"
    ),
    explain=(
        "The versions of a function are known at compile time from git, as the values of one "
        "axis of a sweep. They are not a value a program computes with, and a search chooses "
        "its points by an optimizer, which has no use for commits."
    ),
    example='from "src/m.py" import f\nx = history(f)',
)
register(
    "E0612",
    "a version does not fit",
    "`{name}` at {commit} ({subject}) has the type `{type}`, which a use rejects: {use}",
    "sweep only the versions that fit with `history({name}, compatible = True)`, or "
    '`since = "…"` a later revision',
    explain=(
        "Every version of a history sweep is type-checked from its own source, against every "
        "use of the path it sets, like any override. A version whose signature changed (a "
        "parameter added, renamed or of another type) may not fit today's callers."
    ),
)
register(
    "W0612",
    "a version left out",
    "`{name}` at {commit} ({subject}) is left out: its type `{type}` does not fit: {use}",
    "`compatible = True` leaves out the versions that do not fit; remove it to make this an error",
    explain=(
        "With `history(f, compatible = True)`, a version whose signature its uses reject is "
        "not a point of the sweep; the others are."
    ),
)
register(
    "E0613",
    "`since` not in the history",
    '`"{revision}"` is not in the history of HEAD',
    "name a commit, tag or branch that the current branch contains (`git log` lists them)",
    explain=(
        '`history(f, since = "rev")` walks back from HEAD along first parents to `rev`; a '
        "revision of another branch, not merged into this one, is never met. (A commit of a "
        "merged branch counts from the commit of this branch where that branch began.)"
    ),
)
register(
    "W0613",
    "history ends",
    lambda a: (
        f"the history of `{a.get('name')}` starts at {a.get('first') or 'the working tree'}: "
        f"{a.get('path')} does not define `{a.get('name')}` at {a.get('commit')}"
        + (f" ({a.get('subject')})" if a.get("subject") else "")
    ),
    "a function renamed inside its file is a new function, whose history starts with its "
    "name; `ibc log FILE:NAME` lists the versions",
    explain=(
        "The history of a function follows its file through renames and the function through "
        "moves to another file under the same name; a commit before which its file existed "
        'without defining it ends the history (docs/revisions.md, "History sweeps").'
    ),
)
