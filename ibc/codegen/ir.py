"""The lowered program: what code generation turns into Python.

`ibc.codegen.lower` builds it from the checked program: names are resolved (a `Var` is a
`Global`, a `Local` or a `RefValue`), pipes and `.ib` module members are desugared, every call
says what it calls (a Python reference is a `Stage`, a method a `MethodStage`, a `def` a
`DefCall`, anything else an `Apply`), and literals are Python values. The emitters
(`ibc.codegen.script`, `ibc.codegen.plain`) read only this module's types.
"""

from __future__ import annotations

from typing import Union

from ibc.base.records import record
from ibc.base.spans import Span
from ibc.base.typeterms import Type


@record
class PyRef:
    """A Python reference: `module` is the module to import at run time (`src.features`,
    `sklearn.linear_model`), `name` the attribute path inside it (`scale`, `Outer.inner`),
    `local` the `.ib` name it is bound to. `kind` is "function", "class", "value" or
    "unknown". `fingerprint` identifies its code (part of the store's keys); `code` lists the
    project definitions it covers, one `"name file:line hash"` each (for `ibc why`)."""

    local: str
    module: str
    name: str
    kind: str = "function"
    revision: str | None = None
    impure: bool = False
    fingerprint: str = ""
    span: Span | None = None
    code: tuple[str, ...] = ()


@record
class Lit:
    """A literal value: int, float, str, bool or None."""

    value: object


@record
class RefValue:
    """A Python reference used as a value (passed to a function, stored in a binding).
    `path` is its parameter path (the imported name, `add_ratios`): an override at that
    path replaces the reference."""

    ref: PyRef
    path: str | None = None


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
    """`[a, b]`; with a `path`, element `i` is the parameter `path[i]`."""

    items: tuple[IrExpr, ...]
    path: str | None = None


@record
class TupleE:
    """`(a, b)`; with a `path`, element `i` is the parameter `path[i]`."""

    items: tuple[IrExpr, ...]
    path: str | None = None


@record
class DictE:
    entries: tuple[tuple[IrExpr, IrExpr], ...]


@record
class RecordE:
    """A record; at run time a dict with string keys, fields in source order."""

    fields: tuple[tuple[str, IrExpr], ...]
    path: str | None = None  # with a path, field `f` is the parameter `path.f`


@record
class Stage:
    """A call of a Python reference: one stage of the build.

    With a `path` (`model`, `clf.model`, `prepare.boosted`), its arguments are parameters:
    the keyword argument `k` is `path.k`, the i-th positional argument is `path.<name>`
    where `arg_names[i]` is the name the callee's signature gives it (None for an argument
    without one, such as the elements of `*args`, which are `path.<args name>[j]`: lowering
    puts that full suffix in `arg_names`), and a parameter of the signature that the call
    does not write is `path.<name>` too: an override of it adds the keyword argument.
    `callee_path` is the path of the called reference itself (`add_ratios`), so that an
    override there swaps the function."""

    ref: PyRef
    args: tuple[IrExpr, ...]
    kwargs: tuple[tuple[str, IrExpr], ...]
    span: Span
    path: str | None = None  # its parameter path (`model`, `prepare.boosted`), if any
    arg_names: tuple[str | None, ...] = ()  # the parameter name of each positional argument
    callee_path: str | None = None  # the imported name, when the callee can be swapped


@record
class MethodStage:
    """A method call on a computed value: `e.m(a, key = v)`; a stage too."""

    obj: IrExpr
    method: str
    args: tuple[IrExpr, ...]
    kwargs: tuple[tuple[str, IrExpr], ...]
    span: Span
    path: str | None = None
    fingerprint: str = ""  # the code of the receiver's class, when the compiler knows it
    cls: str = ""  # the receiver's class's name, when known: the stage's label `Class.method`


@record
class DefCall:
    """A call of a `def` of the program, expanded where it is called (not a stage)."""

    name: str
    args: tuple[IrExpr, ...]
    kwargs: tuple[tuple[str, IrExpr], ...]
    span: Span
    # With a path (`baseline` in `experiment baseline = evaluate(model)`), its arguments are
    # parameters `path.<param>` as a `Stage`'s are (positional ones named by `arg_names`).
    path: str | None = None
    arg_names: tuple[str | None, ...] = ()


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


@record
class IrOverride:
    """One override of a layer: the parameter at `path` takes `value`. `value` is built in
    the scope *below* the layer that holds it (`seed = seed + 1` reads the old seed)."""

    path: str
    value: IrExpr
    span: Span
    shown: object = None  # the value for run records: its literal, or its source text
    label: str = ""  # the text that states the value in a sweep point's name


@record
class IrLayer:
    """An override layer (`with { … }`, a sweep point, the command line's `-s`)."""

    overrides: tuple[IrOverride, ...]


@record
class WithE:
    """`base with { overrides }`: `base` evaluated as if the parameters were rebound.

    Semantics, the same in every target: evaluation carries a stack of layers. `WithE`
    pushes its layer and evaluates `base` (and everything it reaches: bindings, `def`
    bodies) under the stack. A parameter is looked up from the FIRST layer pushed to the
    last: in `(e with A) with B`, B is pushed first, so B wins where both set a path. An
    override's value is evaluated under the stack as it was when its layer was pushed (the
    scope below its own layer). The lookups: `Global(name)` at path `name`; a `Stage` with a
    path at `path.<param>` for each argument (and for signature parameters it does not
    write); a `Stage`'s callee at `callee_path`; a `RefValue` at its path; list, tuple and
    record literals with a path at `path[i]` / `path.field`. A binding evaluated under two
    different stacks may give two different values; under stacks that change none of the
    parameters it reaches, the same value (the script target's hash-consing shares it)."""

    base: IrExpr
    layer: IrLayer
    span: Span


