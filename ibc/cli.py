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
    run.add_argument(
        "-s",
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=EXPR",
        help="override a parameter for this run (repeatable): `-s model.C=0.1`, "
        "`-s 'model=RandomForestClassifier()'`; `-s 'PATH in EXPR'` sweeps it",
    )

    params = commands.add_parser(
        "params", help="list the parameters of a file or of one target (path, type, value)"
    )
    common(params)
    params.add_argument(
        "target", nargs="?", metavar="TARGET", help="show the values this target sees"
    )
    params.add_argument(
        "--all", action="store_true", help="add the signature defaults the source does not write"
    )
    params.add_argument("--format", choices=("table", "json"), default="table")

    diff = commands.add_parser(
        "diff", help="the parameters whose values differ between two targets"
    )
    common(diff)
    diff.add_argument("a", metavar="A", help="a target")
    diff.add_argument("b", metavar="B", help="another target")
    diff.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(args_list)
        # `ibc run f.ib strong -s seed=7 weak`: targets may come after options.
        if extra and args.command == "run" and not any(a.startswith("-") for a in extra):
            args.targets = [*args.targets, *extra]
        elif extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse: --help (0) or bad usage (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        commands = {"check": _check, "compile": _compile, "run": _run}
        commands.update(params=_params, diff=_diff)
        return commands[args.command](args)
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
    from ibc.driver import Options, compile_file

    extra: dict = {"format": False}
    if args.overrides:
        if "overrides" not in Options.__record_fields__:
            print("error: this version of ibc does not support -s overrides yet", file=sys.stderr)
            return EXIT_USAGE
        extra["overrides"] = list(args.overrides)
    result = compile_file(Path(args.file), _options(args, **extra))
    _report(result)
    if not result.ok or result.code is None:
        return EXIT_ERRORS
    from ibc.runtime import run_module

    namespace: dict = {"__name__": "__ibc_run__", "__file__": str(Path(args.file).resolve())}
    code = compile(result.code, f"<ibc run {args.file}>", "exec")
    exec(code, namespace)  # noqa: S102 - the program ibc just emitted
    argv = list(args.targets) + (["--json"] if args.json else [])
    return run_module(namespace, argv)


def _listed(args):
    """Check `args.file` for `ibc params` and `ibc diff`: the `Result`, or an exit code."""
    from ibc.driver import check_file

    result = check_file(Path(args.file), _options(args))
    _report(result)
    if not result.ok:
        return EXIT_ERRORS
    if getattr(result, "expanded", None) is None:
        print(f"error: the parameters of {args.file} could not be listed", file=sys.stderr)
        return EXIT_ERRORS
    return result


def _unknown_target(exc) -> int:
    from ibc.params_cli import unknown_target_message

    name = getattr(exc, "name", None) or (exc.args[0] if exc.args else "?")
    suggestions = getattr(exc, "suggestions", None)
    if suggestions is None and len(exc.args) > 1:
        suggestions = exc.args[1]
    sys.stderr.write(unknown_target_message(name, list(suggestions or ())))
    return EXIT_USAGE


def _params(args) -> int:
    result = _listed(args)
    if isinstance(result, int):
        return result
    from ibc.params.listing import UnknownTarget, parameters
    from ibc.params_cli import params_json, params_table

    try:
        rows = parameters(result, args.target, include_defaults=args.all)
    except UnknownTarget as exc:
        return _unknown_target(exc)
    text = params_json(rows) if args.format == "json" else params_table(rows, args.target)
    sys.stdout.write(text)
    return EXIT_OK


def _diff(args) -> int:
    result = _listed(args)
    if isinstance(result, int):
        return result
    from ibc.params.listing import UnknownTarget, diff_targets
    from ibc.params_cli import diff_json, diff_table

    try:
        rows = diff_targets(result, args.a, args.b)
    except UnknownTarget as exc:
        return _unknown_target(exc)
    # The targets' own definitions always differ; the diff is about the parameters they see.
    rows = [row for row in rows if row[0] not in (args.a, args.b)]
    render = diff_json if args.format == "json" else diff_table
    sys.stdout.write(render(rows, args.a, args.b))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
