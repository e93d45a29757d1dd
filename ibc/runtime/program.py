"""The emitted program's object: its bindings, targets and sweeps, and its command line.

Emitted code creates one `Program` (with its parameters' paths and types, for `-s`),
registers a builder per top-level binding (`@program.binding("name")`) and per target
(`@program.experiment("name", at=…)`; `program.sweep("grid", builder, at=…, points=[…])`
for a sweep, its points a table of names and literal overrides), sets the layer of
compile-time overrides (`program.set_overrides({…})`) if any, and ends with
`raise SystemExit(program.main())`. `ibc run` instead execs the emitted code as a module and
calls `program.main(argv)` with every argument that is not the compiler's (docs/running.md,
"The command line").

The command line (`RUN_OPTIONS`, read by `read_options`): `python OUT.py [TARGET…]
[-s PATH=LITERAL…] [--json] [--list-params] [options]`. Each target prints `NAME: VALUE` (VALUE as JSON); a sweep prints one line
per point, named `grid[model.C=0.1]`, and a point is runnable by that name; `--json` prints
one JSON object at the end instead. `-s` layers (outermost: they win over every `with`, the
sweep points and the compile-time overrides) are parsed by `ibc.runtime.overrides`, imported
only then. Exit codes: 0 success, 2 bad usage (unknown target, option or parameter, a value
of the wrong type), 3 a target or point failed at run time (the others still run), 130
interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

from ibc.runtime.evaluate import Evaluator
from ibc.runtime.graph import Graph, Node, Scope
from ibc.runtime.layers import Layer, Stack, points_under
from ibc.base.spell import closest

EXIT_OK, EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 2, 3, 130


class Target:
    """A runnable target: `kind` is "experiment", "sweep" or "search"; `at` its `.ib` location;
    `points` a sweep's `(point name, Layer)` pairs, in order."""

    __slots__ = ("name", "kind", "at", "builder", "points", "params", "search")

    def __init__(
        self, name: str, kind: str, at: str | None, builder: Callable, points=(), params=None
    ) -> None:
        self.name, self.kind, self.at, self.builder = name, kind, at, builder
        self.points: tuple[tuple[str, Layer], ...] = tuple(points)
        # what its `with` layers set: path -> literal or source text (for run records)
        self.params: dict[str, object] = dict(params or {})
        self.search = None  # a search's `ibc.runtime.search.Spec`; its points come at run time


class Usage(Exception):
    """Bad command-line usage (exit code 2)."""


