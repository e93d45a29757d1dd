"""One check of an open document, kept for the editor features, and its diagnostics in LSP form.

`Analyzer.analyze(path, text)` runs the driver's check (`ibc.driver.check_file`: parse →
resolve → type-check → expand parameters) on the editor's text of `path`; the `.ib` modules it
imports are read from disk. Two things are kept between checks and handed to the driver: the
`PythonIndex` of each project (the interfaces of the Python modules the program uses, read
with `ast`; a fresh index re-reads its on-disk cache at every keystroke, a kept one answers
from memory and still notices edited project files by their modification times), and the
parsed declarations of the documents (`ibc.lsp.incremental.ChunkParser`: a change re-parses
only the top-level declarations it touches, with exactly a full parse's result).

`Analysis` holds the text that was checked, the driver's `Result`, and lazily built tables
the features share (line starts, parameter paths). `lsp_diagnostics` groups the result's
diagnostics by file, converted by `ibc.diagnostics.render.to_lsp`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ibc.driver import Result
from ibc.lsp.incremental import ChunkParser
from ibc.syntax import nodes as n
from ibc.base.records import field, record
from ibc.base.spans import Source


@record(mutable=True)
class Analysis:
    """The check of one version of a document. `path` is absolute; `display` is how the
    compiler names the file in spans (relative to the working folder when under it)."""

    path: Path
    display: str
    text: str
    result: Result
    version: int | None = None
    seconds: float = 0.0
    resolved: object | None = None  # the resolved program, even when it has errors
    # What the check read besides the document (docs/editors.md, "Python files changed on
    # disk"): the Python files (absolute paths), the modules asked for and not found, and
    # the other `.ib` files (absolute paths).
    python_files: frozenset = frozenset()
    missing_modules: frozenset = frozenset()
    ib_files: frozenset = frozenset()
    cache: dict = field(default_factory=dict, repr=False)  # tables built on first use

    @property
    def checked(self):
        return self.result.checked

    @property
    def program(self):
        """The resolved program (`ibc.resolve.Resolved`), also when checking stopped at a
        resolution error; None when the file did not parse."""
        checked = self.result.checked
        return checked.program if checked is not None else self.resolved

    @property
    def module_ast(self):
        program = self.program
        return program.main.ast if program is not None else None

    def lines(self) -> LineIndex:
        if "lines" not in self.cache:
            self.cache["lines"] = LineIndex(self.text)
        return self.cache["lines"]


class LineIndex:
    """Offsets ↔ LSP positions (0-based lines, characters in UTF-16 code units)."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        pos = text.find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        self.starts = starts

    def line_text(self, line: int) -> str:
        if line < 0 or line >= len(self.starts):
            return ""
        start = self.starts[line]
        end = self.text.find("\n", start)
        return self.text[start : end if end != -1 else len(self.text)]

    def offset(self, line: int, character: int) -> int:
        """The character offset of an LSP position (clamped to the text)."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        text = self.line_text(line)
        units = 0
        for index, ch in enumerate(text):
            if units >= character:
                return self.starts[line] + index
            units += 2 if ord(ch) > 0xFFFF else 1
        return self.starts[line] + len(text.rstrip("\r"))

    def position(self, offset: int) -> tuple[int, int]:
        """The LSP position of a character offset."""
        import bisect

        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        before = self.text[self.starts[line] : offset]
        return line, len(before.encode("utf-16-le")) // 2


class Analyzer:
    """Checks documents, keeping one `PythonIndex` per project root."""

    def __init__(self, stub_dirs: list[Path] | None = None, strict: bool = False) -> None:
        self.stub_dirs = list(stub_dirs or [])
        self.strict = strict
        self._indexes: dict[Path, object] = {}
        self.parser = ChunkParser()  # the documents' declarations, parsed, between checks

    def index_for(self, path: Path):
        from ibc.resolve.project import find_root
        from ibc.resolve.pyinterface import PythonIndex

        root = find_root(path)
        index = self._indexes.get(root)
        if index is None:
            index = self._indexes[root] = PythonIndex(root)
        return index

    def analyze(self, path: Path, text: str, version: int | None = None) -> Analysis:
        path = Path(path).absolute()
        started = time.perf_counter()
        index = self.index_for(path)
        index.record()
        try:
            result, display, resolved = self._check(path, text)
        finally:
            python_files, missing = index.recorded()
        seconds = time.perf_counter() - started
        ib_files = set()
        for shown in result.sources:
            if shown != display and shown.endswith(".ib"):
                ib_files.add(os.path.abspath(shown))
        # files the document imports by path, also when they do not exist (yet)
        python_files = set(python_files)
        module = (resolved.main.ast if resolved is not None else None) or parsed_module(result)
        for decl in module.decls if module is not None else ():
            if isinstance(decl, n.PyImport) and decl.is_path:
                python_files.add(os.path.abspath(path.parent / decl.module))
            elif isinstance(decl, (n.IbImport, n.IbFromImport)):
                ib_files.add(os.path.abspath(path.parent / decl.path))
        return Analysis(
            path,
            display,
            text,
            result,
            version,
            seconds,
            resolved,
            frozenset(python_files),
            missing,
            frozenset(ib_files),
        )

    def invalidate(self, path: Path) -> None:
        """Forget what was read from the Python file `path` (changed, created or deleted on
        disk) in every project's index."""
        for index in self._indexes.values():
            index.invalidate(path)

    def _check(self, path: Path, text: str) -> tuple[Result, str, object]:
        """`ibc.driver.check_file(path, text=text)` with the kept index and the text parsed
        incrementally (only the declarations that changed since the last check)."""
        from ibc.driver import Options, check_file
        from ibc.resolve.project import display_path

        display = display_path(path)
        try:
            parsed = self.parser.parse(Source(display, text))
        except Exception:  # noqa: BLE001 - a bug here must not hide the driver's own parse
            parsed = None
        options = Options(strict=self.strict, stub_dirs=list(self.stub_dirs))
        result = check_file(path, options, text, parsed=parsed, index=self.index_for(path))
        if display not in result.sources:
            result.sources[display] = Source(display, text)
        return result, display, result.resolved


