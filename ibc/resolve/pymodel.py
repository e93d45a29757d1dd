"""The data model of Python interfaces read with `ast` (docs/guide.md §3, §5).

What `pyreader.read_interface` produces for one Python file and what `PythonIndex`
(`pyinterface`) answers with: `PyFunction`, `PyClass`, `PyValue`, `PyModuleRef`,
`PyReexport` (a name followed lazily to the module that defines it) and the
`ModuleInterface` holding one module's names. All are frozen records (`ibc.base.records`, pickled as
constructor calls); `ifcache` pickles `ModuleInterface`s, so a change of shape here must bump
`ifcache.FORMAT`. Import these names from `ibc.resolve.pyinterface`, which re-exports them.
"""

from __future__ import annotations

from ibc.base.records import record
from ibc.base.typeterms import FuncType, Type


@record
class PyFunction:
    """A function or method: `def name(...)` at `line` of `module`. `overloads` are the
    signatures of its `@overload` declarations in order (the call's arguments choose one,
    docs/types.md); `self_var` names the type parameter standing for the receiver's type
    (`Self`, or a TypeVar annotating `self`), substituted by the receiver at a method call."""

    name: str
    module: str
    qualname: str
    signature: FuncType | None
    line: int
    returns_self_mutating: bool = False
    decorators: tuple[str, ...] = ()
    overloads: tuple[FuncType, ...] = ()
    self_var: str = ""


@record
class PyClass:
    """A class; `target` is `"module:QualName"` of its defining module, `bases` the targets
    of its base classes, `init` its constructor's signature (returning the class)."""

    name: str
    module: str
    qualname: str
    target: str
    bases: tuple[str, ...]
    init: FuncType
    methods: dict[str, PyFunction]
    typed_dict: tuple[tuple[str, Type], ...] | None
    line: int
    is_dataclass: bool = False


@record
class PyValue:
    """A module-level variable or constant. `known` is False for a name whose definition
    cannot be read (it lives in an extension module or behind `__getattr__`). `alias` is
    the type a type alias of literals stands for (`MergeHow: TypeAlias = Literal["left",
    …]`), which annotations naming it from other modules read as."""

    name: str
    module: str
    type: Type
    line: int
    known: bool = True
    alias: Type | None = None


@record
class PyModuleRef:
    """A name that is a module (`from sklearn import linear_model`)."""

    dotted: str


@record
class PyReexport:
    """`from module import original_name as name` inside a module, followed lazily."""

    name: str
    module: str
    original_name: str


Entry = PyFunction | PyClass | PyValue | PyModuleRef | PyReexport
Definition = PyFunction | PyClass | PyValue | PyModuleRef


@record
class ModuleInterface:
    """What one Python module defines. `syntax_error` is (line, col, message) when the file
    does not parse (then `names` is empty); `star_imports` lists the modules of
    `from m import *`; `distribution` is `"name==version"` for installed modules."""

    name: str
    path: str | None
    names: dict[str, Entry]
    has_getattr: bool = False
    all_names: tuple[str, ...] | None = None
    syntax_error: tuple[int, int, str] | None = None
    is_stub: bool = False
    distribution: str | None = None
    star_imports: tuple[str, ...] = ()
    is_package: bool = False
    is_extension: bool = False
