"""Find what an installed Python module defines, without importing it (test helper).

`lookup(module, name)` locates the module's file by walking the folders of `sys.path`
(never `importlib.util.find_spec`, which imports parent packages), reads it with `ast`,
and follows re-exports (`from x import y`, `from x import *`, imports inside `try`/`if`)
until it reaches the definition of `name`. It answers with a `Found`: the parameter names
of a function or of a class's constructor (walking base classes for `__init__`), or
`params=None` when the name exists but its signature cannot be read (a C function, a
constant). When the `.py` chain ends in a compiled module, the package's `.pyi` files are
searched the same way, so NumPy's C functions get their signatures from its stubs.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_GROWS_ALL = re.compile(r"__all__\s*(\+=|\.append|\.extend)")


@dataclass(frozen=True)
class Found:
    module: str  # the module whose source defines the name
    kind: str  # "function", "class", "value", "module", "compiled"
    params: tuple[str, ...] | None  # parameter names (without self), None when unknown
    has_var_keyword: bool = False


def _search_roots() -> list[Path]:
    roots = []
    for entry in sys.path:
        path = Path(entry or ".")
        if path.is_dir():
            roots.append(path)
    return roots


@lru_cache(maxsize=None)
def module_files(module: str) -> tuple[Path | None, Path | None, bool, bool]:
    """(`.py` file, `.pyi` file, is_package, exists) of a dotted module name; a compiled
    module (`.so`/`.pyd`) exists without a `.py` file."""
    parts = module.split(".")
    for root in _search_roots():
        folder = root.joinpath(*parts[:-1])
        last = parts[-1]
        pkg = folder / last
        if (pkg / "__init__.py").is_file() or (pkg / "__init__.pyi").is_file():
            py = pkg / "__init__.py"
            pyi = pkg / "__init__.pyi"
            return (py if py.is_file() else None, pyi if pyi.is_file() else None, True, True)
        py = folder / f"{last}.py"
        pyi = folder / f"{last}.pyi"
        compiled = folder.is_dir() and any(
            p.name.startswith(last + ".") and p.suffix in (".so", ".pyd") for p in folder.iterdir()
        )
        if py.is_file() or pyi.is_file() or compiled:
            return (py if py.is_file() else None, pyi if pyi.is_file() else None, False, True)
    return (None, None, False, False)


@dataclass
class _Table:
    defs: dict[str, ast.AST]
    imports: dict[str, tuple[str, str]]  # local name -> (module, original name)
    stars: list[str]  # modules star-imported
    all_names: list[str] | None
    all_extended: bool = False  # `__all__` grows at run time: do not trust the literal
    variants: dict[str, list[ast.AST]] = None  # every `def` of a name (its `@overload`s)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_overload(node: ast.AST) -> bool:
    for deco in getattr(node, "decorator_list", []):
        text = ast.unparse(deco)
        if text.endswith("overload"):
            return True
    return False


def _collect(body: list[ast.stmt], module: str, is_package: bool, table: _Table) -> None:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            table.variants.setdefault(node.name, []).append(node)
            previous = table.defs.get(node.name)
            if previous is None or not _is_overload(node) or _is_overload(previous):
                table.defs[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    if target.id == "__all__" and isinstance(node.value, (ast.List, ast.Tuple)):
                        table.all_names = [
                            e.value for e in node.value.elts if isinstance(e, ast.Constant)
                        ]
                    table.defs.setdefault(target.id, node)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, is_package, node)
            for alias in node.names:
                if alias.name == "*":
                    table.stars.append(source)
                else:
                    table.imports[alias.asname or alias.name] = (source, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    table.imports[alias.asname] = (alias.name, "")
        elif isinstance(node, (ast.If, ast.Try)):
            _collect(node.body, module, is_package, table)
            _collect(node.orelse, module, is_package, table)
            for handler in getattr(node, "handlers", []):
                _collect(handler.body, module, is_package, table)
            _collect(getattr(node, "finalbody", []), module, is_package, table)


@lru_cache(maxsize=None)
def _table(module: str, stubs: bool) -> _Table | None:
    py, pyi, is_package, _ = module_files(module)
    path = (pyi or py) if stubs else py
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, str(path))
    table = _Table({}, {}, [], None, bool(_GROWS_ALL.search(text)), {})
    _collect(tree.body, module, is_package, table)
    return table


def _params(
    func: ast.FunctionDef | ast.AsyncFunctionDef, drop_self: bool
) -> tuple[tuple[str, ...], bool]:
    a = func.args
    names = [p.arg for p in a.posonlyargs + a.args]
    if drop_self and names:
        names = names[1:]
    if a.vararg:
        names.append(a.vararg.arg)
    names += [p.arg for p in a.kwonlyargs]
    if a.kwarg:
        names.append(a.kwarg.arg)
    return tuple(names), a.kwarg is not None


def _class_init(module: str, cls: ast.ClassDef, stubs: bool, depth: int) -> Found:
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__init__":
            names, kw = _params(node, drop_self=True)
            return Found(module, "class", names, kw)
    for base in cls.bases:
        if isinstance(base, ast.Name):
            found = lookup(module, base.id, stubs, depth + 1)
        elif isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name):
            table = _table(module, stubs)
            target = table.imports.get(base.value.id) if table else None
            found = lookup(target[0], base.attr, stubs, depth + 1) if target else None
        else:
            found = None
        if found is not None and found.kind == "class" and found.params:
            return Found(module, "class", found.params, found.has_var_keyword)
    return Found(module, "class", (), False)


def lookup(module: str, name: str, stubs: bool = False, depth: int = 0) -> Found | None:
    """Where and how `module` defines `name`, or None when it does not."""
    if depth > 40:
        return None
    _, _, is_package, exists = module_files(module)
    table = _table(module, stubs)
    if table is None:
        if not exists:
            return None
        # a compiled module: its names are unknowable from source
        return Found(module, "compiled", None)
    node = table.defs.get(name)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        names, kw = _params(node, drop_self=False)
        # in a `.pyi`, a name's overloads together make its signature
        for variant in table.variants.get(name, []):
            if isinstance(variant, (ast.FunctionDef, ast.AsyncFunctionDef)) and variant is not node:
                more, more_kw = _params(variant, drop_self=False)
                names += tuple(n for n in more if n not in names)
                kw = kw or more_kw
        return Found(module, "function", names, kw)
    if isinstance(node, ast.ClassDef):
        return _class_init(module, node, stubs, depth)
    if node is not None:
        # `abs = absolute` aliases another name of the same module
        value = getattr(node, "value", None)
        if isinstance(value, ast.Name) and value.id != name:
            aliased = lookup(module, value.id, stubs, depth + 1)
            if aliased is not None:
                return aliased
        return Found(module, "value", None)
    if name in table.imports:
        source, original = table.imports[name]
        if not original:
            return Found(source, "module", None)
        found = lookup(source, original, stubs, depth + 1)
        if found is None and module_files(f"{source}.{original}")[3]:
            return Found(f"{source}.{original}", "module", None)
        return found
    for source in table.stars:
        sub = _table(source, stubs)
        if (
            sub is not None
            and sub.all_names is not None
            and not sub.all_extended
            and name not in sub.all_names
        ):
            continue
        if name.startswith("_"):
            continue
        found = lookup(source, name, stubs, depth + 1)
        if found is not None:
            return found
    if is_package and module_files(f"{module}.{name}")[3]:
        return Found(f"{module}.{name}", "module", None)
    return None


def signature_names(module: str, name: str) -> Found | None:
    """`lookup` in the `.py` sources, then, when that ends in compiled code or an opaque
    value, in the `.pyi` stubs the package ships."""
    found = lookup(module, name)
    if found is None or found.params is not None:
        return found
    typed = lookup(module, name, stubs=True)
    if typed is not None and typed.params is not None:
        return typed
    return found


def kwargs_names(module: str, name: str) -> frozenset[str] | None:
    """The keyword names a constructor of a gradient-boosting library takes through its
    `**kwargs`, as the library itself documents them (None for other libraries):
    XGBoost's estimators pass them to `XGBModel.__init__`, whose signature names them;
    LightGBM's go to its C++ core, whose parameter names (and aliases) are spelt out as
    strings in the compiled library shipped with the package, read here as bytes (whole
    lower-case words: `n_estimator`, a part of `n_estimators`, is not one)."""
    top = module.split(".")[0]
    if top == "xgboost":
        found = lookup("xgboost.sklearn", "XGBModel")
        return frozenset(found.params or ()) if found is not None else None
    if top == "lightgbm":
        return _lightgbm_core_names()
    return None


@lru_cache(maxsize=None)
def _lightgbm_core_names() -> frozenset[str] | None:
    package = module_files("lightgbm")[0]
    if package is None:
        return None
    words: set[str] = set()
    for lib in (package.parent / "lib").glob("lib_lightgbm.*"):
        found = re.findall(rb"[a-z][a-z0-9_]{2,}", lib.read_bytes())
        words |= {w.decode() for w in found}
    return frozenset(words) or None
