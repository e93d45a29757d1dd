"""The REPL's session model, independent of any terminal.

A session is a module kept as `.ib` text, one chunk per declaration. It lives at a virtual
path, `__repl__.ib` in the folder of the file it was started on (else the current folder),
so relative Python imports and `ibc.toml` work as they do for that file; the file on disk is
never written. Every entry is checked through the compiler's driver (`ibc.driver.check_file`
with `text=`), so a session reports exactly what `ibc check` would:

- declarations are added; a new declaration of a name replaces the old one (an import of
  several names loses only that item; a destructuring keeps its other names). When the
  session with the entry does not check, the errors are shown and the session stays as it
  was;
- an expression is compiled (`compile_file`) as a hidden binding `__repl__` of the session,
  and its value computed by the runtime (`Evaluator` over the project's store, so stages
  cached by `ibc run` are not run again) and printed with its type;
- `:type`, `:python`, `:params`, `:run`, `:load`, `:reload`, `:source`, `:help`, `:quit`.

Output goes to `out`, diagnostics and failures to `err`. `run_lines` drives a session from a
stream of lines (standard input that is not a terminal); `ibc.repl.app` from a terminal.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from ibc.diagnostics.diagnostic import Diagnostic
from ibc.driver import Options, Result, check_file, compile_file
from ibc.base.records import record, replace
from ibc.repl.entry import (
    BOTH,
    VALUE,
    clashes,
    declared_names,
    in_block,
    join_lines,
    needs_more,
    parse_entry,
)
from ibc.repl.show import show, with_type
from ibc.syntax import nodes as n
from ibc.syntax.parser import parse_module
from ibc.base.spans import Source, Span

HIDDEN = "__repl__"  # the binding an expression is compiled as
SESSION_FILE = "__repl__.ib"  # the session module's (virtual) file name
INPUT = "<input>"  # the file name diagnostics of an entry are shown under

KEYWORDS = [
    *("from", "import", "as", "def", "return", "with", "in", "fn", "if", "else"),
    *("and", "or", "not", "True", "False", "None", "type", "experiment", "sweep"),
    *("search",),
]

ALIASES = {":t": ":type", ":py": ":python", ":r": ":reload", ":h": ":help", ":?": ":help"}
ALIASES.update({":q": ":quit", ":exit": ":quit"})

HELP = """\
Type declarations (`x = 1`, `def f(x: Int) -> Int: return x + 1`, `from m import f`,
`experiment e = …`) to add them to the session (a new declaration of a name replaces the
old one), or an expression to see its value and type.
  :type EXPR          the type of an expression
  :python EXPR        the Python emitted for an expression (or for a declared name)
  :params [TARGET]    the parameters of the session, or those a target sees
  :run [TARGET…]      run targets as `ibc run` does (all experiments when none is named)
  :load FILE          start over on FILE's declarations
  :reload             read the loaded file again and re-apply the declarations typed since
  :source             the session module's text
  :help               this message
  :quit               leave (so does end of input)
