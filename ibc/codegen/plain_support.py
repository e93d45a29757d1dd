"""Run-time helpers of the `plain` target, as real Python.

The compiler never imports this module: `ibc.codegen.plain` reads its source with `ast` and
copies every `_ibc_*` function into each emitted script, exactly as it copies the prelude.
So each function here must be self-contained (standard-library imports inside its body) and
may use only these module globals of the emitted script:

- `_IBC_TARGETS`: `{target name: zero-argument function}`, in the `.ib` file's order;
- `_IBC_BINDINGS`: `{binding name: zero-argument function}` (bindings are run targets too);
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


def _ibc_usage():
    """The program's `--help` text."""
    import os
    import sys

    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "program.py"
    lines = [
        f"usage: python {program} [TARGET ...] [--json]",
        "",
        "Runs the named targets (every experiment and sweep when none is named) and prints",
        "`NAME: VALUE` per target, or one JSON object with --json.",
        "Exit codes: 0 success, 2 bad usage, 3 an experiment failed.",
        "",
        "targets: " + (", ".join(_IBC_TARGETS) or "(none)"),
    ]
    return "\n".join(lines)


def _ibc_main(argv):
    """The emitted program's command line; returns the exit code."""
    import contextlib
    import difflib
    import json
    import sys

    as_json = False
    names = []
    for arg in argv:
        if arg in ("-h", "--help"):
            print(_ibc_usage())
            return 0
        if arg == "--json":
            as_json = True
        elif arg.startswith("-"):
            print(f"error: unknown option {arg}", file=sys.stderr)
            print(_ibc_usage(), file=sys.stderr)
            return 2
        else:
            names.append(arg)
    for name in names:
        if name not in _IBC_TARGETS and name not in _IBC_BINDINGS:
            known = list(_IBC_TARGETS) + list(_IBC_BINDINGS)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            print(f"error: unknown target {name}{hint}", file=sys.stderr)
            print("targets: " + (", ".join(_IBC_TARGETS) or "(none)"), file=sys.stderr)
            return 2
    if not names:
        names = list(_IBC_TARGETS)
    results = {}
    failed = False
    try:
        for name in names:
            run = _IBC_TARGETS.get(name) or _IBC_BINDINGS[name]
            try:
                if as_json:
                    with contextlib.redirect_stdout(sys.stderr):
                        value = run()
                else:
                    value = run()
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
