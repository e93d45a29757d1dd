"""REPL input: when an entry is complete, how its lines join, and what it declares.

An entry is what the user types before it is handled: one line, or several when a line
leaves a bracket open, ends in `=`, `=>` or `|>` (the language itself does not continue a
line after an operator, so such lines are joined with a space), or when it starts a `def`
block (an indented body, ended by an empty line). `parse_entry` tells declarations from an
expression by parsing the text both ways; its `Entry` holds the declarations' ASTs or the
expression's, or the diagnostics of the parse that got further.
"""

from __future__ import annotations

import textwrap

from ibc.diagnostics.diagnostic import Diagnostic
from ibc.base.records import field, record
from ibc.syntax import nodes as n
from ibc.syntax.parser import parse_expression, parse_module
from ibc.base.spans import Source

CONTINUERS = ("(", "[", "{", "=", "=>", "|>")  # a line ending in one of these continues
JOINERS = ("=", "=>", "|>")  # ... and these join the next line onto it
OPEN, CLOSE = "([{", ")]}"

VALUE, TYPE, BOTH = "value", "type", "both"  # the namespaces a declaration binds names in


def scan(line: str) -> tuple[str, int]:
    """The code of one line (its comment removed, trailing space stripped) and its change of
    bracket depth. Strings never span lines in the language, so a line is scanned alone."""
    depth, quote, i, end = 0, None, 0, len(line)
    while i < len(line):
        ch = line[i]
        if quote is not None:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            end = i
            break
        elif ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
        i += 1
    return line[:end].rstrip(), depth


def _is_def(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith(("def ", "def\t"))


def needs_more(text: str) -> bool:
    """Whether entry `text` is unfinished: an open bracket, a last line that ends in one of
    `CONTINUERS`, or a `def` whose header ends with `:` (its block ends at an empty line).
    A `:command` is always one line."""
    if not text.strip() or text.lstrip().startswith(":"):
        return False
    lines = text.split("\n")
    depth, block, last = 0, False, ""
    for line in lines:
        code, delta = scan(line)
        depth = max(depth + delta, 0)  # a stray closer is the parser's to report
        if code.strip():
            last = code
            if depth == 0 and code.endswith(":") and _is_def(text):
                block = True
    if depth > 0 or last.endswith(CONTINUERS):
        return True
    return block and lines[-1].strip() != ""


def in_block(text: str) -> bool:
    """Whether `text` is a `def` whose indented block is still open (for the line reader:
    a line that is not indented ends the block)."""
    if not _is_def(text):
        return False
    depth = 0
    for line in text.split("\n"):
        code, delta = scan(line)
        depth = max(depth + delta, 0)
        if depth == 0 and code.endswith(":"):
            return True
    return False


def join_lines(text: str) -> str:
    """`text` with each line that ends in `=`, `=>` or `|>` outside brackets joined to the
    next (the line's comment dropped), and common indentation removed."""
    out: list[str] = []
    depth, pending = 0, False
    for line in textwrap.dedent(text).strip("\n").split("\n"):
        code, delta = scan(line)
        if pending and out:
            out[-1] = out[-1] + " " + line.strip()
        else:
            out.append(line)
        depth = max(depth + delta, 0)
        pending = depth == 0 and code.endswith(JOINERS)
        if pending:
            out[-1] = scan(out[-1])[0]
    return "\n".join(out)


@record
class Entry:
    """A parsed entry: `decls` (declarations) or `expr` (an expression), else `diagnostics`
    of the parse that got further. `source` is the entry's text as parsed."""

    source: Source
    decls: tuple = ()
    expr: n.Expr | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def is_expression(self) -> bool:
        return self.expr is not None


def parse_entry(text: str, name: str = "<input>") -> Entry:
    """Parse `text` as declarations, else as an expression."""
    source = Source(name, text)
    module, module_diags = parse_module(source)
    if module is not None and module.decls and not module_diags:
        return Entry(source, decls=tuple(module.decls))
    expr, expr_diags = parse_expression(source)
    if expr is not None and not expr_diags:
        return Entry(source, expr=expr)
    # Show the errors of the reading that got further: `x = 1 +` is a declaration that
    # stops at its end, `f(1, ` an expression.
    reach_m = max((d.span.start for d in module_diags), default=-1)
    reach_e = max((d.span.start for d in expr_diags), default=-1)
    return Entry(source, diagnostics=list(module_diags if reach_m >= reach_e else expr_diags))


def declared_names(decl) -> list[tuple[str, str]]:
    """The `(namespace, name)` pairs a declaration binds. Names imported from another `.ib`
    file may be values or types (only resolution knows), so they are in `BOTH`."""
    if isinstance(decl, n.PyImport):
        return [(VALUE, item.local.text) for item in decl.items]
    if isinstance(decl, n.IbFromImport):
        return [(BOTH, item.local.text) for item in decl.items]
    if isinstance(decl, n.IbImport):
        stem = decl.path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".ib")
        return [(VALUE, decl.alias.text if decl.alias else stem)]
    if isinstance(decl, n.TypeDecl):
        return [(TYPE, decl.name.text)]
    if isinstance(decl, n.Binding):
        return [(VALUE, name.text) for name, _ in n.pattern_names(decl.pattern)]
    if isinstance(decl, (n.FuncDef, n.Experiment, n.Sweep, n.Search)):
        return [(VALUE, decl.name.text)]
    return []


def clashes(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether two declared names are the same name in the same namespace."""
    return a[1] == b[1] and (a[0] == b[0] or BOTH in (a[0], b[0]))
