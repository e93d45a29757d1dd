"""Run-time helpers of the `plain` target, as real Python; also the runtime's own `-s` checker
and JSON rendering (`check_set`, `jsonable`), so that both targets answer alike. Near names
("did you mean") come from `ibc.base.spell`, the one edit distance of ibc, copied alike.

The compiler never imports this module: `ibc.codegen.plain` reads its source with `ast` and
copies the functions and classes a program uses into it, exactly as it copies the prelude
(docs/running.md, "The plain target"). A public name is copied as `_ibc_<name>` (`jsonable`
becomes `_ibc_jsonable`); a name that starts with `_` keeps it. So each of them must be
self-contained (standard-library imports inside its body) and may use only these module
globals of the emitted program:

- `_IBC_TARGETS`: the targets, in the `.ib` file's order: `{name: function}` in the layered
  form, `(name, …)` in the direct form;
- `_IBC_BINDINGS`: the bindings a run may name (as `_IBC_TARGETS`);
- `_IBC_POINTS`: `{sweep name: ((point name, {path: literal}[, {path: value function}]), …)}`;
- `_IBC_PARAMS`: `{path: Python type as text}`, the parameters `-s` may set;
- `_IBC_READS`: `{name: (paths it looks up, bindings and defs it reads)}`, for sharing;
- `_IBC_SCOPE`: the scope targets run under (layered form);
- `_IBC_NAMED`: `{path: module-level name}`, the parameters that are named values (direct form);
- `_IBC_PATHS`: `{index: (path, name of positional argument 0, …)}`, the calls and literals whose
  arguments are parameters (direct form; `index` counts as `_IBC_WHERE`'s does);
- `_IBC_NEEDS`: `{target: (targets it reads, …)}` (direct form, only when some target reads one);
- `_IBC_FIXED`: the paths that the `with`s and sweep points spelled out in the direct form set;
- `_IBC_WHERE`: `{index: (".ib location", "what")}` for the calls, field reads, indexes and
  operators of the program, where `index` counts the `Call`, `Subscript`, `Attribute`, `BinOp`,
  `Compare`, `List`, `Tuple` and `Dict` nodes of the emitted module's statements other than
  these tables, each statement walked with `ast.walk` in turn (`_ibc_nodes`). Formatting
  (black) keeps the syntax tree, hence these indexes, so when something fails the program
  re-parses its own file, finds the node each traceback frame was executing (Python 3.11
  frames carry columns) and reports its `.ib` location. That keeps the emitted code free of
  location bookkeeping.

The placeholders below only let this file be imported and linted on its own.
"""

from __future__ import annotations

from ibc.base.spell import closest, nearest  # copied into plain programs with these

_IBC_TARGETS: dict = {}
_IBC_BINDINGS: dict = {}
_IBC_WHERE: dict = {}
_IBC_POINTS: dict = {}
_IBC_PARAMS: dict = {}
_IBC_READS: dict = {}
_IBC_NAMED: dict = {}
_IBC_FIXED: tuple = ()
_IBC_PATHS: dict = {}
_IBC_SCOPE = None


def _ibc_unpack(value, index, length, where):
    """Element `index` of `value`, destructured by a pattern of `length` names at `where`."""
    items = value if isinstance(value, (list, tuple)) else tuple(value)
    if len(items) != length:
        raise ValueError(f"destructuring at {where} expects {length} values, got {len(items)}")
    return items[index]


def jsonable(value):
    """`value` as JSON data: dicts and records → objects (keys as strings), lists and tuples
    → arrays, bool/int/finite float/str/None as they are, NumPy scalars → numbers, anything
    else (NaN, infinities, arrays, frames, estimators) → its `repr`."""
    import math

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else repr(float(value))
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                rendered = jsonable(key)
                key = rendered if isinstance(rendered, str) else repr(key)
            out[key] = jsonable(item)
        return out
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    cls = type(value)
    if cls.__module__ == "numpy" and getattr(value, "shape", None) == () and hasattr(value, "item"):
        item = value.item()
        if isinstance(item, (bool, int, float, str)) or item is None:
            return jsonable(item)
    return repr(value)


