"""The IPython magics of `%load_ext ibc`: `%%ib`, `%ib_run`, `%ib_params`, `%ib_graph`,
`%ib_reset`.

A thin layer over `ibc.notebook.session.Session`: it parses the magics' options, labels
cells with IPython's execution count (`In[3]`), and turns outcomes into what a notebook
shows: a DataFrame or dict of experiment values, a parameter table, an SVG graph (or DOT
text without Graphviz). Errors in the program, unknown targets and failed experiments raise
`IbError`, which IPython shows as its message alone (`_render_traceback_`), never as a
Python traceback, and which stops "Run all" as a failing cell should.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ibc.notebook.running import as_table
from ibc.notebook.session import Session, SessionError


class IbError(Exception):
    """An Iterbuild error in a notebook: shown as its text, without a traceback."""

    def _render_traceback_(self) -> list[str]:
        return str(self).rstrip("\n").split("\n")


class DotText(str):
    """DOT text that IPython prints as it is (not as a quoted string)."""

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def notebook_path(shell) -> str | None:
    """The path of the notebook this kernel runs, when IPython knows it: VS Code's
    `__vsc_ipynb_file__`, Jupyter's `__session__` (set by ipykernel from the server's session
    name) or `$JPY_SESSION_NAME`; None in a plain IPython shell or console."""
    names = getattr(shell, "user_ns", None) or {}
    for found in (
        names.get("__vsc_ipynb_file__"),
        names.get("__session__"),
        os.environ.get("JPY_SESSION_NAME"),
    ):
        if isinstance(found, str) and found.strip():
            return found.strip()
    return None


def cell_number(shell) -> int | None:
    """The execution count of the cell that is running: the number Jupyter shows beside it
    (`In [3]`). IPython hands the running cell's `ExecutionResult` to its display hook while
    the cell runs; its `execution_count` is that number in IPython 8 and 9 alike, whereas
    `shell.execution_count` is the *next* cell's number in IPython 9 (which counts a cell
    before running it) and this cell's in IPython 8. Outside a running cell (a magic called
    directly), the shell's count; None without a shell."""
    hook = getattr(shell, "displayhook", None)
    result = getattr(hook, "exec_result", None)
    number = getattr(result, "execution_count", None)
    if isinstance(number, int):
        return number
    number = getattr(shell, "execution_count", None)
    return number if isinstance(number, int) else None


@magics_class
class IbMagics(Magics):
    """The magics; one `Session` per IPython shell, made in the current folder on first use."""

    def __init__(self, shell=None, session: Session | None = None) -> None:
        super().__init__(shell)
        self._session = session

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(notebook=notebook_path(self.shell))
        return self._session

    # ------------------------------------------------------------------ %%ib

    @magic_arguments()
    @argument(
        "--run",
        action="append",
        default=[],
        metavar="NAME",
        help="run these targets (repeatable) instead of the cell's own experiments and sweeps",
    )
    @argument("--no-run", action="store_true", help="only add and check the declarations")
    @argument("--force", action="store_true", help="re-run every stage, even when cached")
    @cell_magic("ib")
    def ib(self, line: str, cell: str):
        """Add the cell's Iterbuild declarations to the notebook's session and run the
        experiments and sweeps it declares; returns their values (a DataFrame when every
        value is a record, else a dict)."""
        args = parse_argstring(self.ib, line)
        session = self.session
        label = session.label(cell_number(self.shell))
        header = f"%%ib {line}".rstrip()
        outcome = session.add_cell(cell, label, header=header)
        for note in outcome.notes:
            print(note)
        if not outcome.ok:
            raise IbError(outcome.report or f"{label}: the cell was not added")
        if outcome.report:  # warnings
            print(outcome.report.rstrip("\n"), file=sys.stderr)
        names = [name for text in args.run for name in text.split(",") if name.strip()]
        names = [name.strip() for name in names] or outcome.targets
        if args.no_run or not names:
            return None
        return self._run(names, args.force)

    # ------------------------------------------------------------------ line magics

    @magic_arguments()
    @argument("targets", nargs="*", metavar="TARGET", help="targets (default: all experiments)")
    @argument("--force", action="store_true", help="re-run every stage, even when cached")
    @line_magic("ib_run")
    def ib_run(self, line: str):
        """Run targets of the session (all its experiments and sweeps when none is named);
        returns the value of the one target named (`%ib_run train` gives the frame itself),
        else the values as a DataFrame (every value a record) or a dict."""
        args = parse_argstring(self.ib_run, line)
        if not args.targets and not self.session.targets():
            raise IbError("the session has no experiments yet: declare some in an %%ib cell")
        return self._run(list(args.targets), args.force, single=len(args.targets) == 1)

    @magic_arguments()
    @argument("target", nargs="?", metavar="TARGET", help="the values this target sees")
    @argument("--all", action="store_true", help="add signature defaults the source omits")
    @line_magic("ib_params")
    def ib_params(self, line: str):
        """The parameters of the session (or of one target) as a DataFrame (a list of dicts
        without pandas): path, type, value, where it is set, kind, and whether the target
        overrides it."""
        args = parse_argstring(self.ib_params, line)
        try:
            rows = self.session.params(args.target, include_defaults=args.all)
        except SessionError as exc:
            raise IbError(str(exc)) from None
        columns = ["path", "type", "value", "where", "kind", "overridden"]
        data = [[getattr(row, c) for c in columns] for row in rows]
        try:
            import pandas as pd
        except ImportError:  # pandas is optional: one dict per parameter
            return [dict(zip(columns, values)) for values in data]
        return pd.DataFrame(data, columns=columns)

    @magic_arguments()
    @argument("targets", nargs="*", metavar="TARGET", help="targets (default: all)")
    @argument("--dot", action="store_true", help="the DOT text even when Graphviz is installed")
    @line_magic("ib_graph")
    def ib_graph(self, line: str):
        """The stage graph of the session's targets: an SVG drawn by Graphviz's `dot` when it
        is installed, else (or with --dot) the DOT text."""
        args = parse_argstring(self.ib_graph, line)
        try:
            dot = self.session.graph_dot(list(args.targets))
        except SessionError as exc:
            raise IbError(str(exc)) from None
        program = shutil.which("dot")
        if args.dot or program is None:
            return DotText(dot)
        done = subprocess.run(
            [program, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, check=False
        )
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise IbError(f"Graphviz's `dot` failed: {message or f'exit {done.returncode}'}")
        from IPython.display import SVG

        return SVG(data=done.stdout.decode("utf-8"))

    @line_magic("ib_reset")
    def ib_reset(self, line: str) -> None:
        """Forget every declaration of the session (the store keeps its results); the next
        cell starts a new session in the current folder."""
        self._session = None

    # ------------------------------------------------------------------ details

    def _run(self, names: list[str], force: bool, single: bool = False):
        """The values of running `names`: the value itself when `single` (one target named,
        not a sweep), else a DataFrame when every value is a record, else a dict."""
        try:
            outcome = self.session.run(names, force=force)
        except SessionError as exc:
            raise IbError(str(exc)) from None
        if single and len(outcome.values) == 1 and not outcome.failures:
            return next(iter(outcome.values.values()))  # one target named: its value itself
        table = as_table(outcome.values)
        if outcome.failures:
            if outcome.values:
                from IPython.display import display

                display(table)
            raise IbError("".join(outcome.failures.values()))
        return table
