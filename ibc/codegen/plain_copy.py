"""Copying top-level functions of a Python file into an emitted script, for the `plain` target.

The `plain` target needs no ibc at run time, so the prelude functions a program uses
(`ibc/runtime/prelude.py`) and the program's own run-time helpers (`ibc/runtime/standalone.py`) are
copied into it: read with `ast` (never imported), taken with the top-level functions (and, for
the helpers, classes) they use (transitively), renamed (the prelude's `range` must not shadow the builtin in the emitted
module, so it becomes e.g. `ib_range`, and every reference to it inside the copies follows),
and stripped of annotations (the prelude uses `from __future__ import annotations`; the copies
must not evaluate annotation names at definition time).
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import importlib.util
from collections.abc import Callable, Iterable
from pathlib import Path

PRELUDE_MODULE = "ibc.runtime.prelude"
_BUILTINS = frozenset(dir(builtins))


def ibc_package_dir() -> Path:
    """The folder of the installed `ibc` package (found without importing the runtime)."""
    spec = importlib.util.find_spec("ibc")
    if spec is not None and spec.origin:
        return Path(spec.origin).resolve().parent
    return Path(__file__).resolve().parent.parent


def prelude_path() -> Path:
    return ibc_package_dir() / "runtime" / "prelude.py"


def support_path() -> tuple[Path, ...]:
    """The support code: `standalone.py`, for the layered form `standalone_layers.py` (and
    `standalone_search.py` for searches), and the near-name suggestions of
    `ibc/base/spell.py` that they use."""
    package = ibc_package_dir()
    runtime = package / "runtime"
    return (
        runtime / "standalone.py",
        runtime / "standalone_layers.py",
        runtime / "standalone_search.py",
        package / "base" / "spell.py",
    )


@functools.lru_cache(maxsize=8)
def _functions(path: str, mtime: float) -> tuple[tuple[str, ast.FunctionDef], ...]:
    """The top-level functions and classes of the file at `path`, in file order (cached per
    mtime)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    kinds = (ast.FunctionDef, ast.ClassDef)
    return tuple((node.name, node) for node in tree.body if isinstance(node, kinds))


def top_level_functions(path: Path | tuple[Path, ...]) -> dict[str, ast.FunctionDef]:
    """Name → parsed node of every top-level `def` and `class` of `path` (of each file of a
    tuple of paths, as one namespace; the caller must copy before changing a node)."""
    out: dict[str, ast.FunctionDef] = {}
    for one in path if isinstance(path, tuple) else (path,):
        try:
            mtime = one.stat().st_mtime
        except OSError as exc:
            raise ValueError(f"plain target: cannot read {one}: {exc}") from None
        out.update(_functions(str(one), mtime))
    return out


def bound_names(func: ast.FunctionDef) -> set[str]:
    """Every name a function binds anywhere in its body (parameters, assignments, imports,
    loop and comprehension variables, nested definitions): a conservative set of locals."""
    names: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node is not func:
                names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def free_globals(func: ast.FunctionDef) -> set[str]:
    """Names a function reads that it does not bind itself."""
    local = bound_names(func)
    return {
        node.id
        for node in ast.walk(func)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local
    }


def closure(
    functions: dict[str, ast.FunctionDef], wanted: Iterable[str], omit: frozenset[str] = frozenset()
) -> list[str]:
    """`wanted` and the top-level functions they call, transitively, in file order, but
    none of `omit` (which the caller knows cannot be reached)."""
    todo = list(wanted)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name in omit:
            continue
        if name not in functions:
            raise ValueError(f"plain target: the prelude has no function `{name}`")
        seen.add(name)
        todo.extend(n for n in free_globals(functions[name]) if n in functions)
    return [name for name in functions if name in seen]


class _Renamer(ast.NodeTransformer):
    def __init__(self, renames: dict[str, str], local: set[str]) -> None:
        self.renames = renames
        self.local = local

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.renames and node.id not in self.local:
            node.id = self.renames[node.id]
        return node


def _strip_annotations(func: ast.FunctionDef) -> None:
    for node in ast.walk(func):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                arg.annotation = None
            for arg in (args.vararg, args.kwarg):
                if arg is not None:
                    arg.annotation = None
        elif isinstance(node, ast.arg):
            node.annotation = None


def copy_functions(
    path: Path | tuple[Path, ...],
    wanted: Iterable[str],
    rename: Callable[[str], str],
    allowed_globals: frozenset[str] = frozenset(),
    omit: frozenset[str] = frozenset(),
) -> tuple[list[ast.FunctionDef], dict[str, str]]:
    """Copies of the top-level functions `wanted` of `path` and those they call, renamed by
    `rename(original name)`; returns them in file order and the map original → new name.
    A function that reads a global other than a builtin, another top-level function or one
    of `allowed_globals` is not self-contained: a `ValueError`. The functions `omit` are
    left out (their callers never reach them in this program)."""
    functions = top_level_functions(path)
    names = closure(functions, wanted, omit)
    renames = {name: rename(name) for name in names}
    copies = []
    for name in names:
        func = copy.deepcopy(functions[name])
        for free in sorted(free_globals(func)):
            if free in omit or free in _BUILTINS or free in allowed_globals:
                continue
            if free not in functions:
                raise ValueError(
                    f"plain target: the copied `{name}` reads the global `{free}`; "
                    "prelude functions must be self-contained"
                )
        local = bound_names(func)
        func = _Renamer(renames, local).visit(func)
        func.name = renames[name]
        func.decorator_list = []
        _strip_annotations(func)
        copies.append(func)
    return copies, renames
