"""`ibc ui [FILE…] [--port N] [--host H] [--open] [--store PATH]`: serve the web UI of a
project (docs/ui.md) until Ctrl-C.

The project is the one holding the first FILE (the current folder's without one); FILEs
keep the records of those `.ib` files only. The server listens on 127.0.0.1 unless `--host`
names another address, which is said with a warning, since anyone who can reach that address
can then read the project's records. `--port 0` takes a free port. The URL is printed once
the socket is bound; a browser is opened only with `--open`.

This module imports neither the compiler nor the web libraries at import time:
`ibc/commands/cli.py` builds its parser with `add_arguments` on every start.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_PORT = 8765
NEEDS = "ibc ui needs the `ui` extra (Starlette and uvicorn): pip install 'iterbuild[ui]'"
LOCAL = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `ibc ui`."""
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="show the runs of these .ib files only"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"the port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    parser.add_argument("--store", metavar="PATH", help="the store folder (default: .ibc)")


def _error(message: str, hint: str | None = None) -> int:
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)
    return EXIT_USAGE


def main(args: argparse.Namespace) -> int:
    """Run `ibc ui` with parsed `args`; returns the exit code."""
    from ibc.base.project_root import find_root
    from ibc.runtime.runlog import store_root

    files = [Path(f) for f in args.files]
    for file in files:
        if not file.is_file():
            return _error(f"no such file: {file}", "give the .ib files whose runs to show")
    root = find_root(files[0].resolve() if files else Path.cwd())
    shown = [os.path.relpath(f.resolve(), root).replace(os.sep, "/") for f in files]
    if not 0 <= args.port <= 65535:
        return _error(f"not a port: {args.port}", "use a number from 1 to 65535 (0: any free)")
    try:
        import uvicorn

        from ibc.ui.server import LOCAL_HOSTS as LOCAL_NAMES
        from ibc.ui.server import make_app
    except ImportError:
        return _error(NEEDS)
    local = args.host in LOCAL
    try:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(128)  # connections wait from now on, so the URL printed below works
    except OSError as exc:
        return _error(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            "choose another port (--port N, or --port 0 for any free one)",
        )
    port = sock.getsockname()[1]
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown_host}:{port}/"
    if not local:
        print(
            f"warning: listening on {args.host}: anyone who can reach this address can read "
            "this project's run records (parameters, metrics, errors, captured output)",
            file=sys.stderr,
        )
    hosts = LOCAL_NAMES if local else None  # asked for another address: any name
    app = make_app(root, store_root(root, args.store), shown or None, hosts)
    print(f"ibc ui: {root.name} at {url} (Ctrl-C to stop)", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return EXIT_OK


def standalone(argv: list[str] | None = None) -> int:
    """`python -m ibc.ui [FILE…]`: the command without the `ibc` front end."""
    parser = argparse.ArgumentParser(prog="ibc ui", description="the web UI of a project")
    add_arguments(parser)
    return main(parser.parse_args(argv))
