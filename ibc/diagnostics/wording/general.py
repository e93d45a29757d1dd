"""Wording of the general diagnostics: E0000, a crash inside the compiler itself.

A crash is never the user's fault, so its message says so and asks for a report; the
driver turns an unexpected exception into an `E0000` diagnostic (see
`ibc.diagnostics.render.internal_error`) so that a crash is shown like any other error,
with a location, instead of a Python traceback.

Facts (`args`) of E0000: `location` ("main.ib:12"), `exception` (the exception's class name),
`detail` (its message, may be empty), `file` (the file being compiled).
"""

from __future__ import annotations

from ibc.diagnostics.wording import register


def _internal_message(args: dict) -> str:
    location = args.get("location") or "?"
    exception = args.get("exception") or "Exception"
    detail = args.get("detail") or ""
    what = f"{exception}: {detail}" if detail else exception
    return f"internal error: this is a bug in ibc while compiling {location} ({what})"


def _internal_hint(args: dict) -> str:
    file = args.get("file") or "the file being compiled"
    return (
        f"please report it with the file {file}; " "set IBC_DEBUG=1 to see the compiler's traceback"
    )


register(
    "E0000",
    "internal compiler error",
    _internal_message,
    _internal_hint,
    explain=(
        "The compiler itself failed while working on the file: this is a bug in `ibc`, "
        "not in your program. The message names the file and line the compiler was working "
        "on and the Python exception it raised. Please report it with the `.ib` file (and the "
        "Python files it imports, if you can share them); running the command again with the "
        "environment variable `IBC_DEBUG=1` prints the compiler's traceback, which helps the "
        "report. Until it is fixed, changing the construct at the reported line often avoids "
        "the crash."
    ),
    example="",
)
