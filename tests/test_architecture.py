"""The package structure of `ibc/` (README "Layout"), read with `ast` from the source: every
import counts, at module level or inside a function, since a lazy import still ties the two
packages together.

- the phase packages import each other without a cycle;
- `ibc.runtime` (what emitted programs import) imports nothing of the compiler, and the
  compiler imports nothing of the runtime;
- `ibc.base` imports only the standard library (and `tomli`, where `tomllib` is missing);
- `ibc.ui` (the web UI) imports only `ibc.base` and `ibc.runtime`, and never `pickle`: it
  reads run records and entry headers, and unpickles nothing (docs/ui.md, "Safety");
- the root holds only `__init__`, `__main__` and the driver.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

IBC = Path(__file__).resolve().parent.parent / "ibc"

PHASES = ("base", "syntax", "diagnostics", "resolve", "types", "params", "codegen", "runtime")
COMPILER = ("syntax", "diagnostics", "resolve", "types", "params", "codegen")
ROOT = "ibc"  # the package's own `__init__` (`__version__`)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(IBC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(module: str) -> str:
    """`ibc.types.check` → `types`; `ibc.driver` → `driver`; `ibc` → `ibc`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def _imports(path: Path) -> list[tuple[str, int]]:
    """The `ibc` modules and the top-level modules `path` imports, with their line numbers."""
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            for alias in node.names:  # `from ibc import reuse` names a module
                candidate = f"{target}.{alias.name}"
                if candidate.startswith("ibc.") and _exists(candidate):
                    found.append((candidate, node.lineno))
    return found


def _exists(module: str) -> bool:
    path = IBC.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _sources() -> list[Path]:
    return sorted(p for p in IBC.rglob("*.py") if "_data" not in p.parts)


def package_graph() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) → the import sites, as `file:line module`."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _sources():
        source = _package(_module_name(path))
        for target, line in _imports(path):
            if target != "ibc" and not target.startswith("ibc."):
                continue
            if not _exists(target):
                continue  # e.g. the generated parser's optional imports
            imported = _package(target)
            if imported != source:
                edges[(source, imported)].append(f"{path.relative_to(IBC.parent)}:{line} {target}")
    return edges


def find_cycle(nodes, edges) -> list[str] | None:
    """A cycle of the directed graph over `nodes` with `edges` (pairs), or None."""
    succ = defaultdict(list)
    for a, b in edges:
        if a in nodes and b in nodes:
            succ[a].append(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(succ[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a", "b", "c"}, [("a", "b"), ("b", "c"), ("c", "a")]) == ["a", "b", "c", "a"]
    assert find_cycle({"a", "b", "c"}, [("a", "b"), ("b", "c"), ("a", "c")]) is None


def test_no_cycle_between_the_phase_packages():
    edges = package_graph()
    cycle = find_cycle(set(PHASES), edges)
    if cycle:
        sites = [f"{a} -> {b}: {edges[(a, b)][0]}" for a, b in zip(cycle, cycle[1:])]
        raise AssertionError("package cycle " + " -> ".join(cycle) + "\n" + "\n".join(sites))


def test_runtime_imports_nothing_of_the_compiler():
    edges = package_graph()
    wrong = {b: sites for (a, b), sites in edges.items() if a == "runtime"}
    allowed = {"base", ROOT}
    assert {b: s for b, s in wrong.items() if b not in allowed} == {}


def test_the_compiler_imports_nothing_of_the_runtime():
    edges = package_graph()
    wrong = {(a, b): s for (a, b), s in edges.items() if a in COMPILER and b == "runtime"}
    assert wrong == {}


def test_the_web_ui_imports_only_base_and_runtime():
    edges = package_graph()
    wrong = {
        b: s for (a, b), s in edges.items() if a == "ui" and b not in ("base", "runtime", ROOT)
    }
    assert wrong == {}
    assert ("ui", "runtime") in edges  # the rule above is about a package that exists


def test_the_web_ui_never_imports_pickle():
    wrong = []
    for path in sorted((IBC / "ui").rglob("*.py")):
        for target, line in _imports(path):
            if target.split(".")[0] in ("pickle", "_pickle", "dill", "cloudpickle", "joblib"):
                wrong.append(f"{path.relative_to(IBC.parent)}:{line} {target}")
    assert wrong == []


def test_the_driver_imports_nothing_of_the_runtime_or_the_command_line():
    edges = package_graph()
    wrong = {b: s for (a, b), s in edges.items() if a == "driver" and b in ("runtime", "commands")}
    assert wrong == {}


def test_base_imports_only_the_standard_library():
    allowed = set(sys.stdlib_module_names) | {"tomli"}
    wrong = []
    for path in sorted((IBC / "base").rglob("*.py")):
        for target, line in _imports(path):
            top = target.split(".")[0]
            if target == "ibc" or target.startswith("ibc.base"):
                continue
            if top not in allowed:
                wrong.append(f"{path.relative_to(IBC.parent)}:{line} {target}")
    assert wrong == []


def test_the_package_root_imports_nothing_when_imported():
    """`ibc.base` may read `ibc.__version__`: that must not import anything else."""
    tree = ast.parse((IBC / "__init__.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(n) for n in top_level] == []


def test_the_root_holds_only_the_driver():
    loose = sorted(p.name for p in IBC.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "driver.py"]
