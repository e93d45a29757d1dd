"""The Iterbuild abstract syntax tree.

Every node is a frozen record (`ibc.base.records`) with a `span` (its first to last token). The
docstring of each node shows the `.ib` syntax it stands for. The parser builds these; every later
phase reads them and never changes them (phases keep their own tables keyed by `id(node)`).
"""

from __future__ import annotations

from typing import Union

from ibc.base.records import record
from ibc.base.spans import Span


@record
class Name:
    """An identifier where it is written: `model`, `LogisticRegression`."""

    text: str
    span: Span


# --------------------------------------------------------------------------- types


@record
class TypeName:
    """A named type, possibly qualified and applied: `Int`, `List[T]`, `common.Metrics`,
    `Dict[Str, Optional[Float]]`. `None` as a type is `TypeName("None")`."""

    name: str
    args: tuple[TypeExpr, ...]
    span: Span


@record
class TypeEllipsis:
    """The `...` of `Tuple[T, ...]` (only valid as the second argument of `Tuple`)."""

    span: Span


@record
class RecordType:
    """A record type: `{accuracy: Float, f1: Float}`."""

    fields: tuple[tuple[Name, TypeExpr], ...]
    span: Span


@record
class TypeParam:
    """A generic parameter: `T` or the bounded `M <: Estimator` in `[T, M <: Estimator]`."""

    name: Name
    bound: TypeExpr | None
    span: Span


# Kinds of parameters, in functions types, `def`s and lambdas.
POSITIONAL = "positional"  # an ordinary parameter: `x: Int` (positional or keyword)
KEYWORD_ONLY = "keyword_only"  # after a bare `*` or `*args`
VAR_POSITIONAL = "var_positional"  # `*args: T`
VAR_KEYWORD = "var_keyword"  # `**kwargs: T`


@record
class ParamType:
    """One parameter of a function type: `Int` (unnamed), `k: Int`, `k: Int = 10`,
    `*arrays: Array`, `**options: Any`. `default` is the default's expression, if written."""

    name: Name | None
    type: TypeExpr
    default: Expr | None
    kind: str
    span: Span


@record
class FuncType:
    """A function type: `(Int, Str) -> Float`, `[T](x: T) -> T`,
    `(X: Array, k: Int = 10, *, seed: Int = 0) -> Array`."""

    type_params: tuple[TypeParam, ...]
    params: tuple[ParamType, ...]
    returns: TypeExpr
    span: Span


# A `Literal` node in a type is a value of `Literal["mean", "median"]` (docs/guide.md §5).
TypeExpr = Union[TypeName, TypeEllipsis, RecordType, FuncType, "Literal"]


# --------------------------------------------------------------------------- expressions


@record
class Literal:
    """A literal: `1`, `0.5`, `1e-3`, `"s"`, `True`, `None`. `value` is the Python value
    (`int`, `float`, `str`, `bool` or `None`); `text` is the source spelling."""

    value: object
    text: str
    span: Span


@record
class Var:
    """A name used as a value: `model`."""

    name: str
    span: Span


@record
class ListExpr:
    """A list: `[a, b]`."""

    items: tuple[Expr, ...]
    span: Span


@record
class TupleExpr:
    """A tuple: `(a, b)`, `(a,)`, `()`."""

    items: tuple[Expr, ...]
    span: Span


@record
class DictExpr:
    """A dict: `{"k": v}`; `{}` is the empty dict."""

    entries: tuple[tuple[Expr, Expr], ...]
    span: Span


@record
class Field:
    """One field of a record literal: `accuracy = e`."""

    name: Name
    value: Expr
    span: Span


@record
class RecordExpr:
    """A record: `{name = v, other = w}`."""

    fields: tuple[Field, ...]
    span: Span


@record
class Arg:
    """One argument of a call: positional `a` (`name` is None) or keyword `key = v`."""

    name: Name | None
    value: Expr
    span: Span


@record
class Call:
    """A call: `f(a, b, key = v)`, `e.m(a)` (then `func` is an `Attribute`),
    `(f @ "v1")(x)`."""

    func: Expr
    args: tuple[Arg, ...]
    span: Span


@record
class Attribute:
    """A field, module member or method: `r.field`, `mod.name`, `e.m` (in `e.m(...)`)."""

    value: Expr
    name: Name
    span: Span


@record
class Index:
    """An index: `x[i]` (no slices)."""

    value: Expr
    index: Expr
    span: Span


