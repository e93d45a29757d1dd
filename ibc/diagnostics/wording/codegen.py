"""Wording of code generation diagnostics (E07xx).

Facts of E0705: `target`, `kind` ("def" or "lambda"), `name` (the def's), `param`."""

from __future__ import annotations

from ibc.diagnostics.wording import register

register(
    "E0701",
    "not runnable yet",
    "{feature} can be checked but not yet compiled or run by this version of ibc",
    "declare the sweep in the file you run",
    explain=(
        "A sweep declared in an imported `.ib` module type-checks, but only the sweeps of the "
        "file being compiled become runnable targets in this version."
    ),
)
register(
    "E0702",
    "revisions not runnable yet",
    "`{name}` is pinned to a git revision, which this version of ibc can check but not run",
    "use today's version of the function to run the experiment",
    explain=(
        '`name @ "rev"` parses and type-checks; running a function as it was at an old '
        "revision is not implemented by the code generator of this version."
    ),
    example='from math import sqrt\nexperiment e = (sqrt @ "v1")(4.0)',
)


def _e0705_message(args: dict) -> str:
    what = f"def `{args.get('name') or '?'}`" if args.get("kind") == "def" else "this function"
    return (
        f"the {args.get('target') or '?'} target cannot emit {what}: its parameter "
        f"`{args.get('param') or '?'}` has no default but follows one with a default"
    )


register(
    "E0705",
    "a required parameter after a defaulted one",
    _e0705_message,
    "give `{param}` a default, or move it before the parameters with defaults (the script "
    "target runs the program as it is)",
    explain=(
        "A Python function cannot have a parameter without a default after one with a "
        "default, so the plain target, which writes each `def` and function value as a "
        "Python function, refuses such a signature. The script target does not need to write "
        "it and runs the program."
    ),
)
register(
    "E0703",
    "searches not runnable yet",
    "the search `{name}` can be checked but not yet run by this version of ibc",
    "`ibc check` and `ibc params` read it; name the targets that need no search to run them "
    "(`ibc run FILE baseline`)",
    explain=(
        "A `search` parses, type-checks (its spaces against the paths they set, its objective "
        "against the experiment's value) and is listed by `ibc params`; running its trials "
        'with the optimizer (issue #15, items 2-4 of docs/guide.md "Searches") is not '
        "implemented by the code generator of this version. A run of named targets that need "
        "no search leaves the searches out; any other compilation that would need one (every "
        "target, the search itself, `refit with best(tuned)`, a value computed from the "
        "search's trials, `ibc compile`, `ibc graph`) stops here rather than leave it out."
    ),
    example="x = 1.0\nexperiment e = {score = x}\nsearch s = e with { x in uniform(0.0, 1.0) } "
    "maximize score trials 4",
)
