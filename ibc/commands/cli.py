"""The `ibc` command line: a thin front end over `ibc.driver`.

Only the command given is set up: its parser alone is built, and the modules it needs are
imported inside it. `ibc run` reads only the compiler's options (FILE, `-s`, `--strict`,
`--stubs`) and hands the rest to the program's own parser (docs/running.md, "The command
line").

Exit codes (docs/guide.md, "7. Running"): 0 success, 1 errors in the program, 2 bad usage, 3 an experiment
failed at run time. Diagnostics go to standard error (coloured on a terminal, plain
elsewhere, `NO_COLOR` respected); `check --format json` prints them on standard output.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


# The commands, in the order `ibc --help` lists them, with their one-line help. Only the
# command being run gets its options (a parser per command, built on demand): `ibc check`
# neither builds nor imports what the other commands need (docs/guide.md, "7. Running").
COMMANDS = {
    "check": "parse and type-check a file",
    "compile": "emit Python for a file",
    "run": "compile and run experiments",
    "why": "say why each stage of the targets would run (runs nothing)",
    "graph": "draw the stage graph of a file's targets",
    "results": "the recorded experiments: one row per target, parameters and code",
    "fmt": "rewrite .ib files in the canonical layout",
    "freeze": "rewrite symbolic revisions to commit ids, in place",
    "log": "the commits in which one Python function changed",
    "lsp": "run the language server (LSP) on stdin/stdout",
    "repl": "an interactive session: declarations, expressions, :commands",
    "cache": "the store: ls, gc, clear, verify, push, pull",
    "params": "list the parameters of a file or of one target (path, type, value)",
    "diff": "the parameters whose values differ between two targets",
    "init": "write a small runnable project (ibc.toml, experiment.ib, src/features.py)",
    "completion": "print the shell completion script (bash, zsh or fish)",
    "ui": "a local web page of the recorded runs, plots and stage graphs",
}


def _parser(command: str | None = None, names_only: bool = False) -> argparse.ArgumentParser:
    """The command-line parser of `command`, or of every command (None: `ibc --help`, or a
    word that names none, which argparse reports with the list). `names_only`: every command
    without its arguments, which completing a command's name needs (ibc/commands/completion.py)."""
    from ibc import __version__

    parser = argparse.ArgumentParser(
        prog="ibc",
        description="Iterbuild: specify machine-learning experiments in a small typed language.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if command is None:  # `ibc --help`: examples, environment, documentation
        from ibc.commands.helptext import epilog

        parser.epilog = epilog()
    parser.add_argument("--version", action="version", version=f"ibc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        if names_only:
            commands.add_parser(name, help=help_text)
        elif command is None or command == name:
            _ARGUMENTS[name](commands.add_parser(name, help=help_text))
    return parser


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="the .ib file")
    p.add_argument("--strict", action="store_true", help="warn about untyped Python references")
    p.add_argument(
        "--stubs", action="append", default=[], metavar="DIR", help="an extra stub folder"
    )


def _check_arguments(check: argparse.ArgumentParser) -> None:
    _common(check)
    check.add_argument(
        "--format", choices=("text", "json"), default="text", help="how to print diagnostics"
    )


def _compile_arguments(compile_: argparse.ArgumentParser) -> None:
    _common(compile_)
    compile_.add_argument("-o", "--output", metavar="OUT.py", help="write here (default: stdout)")
    compile_.add_argument(
        "--target",
        choices=("script", "plain"),
        default="script",
        help="script (default): uses ibc.runtime; plain: a standalone script of direct calls",
    )


_RUN_SET_HELP = (
    "override a parameter for this run (repeatable): `-s model.C=0.1`, "
    "`-s 'model=RandomForestClassifier()'`; `-s 'PATH in EXPR'` sweeps it"
)


def _run_arguments(run: argparse.ArgumentParser) -> None:
    """`ibc run`'s options, for its `--help` only: FILE, `-s`, `--strict` and `--stubs` are
    the compiler's; the others are the program's own, from the runtime's table
    (`ibc.runtime.program.RUN_OPTIONS`), which parses them (`_run_command`)."""
    from ibc.runtime.program import EXECUTORS, RUN_OPTIONS

    run.description = (
        "Compile FILE (with the -s overrides) and run its targets. The options after the "
        "compiler's (FILE, -s, --strict, --stubs) are the program's own, as `python OUT.py` "
        "takes them."
    )
    _common(run)
    run.add_argument(
        "targets", nargs="*", metavar="TARGET", help="experiments to run (default: all)"
    )
    run.add_argument(
        "-s", "--set", dest="overrides", action="append", metavar="PATH=EXPR", help=_RUN_SET_HELP
    )
    for flags, attr, metavar, text in RUN_OPTIONS:
        if attr in ("sets", "show_help"):
            continue
        if metavar is None:
            run.add_argument(*flags, action="store_true", help=text)
        elif attr == "executor":
            run.add_argument(*flags, choices=EXECUTORS, help=text)
        else:
            run.add_argument(*flags, metavar=metavar, help=text)


def _why_arguments(why: argparse.ArgumentParser) -> None:
    from ibc.commands.why import add_arguments

    _common(why)
    add_arguments(why)
    _set_option(why, "explain the run with this override, as `ibc run -s`")


def _graph_arguments(graph: argparse.ArgumentParser) -> None:
    _common(graph)
    graph.add_argument("target", nargs="*", metavar="TARGET", help="targets (default: all)")
    graph.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        default=None,
        help="OUT.dot, OUT.svg or OUT.png (default: DOT on standard output)",
    )
    graph.add_argument("--store", metavar="PATH", help="the store folder")
    graph.add_argument(
        "-j",
        "--jobs",
        metavar="N",
        default=None,
        help="replay a search's trials N at a time, as `ibc run --jobs N` proposed them "
        "(default: the `jobs` setting, else 1)",
    )


