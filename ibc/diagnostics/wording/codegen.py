"""Wording of code generation diagnostics (E07xx)."""

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
register(
    "E0704",
    "target cannot emit this program",
    "the {target} target cannot emit this program: {reason}",
    None,
    explain="A code generation target refused the program; the message says why.",
)
