"""Every place that reports a diagnostic supplies the facts its wording uses.

Phases give facts (`args`), the wording layer writes the sentence (docs/errors.md); a fact the
wording needs but a site forgets would print `?` (or fail). This test reads the compiler's
source with `ast`: each call `….error("E0401", span, key=…)` / `warning(…)` is a site, and the
keys its wording needs are the `{fields}` of a message or hint template, and the `args["key"]`
that a wording function (or a helper it passes `args` to) reads unconditionally."""

from __future__ import annotations

import ast
import inspect
import re
import string
from pathlib import Path

from ibc.diagnostics.wording import all_wordings

PACKAGE = Path(__file__).resolve().parents[2] / "ibc"
CODE = re.compile(r"^[EW]\d{4}$")


def _template_keys(text: str) -> set[str]:
    keys = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field:
            keys.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return keys


def _body(func) -> tuple[list[ast.stmt], str]:
    """The statements of a function (a lambda's as one `return`, found in its module's source
    by its line and bytecode) and the name of its parameter."""
    module = ast.parse(inspect.getsource(inspect.getmodule(func)))
    line = func.__code__.co_firstlineno
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef) and node.name == func.__name__:
            if node.lineno <= line <= node.end_lineno:
                return node.body, node.args.args[0].arg
        if isinstance(node, ast.Lambda) and node.lineno == line:
            compiled = compile(ast.Expression(node), "<wording>", "eval")
            inner = next(c for c in compiled.co_consts if inspect.iscode(c))
            if inner.co_code == func.__code__.co_code:
                return [ast.Return(node.body)], node.args.args[0].arg
    raise AssertionError(f"the source of {func} was not found")


def _unconditional_reads(func, seen: set) -> set[str]:
    """`args["key"]` read by `func` outside any branch, and by the module functions it hands
    `args` to."""
    if func in seen:
        return set()
    seen.add(func)
    body, param = _body(func)
    keys: set[str] = set()
    module = inspect.getmodule(func)

    def visit(node) -> None:
        if isinstance(node, (ast.If, ast.IfExp, ast.BoolOp, ast.Try, ast.For, ast.While)):
            return  # conditional: what it reads depends on the facts
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.Lambda, ast.FunctionDef)):
            return
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == param
            and isinstance(node.slice, ast.Constant)
        ):
            keys.add(node.slice.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            passes_args = any(isinstance(a, ast.Name) and a.id == param for a in node.args)
            helper = getattr(module, node.func.id, None)
            if passes_args and inspect.isfunction(helper):
                keys.update(_unconditional_reads(helper, seen))
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in body:
        if isinstance(statement, ast.Return) or not isinstance(statement, ast.If):
            visit(statement)
        if isinstance(statement, ast.Return):
            break  # what follows an unconditional return never runs
    return keys


def needed_keys() -> dict[str, set[str]]:
    out = {}
    for wording in all_wordings():
        keys: set[str] = set()
        for text in (wording.message, wording.hint):
            if isinstance(text, str):
                keys |= _template_keys(text)
            elif callable(text):
                keys |= _unconditional_reads(text, set())
        out[wording.code] = keys
    return out


def sites() -> list[tuple[str, int, str, set[str] | None]]:
    """(file, line, code, keyword names given; None when `**facts` are passed)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name.startswith("_lark"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name not in ("error", "warning") or not isinstance(first, ast.Constant):
                continue
            if not isinstance(first.value, str) or not CODE.match(first.value):
                continue
            dynamic = any(k.arg is None for k in node.keywords)
            given = None if dynamic else {k.arg for k in node.keywords}
            found.append((str(path.relative_to(PACKAGE.parent)), node.lineno, first.value, given))
    return found


def test_the_scan_finds_the_sites() -> None:
    found = sites()
    assert len(found) > 80
    assert {code for _, _, code, _ in found} >= {"E0201", "E0401", "E0402", "W0501"}


def test_every_site_supplies_the_facts_its_wording_reads() -> None:
    needed = needed_keys()
    assert needed["E0201"] >= {"name"} and needed["E0401"] >= {"expected", "found"}
    problems = []
    for file, line, code, given in sites():
        assert code in needed, f"{file}:{line}: {code} has no wording"
        if given is None:
            continue
        missing = needed[code] - given
        if missing:
            problems.append(f"{file}:{line}: {code} lacks {sorted(missing)}")
    assert not problems, "\n".join(problems)