@record
class Pipe:
    """A pipe: `x |> f(k = v)` means `f(x, k = v)`; `x |> f` and `x |> (fn y => y)`
    call the right-hand side with `x`. `func` is the right-hand side as written."""

    value: Expr
    func: Expr
    inject: bool  # True when `func` is an unparenthesized call: `value` becomes its 1st argument
    span: Span


@record
class Param:
    """A parameter of a `def` or lambda: `X: Array`, `k: Int = 10`, a lambda's bare `x`."""

    name: Name
    annotation: TypeExpr | None
    default: Expr | None
    kind: str
    span: Span


@record
class Lambda:
    """An anonymous function: `fn x => x + 1`, `fn (x: Int, y) => x * y`."""

    params: tuple[Param, ...]
    body: Expr
    span: Span


@record
class IfExpr:
    """A conditional: `a if c else b`."""

    then: Expr
    cond: Expr
    orelse: Expr
    span: Span


@record
class BinOp:
    """An arithmetic operator: `a + b`; `op` is one of `+ - * / // % **`."""

    op: str
    left: Expr
    right: Expr
    span: Span


@record
class UnaryOp:
    """A unary operator: `-x`, `+x`, `not x`; `op` is `-`, `+` or `not`."""

    op: str
    operand: Expr
    span: Span


@record
class BoolOp:
    """`a and b`, `a or b`."""

    op: str
    left: Expr
    right: Expr
    span: Span


@record
class Compare:
    """A comparison, chained as in Python: `0 < x <= 1`; `ops` are among
    `== != < <= > >= in not in`, one per element of `rest`."""

    first: Expr
    ops: tuple[str, ...]
    rest: tuple[Expr, ...]
    span: Span


@record
class Path:
    """A parameter path in an override: `model.C`, `steps[1].C`, `seed`. Its `parts` are
    names (str) and indices (int)."""

    parts: tuple[str | int, ...]
    span: Span

    def __str__(self) -> str:
        out = ""
        for part in self.parts:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += ("." if out else "") + part
        return out


@record
class Override:
    """One override of a `with`: `path = e`, `path in e`, `(p, q) in e`. `sweep` is True
    for the `in` forms; a tuple of paths (only with `in`) takes its values zip-wise."""

    paths: tuple[Path, ...]
    value: Expr
    sweep: bool
    span: Span


@record
class With:
    """An override: `e with { model.C = 0.1, seed in [0, 1] }`."""

    base: Expr
    overrides: tuple[Override, ...]
    span: Span


@record
class WithBest:
    """The best trial's axis values of a search as an override layer: `refit with
    best(tuned)` (docs/guide.md, "Searches"). `search` is the expression naming the search."""

    base: Expr
    search: Expr
    span: Span


@record
class Revision:
    """A Python reference at a git revision: `clean @ "v1.0"`."""

    value: Expr
    revision: Literal
    span: Span


Expr = Union[
    Literal,
    Var,
    ListExpr,
    TupleExpr,
    DictExpr,
    RecordExpr,
    Call,
    Attribute,
    Index,
    Pipe,
    Lambda,
    IfExpr,
    BinOp,
    UnaryOp,
    BoolOp,
    Compare,
    With,
    WithBest,
    Revision,
]


# --------------------------------------------------------------------------- patterns


@record
class NamePattern:
    """A name being bound: the `x` of `x = e`."""

    name: Name
    span: Span


@record
class TuplePattern:
    """A destructuring pattern: `(a, b)`, `((a, b), c)`, `(a,)`."""

    items: tuple[Pattern, ...]
    span: Span


Pattern = Union[NamePattern, TuplePattern]


# --------------------------------------------------------------------------- declarations


@record
class ImportItem:
    """One imported name: `NAME [as ALIAS] [(impure)] [: TYPE]`."""

    name: Name
    alias: Name | None
    impure: bool
    annotation: TypeExpr | None
    span: Span

    @property
    def local(self) -> Name:
        return self.alias or self.name


@record
class PyImport:
    """Python references: `from sklearn.linear_model import LogisticRegression`,
    `from "src/features.py" @ "v1.0" import add_ratios as add_ratios_v1`.
    `module` is a dotted module name, or a file path when `is_path` is True."""

    module: str
    is_path: bool
    revision: Literal | None
    items: tuple[ImportItem, ...]
    module_span: Span
    span: Span


@record
class IbImport:
    """Another `.ib` module: `import "common.ib" as common`; without `as`, the module is
    bound to the file's stem."""

    path: str
    alias: Name | None
    path_span: Span
    span: Span


@record
class IbFromImport:
    """Names of another `.ib` module: `from "common.ib" import split, Metrics as M`.
    Items never carry `(impure)` or a type."""

    path: str
    items: tuple[ImportItem, ...]
    path_span: Span
    span: Span