def _ibc_prefixes(path):
    """`clf.steps[1].C` -> `clf`, `clf.steps`, `clf.steps[1]`, `clf.steps[1].C`."""
    out = []
    for i, char in enumerate(path):
        if char in ".[" and i:
            out.append(path[:i])
    out.append(path)
    return out


def literal_text(value):
    """Literal data as a `.ib` file writes it: `1.0`, `"saga"`, `[0.1, 1.0]`, `(1, True)`."""
    import json

    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(literal_text(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(literal_text(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def point_name(sweep, name, labels, outer, changed=False):
    """The name a sweep point runs under (docs/parameters.md, "-s and sweeps"): `name`, unless
    an outer layer sets one of its paths (or a prefix of one) — `outer(path)` gives that
    `(path set, text of its value)` or None — or `changed` says an axis was left out; then
    the sweep's name with the values it runs with. `labels` maps each path of the point to
    the text of its value. The one rule of the script target and both plain forms."""
    parts = []
    for path, text in labels.items():
        found = outer(path)
        if found is None:
            parts.append((path, text))
            continue
        changed = True
        if found not in parts:
            parts.append(found)
    if not changed:
        return name
    # a version of a history sweep is spelt `@3f2a1bc`: `clean@3f2a1bc` (docs/revisions.md)
    inner = ",".join(p + ("" if text[:1] == "@" else "=") + text for p, text in parts)
    return f"{sweep}[{inner}]" if parts else sweep


def _ibc_shown_points(sweep, axes, sets):
    """`{point name: the name it runs under, or None when an earlier point is the same}`
    under the `-s` values `sets` (the direct form). `axes` maps each point to `{path:
    text}`."""

    def outer(path):
        winner = next((q for q in _ibc_prefixes(path) if q in sets), None)
        return None if winner is None else (winner, literal_text(sets[winner]))

    out, seen = {}, set()
    for point, labels in axes.items():
        name = point_name(sweep, point, labels, outer)
        out[point] = None if name in seen else name
        seen.add(name)
    return out


def _ibc_nodes(tree):
    """`(index, node)` for the nodes of `tree` that `_IBC_WHERE` and `_IBC_PATHS` count: calls,
    subscripts, attributes, operators, comparisons and list, tuple and dict displays, in each
    top-level statement in turn (`ast.walk` order), skipping the `_IBC_*` tables."""
    import ast

    kinds = (ast.Call, ast.Subscript, ast.Attribute, ast.BinOp, ast.Compare)
    kinds += (ast.List, ast.Tuple, ast.Dict)
    index = 0
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and target.id.startswith("_IBC_"):
                continue
        for node in ast.walk(statement):
            if isinstance(node, kinds):
                yield index, node
                index += 1


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
    exact = {}
    by_line = {}
    for index, node in _ibc_nodes(tree):
        if index in _IBC_WHERE:
            position = (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset)
            exact.setdefault(position, index)
            by_line.setdefault(node.lineno, []).append(index)
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


def type_error(value, annotation):
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


def check_set(text, params):
    """`(path, value)` of the argument `PATH=LITERAL` of `-s`, checked against `params`
    (path → Python type as text); raises `ValueError` with the message to show. The one
    checker of `-s` values: the script target's runtime calls it, plain programs carry it."""
    import ast

    literals = "a number, string, boolean, None, or a list or tuple of them"
    path, equals, literal = text.partition("=")
    path = path.strip()
    literal = literal.strip()
    if not equals or not path:
        raise ValueError(f"-s {text}: expected PATH=LITERAL, such as -s model.C=0.1")
    if path not in params:
        if not params:
            raise ValueError(f"-s {path}: this program has no parameters that -s can set")
        close = nearest(path, list(params), dotted=True)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(f"-s {path}: unknown parameter{hint} (--list-params lists them)")
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if literal.isidentifier():
            hint = f"; to pass the string, quote it: -s '{path}=\"{literal}\"'"
        else:
            hint = "; an override that needs an expression goes through `ibc run … -s`"
        raise ValueError(
            f"-s {path}: `{literal}` is not a literal value ({literals}){hint}"
        ) from None

    def is_literal(item):
        if isinstance(item, (list, tuple)):
            return all(is_literal(i) for i in item)
        return item is None or isinstance(item, (bool, int, float, str))

    if not is_literal(value):
        raise ValueError(f"-s {path}: `{literal}` is a {type(value).__name__}; -s takes {literals}")
    problem = type_error(value, params[path])
    if problem is not None:
        raise ValueError(f"-s {path}: {problem}")
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


def _ibc_arguments(argv):
    """`(names, {path: value}, as_json)` from the command line (targets, `--json`, `-s`), or
    an exit code when it was `--help`, `--list-params` or bad usage (said on stderr)."""
    import sys

    as_json = False
    names = []
    sets = {}
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
            if not _IBC_PARAMS:  # (a program without parameters carries no checker)
                name = text.partition("=")[0].strip()
                print(
                    f"error: -s {name}: this program has no parameters that -s can set",
                    file=sys.stderr,
                )
                return 2
            try:
                path, value = check_set(text, _IBC_PARAMS)
            except ValueError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            sets[path] = value
        elif arg.startswith("-"):
            print(f"error: unknown option {arg}", file=sys.stderr)
            print(_ibc_usage(), file=sys.stderr)
            return 2
        else:
            names.append(arg)
    points = [p[0] for ps in globals().get("_IBC_POINTS", {}).values() for p in ps]
    for name in names:
        if name not in _IBC_TARGETS and name not in _IBC_BINDINGS and name not in points:
            known = list(_IBC_TARGETS) + list(_IBC_BINDINGS) + points
            guess = closest(name, known)
            hint = f" (did you mean {guess}?)" if guess else ""
            print(f"error: unknown target {name}{hint}", file=sys.stderr)
            print("targets: " + (", ".join(_IBC_TARGETS) or "(none)"), file=sys.stderr)
            return 2
    return names or list(_IBC_TARGETS), sets, as_json


def _ibc_failed(name, exc):
    """Says on stderr that `name` failed: its `.ib` locations, then the user's traceback."""
    import sys

    print(f"error: {name} failed", file=sys.stderr)
    for line in _ibc_locations(exc.__traceback__):
        print(f"  {line}", file=sys.stderr)
    print(_ibc_traceback(exc), end="", file=sys.stderr)


class _IbcRun:
    """The run of a direct-form program (docs/running.md, "The plain target"):

        with _IbcRun(sys.argv[1:]) as experiment:
            model = LogisticRegression(C=1.0)
            baseline = experiment("baseline", lambda: evaluate(model))

    Entering reads the command line: `--help`, `--list-params` and bad usage exit there; the
    `-s` values of named parameters replace the module-level values before any call runs,
    and the others are written into the program's calls and literals (the program re-runs
    itself, re-parsed with those values spelled out). `experiment(name, compute)` runs a
    target when it was asked for (or a target asked for reads it), prints its value, and
    keeps going when it fails. Leaving prints the bindings asked for by name, then `--json`'s
    object, and exits: 0, 3 when something failed, 130 when interrupted."""

    def __init__(self, argv):
        import os
        import sys

        try:
            parsed = _ibc_arguments(argv)
        except BrokenPipeError:  # `python OUT.py --list-params | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        if isinstance(parsed, int):
            sys.exit(parsed)
        self.names, sets, self.as_json = parsed
        self.sets = sets
        if globals().get("_IBC_FIXED") and _ibc_refused(sets):
            sys.exit(2)
        spelled = {p: v for p, v in sets.items() if p not in _IBC_NAMED}
        if spelled and not globals().get("_IBC_SPELLED"):
            sys.exit(_ibc_respell(spelled))
        for path, value in sets.items():
            if path in _IBC_NAMED:
                globals()[globals().get("_IBC_RENAMED", {}).get(path, path)] = value
        needs = globals().get("_IBC_NEEDS", {})
        self.wanted = set(self.names) | set(needs.get("*", ()))
        for name in self.names:
            self.wanted.update(needs.get(name, ()))
        points = globals().get("_IBC_POINTS", {})
        self.order = [p[0] for name in self.names for p in points.get(name, ((name,),))]
        self.results = {}
        self.failed = set()
        self.quiet = None

    def __enter__(self):
        import contextlib
        import sys

        if self.as_json:
            self.quiet = contextlib.redirect_stdout(sys.stderr)
            self.quiet.__enter__()
        return self

    def __call__(self, name, compute, sweep=None):
        import json

        if name not in self.wanted and sweep not in self.wanted:
            return None
        broken = [n for n in globals().get("_IBC_NEEDS", {}).get(name, ()) if n in self.failed]
        if broken:
            self.failed.add(name)
            print(f"error: experiment {name} not run: {', '.join(broken)} failed")
            return None
        try:
            value = compute()
        except Exception as exc:
            self.failed.add(name)
            _ibc_failed(f"experiment {name}", exc)
            return None
        if name in self.names or sweep in self.names:
            self.results[name] = jsonable(value)
            if not self.as_json:
                print(f"{name}: {json.dumps(self.results[name], ensure_ascii=False)}", flush=True)
        return value

    def sweep(self, name, points):
        """A sweep: `points` maps each point's name to a function computing its value. Runs
        the points asked for (all when the sweep is); its value, for the targets that read
        it, is a dict point name -> value. A point is named after the values it runs with
        when `-s` sets a swept path (`_IBC_POINTS` holds the text of each point's axes)."""
        shown = {}
        if self.sets:
            axes = {p[0]: p[1] for p in _IBC_POINTS.get(name, ()) if len(p) > 1}
            shown = _ibc_shown_points(name, axes, self.sets)
        values = {}
        for point, compute in points.items():
            label = shown.get(point, point)
            if label is None:
                continue  # the same point as an earlier one, under `-s`
            if label != point:
                self.order = [label if n == point else n for n in self.order]
                if point in self.wanted:
                    self.wanted.add(label)
                if point in self.names:
                    self.names.append(label)
            if name in self.wanted or label in self.wanted:
                values[label] = self(label, compute, name)
                if label in self.failed:
                    self.failed.add(name)
        return values

    def __exit__(self, kind, exc, tb):
        import json
        import os
        import sys

        if self.quiet is not None:
            self.quiet.__exit__(None, None, None)
        if kind is KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)
        if exc is not None:
            if isinstance(exc, Exception):
                _ibc_failed(_ibc_statement(tb), exc)
                left = [n for n in self.order if n not in self.results and n not in self.failed]
                if left:
                    print(f"not run: {', '.join(left)}", file=sys.stderr)
                sys.exit(3)
            return False
        try:
            for name in self.names:
                if name in _IBC_BINDINGS:
                    py = globals().get("_IBC_RENAMED", {}).get(name, name)
                    self.results[name] = jsonable(globals()[py])
                    if not self.as_json:
                        text = json.dumps(self.results[name], ensure_ascii=False)
                        print(f"{name}: {text}", flush=True)
            if self.as_json:
                ordered = {n: self.results[n] for n in self.order if n in self.results}
                print(json.dumps(ordered, ensure_ascii=False, indent=2))
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(3 if self.failed else 0)


def _ibc_refused(sets):
    """Whether an `-s` path of `sets` cannot be set in this direct-form program, said on
    stderr: a whole binding that a spelled-out `with` or sweep point replaces, or a prefix of
    a path one sets (the expression it wrote in is inlined there). `-s` on a parameter of a
    call is written into the spelled-out calls too, so it wins there as in the script target."""
    import sys

    for path in sets:
        for fixed in _IBC_FIXED:
            whole = path == fixed and "." not in fixed and "[" not in fixed
            if whole or fixed.startswith((path + ".", path + "[")):
                print(
                    f"error: -s {path}: a `with` or sweep point of this program sets "
                    f"{fixed}, and this program has it written in; `ibc run` or the "
                    "script target let -s override it",
                    file=sys.stderr,
                )
                return True
    return False


def _ibc_statement(tb):
    """`binding NAME` for the binding whose statement of the run raised (traceback `tb`)."""
    import ast
    import os
    import traceback

    here = _ibc_here()
    lines = [f.lineno for f in traceback.extract_tb(tb) if os.path.abspath(f.filename) == here]
    try:
        with open(here, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, TypeError, SyntaxError, ValueError):
        return "the run"
    for node in ast.walk(tree):
        if isinstance(node, ast.With) and lines:
            for statement in node.body:
                if statement.lineno <= lines[0] <= statement.end_lineno:
                    target = statement.targets[0] if isinstance(statement, ast.Assign) else None
                    names = [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
                    return "binding " + ", ".join(names) if names else "the run"
    return "the run"


def _ibc_respell(sets):
    """Runs this program again with the `-s` values `sets` written into its calls and
    literals (`_IBC_PATHS`) or in place of the bindings they replace; returns its exit code.
    A parameter of a call that the call does not write becomes a keyword argument."""
    import ast
    import sys

    here = _ibc_here()
    if here is None:
        print("error: -s needs the program's own file, to re-read it", file=sys.stderr)
        return 2
    with open(here, encoding="utf-8") as f:
        tree = ast.parse(f.read(), here)

    def literal(value, old):
        return ast.copy_location(ast.parse(repr(value), mode="eval").body, old)

    for index, node in _ibc_nodes(tree):
        spec = _IBC_PATHS.get(index)
        for full, value in sets.items() if spec else ():
            path, names = spec[0], list(spec[1:])
            rest = full[len(path) :]
            if not full.startswith(path) or rest[:1] not in (".", "["):
                continue
            if isinstance(node, ast.Call) and rest[0] == ".":
                name = rest[1:]
                at = names.index(name) if name in names else len(node.args)
                if at < len(node.args):
                    node.args[at] = literal(value, node.args[at])
                    continue
                given = [k for k in node.keywords if k.arg == name]
                if given:
                    given[0].value = literal(value, given[0].value)
                elif name.isidentifier():
                    node.keywords.append(ast.keyword(arg=name, value=literal(value, node)))
            elif isinstance(node, (ast.List, ast.Tuple)) and rest[1:-1].isdigit():
                if int(rest[1:-1]) < len(node.elts):
                    node.elts[int(rest[1:-1])] = literal(value, node.elts[int(rest[1:-1])])
            elif isinstance(node, ast.Dict) and rest[0] == ".":
                for i, key in enumerate(node.keys):
                    if isinstance(key, ast.Constant) and key.value == rest[1:]:
                        node.values[i] = literal(value, node.values[i])
    renamed = globals().get("_IBC_RENAMED", {})
    whole = {renamed.get(p, p): v for p, v in sets.items() if p in _IBC_BINDINGS}
    for node in ast.walk(tree):
        if isinstance(node, ast.With):  # the program's run: `with _IbcRun(…) as experiment:`
            block = node.body
            for i in reversed(range(len(block))):
                statement = block[i]
                if not isinstance(statement, ast.Assign):
                    continue
                bound = [n.id for n in ast.walk(statement.targets[0]) if isinstance(n, ast.Name)]
                for py in (n for n in bound if n in whole):
                    fixed = ast.Assign(
                        targets=[ast.Name(id=py, ctx=ast.Store())],
                        value=literal(whole[py], statement),
                    )
                    block.insert(i + 1, ast.copy_location(fixed, statement))
    ast.fix_missing_locations(tree)
    namespace = {"__name__": "__main__", "__file__": here, "_IBC_SPELLED": True}
    try:
        exec(compile(tree, here, "exec"), namespace)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0
