"""The `ibc` command line: a thin front end over `ibc.driver`.

Exit codes (DESIGN §9): 0 success, 1 errors in the program, 2 bad usage, 3 an experiment
failed at run time. Diagnostics go to standard error (coloured on a terminal, plain
elsewhere, `NO_COLOR` respected); `check --format json` prints them on standard output.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    from ibc import __version__

    parser = argparse.ArgumentParser(
        prog="ibc",
        description="Iterbuild: specify machine-learning experiments in a small typed language.",
        epilog="Run `ibc COMMAND --help` for a command's options. Docs: docs/guide.md",
    )
    parser.add_argument("--version", action="version", version=f"ibc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("file", metavar="FILE", help="the .ib file")
        p.add_argument("--strict", action="store_true", help="warn about untyped Python references")
        p.add_argument(
            "--stubs", action="append", default=[], metavar="DIR", help="an extra stub folder"
        )

    check = commands.add_parser("check", help="parse and type-check a file")
    common(check)
    check.add_argument(
        "--format", choices=("text", "json"), default="text", help="how to print diagnostics"
    )

    compile_ = commands.add_parser("compile", help="emit Python for a file")
    common(compile_)
    compile_.add_argument("-o", "--output", metavar="OUT.py", help="write here (default: stdout)")
    compile_.add_argument(
        "--target",
        choices=("script", "plain"),
        default="script",
        help="script (default): uses ibc.runtime; plain: a standalone script of direct calls",
    )

    run = commands.add_parser("run", help="compile and run experiments")
    common(run)
    run.add_argument(
        "targets", nargs="*", metavar="TARGET", help="experiments to run (default: all)"
    )
    run.add_argument("--json", action="store_true", help="print the results as one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    parser = _parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help (0) or bad usage (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return {"check": _check, "compile": _compile, "run": _run}[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _options(args, **extra):
    from ibc.driver import Options

    return Options(strict=args.strict, stub_dirs=[Path(d) for d in args.stubs], **extra)


def _report(result, stream=None) -> None:
    from ibc.diagnostics.render import render_text, use_color

    stream = stream or sys.stderr
    if result.diagnostics:
        text = render_text(result.diagnostics, result.sources, use_color(stream))
        stream.write(text if text.endswith("\n") else text + "\n")


def _check(args) -> int:
    from ibc.driver import check_file

    result = check_file(Path(args.file), _options(args))
    if args.format == "json":
        from ibc.diagnostics.render import render_json

        print(render_json(result.diagnostics, result.sources))
    else:
        _report(result)
        if result.ok and not result.diagnostics:
            print(f"{args.file}: no errors", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_ERRORS


def _compile(args) -> int:
    from ibc.driver import compile_file

    out = Path(args.output) if args.output else None
    result = compile_file(Path(args.file), _options(args, target=args.target, out_path=out))
    _report(result)
    if not result.ok or result.code is None:
        return EXIT_ERRORS
    if out is None:
        sys.stdout.write(result.code)
        return EXIT_OK
    try:
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        tmp.write_text(result.code, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _run(args) -> int:
    from ibc.driver import compile_file

    result = compile_file(Path(args.file), _options(args, format=False))
    _report(result)
    if not result.ok or result.code is None:
        return EXIT_ERRORS
    from ibc.runtime import run_module

    namespace: dict = {"__name__": "__ibc_run__", "__file__": str(Path(args.file).resolve())}
    code = compile(result.code, f"<ibc run {args.file}>", "exec")
    exec(code, namespace)  # noqa: S102 - the program ibc just emitted
    argv = list(args.targets) + (["--json"] if args.json else [])
    return run_module(namespace, argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
