"""A notebook's Iterbuild session: the module its `%%ib` cells build, checked and run.

`Session.add_cell(text, label)` parses the cell, merges its declarations into the session
module (`ibc.notebook.cells`), and checks the whole module with the driver under a virtual
path in the notebook's folder (`__notebook__.ib`: Python paths and `file(...)` are relative to
that folder, as for a `.ib` file beside the notebook). When the check fails, the session is
left as it was and the outcome carries the diagnostics rendered with the cell's own line
numbers. `Session.run(names)` compiles the module (`compile_file`), executes the emitted code
to get its `Program`, and evaluates the targets with the project's store (`$IBC_STORE`, else
`.ibc/` in the project root), so stages cached by an earlier cell, an earlier notebook kernel
or `ibc run` are not run again. Each run is recorded for `ibc results` as `ibc run` records
it. Nothing here imports IPython: `ibc.notebook.magics` is the IPython side.
"""

from __future__ import annotations

import os
from pathlib import Path

from ibc.driver import Options, Result, check_file, compile_file
from ibc.notebook.cells import (
    EXPERIMENT,
    SWEEP,
    Chunk,
    LineMap,
    merge,
    session_text,
    split_cell,
)
from ibc.base.records import field, record
from ibc.base.spans import Source

VIRTUAL_NAME = "__notebook__.ib"


def virtual_name(notebook: str | None) -> str:
    """The file name a notebook's session is checked and recorded under (docs/notebook.md,
    "Paths"): `<notebook file>.ib` (`analysis.ipynb.ib`: it never clashes with a real
    `analysis.ib`) when the notebook's path is known, else `__notebook__.ib`."""
    if not notebook:
        return VIRTUAL_NAME
    name = os.path.basename(str(notebook).replace("\\", "/").rstrip("/"))
    if not name or name in (".", "..") or any(c in name for c in '\0:*?"<>|'):
        return VIRTUAL_NAME
    return name + ".ib"


@record(mutable=True)
class CellOutcome:
    """What adding a cell gave: `ok` when the session accepted it; `report` the diagnostics
    (errors and warnings) in the cells' coordinates, `""` when there are none; `targets` the
    experiments and sweeps the cell declares; `notes` the names dropped by a redeclaration."""

    ok: bool
    report: str
    targets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    result: Result | None = None


@record(mutable=True)
class RunOutcome:
    """The values of the jobs run (a sweep's points by their bracketed names), in order, and
    the failure report of each job that failed (with cell locations)."""

    values: dict[str, object] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    ran: int = 0  # stages run
    cached: int = 0  # stages found in the store


class SessionError(Exception):
    """A request the session cannot serve (unknown target, a program that does not check);
    its message is meant for the user as is."""


