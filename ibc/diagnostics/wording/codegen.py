"""Wording of code generation diagnostics (E07xx).

Facts of E0705: `target`, `kind` ("def" or "lambda"), `name` (the def's), `param`."""

from __future__ import annotations

from ibc.diagnostics.wording import register

register(
    "E0701",
    "not runnable yet",
    "{feature} can be checked but not yet compiled or run by this version of ibc",
    "{hint}",
    explain=(
        "A sweep or a search declared in an imported `.ib` module type-checks, but only the "
        "sweeps and searches of the file being compiled become runnable targets in this "
        "version. A search is not swept by the command line's `-s PATH in […]` either (its "
        "trials are its own points)."
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
