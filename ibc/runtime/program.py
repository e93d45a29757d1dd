"""The emitted program's object: its bindings and targets, and its command line.

Emitted code creates one `Program`, registers a builder per top-level binding
(`@program.binding("name")`) and per target (`@program.experiment("name", at=…)`), and ends
with `raise SystemExit(program.main())`. `ibc run` instead execs the emitted code as a module
and calls `run_module(namespace, argv)`.

The command line (DESIGN §9): `python OUT.py [TARGET…] [--json]`. Each target prints
`NAME: VALUE` (VALUE as JSON); `--json` prints one JSON object at the end instead. Exit codes:
0 success, 2 bad usage (unknown target or option), 3 a target failed at run time (the other
targets still run), 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

from ibc.runtime.errors import format_failure
from ibc.runtime.evaluate import Evaluator
from ibc.runtime.graph import Graph, Node, Scope
from ibc.runtime.values import closest, jsonable

EXIT_OK, EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 2, 3, 130


class Target:
    """A runnable target: `kind` is "experiment" or "sweep"; `at` its `.ib` location."""

    __slots__ = ("name", "kind", "at", "builder")

    def __init__(self, name: str, kind: str, at: str | None, builder: Callable) -> None:
        self.name, self.kind, self.at, self.builder = name, kind, at, builder


class Usage(Exception):
    """Bad command-line usage (exit code 2)."""


class Program:
    """One emitted program: builders of bindings and targets, by `.ib` name."""

    def __init__(self, source: str, source_hash: str = "", project_root: str | None = None):
        self.source = source
        self.source_hash = source_hash
        self.project_root = project_root
        self.builders: dict[str, Callable] = {}
        self.hidden: set[str] = set()
        self.targets: dict[str, Target] = {}

    # registration (used by emitted code)
    def binding(self, name: str, hidden: bool = False):
        """Decorator registering the builder of top-level binding `name`."""

        def register(builder: Callable) -> Callable:
            self.builders[name] = builder
            if hidden:
                self.hidden.add(name)
            return builder

        return register

    def target(self, name: str, kind: str = "experiment", at: str | None = None):
        """Decorator registering the builder of target `name` (also readable as a value)."""

        def register(builder: Callable) -> Callable:
            self.builders[name] = builder
            self.targets[name] = Target(name, kind, at, builder)
            return builder

        return register

    def experiment(self, name: str, at: str | None = None):
        return self.target(name, "experiment", at)

    def sweep(self, name: str, at: str | None = None):
        return self.target(name, "sweep", at)

    # building and evaluating
    def runnable(self) -> list[str]:
        """Names that can be run: the targets, then the (non-hidden) bindings."""
        names = list(self.targets)
        names += [n for n in self.builders if n not in self.targets and n not in self.hidden]
        return names

    def scope(self, graph: Graph | None = None) -> Scope:
        """A fresh scope over the program's bindings (override layers come later)."""
        return Scope(dict(self.builders), graph or Graph())

    def node(self, name: str, scope: Scope | None = None) -> Node:
        return (scope or self.scope()).get(name)

    def activate(self) -> None:
        """Make the project's modules importable as in the user's notebooks: the project root
        on `sys.path`, and `IBC_PROJECT_ROOT` set (the prelude's `file`/`dir` use it)."""
        if self.project_root:
            root = os.path.abspath(self.project_root)
            if root not in sys.path:
                sys.path.insert(0, root)
            os.environ["IBC_PROJECT_ROOT"] = root

    def evaluate(self, name: str, evaluator: Evaluator | None = None, scope=None) -> object:
        """The value of target or binding `name`; raises `StageFailure` when it fails."""
        self.activate()
        return (evaluator or Evaluator()).value(self.node(name, scope))

    # the command line
    def usage(self) -> str:
        prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "program.py"
        lines = [
            f"usage: python {prog} [TARGET ...] [--json]",
            "",
            f"Runs the targets of {self.source} (all experiments and sweeps when none is named)",
            "and prints each one's name and value.",
            "",
            "targets:",
        ]
        width = max((len(n) for n in self.runnable()), default=0)
        for name in self.runnable():
            kind = self.targets[name].kind if name in self.targets else "binding"
            lines.append(f"  {name.ljust(width)}  {kind}")
        lines += [
            "",
            "options:",
            "  --json      print one JSON object {target: value} at the end, nothing else",
            "  -h, --help  show this message",
        ]
        return "\n".join(lines) + "\n"

    def parse(self, argv: list[str]) -> tuple[list[str], bool, bool]:
        """`(targets, as_json, help)` from the command line; raises `Usage`."""
        names: list[str] = []
        as_json = show_help = False
        for arg in argv:
            if arg == "--json":
                as_json = True
            elif arg in ("-h", "--help"):
                show_help = True
            elif arg == "-s" or arg.startswith("-s") or arg.startswith("--set"):
                raise Usage("overrides (-s PATH=VALUE) are not supported by this program yet")
            elif arg.startswith("-"):
                raise Usage(f"unknown option `{arg}`")
            else:
                names.append(arg)
        runnable = self.runnable()
        for name in names:
            if name not in self.builders or name in self.hidden:
                guess = closest(name, runnable)
                hint = f"; did you mean `{guess}`?" if guess else ""
                listing = ", ".join(runnable) or "(none)"
                raise Usage(f"unknown target `{name}`{hint}\navailable targets: {listing}")
        return names or list(self.targets), as_json, show_help

    def main(self, argv: list[str] | None = None) -> int:
        """Run the command line `argv` (default `sys.argv[1:]`); returns the exit code."""
        out, err = sys.stdout, sys.stderr
        try:
            names, as_json, show_help = self.parse(sys.argv[1:] if argv is None else argv)
        except Usage as usage:
            err.write(f"error: {usage}\n(see --help)\n")
            return EXIT_USAGE
        if show_help:
            out.write(self.usage())
            return EXIT_OK
        try:
            return self._run(names, as_json, out, err)
        except KeyboardInterrupt:
            err.write("\ninterrupted\n")
            return EXIT_INTERRUPTED

    def _run(self, names: list[str], as_json: bool, out, err) -> int:
        import json

        self.activate()
        scope = self.scope()
        evaluator = Evaluator()
        results: dict[str, object] = {}
        failed = False
        for name in names:
            kind = self.targets[name].kind if name in self.targets else "binding"
            try:
                value = evaluator.value(scope.get(name))
            except Exception as failure:
                failed = True
                err.write(format_failure(name, kind, failure))
                err.flush()
                continue
            rendered = jsonable(value)
            results[name] = rendered
            if not as_json:
                out.write(f"{name}: {json.dumps(rendered, ensure_ascii=False)}\n")
                out.flush()
        if as_json:
            out.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        return EXIT_FAILED if failed else EXIT_OK


def find_program(namespace: dict) -> Program:
    """The `Program` of an executed emitted module's namespace."""
    program = namespace.get("program")
    if isinstance(program, Program):
        return program
    for value in namespace.values():
        if isinstance(value, Program):
            return value
    raise LookupError("the namespace holds no ibc Program (is it an emitted script?)")


def run_module(namespace: dict, argv: list[str]) -> int:
    """Run an emitted module that was exec'd in `namespace` with command line `argv` (without
    the program name); returns the exit code, as `python OUT.py ARGV…` would."""
    return find_program(namespace).main(list(argv))
