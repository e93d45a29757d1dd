"""Python annotations → ibc types, read with `ast` (docs/guide.md §3, §5).

`AnnotationReader` holds what the names of one parsed module mean (its imports, classes,
module-level definitions, type aliases and `TypeVar`s, collected in a first pass over the
module body) and turns annotation expressions into `ibc.types` values: `int` → `INT`,
`Optional[X]` / `X | None` → `optional(X)`, `list[X]`, `dict[K, V]`, tuples, `Callable`,
`Literal`, NumPy arrays, `TypedDict` classes of the file → records, `TypeVar`s → fresh
`TypeVar`s per signature (`TypeContext`), any other class → `Nominal("module:QualName")`
as the file spells it (`PythonIndex` makes targets canonical later). Anything it does not
understand reads as `ANY`; it never raises on odd input. `pyreader` builds on it.
"""

from __future__ import annotations

import ast

from ibc.base.typeterms import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    NONE,
    POSITIONAL_ONLY,
    STR,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    DictType,
    FuncType,
    ListType,
    LiteralType,
    Nominal,
    OptionalType,
    Param,
    RecordType,
    TupleOfType,
    TupleType,
    Type,
    TypeVar,
    literal_base,
    literal_key,
    optional,
    record,
)

TYPING_MODULES = {
    "typing",
    "typing_extensions",
    "collections.abc",
    "collections",
    "builtins",
    "abc",
}
_LIST_NAMES = {"list", "List", "Sequence", "MutableSequence"}
_DICT_NAMES = {"dict", "Dict", "Mapping", "MutableMapping", "OrderedDict", "defaultdict"}
_PRIM_NAMES = {"int": INT, "float": FLOAT, "str": STR, "bool": BOOL, "None": NONE}
_ANY_NAMES = {"Any", "object", "type", "Type", "Iterable", "Iterator", "Set", "set", "frozenset"}
_WRAPPERS = {"ClassVar", "Final", "Required", "NotRequired", "ReadOnly"}
_SKIP_BASES = {"Generic", "Protocol", "object", "NamedTuple", "TypedDict", "ABC"}
_NUMPY_ARRAY = {"ndarray", "NDArray", "ArrayLike"}
_BUILTINS = set(dir(__builtins__) if not isinstance(__builtins__, dict) else __builtins__)


