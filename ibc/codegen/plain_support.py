"""Run-time helpers of the `plain` target, as real Python.

The compiler never imports this module: `ibc.codegen.plain` reads its source with `ast` and
copies the `_ibc_*` functions and the `_Ibc*` classes a script needs into it, exactly as it
copies the prelude. So each of them must be self-contained (standard-library imports inside its body) and
may use only these module globals of the emitted script:

- `_IBC_TARGETS`: `{target name: zero-argument function}`, in the `.ib` file's order;
- `_IBC_BINDINGS`: `{binding name: zero-argument function}` (bindings are run targets too);
- `_IBC_POINTS`: `{sweep name: ((point name, {path: literal}[, {path: value function}[,
  {path: the text the name states for the value}]]), …)}`;
- `_IBC_PARAMS`: `{path: Python type as text}`, the parameters `-s` may set;
- `_IBC_READS`: `{name: (paths it looks up, bindings and defs it reads)}`, for sharing;
- `_IBC_SCOPE`: the scope targets run under (None in a program without parameters);
- `_IBC_WHERE`: `{index: (".ib location", "what")}` for the calls, field reads, indexes and
  operators of the program, where `index` counts the `Call`, `Subscript`, `Attribute`, `BinOp`
  and `Compare` nodes of the emitted module in `ast.walk` order. Formatting (black) keeps the
  syntax tree, hence these indexes, so when something fails the script re-parses its own file,
  finds the node each traceback frame was executing (Python 3.11 frames carry columns) and
  reports its `.ib` location. That keeps the emitted code free of location bookkeeping.

The placeholders below only let this file be imported and linted on its own.
"""

from __future__ import annotations

_IBC_TARGETS: dict = {}
_IBC_BINDINGS: dict = {}
_IBC_WHERE: dict = {}
_IBC_POINTS: dict = {}
_IBC_PARAMS: dict = {}
_IBC_READS: dict = {}
_IBC_SCOPE = None


def _ibc_unpack(value, index, length, where):
    """Element `index` of `value`, destructured by a pattern of `length` names at `where`."""
    items = value if isinstance(value, (list, tuple)) else tuple(value)
    if len(items) != length:
        raise ValueError(f"destructuring at {where} expects {length} values, got {len(items)}")
    return items[index]


def _ibc_jsonable(value):
    """`value` as JSON data: records and dicts as objects, lists and tuples as arrays, NumPy
    scalars as numbers; anything JSON cannot hold (NaN, arrays, models) as its `repr`."""
    import math

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {
            (key if isinstance(key, str) else str(key)): _ibc_jsonable(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_ibc_jsonable(item) for item in value]
    item = getattr(value, "item", None)
    if callable(item) and hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        scalar = item()
        if isinstance(scalar, (bool, int, float, str)):
            return _ibc_jsonable(scalar)
    return repr(value)


def _ibc_here():
    """The absolute path of this script, or None when it was run from a string."""
    import os

    path = globals().get("__file__")
    return os.path.abspath(path) if path else None


def _ibc_locations(tb):
    """`in call of f at x.ib:3:5` for each frame of traceback `tb` that this script was
    executing at a known `.ib` node, innermost first."""
    import ast
    import linecache
    import os
    import traceback

    here = _ibc_here()
    source = "".join(linecache.getlines(here)) if here else ""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    kinds = (ast.Call, ast.Subscript, ast.Attribute, ast.BinOp, ast.Compare)
    exact = {}
    by_line = {}
    index = 0
    for node in ast.walk(tree):
        if isinstance(node, kinds):
            if index in _IBC_WHERE:
                position = (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset)
                exact.setdefault(position, index)
                by_line.setdefault(node.lineno, []).append(index)
            index += 1
    found = []
    for frame in reversed(traceback.extract_tb(tb)):
        if os.path.abspath(frame.filename) != here:
            continue
        colno = getattr(frame, "colno", None)
        position = (frame.lineno, getattr(frame, "end_lineno", None), colno)
        hit = exact.get(position + (getattr(frame, "end_colno", None),))
        if hit is None and colno is None and by_line.get(frame.lineno):
            hit = by_line[frame.lineno][0]
        if hit is not None:
            where, what = _IBC_WHERE[hit]
            found.append(f"in {what} at {where}")
    return found


def _ibc_traceback(exc):
    """The traceback of `exc` without this script's own frames (the user's code and the
    libraries it calls), ending with the exception's message."""
    import os
    import traceback

    here = _ibc_here()
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.abspath(frame.filename) != here
    ]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.StackSummary.from_list(frames).format())
    lines.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(lines)


