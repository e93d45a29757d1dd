"""The lowered program: what code generation turns into Python.

`ibc.codegen.lower` builds it from the checked program: names are resolved (a `Var` is a
`Global`, a `Local` or a `RefValue`), pipes and `.ib` module members are desugared, every call
says what it calls (a Python reference is a `Stage`, a method a `MethodStage`, a `def` a
`DefCall`, anything else an `Apply`), and literals are Python values. The emitters
(`ibc.codegen.script`, `ibc.codegen.plain`) read only this module's types.
"""

from __future__ import annotations

from typing import Union

from ibc.records import record
from ibc.syntax.spans import Span
from ibc.types.types import Type


@record
class PyRef:
    """A Python reference: `module` is the module to import at run time (`src.features`,
    `sklearn.linear_model`), `name` the attribute path inside it (`scale`, `Outer.inner`),
    `local` the `.ib` name it is bound to. `kind` is "function", "class", "value" or
    "unknown". `fingerprint` identifies its code (issue 4 fills it for the store's keys)."""

    local: str
    module: str
    name: str
    kind: str = "function"
    revision: str | None = None
    impure: bool = False
    fingerprint: str = ""
    span: Span | None = None


@record
class Lit:
    """A literal value: int, float, str, bool or None."""

    value: object


@record
class RefValue:
    """A Python reference used as a value (passed to a function, stored in a binding)."""

    ref: PyRef


@record
class Global:
    """The value of a top-level binding, by its (program-unique) name."""

    name: str


@record
class Local:
    """A parameter or local binding of the enclosing `def` or lambda."""

    name: str


@record
class ListE:
    items: tuple[IrExpr, ...]


@record
class TupleE:
    items: tuple[IrExpr, ...]


@record
class DictE:
    entries: tuple[tuple[IrExpr, IrExpr], ...]


@record
class RecordE:
    """A record; at run time a dict with string keys, fields in source order."""

    fields: tuple[tuple[str, IrExpr], ...]


@record
class Stage:
    """A call of a Python reference: one stage of the build."""

    ref: PyRef
    args: tuple[IrExpr, ...]
    kwargs: tuple[tuple[str, IrExpr], ...]
    span: Span
    path: str | None = None  # its parameter path (`model`, `prepare.boosted`), if any


@record
class MethodStage:
    """A method call on a computed value: `e.m(a, key = v)`; a stage too."""

    obj: IrExpr
    method: str
    args: tuple[IrExpr, ...]
    kwargs: tuple[tuple[str, IrExpr], ...]
    span: Span
    path: str | None = None


@record
class DefCall:
    """A call of a `def` of the program, expanded where it is called (not a stage)."""

    name: str
    args: tuple[IrExpr, ...]
    kwargs: tuple[tuple[str, IrExpr], ...]
    span: Span


@record
class Apply:
    """A call of a function value that is not a known reference or `def` (a lambda, or a
    function a Python stage returned)."""

    func: IrExpr
    args: tuple[IrExpr, ...]
    kwargs: tuple[tuple[str, IrExpr], ...]
    span: Span


@record
class LambdaE:
    """`fn (x, y) => body`: a function value. Applied in `.ib` it is expanded; passed to
    Python it becomes a closure."""

    params: tuple[str, ...]
    body: IrExpr
    span: Span
    # The default of each parameter (None: required), for `fn (x, y = 2) => …` and for a
    # `def` used as a value; empty when no parameter has one.
    defaults: tuple[IrExpr | None, ...] = ()


@record
class FieldE:
    """A record field read `r.f` (a dict lookup at run time)."""

    obj: IrExpr
    name: str
    span: Span


@record
class AttrE:
    """An attribute of a Python value that is not a method call (`model.coef_`)."""

    obj: IrExpr
    name: str
    span: Span


@record
class IndexE:
    obj: IrExpr
    index: IrExpr
    span: Span


@record
class BinE:
    """`+ - * / // % **`."""

    op: str
    left: IrExpr
    right: IrExpr
    span: Span


@record
class UnE:
    """`-`, `+`, `not`."""

    op: str
    operand: IrExpr
    span: Span


@record
class BoolE:
    """`and`, `or` (short-circuit)."""

    op: str
    left: IrExpr
    right: IrExpr
    span: Span


@record
class CmpE:
    """A chained comparison `a < b <= c`; ops among `== != < <= > >= in not in`."""

    first: IrExpr
    ops: tuple[str, ...]
    rest: tuple[IrExpr, ...]
    span: Span


@record
class CondE:
    """`then if cond else orelse`; only the chosen branch is evaluated."""

    cond: IrExpr
    then: IrExpr
    orelse: IrExpr
    span: Span


@record
class Unpack:
    """Element `index` of a value destructured by a pattern of `length` names; a value
    whose length is not known statically is checked at run time."""

    value: IrExpr
    index: int
    length: int
    span: Span


IrExpr = Union[
    Lit,
    RefValue,
    Global,
    Local,
    ListE,
    TupleE,
    DictE,
    RecordE,
    Stage,
    MethodStage,
    DefCall,
    Apply,
    LambdaE,
    FieldE,
    AttrE,
    IndexE,
    BinE,
    UnE,
    BoolE,
    CmpE,
    CondE,
    Unpack,
]


@record
class IrBinding:
    """`name = value`. Destructuring is lowered to a hidden binding of the whole value and
    one `Unpack` binding per name."""

    name: str
    value: IrExpr
    span: Span
    type: Type | None = None
    hidden: bool = False  # made by lowering (a destructured whole), not a user name


@record
class IrParam:
    name: str
    default: IrExpr | None = None


@record
class IrDef:
    """`def name(params): body; return result`, expanded at each call."""

    name: str
    params: tuple[IrParam, ...]
    body: tuple[IrBinding, ...]
    result: IrExpr
    span: Span


@record
class IrTarget:
    """A runnable target: an `experiment` (or, later, a sweep)."""

    name: str
    value: IrExpr
    kind: str  # "experiment" or "sweep"
    span: Span
    type: Type | None = None


@record
class IrProgram:
    """A whole program: one `.ib` file and the `.ib` modules it imports, merged (names of
    imported modules are prefixed by lowering so they stay unique)."""

    source: str  # the `.ib` file's path as shown to the user
    source_hash: str  # sha256 of its text
    project_root: str  # absolute path of the project root
    refs: tuple[PyRef, ...]
    bindings: tuple[IrBinding, ...]  # in dependency order
    defs: tuple[IrDef, ...]
    targets: tuple[IrTarget, ...]
    prelude_functions: tuple[str, ...] = ()  # names from ibc.runtime.prelude the program uses