A line that ends in ( [ { = => |> or a `def` header continues on the next line; a `def`
block ends at an empty line."""


@record
class Chunk:
    """One declaration of the session: its text, its AST (offsets from `base`) and the
    `(namespace, name)` pairs it binds."""

    text: str
    decl: object
    base: int
    names: tuple[tuple[str, str], ...]


def _chunk(source: Source, decl) -> Chunk:
    text = source.text[decl.span.start : decl.span.end]
    return Chunk(text, decl, decl.span.start, tuple(declared_names(decl)))


def _rechunk(text: str) -> Chunk | None:
    module, diags = parse_module(Source("<session>", text))
    if module is None or diags or len(module.decls) != 1:
        return None
    return _chunk(Source("<session>", text), module.decls[0])


def history_path() -> Path:
    """Where the terminal front end keeps its history: `repl_history` in ibc's cache folder
    (`$IBC_CACHE_DIR`, else `~/.cache/iterbuild`)."""
    from ibc.base.cachedir import cache_dir

    return cache_dir() / "repl_history"


class Session:
    """An interactive session: declarations accumulated as a module, checked by the driver.
    `options` are the driver's (strictness, stub folders); `color` colours diagnostics."""

    def __init__(
        self,
        options: Options | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
        color: bool = False,
        folder: Path | None = None,
    ) -> None:
        self.options = options or Options()
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.color = color
        self.folder = (folder or Path.cwd()).resolve()
        self.file: Path | None = None
        self.chunks: list[Chunk] = []
        self.typed: list[str] = []  # declarations typed since the load, for :reload
        self.last: Result | None = None  # the latest good check of the session (completion)
        self.errors = 0  # entries that failed (a scripted session then exits with 1)
        self._shadowed = 0
        self.last_stats: dict[str, int] = {}  # stages run and cached by the last evaluation
        self.commands: dict[str, Callable[[str], bool]] = {
            ":type": self.type_of,
            ":python": self.python_of,
            ":params": self.params,
            ":run": self.run,
            ":load": self.load_command,
            ":reload": lambda _: self.reload(),
            ":source": lambda _: self._say(self.text() or "(the session is empty)\n"),
            ":help": lambda _: self._say(HELP + "\n"),
        }
        self.aliases = dict(ALIASES)

    # ------------------------------------------------------------------ the module

    @property
    def path(self) -> Path:
        """The session module's virtual path."""
        return self.folder / SESSION_FILE

    def text(self, chunks: list[Chunk] | None = None) -> str:
        """The session module's text (of `chunks`, default the session's)."""
        return "".join(chunk.text + "\n" for chunk in (self.chunks if chunks is None else chunks))

    def _options(self, **changes) -> Options:
        o = self.options
        return Options(strict=o.strict, stub_dirs=list(o.stub_dirs), **changes)

    # ------------------------------------------------------------------ entries

    def handle(self, text: str) -> bool:
        """Handle one complete entry (a command, declarations or an expression); False when
        the session should end. Errors are shown on `err` and counted in `errors`."""
        if not text.strip():
            return True
        try:
            if text.lstrip().startswith(":"):
                word, _, rest = text.strip().partition(" ")
                word = self.aliases.get(word, word)
                if word == ":quit":
                    return False
                command = self.commands.get(word)
                if command is None:
                    ok = self._unknown_command(word)
                else:
                    ok = command(rest.strip())
            else:
                ok = self.enter(text)
        except KeyboardInterrupt:
            self.err.write("interrupted\n")
            ok = False
        except Exception as exc:  # noqa: BLE001 - a bug of the REPL must not end the session
            self.err.write(f"error: internal error of the REPL: {type(exc).__name__}: {exc}\n")
            ok = False
        if not ok:
            self.errors += 1
        return True

    def enter(self, text: str) -> bool:
        """Declarations or an expression."""
        joined = join_lines(text)
        entry = parse_entry(joined, INPUT)
        if entry.diagnostics:
            self._render(entry.diagnostics, {INPUT: entry.source})
            return False
        if entry.is_expression:
            return self.evaluate(joined)
        return self.declare(entry.source, entry.decls)

    def declare(self, source: Source, decls, remember: bool = True) -> bool:
        """Add declarations (replacing older ones of the same names) if the session still
        checks with them; print each new name's type."""
        new = [_chunk(source, decl) for decl in decls]
        names = [name for chunk in new for name in chunk.names]
        kept = [c for chunk in self.chunks for c in self._without(chunk, names)]
        region = len(self.text(kept))
        candidate = kept + new
        result = check_file(self.path, self._options(), text=self.text(candidate))
        self._report(result, region, "\n".join(c.text for c in new) + "\n")
        if not result.ok:
            return False
        self.chunks, self.last = candidate, result
        if remember:
            self.typed.append("\n".join(c.text for c in new))
        self._describe(result, region)
        return True

    def _without(self, chunk: Chunk, names: list[tuple[str, str]]) -> list[Chunk]:
        """`chunk` without the names a new declaration takes: unchanged, rewritten (an import
        item dropped, a destructured name renamed away) or gone."""
        hit = [name for name in chunk.names if any(clashes(name, other) for other in names)]
        if not hit:
            return [chunk]
        decl, base = chunk.decl, chunk.base
        if len(hit) == len(chunk.names):
            return []
        if isinstance(decl, (n.PyImport, n.IbFromImport)):
            space = VALUE if isinstance(decl, n.PyImport) else BOTH
            keep = [i for i in decl.items if (space, i.local.text) not in hit]
            head = chunk.text[: decl.items[0].span.start - base].rstrip().rstrip("(").rstrip()
            items = ", ".join(chunk.text[i.span.start - base : i.span.end - base] for i in keep)
            text = f"{head} ({items})"
        elif isinstance(decl, n.Binding):
            text = chunk.text
            bound = sorted(n.pattern_names(decl.pattern), key=lambda p: -p[0].span.start)
            for name, _ in bound:
                if (VALUE, name.text) in hit:
                    self._shadowed += 1
                    start, end = name.span.start - base, name.span.end - base
                    text = f"{text[:start]}__shadowed{self._shadowed}_{name.text}{text[end:]}"
        else:
            return []
        rewritten = _rechunk(text)
        return [rewritten] if rewritten is not None else []

    def evaluate(self, expr: str) -> bool:
        """Compute an expression's value through the runtime and print it with its type."""
        result, decl = self._hidden(expr, emit=True)
        if result is None or result.code is None:
            return False
        t = result.checked.decl_types.get(id(decl))
        try:
            program = self._program(result.code)
            value = self._value(program, HIDDEN)
        except Exception as failure:  # noqa: BLE001 - a stage failed: reported, session goes on
            from ibc.runtime.errors import format_failure

            self.err.write(format_failure(" ".join(expr.split()), "expression", failure))
            return False
        self.out.write(with_type(show(value, t), str(t)) + "\n")
        return True

    def _hidden(self, expr: str, emit: bool, fmt: bool = False):
        """Check (or compile) the session with `__repl__ = expr`: the `Result` (None when it
        has errors, which are shown) and the hidden binding's declaration."""
        prefix = f"{HIDDEN} = "
        before = self.text()
        text = f"{before}{prefix}{expr}\n"
        run = compile_file if emit else check_file
        result = run(self.path, self._options(format=fmt), text=text)
        self._report(result, len(before) + len(prefix), expr + "\n")
        if not result.ok:
            return None, None
        main = result.checked.program.main
        decl = next(d for d in main.ast.decls if d.span.start >= len(before))
        return result, decl

    def _program(self, code: str):
        from ibc.runtime.program import find_program

        namespace = {"__name__": "__ibc_repl__", "__file__": str(self.path)}
        exec(compile(code, f"<ibc repl {self.path.name}>", "exec"), namespace)  # noqa: S102
        return find_program(namespace)

    def _value(self, program, name: str) -> object:
        """`name`'s value, with the project's store (cached stages are loaded, not run)."""
        from ibc.runtime.evaluate import Evaluator
        from ibc.runtime.hashing import FileHashes
        from ibc.runtime.runlog import store_root
        from ibc.runtime.store import DiskStore

        program.activate()
        root = store_root(program.project_root, None)
        files = FileHashes(root / "files.json")
        evaluator = Evaluator(store=DiskStore(root), files=files)
        self.last_stats = evaluator.stats  # {"ran": …, "cached": …, "failed": …}
        try:
            # A stage's printed output is the session's (a terminal's, or a test's stream).
            with contextlib.redirect_stdout(self.out), contextlib.redirect_stderr(self.err):
                scope = program.scope()
                stack = program.stack(scope)
                if any(t.kind == "search" for t in program.targets.values()):
                    from ibc.runtime.search import drive  # its trials first (cached)

                    drive(program, evaluator, scope, stack, [name])
                return evaluator.value(program.node(name, scope, stack))
        finally:
            evaluator.executor.close()
            with contextlib.suppress(OSError):
                files.save()

    # ------------------------------------------------------------------ commands

    def _expression(self, command: str, text: str) -> bool:
        entry = parse_entry(join_lines(text), INPUT) if text.strip() else None
        if entry is None or not entry.is_expression:
            if entry is not None and entry.diagnostics:
                self._render(entry.diagnostics, {INPUT: entry.source})
            else:
                self.err.write(f"error: {command} needs an expression, such as `{command} x + 1`\n")
            return False
        return True

    def type_of(self, text: str) -> bool:
        """`:type EXPR`: print `EXPR : TYPE`."""
        if not self._expression(":type", text):
            return False
        expr = join_lines(text)
        result, decl = self._hidden(expr, emit=False)
        if result is None:
            return False
        t = result.checked.decl_types.get(id(decl))
        self.out.write(f"{' '.join(expr.split())} : {t}\n")
        return True

    def python_of(self, text: str) -> bool:
        """`:python EXPR`: the builder emitted for an expression; for a declared name, the
        builder of its declaration."""
        if not self._expression(":python", text):
            return False
        expr = join_lines(text)
        result, _ = self._hidden(expr, emit=True, fmt=True)
        if result is None or result.code is None:
            return False
        code = result.code
        name = expr.strip()
        block = None
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name != HIDDEN:
            block = _block(code, name)
        if block is None:
            block = _block(code, HIDDEN) or code
        self.out.write(block.rstrip("\n") + "\n")
        return True

    def params(self, target: str) -> bool:
        """`:params [TARGET]`: the table of `ibc params`."""
        from ibc.params.listing import UnknownTarget, parameters
        from ibc.commands.params import params_table, unknown_target_message

        result = self.check()
        if result is None:
            return False
        try:
            rows = parameters(result, target or None)
        except UnknownTarget as exc:
            self.err.write(unknown_target_message(exc.name, exc.suggestions))
            return False
        rows = [row for row in rows if not row.path.startswith("__")]
        self.out.write(params_table(rows, target or None))
        return True

    def run(self, args: str) -> bool:
        """`:run [TARGET…] [options]`: run targets of the session as `ibc run` does (with
        the project's store, progress and run records)."""
        try:
            argv = shlex.split(args)
        except ValueError as exc:
            self.err.write(f"error: {exc}\n")
            return False
        result = compile_file(self.path, self._options(format=False), text=self.text())
        self._report(result, len(self.text()), "")
        if not result.ok or result.code is None:
            return False
        program = self._program(result.code)
        with contextlib.redirect_stdout(self.out), contextlib.redirect_stderr(self.err):
            code = program.main(argv)
        return code == 0

    def check(self) -> Result | None:
        """Check the session as it is (Python files may have changed); None on errors."""
        result = check_file(self.path, self._options(), text=self.text())
        self._report(result, len(self.text()), "")
        if not result.ok:
            return None
        self.last = result
        return result

    def load_command(self, text: str) -> bool:
        if not text:
            self.err.write("error: :load needs a file, such as `:load cancer.ib`\n")
            return False
        return self.load(Path(text))

    def load(self, file: Path) -> bool:
        """Start over on `file`: its declarations become the session's, the session's folder
        its folder; declarations typed earlier are dropped. A file with errors is reported
        (as `ibc check` would) and leaves an empty session on it, for `:reload`."""
        file = Path(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.err.write(f"error: cannot read {file}: {getattr(exc, 'strerror', None) or exc}\n")
            return False
        self.file, self.folder = file, file.resolve().parent
        self.chunks, self.typed, self.last = [], [], None
        result = check_file(file, self._options())
        self._render(result.diagnostics, result.sources)
        if not result.ok:
            self.err.write(f"{file} not loaded: fix it and :reload\n")
            return False
        source = Source(str(file), text.removeprefix("\ufeff"))
        module, diags = parse_module(source)
        if module is None or diags:  # checked above; kept for safety
            return False
        self.chunks = [_chunk(source, decl) for decl in module.decls]
        self.last = self.check()
        return self.last is not None

    def reload(self) -> bool:
        """Read the loaded file again and re-apply the declarations typed since (one that
        no longer checks is reported and dropped); without a file, check the session again."""
        typed = list(self.typed)
        if self.file is None:
            return self.check() is not None
        ok = self.load(self.file)
        if not ok:
            self.typed = typed  # kept for the next :reload
            return False
        for text in typed:
            entry = parse_entry(text, INPUT)
            if entry.decls and not self.declare(entry.source, entry.decls, remember=True):
                self.err.write("(that declaration, typed earlier, was dropped)\n")
                ok = False
        return ok

    def _unknown_command(self, word: str) -> bool:
        from ibc.base.spell import nearest

        guess = nearest(word.lstrip(":"), [c.lstrip(":") for c in [*self.commands, ":quit"]])
        hint = f"; did you mean `:{guess[0]}`?" if guess else ""
        self.err.write(f"error: unknown command `{word}`{hint} (:help lists them)\n")
        return False

    def _say(self, text: str) -> bool:
        self.out.write(text)
        return True

    # ------------------------------------------------------------------ completion

    def completions(self) -> list[str]:
        """Words to complete: commands, keywords, the session's names (with the prelude's
        and the types) and parameter paths."""
        words = set(self.commands) | {":quit"} | set(KEYWORDS)
        result = self.last
        if result is not None and result.checked is not None:
            for info in result.checked.program.modules:
                if info.kind in ("main", "prelude"):
                    words.update(info.values)
                    words.update(info.types)
        if result is not None and result.expanded is not None:
            words.update(result.expanded.sites.by_path)
        return sorted(w for w in words if not w.startswith("__"))

    # ------------------------------------------------------------------ showing

    def _describe(self, result: Result, region: int) -> None:
        """`name : type` for each binding, function and target just declared."""
        checked = result.checked
        for decl in checked.program.main.ast.decls:
            if decl.span.start < region:
                continue
            if isinstance(decl, n.FuncDef):
                self.out.write(f"{decl.name.text} : {checked.def_types.get(id(decl))}\n")
            elif isinstance(decl, (n.Experiment, n.Sweep, n.Search)):
                self.out.write(f"{decl.name.text} : {checked.decl_types.get(id(decl))}\n")
            elif isinstance(decl, n.Binding):
                t = checked.decl_types.get(id(decl))
                for name, position in n.pattern_names(decl.pattern):
                    self.out.write(f"{name.text} : {_element(t, position)}\n")

    def _report(self, result: Result, region: int, entry: str) -> None:
        """Show `result`'s diagnostics: every error, and the warnings of the entry (those
        elsewhere were shown when their declarations were entered). Those in the entry are
        shown against its own text (`<input>:1:5`), not the session module's."""
        display = _display(self.path)
        source = Source(INPUT, entry)
        shown = []
        for d in result.diagnostics:
            inside = d.span.file == display and d.span.start >= region
            if inside:
                d = _relocate(d, display, region, source)
            if d.is_error or inside:
                shown.append(d)
        self._render(shown, {**result.sources, INPUT: source})

    def _render(self, diags: list[Diagnostic], sources: dict[str, Source]) -> None:
        if not diags:
            return
        from ibc.diagnostics.render import render_text

        text = render_text(diags, sources, self.color)
        self.err.write(text if text.endswith("\n") else text + "\n")


def _display(path: Path) -> str:
    from ibc.resolve.project import display_path

    return display_path(path)


def _move(span: Span, display: str, region: int, source: Source) -> Span:
    if span.file != display or span.start < region:
        return span
    end = min(max(span.end - region, span.start - region), len(source.text))
    return source.span(min(span.start - region, len(source.text)), end)


def _relocate(d: Diagnostic, display: str, region: int, source: Source) -> Diagnostic:
    """`d` with its spans (and its notes') in the entry moved onto the entry's own text."""
    related = tuple(replace(r, span=_move(r.span, display, region, source)) for r in d.related)
    return replace(d, span=_move(d.span, display, region, source), related=related)


def _element(t, position: tuple[int, ...]):
    from ibc.base.typeterms import ANY, ListType, TupleOfType, TupleType

    for index in position:
        if isinstance(t, TupleType) and index < len(t.items):
            t = t.items[index]
        elif isinstance(t, (ListType, TupleOfType)):
            t = t.elem
        else:
            return ANY
    return t


def _block(code: str, name: str) -> str | None:
    """The emitted builder of `name` (its decorator and function), with the `def` builders
    it expands printed before it."""
    lines = code.split("\n")
    found = re.search(rf'^@program\.\w+\(\s*"{re.escape(name)}"', code, re.MULTILINE)
    if found is not None:
        start = code.count("\n", 0, found.start())
    else:
        start = next((i for i, ln in enumerate(lines) if ln.startswith(f"def {name}(")), None)
        if start is None:
            return None
    end = start
    while end < len(lines) and not lines[end].startswith("def "):
        end += 1  # the decorator, over one line or several
    end += 1
    while end < len(lines) and lines[end][:1] in (" ", "\t", ")") and lines[end].strip():
        end += 1
    block = "\n".join(lines[start:end])
    registered = re.search(rf'^program\.\w+\(\s*"{re.escape(name)}"', code, re.MULTILINE)
    if registered is not None:  # a sweep: its builder, then `program.sweep("grid", grid, …)`
        first = code.count("\n", 0, registered.start())
        last = first
        if lines[first].endswith("("):  # black split the call: it ends at a lone `)`
            while last + 1 < len(lines) and lines[last] != ")":
                last += 1
        block += "\n\n\n" + "\n".join(lines[first : last + 1])
    helpers = []
    for helper in dict.fromkeys(re.findall(r"m\.expand\(\s*([A-Za-z_][A-Za-z0-9_]*)", block)):
        text = _block(code, helper) if helper != name else None
        if text is not None:
            helpers.append(text)
    return "\n\n".join([*helpers, block])


def run_lines(session: Session, lines: Iterable[str]) -> int:
    """Drive `session` from lines of text (a script on standard input): entries are
    gathered as at the terminal (a `def` block also ends at a line that is not indented).
    Returns 1 when an entry failed, else 0."""
    pending: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if pending and line.strip() and not line[0].isspace():
            text = "\n".join(pending)
            if in_block(text) and _complete_block(text):
                pending = []
                if not session.handle(text):
                    return _status(session)
        pending.append(line)
        text = "\n".join(pending)
        if needs_more(text):
            continue
        pending = []
        if not session.handle(text):
            return _status(session)
    if pending:
        session.handle("\n".join(pending))
    return _status(session)


def _complete_block(text: str) -> bool:
    """Whether a `def` block may end here (its last line closes its brackets and does not
    end in an operator)."""
    return not needs_more(text + "\n")


def _status(session: Session) -> int:
    return 1 if session.errors else 0