def dotted(expr: ast.expr) -> str:
    """`a.b.c` of a Name/Attribute chain (of the callee for a call), else the source text."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return ast.unparse(expr)


class AnnotationReader:
    """What the names of one parsed module mean, and its annotations as types."""

    def __init__(self, tree: ast.Module, module: str, is_package: bool):
        self.tree, self.module, self.is_package = tree, module, is_package
        self.imports: dict[str, tuple[str, str]] = {}  # alias -> (module, qualname or "")
        self.classes: dict[str, ast.ClassDef] = {}
        self.defined: set[str] = set()
        self.aliases: dict[str, ast.expr] = {}
        self.typevars: dict[str, ast.Call] = {}
        self._typed_dict_fields: dict[str, tuple[tuple[str, Type], ...] | None] = {}
        for stmt, _fallback in statements(tree.body):
            self._collect(stmt)

    # -- pass 1: what names mean -----------------------------------------------------------

    def _collect(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.imports[alias.asname] = (alias.name, "")
                else:
                    top = alias.name.split(".")[0]
                    self.imports[top] = (top, "")
        elif isinstance(stmt, ast.ImportFrom):
            source = self.absolute(stmt.module, stmt.level)
            for alias in stmt.names:
                if alias.name != "*" and source:
                    self.imports[alias.asname or alias.name] = (source, alias.name)
        elif isinstance(stmt, ast.ClassDef):
            self.classes[stmt.name] = stmt
            self.defined.add(stmt.name)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.defined.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = stmt.value
            for target in targets:
                if isinstance(target, ast.Name):
                    self.defined.add(target.id)
                    if value is None:
                        continue
                    if isinstance(value, ast.Call) and dotted(value.func).endswith("TypeVar"):
                        self.typevars[target.id] = value
                    else:
                        self.aliases[target.id] = value

    def absolute(self, module: str | None, level: int) -> str | None:
        if not level:
            return module
        parts = self.module.split(".") if self.module else []
        if not self.is_package:
            parts = parts[:-1]
        if level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (level - 1)]
        if module:
            parts.append(module)
        return ".".join(parts) or None

    def qualify(self, expr: ast.expr) -> tuple[str, str] | None:
        """(module, qualname) a Name/Attribute chain refers to, through the imports."""
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        parts.reverse()
        head = expr.id
        if head in self.imports:
            module, name = self.imports[head]
            if name:
                return module, ".".join([name, *parts])
            if not parts:
                return module, ""
            return ".".join([module, *parts[:-1]]), parts[-1]
        if head in self.defined:
            return self.module, ".".join([head, *parts])
        if head in _BUILTINS:
            return "builtins", ".".join([head, *parts])
        return None

    # -- annotations -----------------------------------------------------------------------

    def to_type(self, expr: ast.expr | None, ctx: TypeContext, depth: int = 0) -> Type:
        if expr is None or depth > 20:
            return ANY
        try:
            return self._to_type(expr, ctx, depth + 1)
        except (RecursionError, SyntaxError, ValueError, TypeError, AttributeError):
            return ANY

    def _to_type(self, expr: ast.expr, ctx: TypeContext, depth: int) -> Type:
        if isinstance(expr, ast.Constant):
            if expr.value is None:
                return NONE
            if isinstance(expr.value, str):
                return self.to_type(ast.parse(expr.value.strip(), mode="eval").body, ctx, depth)
            return ANY
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            return self._union([expr.left, expr.right], ctx, depth)
        if isinstance(expr, ast.Subscript):
            return self._subscript(expr, ctx, depth)
        if isinstance(expr, ast.Name):
            if expr.id in self.typevars and expr.id not in self.imports:
                return ctx.typevar(expr.id, self, depth)
            if expr.id in self.aliases and expr.id not in self.classes:
                return self.to_type(self.aliases[expr.id], ctx, depth)
        if not isinstance(expr, (ast.Name, ast.Attribute)):
            return ANY
        return self._named(expr, ctx)

    def _special(self, expr: ast.expr) -> str | None:
        """The typing-ish name `expr` stands for (`Optional`, `list`, …) or None."""
        where = self.qualify(expr)
        if where is None:
            return None
        module, qual = where
        if module in TYPING_MODULES:
            return qual
        if module.split(".")[0] == "numpy" and qual.rpartition(".")[2] in _NUMPY_ARRAY:
            return "numpy.ndarray"
        return None

    def _named(self, expr: ast.expr, ctx: TypeContext) -> Type:
        special = self._special(expr)
        if special is not None:
            if special in _PRIM_NAMES:
                return _PRIM_NAMES[special]
            if special in _LIST_NAMES:
                return ListType(ANY)
            if special in _DICT_NAMES:
                return DictType(ANY, ANY)
            if special in ("tuple", "Tuple"):
                return TupleOfType(ANY)
            if special == "numpy.ndarray":
                return Nominal("numpy:ndarray", "ndarray")
            if special == "Self" and ctx.cls_target:
                return ctx.self_var()
            if special in ("Callable",):
                return _any_callable(ANY)
            if special == "NoneType":
                return NONE
            return ANY
        where = self.qualify(expr)
        if where is None or not where[1]:
            return ANY
        module, qual = where
        if module == self.module and qual in self.classes:
            fields = self.typed_dict_fields(qual, ctx)
            if fields is not None:
                return RecordType(fields)
        return Nominal(f"{module}:{qual}", qual.rpartition(".")[2])

    def _subscript(self, expr: ast.Subscript, ctx: TypeContext, depth: int) -> Type:
        head = self._special(expr.value)
        args = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if head is None:
            return self._named(expr.value, ctx)
        if head == "numpy.ndarray":
            return Nominal("numpy:ndarray", "ndarray")
        if head == "Optional":
            return optional(self.to_type(args[0], ctx, depth))
        if head == "Union":
            return self._union(args, ctx, depth)
        if head in _LIST_NAMES:
            return ListType(self.to_type(args[0], ctx, depth))
        if head in _DICT_NAMES and len(args) == 2:
            return DictType(self.to_type(args[0], ctx, depth), self.to_type(args[1], ctx, depth))
        if head in ("tuple", "Tuple"):
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...:
                return TupleOfType(self.to_type(args[0], ctx, depth))
            if len(args) == 1 and isinstance(args[0], ast.Tuple) and not args[0].elts:
                return TupleType(())
            return TupleType(tuple(self.to_type(a, ctx, depth) for a in args))
        if head == "Callable" and len(args) == 2:
            returns = self.to_type(args[1], ctx, depth)
            if isinstance(args[0], ast.List):
                params = tuple(
                    Param(None, self.to_type(a, ctx, depth), POSITIONAL_ONLY) for a in args[0].elts
                )
                return FuncType(params, returns)
            return _any_callable(returns)
        if head in ("Annotated",) or head in _WRAPPERS:
            return self.to_type(args[0], ctx, depth)
        if head == "Literal":
            return _literal(args)
        return ANY

    def _union(self, members: list[ast.expr], ctx: TypeContext, depth: int) -> Type:
        types = _merge_literals([self.to_type(m, ctx, depth) for m in members])
        has_none = any(t == NONE for t in types)
        rest: list[Type] = []
        for t in types:
            inner = t.inner if isinstance(t, OptionalType) else t
            has_none = has_none or isinstance(t, OptionalType)
            if t != NONE and inner not in rest:
                rest.append(inner)
        if len(rest) != 1:
            return ANY if rest else NONE
        return optional(rest[0]) if has_none else rest[0]

    def typed_dict_fields(self, name: str, ctx: TypeContext) -> tuple[tuple[str, Type], ...] | None:
        """The fields of a TypedDict class of this file, else None."""
        if name in self._typed_dict_fields:
            return self._typed_dict_fields[name]
        self._typed_dict_fields[name] = None  # guards recursion
        node = self.classes[name]
        fields: dict[str, Type] = {}
        is_td = False
        for base in node.bases:
            where = self.qualify(base)
            if where and where[0] in TYPING_MODULES and where[1] == "TypedDict":
                is_td = True
            elif where and where[0] == self.module and where[1] in self.classes:
                inherited = self.typed_dict_fields(where[1], ctx)
                if inherited is not None:
                    is_td = True
                    fields.update(inherited)
        if not is_td:
            return None
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                fields[stmt.target.id] = self.to_type(stmt.annotation, ctx)
        result = record(fields).fields
        self._typed_dict_fields[name] = result
        return result


class TypeContext:
    """Per-signature state: the enclosing class (for `Self`) and the TypeVars met. `Self`
    reads as the type parameter `SELF` bounded by the class, which a method call replaces by
    the receiver's type (docs/types.md)."""

    def __init__(self, cls_target: str | None):
        self.cls_target = cls_target
        self.vars: dict[str, TypeVar] = {}

    def self_var(self) -> TypeVar:
        if SELF not in self.vars:
            assert self.cls_target is not None
            name = self.cls_target.rpartition(":")[2]
            self.vars[SELF] = TypeVar(SELF, bound=Nominal(self.cls_target, name))
        return self.vars[SELF]

    def typevar(self, name: str, reader: AnnotationReader, depth: int) -> TypeVar:
        if name not in self.vars:
            call = reader.typevars[name]
            bound = None
            for kw in call.keywords:
                if kw.arg == "bound":
                    bound = reader.to_type(kw.value, self, depth)
            label = (
                call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else name
            )
            self.vars[name] = TypeVar(str(label), bound=bound if bound != ANY else None)
        return self.vars[name]

    def used(self) -> tuple[TypeVar, ...]:
        return tuple(self.vars.values())