def _results_arguments(results: argparse.ArgumentParser) -> None:
    results.add_argument("file", nargs="?", metavar="FILE", help="only this .ib file's")
    results.add_argument(
        "search", nargs="?", metavar="NAME", help="only this search's trials or sweep's points"
    )
    results.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table")
    results.add_argument("--sort", metavar="COLUMN", help="sort by a column (-COLUMN: descending)")
    results.add_argument(
        "--all", action="store_true", help="every recorded run, not only the newest of each row"
    )
    results.add_argument("--plot", metavar="X,Y", help="plot column Y against column X")
    results.add_argument("-o", "--output", metavar="OUT.png", help="where --plot writes")
    results.add_argument("--store", metavar="PATH", help="the store folder")
    _wide_option(results)


def _fmt_arguments(fmt: argparse.ArgumentParser) -> None:
    from ibc.commands import fmt as fmt_cli

    fmt_cli.add_arguments(fmt)


def _freeze_arguments(freeze: argparse.ArgumentParser) -> None:
    from ibc.commands.revisions import add_freeze_arguments

    add_freeze_arguments(freeze)


def _log_arguments(log: argparse.ArgumentParser) -> None:
    from ibc.commands.revisions import add_log_arguments

    add_log_arguments(log)


def _lsp_arguments(lsp: argparse.ArgumentParser) -> None:
    from ibc.lsp.cli import add_arguments

    add_arguments(lsp)


def _ui_arguments(ui: argparse.ArgumentParser) -> None:
    from ibc.ui.cli import add_arguments

    add_arguments(ui)


def _repl_arguments(repl: argparse.ArgumentParser) -> None:
    from ibc.repl.cli import add_arguments

    add_arguments(repl)


def _cache_arguments(cache: argparse.ArgumentParser) -> None:
    from ibc.commands.cache import add_arguments

    add_arguments(cache)


def _params_arguments(params: argparse.ArgumentParser) -> None:
    _common(params)
    params.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="show the values this target (or sweep point) sees",
    )
    params.add_argument(
        "--all", action="store_true", help="add the signature defaults the source does not write"
    )
    params.add_argument("--format", choices=("table", "json"), default="table")
    _set_option(params, "preview the values with a parameter overridden, as `ibc run -s` would")
    _wide_option(params)


def _diff_arguments(diff: argparse.ArgumentParser) -> None:
    _common(diff)
    diff.add_argument(
        "a", metavar="A", help="a target (an experiment, sweep, binding or sweep point)"
    )
    diff.add_argument("b", metavar="B", help="another target")
    diff.add_argument("--format", choices=("table", "json"), default="table")
    _set_option(diff, "compare the targets with a parameter overridden in both")
    _wide_option(diff)


def _wide_option(command) -> None:
    from ibc.commands.params import add_wide_option

    add_wide_option(command)


# Commands whose module has both `add_arguments(parser)` and `main(args)`.
_MODULES = {"init": "ibc.commands.init", "completion": "ibc.commands.completion"}