@record
class TypeDecl:
    """A type declaration. Nominal: `type DataFrame = "pandas:DataFrame"` (then `target`
    is the string literal), with supertypes: `type Classifier <: Estimator = "…"`.
    Alias: `type Metrics = {accuracy: Float}`, `type Seed = Int` (then `alias` is set)."""

    name: Name
    supertypes: tuple[TypeExpr, ...]
    target: Literal | None
    alias: TypeExpr | None
    span: Span


@record
class Binding:
    """A binding: `x = e`, `x: Float = 0.25`, `(a, (b, c)) = e`. Also a statement of a
    `def` body."""

    pattern: Pattern
    annotation: TypeExpr | None
    value: Expr
    span: Span


@record
class FuncDef:
    """A function: `def prepare(X: Array, k: Int = 10) -> Array:` and an indented body of
    bindings ending in `return e`, or the one-line `def double(x: Int) -> Int: return x * 2`.
    Generic: `def first[T](xs: List[T]) -> T: ...`."""

    name: Name
    type_params: tuple[TypeParam, ...]
    params: tuple[Param, ...]
    returns: TypeExpr | None
    body: tuple[Binding, ...]
    result: Expr
    return_span: Span
    span: Span


@record
class Experiment:
    """A runnable experiment: `experiment baseline = evaluate(model, data)`."""

    name: Name
    value: Expr
    span: Span


@record
class Sweep:
    """A family of experiments: `sweep grid = baseline with { model.C in [0.1, 1.0] }`."""

    name: Name
    value: Expr
    span: Span


@record
class Search:
    """A hyperparameter search: `search tuned = baseline with { model.C in log_uniform(0.001,
    100.0) } maximize accuracy trials 40 seed 1`. `value` is the `with` whose `in` overrides
    are the axes; `direction` is `maximize` or `minimize`; `objective` the field path of the
    experiment's record value; `seed` is None when not written (docs/guide.md, "Searches")."""

    name: Name
    value: Expr
    direction: Name
    objective: tuple[Name, ...]
    trials: Literal
    seed: Literal | None
    span: Span

    @property
    def objective_path(self) -> str:
        return ".".join(part.text for part in self.objective)


# The spaces of a search axis (docs/guide.md, "Searches"): name -> the type of its values.
# They are forms of the search syntax, not functions: `uniform` means a space only after `in`
# in a search's `with`.
SPACES = {"uniform": "Float", "log_uniform": "Float", "int_range": "Int", "int_log_range": "Int"}


def space_call(e: object) -> str | None:
    """The space an axis value names when it is `uniform(…)`, `log_uniform(…)`,
    `int_range(…)`, `int_log_range(…)` or `choice(…)`, else None (a list literal is a
    categorical space too, without a call)."""
    if isinstance(e, Call) and isinstance(e.func, Var):
        if e.func.name in SPACES or e.func.name == "choice":
            return e.func.name
    return None


def history_call(e: object) -> bool:
    """Whether an axis value is `history(f, …)`: the versions of one Python function in git
    (docs/revisions.md, "History sweeps"), a form of the sweep syntax after `in` unless the
    file binds the name `history` itself."""
    return isinstance(e, Call) and isinstance(e.func, Var) and e.func.name == "history"


Decl = Union[
    PyImport, IbImport, IbFromImport, TypeDecl, Binding, FuncDef, Experiment, Sweep, Search
]


@record
class Module:
    """A whole `.ib` file: declarations in source order."""

    path: str
    decls: tuple[Decl, ...]
    span: Span
    comments: tuple[tuple[Span, str], ...] = ()  # every `# ...` comment, for the formatter


def pattern_names(pattern: Pattern, position: tuple[int, ...] = ()):
    """Each name a pattern binds, with its position: `(a, (b, c))` gives `a` at `(0,)`, `b`
    at `(1, 0)` and `c` at `(1, 1)`; a plain name is at `()`."""
    if isinstance(pattern, NamePattern):
        yield pattern.name, position
    else:
        for index, item in enumerate(pattern.items):
            yield from pattern_names(item, (*position, index))


def children(node: object) -> list[object]:
    """The direct sub-nodes of a node (for generic walks in tests and tools)."""
    out: list[object] = []
    for name in node.__slots__:  # type: ignore[attr-defined]
        if name == "span":
            continue
        _collect(getattr(node, name), out)
    return out


def _collect(value: object, out: list[object]) -> None:
    if isinstance(value, tuple):
        for item in value:
            _collect(item, out)
    elif hasattr(value, "span") and hasattr(value, "__slots__"):
        out.append(value)