SELF = "Self"  # the name of the type parameter `Self` reads as


def _literal(args: list[ast.expr]) -> Type:
    """`Literal[...]` of strings, ints and bools (with `None`: optional), else Any."""
    values: list = []
    has_none = False
    for arg in args:
        if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub):
            if isinstance(arg.operand, ast.Constant) and type(arg.operand.value) is int:
                arg = ast.Constant(-arg.operand.value)
        if not isinstance(arg, ast.Constant) or not isinstance(arg.value, (str, int, type(None))):
            return ANY
        if arg.value is None:
            has_none = True
        elif literal_key(arg.value) not in {literal_key(v) for v in values}:
            values.append(arg.value)
    if not values:
        return NONE
    literal = LiteralType(tuple(values))
    return optional(literal) if has_none else literal


def _merge_literals(types: list[Type]) -> list[Type]:
    """Members of a union with its literal types merged: `Literal["a"] | Literal["b"]` is
    `Literal["a", "b"]`; a literal type beside its values' type (`Literal["auto"] | str`)
    is that type."""
    literals = [t for t in types if isinstance(t, LiteralType)]
    if not literals:
        return types
    values: list = []
    for t in literals:
        values += [v for v in t.values if literal_key(v) not in {literal_key(w) for w in values}]
    merged = LiteralType(tuple(values))
    rest = [t for t in types if not isinstance(t, LiteralType)]
    return rest if literal_base(merged) in rest else [*rest, merged]


def _any_callable(returns: Type) -> FuncType:
    return FuncType(
        (Param("args", ANY, VAR_POSITIONAL), Param("kwargs", ANY, VAR_KEYWORD)), returns
    )


def statements(body: list[ast.stmt], fallback: bool = False):
    """Statements of a body, descending into `if`/`try`; `fallback` marks `else`/`except`."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from statements(stmt.body, fallback)
            yield from statements(stmt.orelse, True)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            yield from statements(stmt.body, fallback)
            for handler in stmt.handlers:
                yield from statements(handler.body, True)
            yield from statements(stmt.orelse, fallback)
            yield from statements(stmt.finalbody, fallback)
        else:
            yield stmt, fallback