class Options:
    """A parsed command line."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.as_json = False
        self.show_help = False
        self.list_params = False
        self.sets: list[str] = []  # the PATH=LITERAL texts of -s, in order
        self.executor = "local"
        self.jobs: int | None = None
        self.address: str | None = None
        self.store: str | None = None
        self.remote: str | None = None
        self.no_push = False
        self.out: str | None = None
        self.force = False
        self.dry_run = False
        self.logs = False
        self.quiet = False
        self.durable = False
        self.check_purity = False
        self.explain = False


# The program's command line, one row per option: (flags, attribute of `Options`, metavar or
# None for a flag, help). `Program.parse` reads it, `python OUT.py --help` lists it, and
# `ibc run` hands the same options to the program and documents them from it
# (docs/running.md, "The command line").
RUN_OPTIONS: tuple[tuple[tuple[str, ...], str, str | None, str], ...] = (
    (
        ("-s", "--set"),
        "sets",
        "PATH=LITERAL",
        "set a parameter to a Python literal (number, string, boolean, None, list or tuple "
        "of them); repeatable",
    ),
    (
        ("--list-params",),
        "list_params",
        None,
        "print every parameter that -s can set, with its type",
    ),
    (
        ("--json",),
        "as_json",
        None,
        "print one JSON object {target: value} at the end, nothing else",
    ),
    (("--executor",), "executor", "NAME", "where stages run: local (default), process or dask"),
    (("-j", "--jobs"), "jobs", "N", "worker processes for process/dask (default: the CPU count)"),
    (("--address",), "address", "ADDR", "the dask scheduler to use (default: a local cluster)"),
    (
        ("--store",),
        "store",
        "PATH",
        "the store folder (default: $IBC_STORE, else .ibc in the project root)",
    ),
    (
        ("--remote",),
        "remote",
        "URL",
        "the store's remote, shared by a team: file:///shared/ibc, s3://bucket/prefix, gs://… "
        "(default: $IBC_REMOTE, else the [store] remote setting; --remote= for none)",
    ),
    (("--no-push",), "no_push", None, "read from the remote, push nothing to it"),
    (("--force",), "force", None, "run every stage again, even when its result is stored"),
    (("--dry-run",), "dry_run", None, "show what would run and what is cached; run nothing"),
    (("--logs",), "logs", None, "replay the captured output of cached stages"),
    (
        ("-o", "--out"),
        "out",
        "PATH",
        "write each target's value to a file: PATH/ (a folder) gets NAME.csv for a "
        "DataFrame, NAME.json for a record, list or number, NAME.npy for an array, NAME.pkl "
        "else; a file PATH takes the one target run (.json, .csv for a DataFrame, else "
        "pickle). Missing or changed files are written again on cached runs",
    ),
    (("-q", "--quiet"), "quiet", None, "no progress output"),
    (("--durable",), "durable", None, "fsync store entries (for machines that may lose power)"),
    (("--check-purity",), "check_purity", None, "fail a stage that changes one of its arguments"),
    (
        ("--explain",),
        "explain",
        None,
        "after the run, say why each stage that ran did (on standard error)",
    ),
    (("-h", "--help"), "show_help", None, "show this message"),
)
_BY_FLAG = {flag: (attr, metavar) for flags, attr, metavar, _ in RUN_OPTIONS for flag in flags}
EXECUTORS = ("local", "process", "dask")


def option_flags(valued: bool) -> set[str]:
    """The flags of `RUN_OPTIONS` that take a value (`valued`), or that take none."""
    return {flag for flag, (_, metavar) in _BY_FLAG.items() if (metavar is not None) == valued}


def read_options(argv: list[str], options: Options | None = None) -> Options:
    """Read the command line `argv` into `options` (default: a fresh `Options`): what any
    program accepts, before its targets are known (`Program.parse` checks those); raises
    `Usage` on an unknown option, a missing or bad value."""
    options = options or Options()
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        short = _BY_FLAG.get(arg[:2]) if not arg.startswith("--") and len(arg) > 2 else None
        if short is not None and short[1] is not None:
            name, eq, value = arg[:2], "=", arg[2:]  # -sPATH=LITERAL, -j4
        found = _BY_FLAG.get(name) if arg.startswith("-") else None
        if found is None and arg.startswith("-") and arg != "-":
            longs = [flag for flag in _BY_FLAG if flag.startswith("--")]
            starting = [flag for flag in longs if flag.startswith(name) and len(name) > 2]
            bare = closest(name.lstrip("-"), [flag[2:] for flag in longs])
            bare = bare if bare and bare[0] == name.lstrip("-")[:1] else None
            guess = starting[0] if len(starting) == 1 else bare and "--" + bare
            raise Usage(f"unknown option `{arg}`" + (f"; did you mean `{guess}`?" if guess else ""))
        if found is None:
            options.names.append(arg)
            continue
        attr, metavar = found
        if metavar is None:
            if eq:
                raise Usage(f"{name} takes no value")
            setattr(options, attr, True)
            continue
        if not eq:
            value = next(args, None)
            if value is None:
                example = ", such as -s model.C=0.1" if attr == "sets" else ""
                raise Usage(f"{name} needs {metavar}{example}")
        if attr == "sets":
            options.sets.append(value)
        else:
            setattr(options, attr, value)
    if options.jobs is not None:
        try:
            options.jobs = int(options.jobs)
        except ValueError:
            raise Usage(f"--jobs needs a whole number, not `{options.jobs}`") from None
        if options.jobs < 1:
            raise Usage("--jobs needs a number of at least 1")
    if options.executor not in EXECUTORS:
        raise Usage(f"unknown executor `{options.executor}`: local, process or dask")
    return options


def options_help(skip: tuple[str, ...] = ()) -> list[str]:
    """The lines that list `RUN_OPTIONS` (but the attributes in `skip`) for a usage text."""
    import textwrap

    rows = [
        (", ".join(flags) + (f" {metavar}" if metavar else ""), text)
        for flags, attr, metavar, text in RUN_OPTIONS
        if attr not in skip
    ]
    width = max(len(left) for left, _ in rows) + 2
    lines = []
    for left, text in rows:
        wrapped = textwrap.wrap(text, max(30, 88 - width - 2)) or [""]
        lines.append(f"  {left.ljust(width)}{wrapped[0]}")
        lines += [" " * (width + 2) + more for more in wrapped[1:]]
    return lines


class Program:
    """One emitted program: builders of bindings and targets, by `.ib` name. `params` maps
    every parameter path that `-s` may set to its type (a Python annotation's text)."""

    def __init__(
        self,
        source: str,
        source_hash: str = "",
        project_root: str | None = None,
        params: dict[str, str] | None = None,
    ):
        self.source = source
        self.source_hash = source_hash
        self.project_root = project_root
        self.params: dict[str, str] = dict(params or {})
        self.builders: dict[str, Callable] = {}
        self.hidden: set[str] = set()
        self.targets: dict[str, Target] = {}
        self.points: dict[str, tuple[str, int]] = {}  # point name -> (sweep, index)
        self.trials: dict[str, list] = {}  # search -> its trials, once run (ibc.runtime.search)
        self.best_trial: dict[str, int | None] = {}  # search -> the index of its best trial
        self.overrides: Layer | None = None
        self.override_texts: list[str] = []  # `ibc run -s` texts, for the run records

    # registration (used by emitted code)
    def binding(self, name: str, hidden: bool = False):
        """Decorator registering the builder of top-level binding `name`."""

        def register(builder: Callable) -> Callable:
            self.builders[name] = builder
            if hidden:
                self.hidden.add(name)
            return builder

        return register

    def target(
        self, name: str, kind: str = "experiment", at: str | None = None, points=(), params=None
    ):
        """Decorator registering the builder of target `name` (also readable as a value)."""

        def register(builder: Callable) -> Callable:
            self.builders[name] = builder
            layers = tuple((point[0], _point_layer(*point)) for point in points)
            self.targets[name] = Target(name, kind, at, builder, layers, params)
            for index, (point, _) in enumerate(layers):
                self.points[point] = (name, index)
            return builder

        return register

    def experiment(self, name: str, at: str | None = None, params=None):
        return self.target(name, "experiment", at, params=params)

    def sweep(self, name: str, builder: Callable | None = None, *, at=None, points=(), params=None):
        """Register sweep `name`: `builder` builds its value, evaluated once per point under
        the point's layer; `points` are `(point name, {path: value}, [label…])` triples, a
        value literal data or a builder `value(m)`, a label the text that states the value
        in the point's name (one per path, in order). Without `builder`, a decorator."""
        register = self.target(name, "sweep", at, points, params)
        return register if builder is None else register(builder)

    def search(
        self,
        name: str,
        builder: Callable,
        *,
        at=None,
        axes=(),
        direction: str = "maximize",
        objective=(),
        trials: int = 0,
        seed: int = 0,
        params=None,
    ):
        """Register search `name` (docs/guide.md, "Searches"): `builder` builds its value,
        once per trial under the trial's layer; `axes` are `([path…], kind, lo, hi)` or
        `([path…], "choice", [({path: value}, [label…]), …])`. Its trials, the points
        `name[0]`, `name[1]`, …, are proposed when a run drives it (`ibc.runtime.search`)."""
        from ibc.runtime.search import Spec

        self.target(name, "search", at, (), params)(builder)
        self.targets[name].search = Spec(axes, direction, objective, trials, seed)
        return builder

    def set_overrides(self, values: dict[str, object], labels: dict[str, str] | None = None):
        """The layer of compile-time overrides (`ibc run -s`), pushed for every target;
        `labels` the source text of each value (for point names and run records)."""
        self.overrides = Layer(values, "overrides", static=True, labels=labels)

    # building and evaluating
    def runnable(self) -> list[str]:
        """Names that can be run: the targets, then the (non-hidden) bindings."""
        names = list(self.targets)
        names += [n for n in self.builders if n not in self.targets and n not in self.hidden]
        return names

    def scope(self, graph: Graph | None = None) -> Scope:
        """A fresh scope over the program's bindings and sweeps."""
        # Builders call each other as bindings refer to each other: a chain of 10,000
        # bindings is 40,000 Python frames deep, which CPython (3.11+) runs without using the
        # C stack; only its default limit of 1,000 stands in the way.
        if sys.getrecursionlimit() < 200_000:
            sys.setrecursionlimit(200_000)
        sweeps = {t.name: t.points for t in self.targets.values() if t.kind != "experiment"}
        return Scope(dict(self.builders), graph or Graph(), sweeps)

    def stack(self, scope: Scope, sets: Layer | None = None) -> Stack:
        """The stack every target is built under: the `-s` layer `sets` first (it wins),
        then the compile-time overrides."""
        stack = scope.empty
        for layer in (sets, self.overrides):
            if layer is not None:
                stack = stack.push(layer)
        return stack

    def node(self, name: str, scope: Scope | None = None, stack: Stack | None = None) -> Node:
        """The node of target, binding or sweep point `name`."""
        scope = scope or self.scope()
        stack = stack or self.stack(scope)
        if name in self.points and name not in self.builders:
            sweep, index = self.points[name]
            return scope.point(sweep, index, stack)
        return scope.get(name, stack)

    def job_node(self, scope: Scope, stack: Stack, name: str, index: int | None) -> Node:
        """The node of a job of `jobs()`: target or binding `name`, or point `index` of sweep
        `name`."""
        return scope.get(name, stack) if index is None else scope.point(name, index, stack)

    def activate(self) -> None:
        """Make the project's modules importable as in the user's notebooks: the project root
        on `sys.path`, and `IBC_PROJECT_ROOT` set (the prelude's `file`/`dir` use it)."""
        if self.project_root:
            root = os.path.abspath(self.project_root)
            if root not in sys.path:
                sys.path.insert(0, root)
            os.environ["IBC_PROJECT_ROOT"] = root

    def evaluate(self, name: str, evaluator: Evaluator | None = None, scope=None) -> object:
        """The value of target, binding or sweep point `name` (a sweep: a dict point name →
        value); raises `StageFailure` when it fails."""
        self.activate()
        return (evaluator or Evaluator()).value(self.node(name, scope))

    # the command line
    def usage(self) -> str:
        prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "program.py"
        lines = [
            f"usage: python {prog} [TARGET ...] [-s PATH=LITERAL ...] [--json] [--list-params]"
            " [options]",
            "",
            f"Runs the targets of {self.source} (all experiments and sweeps when none is named)",
            "and prints each one's name and value; a sweep, each point's (a point runs alone",
            "by its name, such as 'grid[model.C=0.1]').",
            "",
            "targets:",
        ]
        width = max((len(n) for n in self.runnable()), default=0)
        for name in self.runnable():
            target = self.targets.get(name)
            kind = target.kind if target else "binding"
            if target is not None and target.kind == "sweep":
                kind += f" ({len(target.points)} points)"
            elif target is not None and target.kind == "search":
                kind += f" ({target.search.trials} trials)"
            lines.append(f"  {name.ljust(width)}  {kind}")
        lines += ["", "options:", *options_help()]
        return "\n".join(lines) + "\n"

    def parse(self, argv: list[str]) -> Options:
        """The options of the command line `argv`; raises `Usage`."""
        options = Options()
        self._settings_defaults(options)
        read_options(argv, options)
        runnable = self.runnable()
        for name in options.names:
            known = name in self.builders and name not in self.hidden
            if not known and name not in self.points and not self._trial(name):
                guess = closest(name, runnable + list(self.points))
                hint = f"; did you mean `{guess}`?" if guess else ""
                listing = ", ".join(runnable) or "(none)"
                raise Usage(f"unknown target `{name}`{hint}\navailable targets: {listing}")
        options.names = options.names or list(self.targets)
        if options.out is not None and len(self.jobs(options.names)) != 1:
            from ibc.runtime.export import is_folder

            if not is_folder(options.out):
                raise Usage(
                    f"--out {options.out} writes the value of one target, and "
                    f"{len(self.jobs(options.names))} would run\n  hint: name one target, or "
                    f"write each target to a folder: --out {options.out.rstrip('/')}/"
                )
        return options

    def _trial(self, name: str) -> bool:
        """Whether `name` is a trial of a search (`tuned[3]`, proposed when the run starts:
        `ibc.runtime.search.propose_up_to`); raises `Usage` for a number past its trials."""
        from ibc.runtime.search import trial_of

        found = trial_of(self, name)
        if found is None:
            return False
        search, index = found
        trials = self.targets[search].search.trials
        if index >= trials:
            raise Usage(
                f"`{name}`: the search `{search}` has {trials} trials, "
                f"`{search}[0]` to `{search}[{trials - 1}]`\n  hint: raise `trials` in the "
                f"file (`trials {index + 1}`) and run the search"
            )
        return True

    def _settings_defaults(self, options: Options) -> None:
        """The project's settings of `executor`, `jobs` and `address` (docs/settings.md) as
        the defaults the command line may change; a setting the compiler reported as wrong is
        not used."""
        if not self.project_root:
            return
        from ibc.base.settings import read_settings

        settings = read_settings(Path(self.project_root))
        for name in ("executor", "jobs", "address"):
            if getattr(settings, name) is not None:
                setattr(options, name, getattr(settings, name))

    def sets_layer(self, texts: list[str]) -> Layer | None:
        """The layer of `-s` overrides (None without any); raises `Usage`."""
        if not texts:
            return None
        from ibc.runtime.overrides import SetError, parse_set

        values: dict[str, object] = {}
        labels: dict[str, str] = {}
        for text in texts:
            try:
                path, value = parse_set(text, self.params)
            except SetError as error:
                raise Usage(str(error)) from None
            values[path] = value  # a later -s of the same path wins
            labels[path] = text.partition("=")[2].strip()
        return Layer(values, "-s", static=True, labels=labels)

    def main(self, argv: list[str] | None = None) -> int:
        """Run the command line `argv` (default `sys.argv[1:]`); returns the exit code. A
        closed output (`python OUT.py --list-params | head`) ends the program quietly."""
        try:
            return self._main(argv)
        except BrokenPipeError:
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK

    def _main(self, argv: list[str] | None) -> int:
        out, err = sys.stdout, sys.stderr
        try:
            options = self.parse(sys.argv[1:] if argv is None else argv)
            if options.show_help:
                out.write(self.usage())
                return EXIT_OK
            if options.list_params:
                for path, annotation in self.params.items():
                    out.write(f"{path}: {annotation}\n")
                return EXIT_OK
            sets = self.sets_layer(options.sets)
        except Usage as usage:
            err.write(f"error: {usage}\n(see --help)\n")
            return EXIT_USAGE
        from ibc.runtime.running import Run

        try:
            run = Run(self, options, out, err, sets)
        except Usage as usage:
            err.write(f"error: {usage}\n")
            return EXIT_USAGE
        from ibc.runtime.executors import ExecutorError

        try:
            return run.main()
        except KeyboardInterrupt:
            run.interrupt()
            err.write("\ninterrupted\n")
            return EXIT_INTERRUPTED
        except ExecutorError as exc:  # the dask cluster, reached when a stage first had to run
            err.write(f"error: {exc}\n")
            return EXIT_USAGE

    def jobs(
        self, names: list[str], stack: Stack | None = None, scope: Scope | None = None
    ) -> list[tuple[str, str, str, int | None]]:
        """What running `names` evaluates, in order: `(shown name, kind, name, point index)`;
        a sweep is one job per point. Under `stack` (the `-s` layers), a sweep point is named
        after the values that produce it: a swept path that the stack sets takes the stack's
        value, one that the point does not read under it (with `scope`, where the points are
        built) is left out, and the points that then coincide are one job (`points_under`)."""
        stack = Stack() if stack is None else stack  # (an empty stack is falsy)
        jobs = []
        for name in names:
            target = self.targets.get(name)
            if target is not None and target.kind in ("sweep", "search"):
                read = _reads(scope, stack, name)
                for point, index in points_under(name, target.points, stack, read):
                    jobs.append((point, "sweep point", name, index))
            elif name in self.points and name not in self.builders:
                sweep, index = self.points[name]
                point = self.targets[sweep].points[index : index + 1]
                read = _reads(scope, stack, sweep, index)
                shown = points_under(sweep, point, stack, read)[0][0]
                jobs.append((shown, "sweep point", sweep, index))
            else:
                jobs.append((name, target.kind if target else "binding", name, None))
        return jobs


def _reads(scope: Scope | None, stack: Stack, sweep: str, offset: int = 0):
    """`read(index)` for `points_under`: what point `offset + index` of `sweep` reads when
    built under `stack` (None without a scope, or when it cannot be built: the run reports
    that)."""
    if scope is None:
        return None

    def read(index: int):
        try:
            return scope.point_entry(sweep, offset + index, stack)[1]
        except Exception:  # noqa: BLE001 - a builder failed: the job reports it
            return None

    return read


def _point_layer(name: str, values: dict, labels=None) -> Layer:
    """The layer of sweep point `name` (`labels`: the text of each value, in path order)."""
    texts = dict(zip(values, labels)) if labels is not None else None
    return Layer(values, name, static=True, labels=texts)


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
