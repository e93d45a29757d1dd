"""`ibc lsp`: run the language server on standard input and output.

Wired into `ibc.commands.cli` with `add_arguments(parser)` and `main(args)`; `python -m ibc.lsp`
runs it without the rest of the command line. Logs go to a file (`--log`), never to stdout, which
carries the protocol.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true", help="talk on stdin/stdout (the default)")
    parser.add_argument(
        "--strict", action="store_true", help="warn about untyped Python references"
    )
    parser.add_argument(
        "--stubs", action="append", default=[], metavar="DIR", help="an extra stub folder"
    )
    parser.add_argument("--log", metavar="FILE", help="write the server's log to FILE")


def main(args: argparse.Namespace) -> int:
    try:
        import pygls  # noqa: F401
    except ImportError:
        import sys

        print("ibc lsp needs pygls: pip install 'pygls>=2'", file=sys.stderr)
        return 2
    import logging

    if args.log:
        logging.basicConfig(filename=args.log, level=logging.INFO)
    else:
        logging.disable(logging.WARNING)  # nothing may reach stdout; stderr stays quiet too
    from ibc.lsp.analysis import Analyzer
    from ibc.lsp.server import build_server

    analyzer = Analyzer([Path(d) for d in args.stubs], strict=args.strict)
    build_server(analyzer).start_io()
    return 0