@record
class WithBestE:
    """`base with best(S)`: `base` under the layer of search `S`'s best trial, known once the
    search has run (docs/guide.md, "Searches")."""

    base: "IrExpr"
    search: str
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
    WithE,
    WithBestE,
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
class IrPoint:
    """One point of a sweep: its name (`grid[model.C=0.01,seed=0]`) and its layer."""

    name: str
    layer: IrLayer


@record
class IrTarget:
    """A runnable target: an `experiment` (or, later, a sweep)."""

    name: str
    value: IrExpr
    kind: str  # "experiment", "sweep" or "search"
    span: Span
    type: Type | None = None
    # A sweep: `value` is evaluated once per point, under the point's layer (pushed last, so
    # that a `with` on the sweep wins). Used as a value (`Global(name)`), a sweep is a dict
    # from point names to values, in point order. Each point is also runnable by its name.
    points: tuple[IrPoint, ...] = ()
    # The parameters its `with` layers set (its own and its base's, through names): path ->
    # the value's literal, or its source text; recorded with each run (`ibc results`).
    params: tuple[tuple[str, object], ...] = ()
    # A search (kind "search"): its axes, direction, objective, trials and seed; its points
    # are the trials, proposed at run time.
    search: "IrSearch | None" = None


@record
class IrAxis:
    """One axis of a search: the paths it sets (several only for a categorical zip), its
    space's kind (`uniform`, `log_uniform`, `int_range`, `int_log_range`, `choice`), the
    bounds of a numeric space, and a categorical space's candidates, each a layer setting
    the paths (like a sweep point's) with the text that names it."""

    paths: tuple[str, ...]
    kind: str
    low: object = None
    high: object = None
    choices: tuple[IrLayer, ...] = ()
    labels: tuple[str, ...] = ()


@record
class IrSearch:
    """How a search's trials are proposed (docs/guide.md, "Searches")."""

    axes: tuple[IrAxis, ...]
    direction: str  # "maximize" or "minimize"
    objective: tuple[str, ...]  # the field path of the experiment's record value
    trials: int
    seed: int


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
    # The layer of `ibc run -s …` overrides: pushed first (outermost) for every target.
    overrides: IrLayer | None = None
    # Every parameter that `python OUT.py -s PATH=LITERAL` may set: (path, Python type), the
    # type as a Python annotation (`float`, `int`, `str`, `bool`, `None`, `list[int]`,
    # `tuple[int, str]`, `dict[str, float]`, `typing.Optional[float]`, `typing.Any`), for a
    # run-time check of the literal.
    params: tuple[tuple[str, str], ...] = ()


def children(e):
    """The sub-expressions of an IR expression."""
    if isinstance(e, (ListE, TupleE)):
        yield from e.items
    elif isinstance(e, DictE):
        for k, v in e.entries:
            yield k
            yield v
    elif isinstance(e, RecordE):
        for _, v in e.fields:
            yield v
    elif isinstance(e, (Stage, DefCall)):
        yield from e.args
        yield from (v for _, v in e.kwargs)
    elif isinstance(e, MethodStage):
        yield e.obj
        yield from e.args
        yield from (v for _, v in e.kwargs)
    elif isinstance(e, Apply):
        yield e.func
        yield from e.args
        yield from (v for _, v in e.kwargs)
    elif isinstance(e, LambdaE):
        yield e.body
        yield from (d for d in e.defaults if d is not None)
    elif isinstance(e, (FieldE, AttrE)):
        yield e.obj
    elif isinstance(e, IndexE):
        yield e.obj
        yield e.index
    elif isinstance(e, (BinE, BoolE)):
        yield e.left
        yield e.right
    elif isinstance(e, UnE):
        yield e.operand
    elif isinstance(e, CmpE):
        yield e.first
        yield from e.rest
    elif isinstance(e, CondE):
        yield e.cond
        yield e.then
        yield e.orelse
    elif isinstance(e, Unpack):
        yield e.value
    elif isinstance(e, WithE):
        yield e.base
        yield from (o.value for o in e.layer.overrides)
    elif isinstance(e, WithBestE):
        yield e.base


def deepest(program: IrProgram) -> tuple[int, Span | None]:
    """How deep the program's expressions nest, and the location of the deepest node (or of
    the nearest node above it that has one). Iterative: any depth is measured."""
    best, where = 0, None
    roots = [(b.value, b.span) for b in program.bindings]
    roots += [(t.value, t.span) for t in program.targets]
    for d in program.defs:
        roots += [(b.value, b.span) for b in d.body] + [(d.result, d.span)]
    for root, span in roots:
        stack = [(root, 1, span)]
        while stack:
            e, depth, span = stack.pop()
            span = getattr(e, "span", None) or span
            if depth > best:
                best, where = depth, span
            stack.extend((child, depth + 1, span) for child in children(e))
    return best, where
