"""The compiler on one screen: parse → resolve → check → lower → emit.

Each phase adds its diagnostics to one collection; the driver stops after a phase that
found errors, except resolution: its errors leave the unknown names typed `Any`, and type
checking goes on, so every independent error of a file is reported in one run. Front ends (the CLI, and later the REPL, the language server and the notebook
magic) call `check_file` and `compile_file` and render `Result.diagnostics`. A crash inside
the compiler becomes an internal-error diagnostic naming the file, never a traceback.
"""

from __future__ import annotations

import gc
from pathlib import Path

from ibc.base.deep import run_deep
from ibc.diagnostics.diagnostic import Diagnostic, Diagnostics
from ibc.base.records import field, record
from ibc.base.spans import NO_SPAN, Source, Span


@record(mutable=True)
class Options:
    strict: bool = False  # warn about Python references typed `Any`
    stub_dirs: list[Path] = field(default_factory=list)
    target: str = "script"  # or "plain"
    out_path: Path | None = None  # where the emitted program will be written
    format: bool = True  # black-format the emitted program (for people to read)
    overrides: list[str] = field(default_factory=list)  # `ibc run -s PATH=EXPR` texts
    # the run's targets (for `-s` warnings, and to leave out searches they do not need)
    targets: list[str] = field(default_factory=list)


@record(mutable=True)
class Result:
    diagnostics: list[Diagnostic]
    sources: dict[str, Source]
    checked: object | None = None  # ibc.types.check.Checked
    expanded: object | None = None  # ibc.params.expand.Expanded
    program: object | None = None  # ibc.codegen.ir.IrProgram
    code: str | None = None  # the emitted Python
    resolved: object | None = None  # ibc.resolve.Resolved, also when checking stopped at it

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def check_file(
    path: Path,
    options: Options | None = None,
    text: str | None = None,
    *,
    parsed: tuple | None = None,
    index: object | None = None,
) -> Result:
    """Parse, resolve and type-check the program whose main file is `path`.

    A language server passes, with `text`, `parsed`: what `parse_module` returned for that
    text (its incremental parse, `ibc.lsp.incremental`), and `index`: the `PythonIndex` it
    keeps between checks of the project."""
    return _run(Path(path), options or Options(), text, emit=False, parsed=parsed, index=index)


def compile_file(path: Path, options: Options | None = None, text: str | None = None) -> Result:
    """`check_file`, then lower and emit Python for `options.target`."""
    return _run(Path(path), options or Options(), text, emit=True)


def _run(
    path: Path, options: Options, text: str | None, emit: bool, parsed=None, index=None
) -> Result:
    diags = Diagnostics()
    result = Result([], {})
    # The compiler makes millions of small objects and frees none of them until it is done;
    # the cycle collector would rescan them over and over (parsing a 10,000-line file took
    # twice as long with it on).
    collecting = gc.isenabled()
    gc.disable()
    try:
        # on a thread with room for deep programs (docs/running.md, "Deep programs")
        run_deep(_phases, path, options, text, emit, diags, result, parsed, index)
    except RecursionError:  # past even that room (docs/errors.md, E0010)
        diags.error("E0010", Span(str(path), 1, 1, 1, 1), kind="program")
    except Exception as exc:  # noqa: BLE001 - a compiler bug is reported, not raised
        from ibc.diagnostics.render import internal_error

        diags.add(internal_error(exc, Span(str(path), 1, 1, 1, 1)))
    finally:
        if collecting:
            gc.enable()
    # Checked again here, on the calling thread: Python's compiler also stops at the normal
    # recursion limit (a plain program of 3,000 `+` compiles only with the phases' room).
    if result.code is not None and not _compiles(result.code, result.program, options, diags):
        result.code = None
    result.diagnostics = diags.sorted()
    return result