def parsed_module(result: Result):
    checked = result.checked
    return checked.program.main.ast if checked is not None else None


def depends_on(analysis: Analysis, path: Path) -> bool:
    """Does the check of `analysis` depend on the file `path` (a Python file or a `.ib`
    module it read, or a Python file that may be a module it asked for and did not find)?"""
    path_text = os.path.abspath(str(path))
    if path_text in analysis.python_files or path_text in analysis.ib_files:
        return True
    if path_text.endswith((".py", ".pyi")):
        stem = Path(path_text).stem
        name = Path(path_text).parent.name if stem == "__init__" else stem
        return any(missing.rsplit(".", 1)[-1] == name for missing in analysis.missing_modules)
    return False


def lsp_diagnostics(analysis: Analysis) -> dict[str, list[dict]]:
    """The diagnostics of a check as LSP dicts, by file URI. Those of the document are under
    its own URI; those of other files that exist on disk under theirs; the rest (a library
    stub, say) are shown at the document's first line, naming their file."""
    from ibc.diagnostics.render import to_lsp

    main_uri = analysis.path.as_uri()
    out: dict[str, list[dict]] = {main_uri: []}
    sources = analysis.result.sources
    for diag in analysis.result.diagnostics:
        file = diag.span.file
        if file == analysis.display:
            out[main_uri].append(to_lsp(diag, sources.get(file)))
            continue
        where = Path(file).absolute()
        if where.is_file():
            out.setdefault(where.as_uri(), []).append(to_lsp(diag, sources.get(file)))
            continue
        item = to_lsp(diag, None)
        item["range"] = {
            "start": {"line": 0, "character": 0},
            "end": {"line": 0, "character": 0},
        }
        item["message"] = f"{diag.span}: {item['message']}"
        out[main_uri].append(item)
    return out
