"""Python references: which module and which definition each `from … import name` names.

Nothing is imported: project files are found by path (or by dotted name under the project
root) and installed modules by walking `sys.path` (see `pyfinder`); their definitions are read
with `ast` (see `pyinterface`). A name the module does not define is an error, unless the
module has a module-level `__getattr__` (then it is `Any`, with a warning).
"""

from __future__ import annotations

from pathlib import Path

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.base.spell import nearest
from ibc.base.records import record
from ibc.resolve.pyfinder import module_name_for_path
from ibc.resolve.pyinterface import (
    PyClass,
    PyFunction,
    PyModuleRef,
    PythonIndex,
    PyValue,
)
from ibc.resolve.symbols import ModuleInfo, PyRefSym


@record(mutable=True)
class PyTarget:
    """What a Python reference resolved to: `definition` is a `PyFunction`, `PyClass` or
    `PyValue`, or None when unknown (`Any`)."""

    module: str
    definition: PyFunction | PyClass | PyValue | None
    dynamic: bool = False  # found only through a module-level __getattr__

    @property
    def kind(self) -> str:
        return definition_kind(self.definition)


def definition_kind(definition) -> str:
    """ "class", "function", "value" or "unknown": what a Python definition is."""
    if isinstance(definition, PyClass):
        return "class"
    if isinstance(definition, PyFunction):
        return "function"
    if isinstance(definition, PyValue):
        return "value"
    return "unknown"


class PyRefResolver:
    def __init__(self, index: PythonIndex, root: Path, diags: Diagnostics) -> None:
        self.index = index
        self.root = root
        self.diags = diags
        self.targets: dict[int, PyTarget | None] = {}  # id(PyRefSym) -> target
        self._reported_modules: set[tuple[str, int]] = set()
        self.pins = None  # a `pinned.Pins`: imports at a revision are read from git

    def resolve_module(self, info: ModuleInfo) -> None:
        for sym in info.values.values():
            if isinstance(sym, PyRefSym) and sym.module is info:
                self.resolve(sym)

    def resolve(self, sym: PyRefSym) -> PyTarget | None:
        key = id(sym)
        if key in self.targets:
            return self.targets[key]
        self.targets[key] = None
        decl, item = sym.decl, sym.item
        assert decl is not None and item is not None and sym.module is not None
        report = sym.module.kind != "stub"
        if decl.revision is not None and self.pins is not None:
            pinned = self.pins.target(sym, str(decl.revision.value), decl.revision, None)
            if pinned is None:
                return None
            target = PyTarget(pinned.module, pinned.definition, pinned.dynamic)
            self.targets[key] = target
            return target
        if decl.is_path:
            file = (sym.module.path.parent / decl.module).resolve()
            if not file.is_file():
                if report:
                    self._once(decl, "E0303", path=decl.module)
                return None
            try:
                file.relative_to(self.root)
            except ValueError:
                if report:
                    self._once(decl, "E0307", path=decl.module, root=str(self.root))
                return None
            module_name = module_name_for_path(file, self.root)
            sym.file = file
            interface = self.index.module_for_path(file)
        else:
            module_name = decl.module
            interface = self.index.module(module_name)
            if interface is None:
                if report:
                    self._once(decl, "E0301", module=module_name)
                return None
        sym.module_name = module_name
        if interface is None:
            return None
        if interface.syntax_error is not None:
            line, col, message = interface.syntax_error
            if report:
                self._once(
                    decl,
                    "E0304",
                    module=module_name,
                    file=str(interface.path),
                    line=line,
                    col=col,
                    message=message,
                )
            return None
        definition = self.index.lookup(module_name, item.name.text)
        if isinstance(definition, PyModuleRef):
            if report:
                self.diags.error("E0305", item.name.span, name=item.name.text, module=module_name)
            return None
        if definition is None:
            if getattr(interface, "is_extension", False):
                # A compiled module: its names cannot be read, so they are `Any` (a warning
                # only under --strict, W0401).
                target = PyTarget(module_name, None, dynamic=True)
                self.targets[key] = target
                return target
            if interface.has_getattr:
                if report:
                    self.diags.warning(
                        "W0301", item.name.span, name=item.name.text, module=module_name
                    )
                target = PyTarget(module_name, None, dynamic=True)
                self.targets[key] = target
                return target
            if report:
                self.diags.error(
                    "E0302",
                    item.name.span,
                    name=item.name.text,
                    module=module_name,
                    suggestions=nearest(item.name.text, self.index.names(module_name)),
                )
            return None
        target = PyTarget(module_name, definition)
        self.targets[key] = target
        return target

    def _once(self, decl, code: str, **args) -> None:
        """Report a problem of an import's module once, however many names it imports."""
        key = (code, id(decl))
        if key in self._reported_modules:
            return
        self._reported_modules.add(key)
        self.diags.error(code, decl.module_span, **args)