class _IbcLayer:
    """One override layer (a `with`, a sweep point, `-s`): literal values as data, other values
    as functions of the scope below the layer, each computed at most once."""

    def __init__(self, consts, thunks, below, labels=None):
        self.consts = consts
        self.thunks = thunks
        self.below = below
        self.computed = {}
        self.labels = labels or {}

    def label(self, path):
        """The text stating the value at `path`: its label, else the literal as `.ib` writes
        it (`1.0`, `"saga"`, `[1, 2]`), else `<expression>`."""
        if path in self.labels:
            return self.labels[path]
        if path not in self.consts:
            return "<expression>"
        return _ibc_literal_text(self.consts[path])

    def value(self, path):
        if path in self.consts:
            return self.consts[path]
        if path not in self.computed:
            self.computed[path] = self.thunks[path](self.below)
        return self.computed[path]


class _IbcScope:
    """A stack of override layers; the first pushed wins where two set one path.

    Bindings are functions of a scope. A binding's value is memoized per (binding, the
    overrides of the stack that can reach it): a binding that no override of a sweep point
    reaches is computed once for every point. Scopes and layers made by the same `with` (or
    the same sweep point) on the same scope are made once, so their values are shared too."""

    def __init__(self, layers=(), memo=None):
        self.layers = layers
        self.memo = {} if memo is None else memo
        self.children = {}
        self.winners = {}
        self.keys = {}
        self.paths = sorted({path for layer in layers for path in (*layer.consts, *layer.thunks)})
        self.under = {prefix for path in self.paths for prefix in _ibc_prefixes(path)[:-1]}

    def push(self, key, consts, thunks=None, labels=None):
        """This scope with one more layer. `key` names a layer that is the same data every time
        (a `with` or a sweep point); None makes a fresh layer (a `with` that reads locals).
        `labels`: the source text of values, for the names of sweep points."""
        if key is not None and key in self.children:
            return self.children[key]
        layer = _IbcLayer(consts, thunks or {}, self, labels)
        child = _IbcScope(self.layers + (layer,), self.memo)
        if key is not None:
            self.children[key] = child
        return child

    def under_sets(self, sets, texts=None):
        """This scope (the program's: empty, or holding the program's `overrides`) under an
        outermost layer of `-s` values (`texts`: each as given)."""
        scope = _IbcScope(memo=self.memo).push("-s", sets, None, texts)
        for layer in self.layers:
            scope = scope.push(None, layer.consts, layer.thunks, layer.labels)
        return scope

    def winner(self, path):
        """The layer whose override of `path` applies here, or None."""
        if path not in self.winners:
            found = None
            for layer in self.layers:
                if path in layer.consts or path in layer.thunks:
                    found = layer
                    break
            self.winners[path] = found
        return self.winners[path]

    def param(self, path, thunk):
        """The override of `path`, else `thunk()`."""
        layer = self.winner(path) if self.paths else None
        return thunk() if layer is None else layer.value(path)

    def ref(self, path, default):
        """A swappable reference: the override of `path`, else `default`."""
        layer = self.winner(path) if self.paths else None
        return default if layer is None else layer.value(path)

    def binding(self, name, build):
        """The value of the binding `name` (`build(scope)` computes it) under this scope."""
        if self.paths:
            layer = self.winner(name)
            if layer is not None:
                return layer.value(name)
        key = (name, self.key(name))
        if key not in self.memo:
            self.memo[key] = build(self)
        return self.memo[key]

    def key(self, name):
        """The overrides of this stack that the binding `name` can reach, with their layers."""
        if name not in self.keys:
            reach = _ibc_reach(name)
            self.keys[name] = tuple(
                (path, self.winner(path))
                for path in self.paths
                if any(prefix in reach for prefix in _ibc_prefixes(path))
            )
        return self.keys[name]

    def call(self, path, func, names, /, *args, **kwargs):
        """`func(*args, **kwargs)` (each argument given as a function of no arguments) for a
        call whose arguments are the parameters `path.<name>`: the i-th positional argument is
        `path.<names[i]>`; an overridden parameter the call does not write is added."""
        if path not in self.under:
            return func(*[arg() for arg in args], **{k: arg() for k, arg in kwargs.items()})
        values = []
        for i, arg in enumerate(args):
            name = names[i] if i < len(names) else None
            values.append(arg() if name is None else self.param(f"{path}.{name}", arg))
        keywords = {k: self.param(f"{path}.{k}", arg) for k, arg in kwargs.items()}
        written = set(kwargs) | {name for name in names if name}
        for full in self.paths:
            rest = full[len(path) + 1 :]
            if full.startswith(path + ".") and rest.isidentifier() and rest not in written:
                keywords[rest] = self.winner(full).value(full)
        return func(*values, **keywords)

    def list(self, path, *items):
        """A list literal whose element `i` is the parameter `path[i]`."""
        return [self.param(f"{path}[{i}]", item) for i, item in enumerate(items)]

    def tuple(self, path, *items):
        """A tuple literal whose element `i` is the parameter `path[i]`."""
        return tuple(self.list(path, *items))

    def record(self, path, /, **fields):
        """A record literal whose field `f` is the parameter `path.f`."""
        return {name: self.param(f"{path}.{name}", value) for name, value in fields.items()}