def _module_arguments(name: str):
    def add(parser: argparse.ArgumentParser) -> None:
        import importlib

        importlib.import_module(_MODULES[name]).add_arguments(parser)

    return add


def _module_main(args) -> int:
    import importlib

    return importlib.import_module(_MODULES[args.command]).main(args)


_ARGUMENTS = {
    "check": _check_arguments,
    "compile": _compile_arguments,
    "run": _run_arguments,
    "why": _why_arguments,
    "graph": _graph_arguments,
    "results": _results_arguments,
    "fmt": _fmt_arguments,
    "freeze": _freeze_arguments,
    "log": _log_arguments,
    "lsp": _lsp_arguments,
    "repl": _repl_arguments,
    "cache": _cache_arguments,
    "params": _params_arguments,
    "diff": _diff_arguments,
    **{name: _module_arguments(name) for name in _MODULES},
    "ui": _ui_arguments,
}


def _set_option(command, help_text: str) -> None:
    """`-s PATH=EXPR` (repeatable) on `ibc params` and `ibc diff`, as on `ibc run`."""
    command.add_argument(
        "-s",
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=EXPR",
        help=help_text + " (repeatable)",
    )


def main(argv: list[str] | None = None) -> int:
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (ibc/commands/completion.py)
        from ibc.commands.completion import answer

        answer(_parser)
    args_list = list(sys.argv[1:] if argv is None else argv)
    # `--sort -accuracy` (descending): argparse would take `-accuracy` for an option
    for i, arg in enumerate(args_list[:-1]):
        if arg == "--sort" and args_list[i + 1].startswith("-"):
            args_list[i : i + 2] = [f"--sort={args_list[i + 1]}"]
            break
    # The command is the first word: only its parser is built (every one for `ibc --help`).
    command = args_list[0] if args_list and args_list[0] in COMMANDS else None
    if command == "run":
        return _run_command(args_list[1:])
    if command in ("check", "compile", "params", "diff"):
        # Only the compiler runs: it frees nothing until it is done (ibc/driver.py), and the
        # cycle collector would rescan the objects its imports create, a twentieth of a check.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return _command(command, args_list)
        finally:
            if collecting:
                gc.enable()
    return _command(command, args_list)