class Session:
    """The declarations of a notebook's `%%ib` cells, as one module checked by the driver."""

    def __init__(
        self,
        folder: str | os.PathLike | None = None,
        options: Options | None = None,
        notebook: str | None = None,
    ) -> None:
        self.folder = Path(folder or os.getcwd()).resolve()
        self.path = self.folder / virtual_name(notebook)
        self.options = options or Options()
        self.chunks: list[Chunk] = []
        self.cells: dict[str, Source] = {}  # cell label -> the cell's text
        self.count = 0
        self._checked: Result | None = None  # the check of the current module
        self._compiled: Result | None = None  # its compilation (made when first needed)
        self._program = None  # the Program of `_compiled`
        self._fingerprints: dict[tuple[str, str], str] = {}  # (module, name) -> last run's

    # ------------------------------------------------------------------ the module

    @property
    def text(self) -> str:
        """The session module's text."""
        return session_text(self.chunks)

    def label(self, number: int | None = None) -> str:
        """A new cell label `In[N]`: `number` (IPython's execution count) unless a cell of
        this session already used it."""
        self.count = max(self.count + 1, number or 0)
        return f"In[{self.count}]"

    def add_cell(
        self, text: str, label: str | None = None, header: str | None = None
    ) -> CellOutcome:
        """Add a cell's declarations (replacing older declarations of the same names) and
        check the module; on errors, the session stays as it was. With `header` (the
        `%%ib …` line of a notebook cell), the cell's text starts on line 2, as in the
        notebook's editor."""
        from ibc.syntax.parser import parse_module

        label = label or self.label()
        if header is not None:
            text = "\n" + text
        module, problems = parse_module(Source(label, text))
        source = Source(label, text if header is None else header.rstrip("\n") + text)
        cells = {**self.cells, label: source}
        if module is None or any(d.is_error for d in problems):
            mapping = LineMap(self._display(), [], cells)
            return CellOutcome(False, self._render(problems, {label: source}, mapping))
        new = split_cell(module, text, label)
        chunks, notes = merge(self.chunks, new)
        result = self._check(chunks)
        mapping = LineMap(self._display(), chunks, cells)
        report = self._render(result.diagnostics, {**result.sources, **cells}, mapping)
        targets = [c.names[0] for c in new if c.kind in (EXPERIMENT, SWEEP)]
        if not result.ok:
            return CellOutcome(False, report, targets, notes, result)
        used = {chunk.cell for chunk in chunks}
        self.cells = {name: src for name, src in cells.items() if name in used}
        self.chunks = chunks
        self._checked, self._compiled, self._program = result, None, None
        return CellOutcome(True, report, targets, notes, result)

    def reset(self) -> None:
        """Forget every declaration."""
        self.chunks, self.cells = [], {}
        self._checked, self._compiled, self._program = None, None, None

    def names(self) -> list[str]:
        """The names the session declares, in order."""
        return [name for chunk in self.chunks for name in chunk.names]

    def targets(self) -> list[str]:
        """The session's experiments and sweeps, in order."""
        return [c.names[0] for c in self.chunks if c.kind in (EXPERIMENT, SWEEP)]

    def checked(self) -> Result:
        """The driver's check of the current module (for `%ib_params`)."""
        if self._checked is None:
            self._checked = self._check(self.chunks)
        return self._checked

    def program(self, fresh: bool = False):
        """The `Program` of the current module: compiled and its emitted code executed.
        `fresh` compiles again even when the module did not change (the Python files it
        references may have: their fingerprints and signatures are read at compile time)."""
        if self._program is not None and not fresh:
            return self._program
        result = compile_file(self.path, self._options(format=False), text=self.text)
        if not result.ok or result.code is None:
            mapping = LineMap(self._display(), self.chunks, self.cells)
            raise SessionError(self._render(result.diagnostics, result.sources, mapping))
        namespace: dict = {"__name__": "__ibc_notebook__", "__file__": str(self.path)}
        code = compile(result.code, f"<ibc notebook {self.path.name}>", "exec")
        exec(code, namespace)  # noqa: S102 - the program the compiler just emitted
        from ibc.runtime.program import find_program

        self._compiled, self._program = result, find_program(namespace)
        return self._program

    # ------------------------------------------------------------------ running

    def run(self, names: list[str] | None = None, force: bool = False) -> RunOutcome:
        """Evaluate targets `names` (default: every experiment and sweep of the session)
        against the project's store; raises `SessionError` for an unknown name."""
        from ibc.notebook.running import run_jobs
        from ibc.runtime.program import Usage

        program = self.program(fresh=True)
        try:
            names = program.parse(list(names or [])).names
        except Usage as usage:
            raise SessionError(str(usage)) from None
        self._refresh_modules(program)
        mapping = LineMap(self._display(), self.chunks, self.cells)
        return run_jobs(program, names, force=force, relocate=mapping.text)

    def params(self, target: str | None = None, include_defaults: bool = False) -> list:
        """The parameters of the module or of one target (`ibc.params.listing.ParamRow`s,
        their `where` in cell coordinates); raises `SessionError` for an unknown target or
        a module with errors."""
        from ibc.params.listing import ParamRow, UnknownTarget, parameters

        result = self.checked()
        mapping = LineMap(self._display(), self.chunks, self.cells)
        if not result.ok or result.expanded is None:
            raise SessionError(self._render(result.diagnostics, result.sources, mapping))
        try:
            rows = parameters(result, target, include_defaults=include_defaults)
        except UnknownTarget as exc:
            hint = f"; did you mean `{exc.suggestions[0]}`?" if exc.suggestions else ""
            raise SessionError(f"unknown target `{exc.name}`{hint}") from None
        return [
            ParamRow(r.path, r.type, r.value, mapping.text(r.where), r.kind, r.overridden)
            for r in rows
        ]

    def graph_dot(self, names: list[str] | None = None) -> str:
        """The stage graph of targets `names` (default: all) as Graphviz DOT, with the states
        of the store (cached, would run) and of the newest recorded run."""
        from ibc.commands.graph import graph_nodes
        from ibc.commands.graph_render import to_dot
        from ibc.runtime.program import Usage
        from ibc.runtime.runlog import store_root
        from ibc.runtime.store import DiskStore

        program = self.program(fresh=True)
        try:
            names = program.parse(list(names or [])).names
        except Usage as usage:
            raise SessionError(str(usage)) from None
        program.activate()
        root = store_root(program.project_root)
        mapping = LineMap(self._display(), self.chunks, self.cells)
        nodes = graph_nodes(program, names, root, DiskStore(root))
        for node in nodes:
            if node.get("at"):
                node["at"] = mapping.text(node["at"])
        return to_dot(nodes, title="notebook")

    # ------------------------------------------------------------------ details

    def _options(self, **changes) -> Options:
        base = self.options
        return Options(
            strict=base.strict,
            stub_dirs=list(base.stub_dirs),
            target="script",
            format=changes.get("format", base.format),
        )

    def _check(self, chunks: list[Chunk]) -> Result:
        return check_file(self.path, self._options(), text=session_text(chunks))

    def _display(self) -> str:
        from ibc.resolve.project import display_path

        return display_path(self.path)

    @staticmethod
    def _render(diagnostics, sources, mapping: LineMap) -> str:
        if not diagnostics:
            return ""
        from ibc.diagnostics.render import render_text

        mapped = [mapping.diagnostic(d) for d in diagnostics]
        return mapping.text(render_text(mapped, sources, False))

    def _refresh_modules(self, program) -> None:
        """Forget the project's modules when the code of one of them changed since the last
        run (a reference's fingerprint differs; it covers the project functions it calls),
        so that the run imports the files as they are now: a notebook's process outlives
        edits of the Python it runs. Installed packages (under `site-packages`) stay."""
        import sys

        from ibc.runtime import values
        from ibc.runtime.values import Ref

        changed = False
        for ref in (v for v in vars_of(program) if isinstance(v, Ref)):
            key = (ref.module, ref.name)
            old = self._fingerprints.get(key)
            changed = changed or (old is not None and old != ref.fingerprint)
            self._fingerprints[key] = ref.fingerprint
        if not changed or not program.project_root:
            return
        root = os.path.join(os.path.abspath(program.project_root), "")
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None) or ""
            local = os.path.abspath(file).startswith(root) if file else False
            installed = "site-packages" in file or "dist-packages" in file
            if local and not installed and not name.startswith("_ibc_rev_"):  # not snapshots
                del sys.modules[name]
        values._resolved.clear()  # the runtime's cache of imported references


def vars_of(program) -> list:
    """The values of the namespace the program's builders were defined in (its `Ref`s)."""
    builders = list(program.builders.values())
    if not builders:
        return []
    return list(getattr(builders[0], "__globals__", {}).values())