def _ibc_prefixes(path):
    """`clf.steps[1].C` -> `clf`, `clf.steps`, `clf.steps[1]`, `clf.steps[1].C`."""
    out = []
    for i, char in enumerate(path):
        if char in ".[" and i:
            out.append(path[:i])
    out.append(path)
    return out


def _ibc_reach(name, _cache={}):  # noqa: B006 - the cache of the run
    """Every path the binding (or def) `name` looks up, directly or through what it reads."""
    if name not in _cache:
        _cache[name] = frozenset()  # no recursion in the language; guards a cycle anyway
        paths, reads = _IBC_READS.get(name, ((), ()))
        found = set(paths)
        for other in reads:
            found |= _ibc_reach(other)
        _cache[name] = frozenset(found)
    return _cache[name]


def _ibc_binding(name):
    """Decorator: the `.ib` binding `name`, built by a function of a scope; the result takes
    an optional scope (the program's own by default) and is memoized by the scope."""

    def wrap(build):
        def value(s=None):
            return (_IBC_SCOPE if s is None else s).binding(name, build)

        value.__name__ = value.__qualname__ = build.__name__
        return value

    return wrap


def _ibc_point(s, point):
    """Scope `s` with the layer of a sweep point `(name, {path: literal}[, {path: fn}[,
    {path: label}]])`."""
    thunks = point[2] if len(point) > 2 else None
    return s.push(("point", point[0]), point[1], thunks, point[3] if len(point) > 3 else None)