def _command(command: str | None, args_list: list[str]) -> int:
    parser = _parser(command)
    try:
        args, extra = parser.parse_known_args(args_list)
        # `ibc why f.ib strong -s seed=7 weak`: targets may come after options.
        if extra and args.command == "why" and not any(a.startswith("-") for a in extra):
            args.targets = [*args.targets, *extra]
        elif extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse: --help (0) or bad usage (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        commands = {"check": _check, "compile": _compile}
        commands.update(params=_params, diff=_diff, graph=_graph, results=_results)
        commands.update(cache=_cache, repl=_repl, lsp=_lsp, fmt=_fmt)
        commands.update(freeze=_freeze, log=_log, why=_why, ui=_ui)
        commands.update(dict.fromkeys(_MODULES, _module_main))
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


def _run_program(args):
    """The program `ibc run` (and `ibc why`) runs for `args`: compiled with its `-s`
    overrides, or reused when nothing it was built from changed; an exit code on errors."""
    from ibc.base import reuse  # a hit skips the compiler: nothing else of it is imported

    stubs = [os.path.abspath(d) for d in args.stubs]
    # The targets matter only to the warnings about unused `-s` paths, and to searches: a run
    # of targets that need none leaves them out (ibc/codegen/searches.py), a program then
    # kept under a key of its own with the targets.
    named = list(args.targets) if args.overrides else []
    options = ("run", str(args.strict), str(len(stubs)), *stubs, *args.overrides)
    key = reuse.options_key(*options, "--", *named)
    searched = reuse.options_key(*options, "--", *args.targets, "--searches-left-out")
    code = reuse.lookup(Path(args.file), key) or reuse.lookup(Path(args.file), searched)
    if code is None:
        from ibc.driver import compile_file

        extra: dict = {"format": False, "targets": list(args.targets)}
        if args.overrides:
            extra["overrides"] = list(args.overrides)
        result = compile_file(Path(args.file), _options(args, **extra))
        _report(result)
        if not result.ok or result.code is None:
            return EXIT_ERRORS
        code = result.code
        from ibc.codegen.searches import has_searches

        reuse.store(Path(args.file), searched if has_searches(result) else key, code, result)
    program = _load_program(code, args.file)["program"]
    program.override_texts = list(args.overrides)
    return program


def _run_command(argv: list[str]) -> int:
    """`ibc run ARGV…`: the compiler's options (FILE, `-s`, `--strict`, `--stubs`) are read
    here; every other argument goes, as written, to the program's own parser
    (`ibc.runtime.program.read_options`, then `Program.parse`), the one definition of the run
    options. They are read once before compiling, so a bad option costs no compilation."""
    from ibc.runtime.program import Usage, option_flags, read_options

    try:
        args = _split_run(argv, option_flags(valued=True))
        options = read_options(args.rest)
        if not options.show_help and args.file is None:
            raise Usage("FILE is missing: ibc run FILE [TARGET ...] [options]")
    except Usage as usage:
        print(f"ibc run: error: {usage}\n(see ibc run --help)", file=sys.stderr)
        return EXIT_USAGE
    if options.show_help:
        try:
            _parser("run").parse_args(["run", "--help"])  # prints the help, exits 0
        except SystemExit as exc:
            return int(exc.code or 0)
    args.targets = list(options.names)
    program = _run_program(args)
    if isinstance(program, int):
        return program
    return program.main(args.rest)


def _split_run(argv: list[str], valued: set[str]) -> argparse.Namespace:
    """Split `ibc run`'s arguments into the compiler's (FILE: the first word that is not an
    option's value; `-s`, `--strict`, `--stubs`) and the rest, in order (`rest`)."""
    from ibc.runtime.program import Usage

    args = argparse.Namespace(file=None, overrides=[], strict=False, stubs=[], rest=[])
    words = iter(argv)
    for word in words:
        name, eq, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in ("-s", "--set", "--stubs"):
            if not eq:
                value = next(words, None)
                if value is None:
                    raise Usage(f"{name} needs {'DIR' if name == '--stubs' else 'PATH=EXPR'}")
            (args.stubs if name == "--stubs" else args.overrides).append(value)
        elif word.startswith("-s") and not word.startswith("--"):
            args.overrides.append(word[2:])  # -sPATH=EXPR
        elif word == "--strict":
            args.strict = True
        elif word in valued:  # its value follows (`--jobs 4`; `-j4` and `--jobs=4` are one word)
            following = next(words, None)
            args.rest += [word] if following is None else [word, following]
        elif args.file is None and not word.startswith("-"):
            args.file = word
        else:
            args.rest.append(word)
    return args


def _why(args) -> int:
    program = _run_program(args)
    if isinstance(program, int):
        return program
    from ibc.commands.why import main as why_main

    return why_main(args, program)


def _freeze(args) -> int:
    from ibc.commands.revisions import freeze_main

    return freeze_main(args)


def _log(args) -> int:
    from ibc.commands.revisions import log_main

    return log_main(args)


def _fmt(args) -> int:
    from ibc.commands.fmt import main as fmt_main

    return fmt_main(args)


def _lsp(args) -> int:
    from ibc.lsp.cli import main as lsp_main

    return lsp_main(args)


def _ui(args) -> int:
    from ibc.ui.cli import main as ui_main

    return ui_main(args)


def _repl(args) -> int:
    from ibc.repl.cli import main as repl_main

    return repl_main(args)


def _load_program(code_text: str, file: str) -> dict:
    """Execute emitted code as a module; its namespace (holding `program`)."""
    from ibc.base.reuse import code_object

    namespace: dict = {"__name__": "__ibc_run__", "__file__": str(Path(file).resolve())}
    code = code_object(code_text, f"<ibc run {file}>")
    exec(code, namespace)  # noqa: S102 - the program ibc just emitted
    from ibc.runtime.program import find_program

    namespace["program"] = find_program(namespace)
    return namespace


def _compiled_program(args, file: str, targets=()):
    """Compile `file` and load its program: the `Program`, or an exit code. Named `targets`
    that need no search leave the file's searches out (ibc/codegen/searches.py)."""
    from ibc.driver import compile_file

    result = compile_file(Path(file), _options(args, format=False, targets=list(targets)))
    _report(result)
    if not result.ok or result.code is None:
        return EXIT_ERRORS
    return _load_program(result.code, file)["program"]


def _store_root(file: str | None, store: str | None) -> Path:
    from ibc.runtime.runlog import find_root, store_root

    return store_root(find_root(Path(file or ".").resolve()), store)


def _graph(args) -> int:
    program = _compiled_program(args, args.file, args.target)
    if isinstance(program, int):
        return program
    from ibc.commands.graph import graph_nodes, search_notes
    from ibc.commands.graph_render import render, to_dot
    from ibc.runtime.program import Usage
    from ibc.runtime.store import DiskStore

    root = _store_root(args.file, args.store)
    jobs = [] if args.jobs is None else ["--jobs", args.jobs]  # else the `jobs` setting
    try:
        options = program.parse(list(args.target) + jobs)
    except Usage as usage:
        print(f"error: {usage}", file=sys.stderr)
        return EXIT_USAGE
    program.activate()
    from ibc.runtime.search import SearchError

    try:
        nodes = graph_nodes(program, options.names, root, DiskStore(root), options.jobs or 1)
    except SearchError as exc:  # Optuna missing: the trials cannot be replayed
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for note in search_notes(program):
        print(note, file=sys.stderr)
    dot = to_dot(nodes, title=args.file)
    if args.output is None:
        sys.stdout.write(dot)
        return EXIT_OK
    try:
        render(dot, Path(args.output))
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _results(args) -> int:
    from ibc.commands.params import table_width
    from ibc.commands.results import load_records, plot_results, render_results
    from ibc.runtime.runlog import record_file

    from ibc.commands.results_search import split_search

    args.file, search = split_search(args.file, args.search)
    root = _store_root(args.file, args.store)
    wanted = record_file(args.file) if args.file else None
    records = load_records(root, wanted, all_runs=args.all)
    if search is not None and records:
        from ibc.commands.results_search import search_results, sweep_points

        points = sweep_points(records, search)
        if points is None:
            return search_results(args, records, search)
        records = points  # a sweep's points: the general table, of those alone
    if not records:
        where = f" of {args.file}" if args.file else ""
        print(f"no recorded runs{where} under {root} (run `ibc run FILE` first)", file=sys.stderr)
        return EXIT_OK
    try:
        if args.plot:
            x, comma, y = args.plot.partition(",")
            if not comma or not x or not y or not args.output:
                print("error: --plot X,Y needs two column names and -o OUT.png", file=sys.stderr)
                return EXIT_USAGE
            plot_results(records, x.strip(), y.strip(), Path(args.output))
            print(f"wrote {args.output}", file=sys.stderr)
            return EXIT_OK
        sys.stdout.write(render_results(records, args.format, args.sort, table_width(args)))
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _cache(args) -> int:
    from ibc.commands.cache_command import cache_main

    return cache_main(args)


def _listed(args):
    """Check `args.file` for `ibc params` and `ibc diff`: the `Result`, or an exit code."""
    from ibc.driver import check_file

    overrides = list(getattr(args, "overrides", None) or [])
    named = [t for t in (getattr(args, "target", None), getattr(args, "a", None)) if t]
    named += [args.b] if getattr(args, "b", None) else []
    extra = {"overrides": overrides, "targets": named} if overrides else {}
    result = check_file(Path(args.file), _options(args, **extra))
    _report(result)
    if not result.ok:
        return EXIT_ERRORS
    if getattr(result, "expanded", None) is None:
        print(f"error: the parameters of {args.file} could not be listed", file=sys.stderr)
        return EXIT_ERRORS
    return result


def _unknown_target(exc) -> int:
    from ibc.commands.params import unknown_target_message

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
    from ibc.commands.params import params_json, params_table, table_width

    try:
        rows = parameters(result, args.target, include_defaults=args.all)
    except UnknownTarget as exc:
        return _unknown_target(exc)
    if args.format == "json":
        text = params_json(rows)
    else:
        text = params_table(
            rows, args.target, command_line=bool(args.overrides), width=table_width(args)
        )
    sys.stdout.write(text)
    return EXIT_OK


def _diff(args) -> int:
    result = _listed(args)
    if isinstance(result, int):
        return result
    from ibc.params.listing import UnknownTarget, diff_targets
    from ibc.commands.params import diff_json, diff_table, table_width

    try:
        rows = diff_targets(result, args.a, args.b)
    except UnknownTarget as exc:
        return _unknown_target(exc)
    render = diff_json if args.format == "json" else diff_table
    if render is diff_table:
        sys.stdout.write(diff_table(rows, args.a, args.b, width=table_width(args)))
    else:
        sys.stdout.write(render(rows, args.a, args.b))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