def _phases(
    path, options, text, emit, diags: Diagnostics, result: Result, parsed=None, index=None
) -> None:
    from ibc.resolve import resolve
    from ibc.types.check import check

    source = Source(_display(path), text) if text is not None else None
    program = resolve(  # parse + resolve
        path, diags, source, options.stub_dirs, index, parsed=parsed if source is not None else None
    )
    result.resolved = program
    if program is not None:
        result.sources = program.sources
    if program is None:
        if not result.sources:
            result.sources = _sources_of(diags, path, text)
        return
    # Resolve errors do not stop type checking: an unknown name has the type `Any`, which
    # accepts everything and reports nothing more, so the declarations that do not depend on
    # it are still checked (docs/errors.md, "Every independent error").
    checked = check(program, diags, options.strict)  # type-check
    result.checked = checked
    if diags.has_errors:
        return
    result.expanded = _expand(checked, diags, options, result)  # expand parameters
    if diags.has_errors or not emit:
        return
    from ibc.codegen.lower import lower

    lowered = lower(result.expanded, diags, options.targets)  # lower to the IR
    result.program = lowered
    if diags.has_errors:
        return
    result.code = _emit(lowered, options, diags, program.main)  # emit Python


def _expand(checked, diags: Diagnostics, options: Options, result: Result):
    from ibc.params.expand import Expander

    expander = Expander(checked, diags)
    expanded = expander.expand()
    if options.overrides and not diags.has_errors:
        from ibc.params.command_line import command_line

        command_line(expander, options.overrides, result.sources, options.targets)
    return expanded


def _emit(lowered, options: Options, diags: Diagnostics, main) -> str | None:
    if options.target == "plain":
        from ibc.codegen.plain import emit_plain as emit
    else:
        from ibc.codegen.script import emit_script as emit
    try:
        code = emit(lowered, options.out_path)
    except ValueError as exc:
        span = main.ast.span if main.ast else NO_SPAN
        code_, facts = getattr(exc, "code", None), getattr(exc, "facts", None)
        if code_ is not None and facts is not None:  # a target's refusal: its code and facts
            diags.error(code_, exc.span or span, target=options.target, **facts)
        else:  # an IR the emitter cannot have been given: a bug in ibc
            from ibc.diagnostics.render import internal_error

            diags.add(internal_error(exc, span))
        return None
    if not _compiles(code, lowered, options, diags):
        return None
    if options.format:
        from ibc.codegen.format import format_python

        code = format_python(code)
    return code


def _compiles(code: str, lowered, options: Options, diags: Diagnostics) -> bool:
    """Whether Python compiles the emitted `code` (our own text: compiling it imports and
    runs nothing). A program too deep for the plain target is refused there (E0010); any
    other failure is a bug in ibc (E0000), reported instead of writing or running the file."""
    try:
        compile(code, "<emitted>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        problem = exc
    from ibc.codegen.ir import deepest

    depth, where = deepest(lowered)
    span = Span(lowered.source, 1, 1, 1, 1)
    if options.target == "plain" and depth > PLAIN_DEEP:
        diags.error("E0010", where or span, kind="plain", depth=depth)
        return False
    from ibc.diagnostics.render import internal_error

    what = f"{type(problem).__name__}: {problem}"
    diags.add(internal_error(RuntimeError(f"the emitted Python does not compile ({what})"), span))
    return False


# Python accepts about 200 levels of nested brackets; the plain target writes one to three per
# level of an `.ib` expression. Past this depth, a plain program that does not compile is too
# deep for that target (E0010), not a bug.
PLAIN_DEEP = 40


def _display(path: Path) -> str:
    from ibc.resolve.project import display_path

    return display_path(path)


def _sources_of(diags: Diagnostics, path: Path, text: str | None) -> dict[str, Source]:
    """Sources for rendering when resolution stopped before tabling any file."""
    out: dict[str, Source] = {}
    if text is not None:
        out[_display(path)] = Source(_display(path), text)
        return out
    from ibc.syntax.parser import read_source

    source, problems = read_source(str(path))  # a device or a huge file is not read
    if source is not None and not problems:
        out[_display(path)] = Source(_display(path), source.text)
    return out
