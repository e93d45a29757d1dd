"""The `ibc repl [FILE]` command: argument wiring and the choice of front end.

On a terminal the prompt_toolkit front end runs (`ibc.repl.app`; a plain `input()` prompt
when prompt_toolkit is not installed). When standard input is not a terminal, entries are
read line by line and the output is plain (no prompt, no colour), so sessions can be
scripted: `printf 'x = 1\\nx + 1\\n' | ibc repl`. Exit codes: 0, or 1 when an entry of a
scripted session failed (or FILE did not check); 2 for bad usage (FILE missing).

This module imports nothing of the compiler at import time: `ibc/commands/cli.py` builds its parser
with `add_arguments` on every start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `ibc repl`."""
    parser.add_argument("file", nargs="?", metavar="FILE", help="a .ib file to start from")
    parser.add_argument(
        "--strict", action="store_true", help="warn about untyped Python references"
    )
    parser.add_argument(
        "--stubs", action="append", default=[], metavar="DIR", help="an extra stub folder"
    )


def main(args: argparse.Namespace) -> int:
    """Run `ibc repl` with parsed `args`; returns the exit code."""
    from ibc.diagnostics.render import use_color
    from ibc.driver import Options
    from ibc.repl.session import Session, run_lines

    file = Path(args.file) if getattr(args, "file", None) else None
    if file is not None and not file.is_file():
        print(f"error: no such file: {file}", file=sys.stderr)
        return EXIT_USAGE
    options = Options(strict=args.strict, stub_dirs=[Path(d) for d in args.stubs])
    interactive = sys.stdin.isatty()
    session = Session(options, sys.stdout, sys.stderr, color=interactive and use_color(sys.stderr))
    loaded = session.load(file) if file is not None else True
    if not interactive:
        status = run_lines(session, sys.stdin)
        return EXIT_ERRORS if status or not loaded else EXIT_OK
    try:
        from ibc.repl.app import run_app
    except ImportError:  # prompt_toolkit is not installed
        return _basic(session)
    return run_app(session)


def _basic(session) -> int:
    """A terminal session with `input()`: no completion, highlighting or history."""
    from ibc.repl.entry import needs_more

    print("ibc repl: declarations, expressions, :help; :quit or Ctrl-D to leave")
    while True:
        lines: list[str] = []
        try:
            lines.append(input("ib> "))
            while needs_more("\n".join(lines)):
                lines.append(input("... "))
        except KeyboardInterrupt:
            print()
            continue
        except EOFError:
            print()
            return EXIT_OK
        if not session.handle("\n".join(lines)):
            return EXIT_OK


def standalone(argv: list[str] | None = None) -> int:
    """`python -m ibc.repl [FILE]`: the command without the `ibc` front end."""
    parser = argparse.ArgumentParser(prog="ibc repl", description="an interactive session")
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return main(args)
