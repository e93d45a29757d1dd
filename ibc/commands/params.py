"""Output of `ibc params` and `ibc diff`: plain aligned tables with a header, or JSON.

`ibc params FILE [TARGET] [--all]` prints one row per parameter (`ibc.params.listing.ParamRow`:
path, type, value, where it is set); rows whose value comes from the target's own `with` are
marked `*` in a first column, with a footnote. `ibc diff FILE A B` prints the paths whose
values differ between two targets, one column per target. `--format json` prints the same
data as a JSON list of objects.

Plain text on purpose: no `rich` (slow to import), no colour, columns padded with spaces so
the output reads in a terminal, a pager, a file and a golden test alike. A value longer than
`MAX_VALUE` characters (a type longer than `MAX_TYPE`, such as an imported function's
signature) is shortened with `…` in a table (never in JSON), and a value written over several
lines in the source is shown on one. On a terminal (or with `$COLUMNS` set) a table fits its
width: the widest shrinkable columns are cut first, with `…` (`fit_widths`, also used by
`ibc results`); `--wide` shows every value in full (docs/commands.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

# The fields of a `ParamRow`, in the order JSON objects list them.
PARAM_FIELDS = ("path", "type", "value", "where", "kind", "overridden")
MAX_VALUE = 60
MAX_TYPE = 40  # an imported function's type is its whole signature
GAP = "  "
MISSING = "-"  # a path that one side of a diff does not have
WIDE = 0  # `table_width` for `--wide`: no limit, nothing shortened
MIN_COLUMN = 6  # a shrunk column keeps at least this many characters (or its header's)


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) made one space."""
    return " ".join(str(text).split())


def clip(text: str, width: int = MAX_VALUE) -> str:
    """`text` on one line, at most `width` characters, shortened with `…` at the end."""
    flat = one_line(text)
    if len(flat) <= width:
        return flat
    return flat[: max(width - 1, 0)].rstrip() + "…"


def add_wide_option(command) -> None:
    """`--wide` on `ibc params`, `ibc diff` and `ibc results`."""
    command.add_argument(
        "--wide",
        action="store_true",
        help="every value in full (on a terminal, a table is cut to fit its width)",
    )


def table_width(args) -> int | None:
    """The width a table must fit: `WIDE` with `--wide`; the terminal's (`$COLUMNS` first)
    when standard output is a terminal or `$COLUMNS` is set; else None (a pipe or a file:
    values shortened to their usual limits only)."""
    import os
    import shutil
    import sys

    if getattr(args, "wide", False):
        return WIDE
    if "COLUMNS" not in os.environ and not sys.stdout.isatty():
        return None
    return max(shutil.get_terminal_size().columns, 20)


def fit_widths(
    widths: Sequence[int], limit: int, shrinkable: Iterable[int], minimums: Sequence[int]
) -> list[int]:
    """Column widths whose total (with the gaps) is at most `limit`, by narrowing the widest
    of the `shrinkable` columns first, none below its minimum. When even that is too wide,
    the shrinkable columns are at their minimums (the caller may then hide columns)."""
    widths = list(widths)
    shrinkable = list(shrinkable)
    excess = sum(widths) + len(GAP) * (len(widths) - 1) - limit
    while excess > 0:
        candidates = [i for i in shrinkable if widths[i] > minimums[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        others = [widths[i] for i in candidates if i != widest]
        floor = max([minimums[widest], *(w for w in others if w < widths[widest])], default=0)
        step = min(excess, widths[widest] - floor) or 1
        widths[widest] -= step
        excess -= step
    return widths


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    width: int | None = None,
    shrinkable: Sequence[int] = (),
) -> str:
    """Left-aligned columns under `header`, separated by two spaces, without trailing
    spaces; one line per row, ending with a newline. With a `width` (not `WIDE`), the
    `shrinkable` columns are narrowed to fit it and their cells cut with `…`."""
    lines = [list(header)] + [list(r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    if width:
        minimums = [max(len(h), MIN_COLUMN) for h in header]
        widths = fit_widths(widths, width, shrinkable, minimums)
    out = []
    for line in lines:
        cells = [(c if len(c) <= w else clip(c, w)).ljust(w) for c, w in zip(line, widths)]
        out.append(GAP.join(cells).rstrip())
    return "\n".join(out) + "\n"


def params_table(
    rows: Sequence, target: str | None = None, command_line: bool = False, width=None
) -> str:
    """The table of `ibc params`: PATH, TYPE, VALUE, SET AT; overridden rows marked `*`
    (`command_line`: by the target or by `-s`). `width`: see `table_width`."""
    if not rows:
        about = f" in `{target}`" if target else ""
        return f"no parameters{about}\n"
    marked = any(row.overridden for row in rows)
    header = ["PATH", "TYPE", "VALUE", "SET AT"]
    value_limit, type_limit = (10**9, 10**9) if width == WIDE else (MAX_VALUE, MAX_TYPE)
    body = [
        [row.path, clip(row.type, type_limit), clip(row.value, value_limit), one_line(row.where)]
        for row in rows
    ]
    shrinkable = [2, 1, 0]  # VALUE, TYPE, then PATH; never SET AT
    if marked:
        header = [" ", *header]
        body = [["*" if row.overridden else " ", *cells] for row, cells in zip(rows, body)]
        shrinkable = [i + 1 for i in shrinkable]
    text = table(header, body, width, shrinkable)
    if marked:
        by = f"`{target}`" if target else "an override"
        if command_line:
            by = f"{by} or `-s`" if target else "`-s`"
        text += f"\n* set by {by}\n"
    return text


def param_objects(rows: Sequence) -> list[dict]:
    """The rows as JSON-ready objects with the `ParamRow` fields."""
    return [{name: getattr(row, name) for name in PARAM_FIELDS} for row in rows]


def params_json(rows: Sequence) -> str:
    """The JSON of `ibc params --format json`: a list of objects, one per parameter."""
    return json.dumps(param_objects(rows), indent=2, ensure_ascii=False) + "\n"


def diff_table(rows: Sequence[tuple[str, str, str]], a: str, b: str, width=None) -> str:
    """The table of `ibc diff`: PATH, then the value in `a` and the value in `b`."""
    if not rows:
        return f"`{a}` and `{b}` have the same parameter values\n"
    limit = 10**9 if width == WIDE else MAX_VALUE
    body = [[path, clip(va, limit) or MISSING, clip(vb, limit) or MISSING] for path, va, vb in rows]
    return table(["PATH", a, b], body, width, [1, 2, 0])


def diff_json(rows: Sequence[tuple[str, str, str]], a: str, b: str) -> str:
    """The JSON of `ibc diff --format json`: a list of `{"path", "a", "b"}` objects, the
    values in `a` and `b` as source text (`null` where a target lacks the path)."""
    objects = [{"path": p, "a": _or_none(va), "b": _or_none(vb)} for p, va, vb in rows]
    return json.dumps(objects, indent=2, ensure_ascii=False) + "\n"


def unknown_target_message(name: str, suggestions: Sequence[str] = ()) -> str:
    """The message for a target name the file does not define (bad usage, exit 2)."""
    text = f"error: unknown target `{name}`"
    if suggestions:
        quoted = [f"`{s}`" for s in suggestions]
        choice = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        text += f"\n  = hint: did you mean {choice}?"
    return text + "\n"


def _or_none(value: str) -> str | None:
    return None if value in ("", MISSING) else value