def _ibc_literal_text(value):
    """Literal data as a `.ib` file writes it: `1.0`, `"saga"`, `[0.1, 1.0]`, `(1, True)`."""
    import json

    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_ibc_literal_text(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_ibc_literal_text(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _ibc_points_under(sweep, points, s):
    """`(name, point)` of the points of `sweep` that differ under scope `s`: a path that a
    layer of `s` sets (or a prefix of it) wins over the point's value, so the point's name
    states that layer's value, and points whose names then coincide are one (the first)."""
    if s is None or not s.paths:
        return [(p[0], p) for p in points]
    out, seen = [], set()
    for point in points:
        labels = point[3] if len(point) > 3 else {}
        paths = list(point[1]) + [p for p in (point[2] if len(point) > 2 else {})]
        parts, replaced = [], False
        for path in paths:
            winner = next((q for q in _ibc_prefixes(path) if s.winner(q) is not None), None)
            if winner is None:
                text = labels.get(path)
                if text is None:
                    text = _ibc_literal_text(point[1][path]) if path in point[1] else "<expression>"
                parts.append((path, text))
                continue
            replaced = True
            pair = (winner, s.winner(winner).label(winner))
            if pair not in parts:
                parts.append(pair)
        name = point[0]
        if replaced:
            name = sweep + "[" + ",".join(f"{p}={text}" for p, text in parts) + "]"
        if name not in seen:
            seen.add(name)
            out.append((name, point))
    return out


def _ibc_sweep(name):
    """Decorator: the sweep `name`, its value built once per point of `_IBC_POINTS[name]`.
    As a value it is a dict point name -> value; `.point(point, s)` runs one point."""

    def wrap(build):
        def value(s=None):
            s = _IBC_SCOPE if s is None else s
            return s.binding(
                name,
                lambda s: {
                    shown: build(_ibc_point(s, p))
                    for shown, p in _ibc_points_under(name, _IBC_POINTS[name], s)
                },
            )

        def point(p, s=None):
            return build(_ibc_point(_IBC_SCOPE if s is None else s, p))

        value.__name__ = value.__qualname__ = build.__name__
        value.point = point
        return value

    return wrap


def _ibc_type_error(value, annotation):
    """None when the literal `value` fits the Python type written `annotation` (`float`,
    `list[int]`, `typing.Optional[str]`, …), else what was expected. An `int` fits `float`,
    a `bool` is not an `int`; containers are checked element-wise."""
    import ast

    def name_of(node):
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        if isinstance(node, ast.Constant) and node.value is None:
            return "None"
        return None

    def fits(value, node):
        if isinstance(node, ast.Subscript):
            outer = name_of(node.value)
            inner = node.slice
            items = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
            if outer == "Optional":
                return value is None or fits(value, items[0])
            if outer == "Union":
                return any(fits(value, item) for item in items)
            if outer in ("list", "List", "Sequence"):
                kinds = (list, tuple) if outer == "Sequence" else list
                return isinstance(value, kinds) and all(fits(v, items[0]) for v in value)
            if outer in ("tuple", "Tuple"):
                if not isinstance(value, tuple):
                    return False
                ellipsis = len(items) == 2 and isinstance(items[1], ast.Constant)
                if ellipsis and items[1].value is Ellipsis:
                    return all(fits(v, items[0]) for v in value)
                return len(value) == len(items) and all(map(fits, value, items))
            if outer in ("dict", "Dict", "Mapping"):
                return isinstance(value, dict) and all(
                    fits(k, items[0]) and fits(v, items[1]) for k, v in value.items()
                )
            return fits(value, node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return fits(value, node.left) or fits(value, node.right)
        name = name_of(node)
        if name in ("Any", "object"):
            return True
        if name == "None":
            return value is None
        if name == "bool":
            return isinstance(value, bool)
        if name == "int":
            return isinstance(value, int) and not isinstance(value, bool)
        if name == "float":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if name == "complex":
            return isinstance(value, (int, float, complex)) and not isinstance(value, bool)
        simple = {"str": str, "bytes": bytes, "list": list, "tuple": tuple, "dict": dict}
        if name in simple:
            return isinstance(value, simple[name])
        return False  # a class of the user's or a library's: a literal is never one

    try:
        node = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return None
    if fits(value, node):
        return None
    return f"expected {annotation}, got {type(value).__name__} {value!r}"


def _ibc_parse_set(text):
    """`-s PATH=LITERAL` -> (path, value), or (None, an error message)."""
    import ast
    import difflib

    path, equals, literal = text.partition("=")
    path = path.strip()
    if not equals or not path:
        return None, f"-s {text}: expected PATH=LITERAL, such as -s model.C=0.1"
    if path not in _IBC_PARAMS:
        close = difflib.get_close_matches(path, list(_IBC_PARAMS), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        if not _IBC_PARAMS:
            hint = " (this program has no parameters)"
        return None, f"-s {path}: unknown parameter{hint}; --list-params lists them"
    try:
        value = ast.literal_eval(literal.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        hint = ""
        if literal.strip().isidentifier() and "str" in _IBC_PARAMS[path]:
            hint = f"; quote a string: -s '{path}=\"{literal.strip()}\"'"
        return None, (
            f"-s {path}: {literal.strip()!r} is not a literal (numbers, quoted strings, True, "
            f"False, None, lists, tuples and dicts of them){hint}"
        )
    problem = _ibc_type_error(value, _IBC_PARAMS[path])
    if problem is not None:
        return None, f"-s {path}: {problem}"
    return path, value


def _ibc_usage():
    """The program's `--help` text."""
    import os
    import sys

    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "program.py"
    lines = [
        f"usage: python {program} [TARGET ...] [-s PATH=LITERAL ...] [--json] [--list-params]",
        "",
        "Runs the named targets (every experiment and sweep when none is named) and prints",
        "`NAME: VALUE` per target (per point of a sweep), or one JSON object with --json.",
        "-s sets a parameter to a Python literal; --list-params lists the parameters.",
        "Exit codes: 0 success, 2 bad usage, 3 an experiment failed.",
        "",
        "targets: " + (", ".join(_IBC_TARGETS) or "(none)"),
    ]
    return "\n".join(lines)


def _ibc_jobs(names, scope=None):
    """(name shown, function of a scope) for each requested target: a sweep gives one job per
    point, a point name its point; each named after the values it runs with under `scope`
    (a `-s` on a swept path replaces that axis)."""
    points = {p[0]: (sweep, p) for sweep, ps in _IBC_POINTS.items() for p in ps}
    jobs = []
    for name in names:
        if name in _IBC_POINTS:
            run = _IBC_TARGETS[name]
            jobs.extend(
                (shown, lambda s, p=p, run=run: run.point(p, s))
                for shown, p in _ibc_points_under(name, _IBC_POINTS[name], scope)
            )
        elif name in points:
            sweep, p = points[name]
            shown = _ibc_points_under(sweep, [p], scope)[0][0]
            jobs.append((shown, lambda s, p=p, run=_IBC_TARGETS[sweep]: run.point(p, s)))
        else:
            run = _IBC_TARGETS.get(name) or _IBC_BINDINGS[name]
            jobs.append((name, lambda s, run=run: run() if s is None else run(s)))
    return jobs


def _ibc_main(argv):
    """The emitted program's command line; returns the exit code. A closed output
    (`python OUT.py --list-params | head`) ends the program quietly."""
    import os
    import sys

    try:
        return _ibc_command(argv)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _ibc_command(argv):
    """The command line itself: targets, `--json`, `-s`, `--list-params`, `--help`."""
    import contextlib
    import difflib
    import json
    import sys

    as_json = False
    names = []
    sets, texts = {}, {}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("-h", "--help"):
            print(_ibc_usage())
            return 0
        if arg == "--list-params":
            for path, annotation in _IBC_PARAMS.items():
                print(f"{path}: {annotation}")
            return 0
        if arg == "--json":
            as_json = True
        elif arg == "-s" or (arg.startswith("-s") and len(arg) > 2 and arg[2] != "-"):
            if arg == "-s" and not args:
                print("error: -s needs PATH=LITERAL", file=sys.stderr)
                return 2
            text = args.pop(0) if arg == "-s" else arg[2:]
            # `_ibc_parse_set` is copied only into programs that have parameters
            parse = globals().get("_ibc_parse_set")
            if parse is None:
                name = text.partition("=")[0].strip()
                print(f"error: -s {name}: unknown parameter (no parameters)", file=sys.stderr)
                return 2
            path, value = parse(text)
            if path is None:
                print(f"error: {value}", file=sys.stderr)
                return 2
            sets[path] = value
            texts[path] = text.partition("=")[2].strip()
        elif arg.startswith("-"):
            print(f"error: unknown option {arg}", file=sys.stderr)
            print(_ibc_usage(), file=sys.stderr)
            return 2
        else:
            names.append(arg)
    points = [p[0] for ps in _IBC_POINTS.values() for p in ps]
    for name in names:
        if name not in _IBC_TARGETS and name not in _IBC_BINDINGS and name not in points:
            known = list(_IBC_TARGETS) + list(_IBC_BINDINGS) + points
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            print(f"error: unknown target {name}{hint}", file=sys.stderr)
            print("targets: " + (", ".join(_IBC_TARGETS) or "(none)"), file=sys.stderr)
            return 2
    if not names:
        names = list(_IBC_TARGETS)
    scope = _IBC_SCOPE.under_sets(sets, texts) if sets else _IBC_SCOPE
    results = {}
    failed = False
    try:
        for name, run in _ibc_jobs(names, scope):
            try:
                if as_json:
                    with contextlib.redirect_stdout(sys.stderr):
                        value = run(scope)
                else:
                    value = run(scope)
            except Exception as exc:
                failed = True
                print(f"error: experiment {name} failed", file=sys.stderr)
                for line in _ibc_locations(exc.__traceback__):
                    print(f"  {line}", file=sys.stderr)
                print(_ibc_traceback(exc), end="", file=sys.stderr)
                continue
            results[name] = _ibc_jsonable(value)
            if not as_json:
                print(f"{name}: {json.dumps(results[name], ensure_ascii=False)}", flush=True)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 3 if failed else 0
