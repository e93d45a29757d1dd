"""Python interfaces read with `ast`, never by importing (DESIGN §3.1, §5.2, §8.1).

`read_interface` turns one Python file (`.py` or `.pyi`) into a `ModuleInterface`: its
functions (with `FuncType` signatures from the `def`s and their annotations), classes (bases,
constructor, methods), module-level values, submodule references and re-exports. Names in
annotations and base lists are resolved through the file's own imports to `"module:QualName"`
targets as the file spells them (`pd.DataFrame` → `"pandas:DataFrame"`); `PythonIndex` then
follows re-exports lazily to the defining module, so what `lookup`, `class_info` and `method`
return carries canonical targets (`"pandas.core.frame:DataFrame"`), records for `TypedDict`s
and fresh `TypeVar`s. `module()` returns the interface as read (targets not yet canonical).

Choices worth knowing:
- `@overload`: a `.py` file's implementation (the last `def` without `@overload`) is used;
  when there are only overloads (a `.pyi`), the first overload's parameter names, kinds and
  defaults with `Any` types, returning the overloads' common return type (else `Any`).
- Conditional definitions (`if`/`try` at module level): the `if`/`try` branch wins; names
  only defined in `else`/`except` branches are kept too.
- Imports of a stub count as re-exports whether or not they use `import x as x`.
- A name that lands, through a re-export, in a module whose names are unknown (an extension
  module, a module with `__getattr__`, or one that cannot be found) reads as
  `PyValue(..., type=ANY, known=False)`; a name a module itself lacks gives None (callers
  consult `ModuleInterface.has_getattr`, which is also True for extension modules).
- `PyFunction.decorators` holds the decorators' dotted names without call arguments
  (`"property"`, `"staticmethod"`, `"_fit_context"`).
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path

from ibc.records import replace
from ibc.resolve import pyfinder
from ibc.resolve.ifcache import InterfaceCache
from ibc.types.types import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    KEYWORD_ONLY,
    NONE,
    POSITIONAL,
    POSITIONAL_ONLY,
    STR,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    DictType,
    FuncType,
    ListType,
    Nominal,
    OptionalType,
    Param,
    RecordType,
    TupleOfType,
    TupleType,
    Type,
    TypeVar,
    optional,
    record,
)

# ----------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class PyFunction:
    """A function or method: `def name(...)` at `line` of `module`."""

    name: str
    module: str
    qualname: str
    signature: FuncType | None
    line: int
    returns_self_mutating: bool = False
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class PyValue:
    """A module-level variable or constant. `known` is False for a name whose definition
    cannot be read (it lives in an extension module or behind `__getattr__`)."""

    name: str
    module: str
    type: Type
    line: int
    known: bool = True


@dataclass(frozen=True)
class PyModuleRef:
    """A name that is a module (`from sklearn import linear_model`)."""

    dotted: str


@dataclass(frozen=True)
class PyReexport:
    """`from module import original_name as name` inside a module, followed lazily."""

    name: str
    module: str
    original_name: str


Entry = PyFunction | PyClass | PyValue | PyModuleRef | PyReexport
Definition = PyFunction | PyClass | PyValue | PyModuleRef


@dataclass(frozen=True)
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


# ----------------------------------------------------------------------------------------
# Reading one file

_TYPING = {"typing", "typing_extensions", "collections.abc", "collections", "builtins", "abc"}
_LIST_NAMES = {"list", "List", "Sequence", "MutableSequence"}
_DICT_NAMES = {"dict", "Dict", "Mapping", "MutableMapping", "OrderedDict", "defaultdict"}
_PRIM_NAMES = {"int": INT, "float": FLOAT, "str": STR, "bool": BOOL, "None": NONE}
_ANY_NAMES = {"Any", "object", "type", "Type", "Iterable", "Iterator", "Set", "set", "frozenset"}
_WRAPPERS = {"ClassVar", "Final", "Required", "NotRequired", "ReadOnly"}
_SKIP_BASES = {"Generic", "Protocol", "object", "NamedTuple", "TypedDict", "ABC"}
_NUMPY_ARRAY = {"ndarray", "NDArray", "ArrayLike"}
_BUILTINS = set(dir(__builtins__) if not isinstance(__builtins__, dict) else __builtins__)


def _dotted(expr: ast.expr) -> str:
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


class _Reader:
    """Reads one parsed module; `interface()` builds the `ModuleInterface`."""

    def __init__(self, tree: ast.Module, data: bytes, module: str, is_package: bool, is_stub: bool):
        self.tree, self.module, self.is_package, self.is_stub = tree, module, is_package, is_stub
        self.lines = data.splitlines(keepends=True)
        self.imports: dict[str, tuple[str, str]] = {}  # alias -> (module, qualname or "")
        self.classes: dict[str, ast.ClassDef] = {}
        self.defined: set[str] = set()
        self.aliases: dict[str, ast.expr] = {}
        self.typevars: dict[str, ast.Call] = {}
        self._typed_dict_fields: dict[str, tuple[tuple[str, Type], ...] | None] = {}
        for stmt, _fallback in _statements(tree.body):
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
                    if isinstance(value, ast.Call) and _dotted(value.func).endswith("TypeVar"):
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

    def to_type(self, expr: ast.expr | None, ctx: _TypeContext, depth: int = 0) -> Type:
        if expr is None or depth > 20:
            return ANY
        try:
            return self._to_type(expr, ctx, depth + 1)
        except (RecursionError, SyntaxError, ValueError, TypeError, AttributeError):
            return ANY

    def _to_type(self, expr: ast.expr, ctx: _TypeContext, depth: int) -> Type:
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
        if module in _TYPING:
            return qual
        if module.split(".")[0] == "numpy" and qual.rpartition(".")[2] in _NUMPY_ARRAY:
            return "numpy.ndarray"
        return None

    def _named(self, expr: ast.expr, ctx: _TypeContext) -> Type:
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
                return Nominal(ctx.cls_target, ctx.cls_target.rpartition(":")[2])
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

    def _subscript(self, expr: ast.Subscript, ctx: _TypeContext, depth: int) -> Type:
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
            kinds = {type(a.value) for a in args if isinstance(a, ast.Constant)}
            if len(kinds) == 1 and len(args) == len(
                [a for a in args if isinstance(a, ast.Constant)]
            ):
                value = args[0].value
                return NONE if value is None else _literal_type(value)
            return ANY
        return ANY

    def _union(self, members: list[ast.expr], ctx: _TypeContext, depth: int) -> Type:
        types = [self.to_type(m, ctx, depth) for m in members]
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

    def typed_dict_fields(
        self, name: str, ctx: _TypeContext
    ) -> tuple[tuple[str, Type], ...] | None:
        """The fields of a TypedDict class of this file, else None."""
        if name in self._typed_dict_fields:
            return self._typed_dict_fields[name]
        self._typed_dict_fields[name] = None  # guards recursion
        node = self.classes[name]
        fields: dict[str, Type] = {}
        is_td = False
        for base in node.bases:
            where = self.qualify(base)
            if where and where[0] in _TYPING and where[1] == "TypedDict":
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

    # -- pass 2: definitions ---------------------------------------------------------------

    def segment(self, node: ast.expr) -> str:
        if node.lineno == node.end_lineno and node.lineno <= len(self.lines):
            line = self.lines[node.lineno - 1]
            return line[node.col_offset : node.end_col_offset].decode("utf-8", "replace")
        return ast.unparse(node)

    def function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, cls: str | None
    ) -> PyFunction:
        decorators = tuple(_dotted(d) for d in node.decorator_list)
        drop = cls is not None and "staticmethod" not in decorators
        ctx = _TypeContext(cls)
        sig = self.signature(node, ctx, drop_first=drop, name=node.name)
        mutating = cls is not None and drop and _returns_self_mutating(node)
        return PyFunction(node.name, self.module, qualname, sig, node.lineno, mutating, decorators)

    def signature(self, node, ctx: _TypeContext, drop_first: bool, name: str) -> FuncType:
        args = node.args
        params: list[Param] = []
        positional = [(a, POSITIONAL_ONLY) for a in args.posonlyargs]
        positional += [(a, POSITIONAL) for a in args.args]
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for (arg, kind), default in zip(positional, defaults):
            params.append(self._param(arg, kind, default, ctx))
        if args.vararg:
            params.append(self._param(args.vararg, VAR_POSITIONAL, None, ctx))
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            params.append(self._param(arg, KEYWORD_ONLY, default, ctx))
        if args.kwarg:
            params.append(self._param(args.kwarg, VAR_KEYWORD, None, ctx))
        if drop_first and params and params[0].kind in (POSITIONAL_ONLY, POSITIONAL):
            params.pop(0)
        returns = self.to_type(node.returns, ctx)
        return FuncType(tuple(params), returns, ctx.used(), name)

    def _param(self, arg: ast.arg, kind: str, default, ctx: _TypeContext) -> Param:
        text = self.segment(default) if default is not None else None
        return Param(arg.arg, self.to_type(arg.annotation, ctx), kind, default is not None, text)

    def pick(self, defs: list) -> tuple[ast.FunctionDef, bool]:
        """The `def` to read among same-named ones, and whether its types must be Any."""
        defs = [
            d
            for d in defs
            if not any(_dotted(x).endswith((".setter", ".deleter")) for x in d.decorator_list)
        ] or defs
        plain = [d for d in defs if not _is_overload(d)]
        if plain:
            return plain[-1], False
        return defs[0], len(defs) > 1

    def overloaded(self, defs: list, qualname: str, cls: str | None) -> PyFunction:
        node, erase = self.pick(defs)
        fn = self.function(node, qualname, cls)
        if not erase or fn.signature is None:
            return fn
        sig = fn.signature
        ctx = _TypeContext(cls)
        returns = {self.to_type(d.returns, ctx) for d in defs}
        common = returns.pop() if len(returns) == 1 else ANY
        params = tuple(replace(p, type=ANY) for p in sig.params)
        return replace(
            fn, signature=FuncType(params, common if not ctx.used() else ANY, (), sig.name)
        )

    def klass(self, node: ast.ClassDef) -> PyClass:
        target = f"{self.module}:{node.name}"
        ctx = _TypeContext(target)
        bases: list[str] = []
        is_namedtuple = False
        for base in node.bases:
            if isinstance(base, ast.Subscript):
                base = base.value
            where = self.qualify(base)
            if where is None or not where[1]:
                continue
            if where[0] in _TYPING:
                is_namedtuple = is_namedtuple or where[1] == "NamedTuple"
                continue
            bases.append(f"{where[0]}:{where[1]}")
        decorators = [
            self.qualify(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list
        ]
        is_dataclass = any(d and d[0] == "dataclasses" and d[1] == "dataclass" for d in decorators)
        groups: dict[str, list] = {}
        for stmt, _fallback in _statements(node.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                groups.setdefault(stmt.name, []).append(stmt)
        methods = {
            name: self.overloaded(defs, f"{node.name}.{name}", target)
            for name, defs in groups.items()
        }
        typed_dict = self.typed_dict_fields(node.name, ctx)
        returns = Nominal(target, node.name)
        if is_dataclass or is_namedtuple:
            init = self._field_init(node, ctx, returns)
        elif typed_dict is not None:
            params = tuple(Param(k, v, KEYWORD_ONLY) for k, v in typed_dict)
            init = FuncType(params, returns, ctx.used(), node.name)
        elif "__init__" in methods or "__new__" in methods:
            sig = (methods.get("__init__") or methods["__new__"]).signature
            init = FuncType(sig.params, returns, sig.type_params, node.name)
            if "__init__" not in methods:  # __new__ is static: drop `cls` ourselves
                init = replace(init, params=init.params[1:])
        else:
            init = FuncType((), returns, (), node.name)
        return PyClass(
            node.name,
            self.module,
            node.name,
            target,
            tuple(bases),
            init,
            methods,
            typed_dict,
            node.lineno,
            is_dataclass,
        )

    def _field_init(self, node: ast.ClassDef, ctx, returns: Nominal) -> FuncType:
        """The constructor of a dataclass or NamedTuple: its annotated fields in order."""
        kw_only = False
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call):
                for kw in deco.keywords:
                    if kw.arg == "kw_only" and isinstance(kw.value, ast.Constant):
                        kw_only = bool(kw.value.value)
        params: list[Param] = []
        for stmt in node.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            special = self._special(
                stmt.annotation.value
                if isinstance(stmt.annotation, ast.Subscript)
                else stmt.annotation
            )
            if special == "ClassVar":
                continue
            where = self.qualify(stmt.annotation)
            if where == ("dataclasses", "KW_ONLY"):
                kw_only = True
                continue
            has_default, default = stmt.value is not None, None
            if isinstance(stmt.value, ast.Call) and _dotted(stmt.value.func).endswith("field"):
                options = {kw.arg: kw.value for kw in stmt.value.keywords if kw.arg}
                init_flag = options.get("init")
                if isinstance(init_flag, ast.Constant) and not init_flag.value:
                    continue  # field(init=False): not a constructor parameter
                has_default = "default" in options or "default_factory" in options
                if "default" in options:
                    default = self.segment(options["default"])
                elif "default_factory" in options:
                    default = self.segment(options["default_factory"]) + "()"
            elif stmt.value is not None:
                default = self.segment(stmt.value)
            kind = KEYWORD_ONLY if kw_only else POSITIONAL
            params.append(
                Param(
                    stmt.target.id, self.to_type(stmt.annotation, ctx), kind, has_default, default
                )
            )
        return FuncType(tuple(params), returns, ctx.used(), node.name)

    def value(self, name: str, stmt: ast.Assign | ast.AnnAssign) -> PyValue:
        if isinstance(stmt, ast.AnnAssign):
            special = self._special(stmt.annotation)
            typ = (
                ANY if special == "TypeAlias" else self.to_type(stmt.annotation, _TypeContext(None))
            )
            if typ == ANY and stmt.value is not None:
                typ = _value_type(stmt.value)
        else:
            typ = _value_type(stmt.value)
        return PyValue(name, self.module, typ, stmt.lineno)

    def interface(self, path: str | None, distribution: str | None) -> ModuleInterface:
        names: dict[str, Entry] = {}
        all_names: list[str] | None = None
        stars: list[str] = []
        groups: dict[str, list] = {}
        has_getattr = False
        for stmt, fallback in _statements(self.tree.body):
            new: dict[str, Entry] = {}
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                has_getattr = has_getattr or stmt.name == "__getattr__"
                if fallback and stmt.name in groups:
                    continue
                if not (groups.get(stmt.name) and _is_overload(groups[stmt.name][-1])):
                    groups[stmt.name] = []
                groups[stmt.name].append(stmt)
                names.pop(stmt.name, None)
                continue
            if isinstance(stmt, ast.ClassDef):
                new[stmt.name] = self.klass(stmt)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        new[alias.asname] = PyModuleRef(alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        new[top] = PyModuleRef(top)
            elif isinstance(stmt, ast.ImportFrom):
                source = self.absolute(stmt.module, stmt.level)
                if not source or source == "__future__":
                    continue
                for alias in stmt.names:
                    if alias.name == "*":
                        stars.append(source)
                    else:
                        local = alias.asname or alias.name
                        new[local] = PyReexport(local, source, alias.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        if target.id == "__all__":
                            all_names = _string_list(stmt.value, all_names, replace_=True)
                        else:
                            new[target.id] = self.value(target.id, stmt)
            elif isinstance(stmt, ast.AugAssign) and _is_name(stmt.target, "__all__"):
                all_names = _string_list(stmt.value, all_names, replace_=False)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                func = stmt.value.func
                if (
                    isinstance(func, ast.Attribute)
                    and _is_name(func.value, "__all__")
                    and stmt.value.args
                ):
                    arg = stmt.value.args[0]
                    if func.attr == "extend":
                        all_names = _string_list(arg, all_names, replace_=False)
                    elif func.attr == "append" and isinstance(arg, ast.Constant):
                        all_names = (all_names or []) + [str(arg.value)]
            for key, entry in new.items():
                if fallback and (key in names or key in groups):
                    continue
                groups.pop(key, None)
                names[key] = entry
        for name, defs in groups.items():
            names[name] = self.overloaded(defs, name, None)
        return ModuleInterface(
            name=self.module,
            path=path,
            names=names,
            has_getattr=has_getattr,
            all_names=tuple(all_names) if all_names is not None else None,
            syntax_error=None,
            is_stub=self.is_stub,
            distribution=distribution,
            star_imports=tuple(stars),
            is_package=self.is_package,
        )


class _TypeContext:
    """Per-signature state: the enclosing class (for `Self`) and the TypeVars met."""

    def __init__(self, cls_target: str | None):
        self.cls_target = cls_target
        self.vars: dict[str, TypeVar] = {}

    def typevar(self, name: str, reader: _Reader, depth: int) -> TypeVar:
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


def _any_callable(returns: Type) -> FuncType:
    return FuncType(
        (Param("args", ANY, VAR_POSITIONAL), Param("kwargs", ANY, VAR_KEYWORD)), returns
    )


def _literal_type(value) -> Type:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    if value is None:
        return NONE
    return ANY


def _value_type(value: ast.expr | None) -> Type:
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
        value = value.operand
        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
            return INT
    if isinstance(value, ast.Constant):
        return _literal_type(value.value)
    return ANY


def _is_name(expr: ast.expr, name: str) -> bool:
    return isinstance(expr, ast.Name) and expr.id == name


def _is_overload(node) -> bool:
    return any(_dotted(d).rpartition(".")[2] == "overload" for d in node.decorator_list)


def _string_list(expr, current: list[str] | None, replace_: bool) -> list[str] | None:
    """Strings of a list/tuple literal (parts of `a + b` too), added to `current`."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, (ast.List, ast.Tuple)):
            found.extend(
                e.value
                for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            walk(node.left)
            walk(node.right)

    walk(expr)
    if replace_:
        return found
    return (current or []) + found


def _statements(body: list[ast.stmt], fallback: bool = False):
    """Statements of a body, descending into `if`/`try`; `fallback` marks `else`/`except`."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from _statements(stmt.body, fallback)
            yield from _statements(stmt.orelse, True)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            yield from _statements(stmt.body, fallback)
            for handler in stmt.handlers:
                yield from _statements(handler.body, True)
            yield from _statements(stmt.orelse, fallback)
            yield from _statements(stmt.finalbody, fallback)
        else:
            yield stmt, fallback


def _own_nodes(node: ast.AST):
    """Nodes of a function body, not entering nested functions, classes or lambdas."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield child
        stack.extend(ast.iter_child_nodes(child))


def _rooted_at(target: ast.expr, name: str) -> bool:
    """Is `target` an attribute (or item of an attribute) of `name` (`self.x`, `self.x[k]`)?"""
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_rooted_at(e, name) for e in target.elts)
    if isinstance(target, ast.Starred):
        return _rooted_at(target.value, name)
    if not isinstance(target, (ast.Attribute, ast.Subscript)):
        return False
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        target = target.value
    return _is_name(target, name)


def _returns_self_mutating(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the method assign to an attribute of its first parameter and return it (§8.1)?"""
    params = node.args.posonlyargs + node.args.args
    if not params:
        return False
    me = params[0].arg
    mutates = returns_me = False
    for child in _own_nodes(node):
        if isinstance(child, ast.Assign):
            mutates = mutates or any(_rooted_at(t, me) for t in child.targets)
        elif isinstance(child, (ast.AugAssign, ast.AnnAssign)):
            mutates = mutates or _rooted_at(child.target, me)
        elif isinstance(child, ast.Call) and _is_name(child.func, "setattr"):
            mutates = mutates or bool(child.args and _is_name(child.args[0], me))
        elif isinstance(child, ast.Return):
            returns_me = returns_me or (child.value is not None and _is_name(child.value, me))
    return mutates and returns_me


def read_interface(
    data: bytes | str,
    module: str,
    path: str | None = None,
    is_package: bool = False,
    is_stub: bool = False,
    distribution: str | None = None,
) -> ModuleInterface:
    """The interface of one module from its source text. Never raises on bad input: a file
    that does not parse gives `syntax_error` = (line, col, message)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        tree = ast.parse(data, filename=path or "<unknown>", type_comments=False)
    except SyntaxError as exc:
        return ModuleInterface(
            module,
            path,
            {},
            syntax_error=(exc.lineno or 1, (exc.offset or 1) - 1, exc.msg or "invalid syntax"),
            is_stub=is_stub,
            distribution=distribution,
            is_package=is_package,
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        return ModuleInterface(
            module,
            path,
            {},
            syntax_error=(1, 0, str(exc) or type(exc).__name__),
            is_stub=is_stub,
            distribution=distribution,
            is_package=is_package,
        )
    try:
        return _Reader(tree, data, module, is_package, is_stub).interface(path, distribution)
    except RecursionError:
        return ModuleInterface(
            module,
            path,
            {},
            syntax_error=(1, 0, "the file is nested too deeply to read"),
            is_stub=is_stub,
            distribution=distribution,
            is_package=is_package,
        )


# ----------------------------------------------------------------------------------------
# The index: modules by name, re-exports followed, targets made canonical


class PythonIndex:
    """Reads Python modules on demand (project root first, then `search_path`, default
    `sys.path` minus the cwd) and answers questions about their names. Interfaces of
    installed modules are cached on disk in `cache_dir` (see `ifcache`); `use_cache=False`
    reads everything afresh. `files_read` counts the Python sources parsed."""

    def __init__(
        self,
        project_root: Path,
        search_path: list[str] | None = None,
        cache_dir: Path | None = None,
        use_cache: bool = True,
    ) -> None:
        self.project_root = Path(project_root).resolve()
        self.search_path = (
            pyfinder.default_search_path() if search_path is None else list(search_path)
        )
        self.cache = InterfaceCache(cache_dir) if use_cache else None
        self._locations: dict[str, pyfinder.ModuleLocation | None] = {}
        self._roots: dict[str, list[tuple[str, str]]] = {}
        self._modules: dict[str, tuple[tuple[int, int] | None, ModuleInterface | None]] = {}
        self._resolved: dict[tuple[str, str], Definition | None] = {}
        self._canonical: dict[str, str] = {}
        self._bases: dict[str, tuple[str, ...]] = {}
        self._classes: dict[str, PyClass | None] = {}
        self._finals: dict[int, Definition] = {}
        self.files_read = 0  # how many Python sources were parsed (for tests and benchmarks)

    # -- modules ----------------------------------------------------------------------------

    def locate(self, dotted: str) -> pyfinder.ModuleLocation | None:
        if dotted not in self._locations:
            self._locations[dotted] = pyfinder.find_module(
                dotted,
                self.project_root,
                self.search_path,
                dist_lookup=lambda e, t: None,
                roots_memo=self._roots,
            )
        return self._locations[dotted]

    def module(self, dotted: str) -> ModuleInterface | None:
        """The interface of `dotted` as read (None: no such module)."""
        location = self.locate(dotted)
        if location is None:
            return None
        if location.is_project and location.path is not None:
            try:
                st = os.stat(location.path)
                stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
            except OSError:
                stamp = None
            cached = self._modules.get(dotted)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            if cached is not None:
                self._forget()
            iface = self._read(location)
            self._modules[dotted] = (stamp, iface)
            return iface
        if dotted not in self._modules:
            self._modules[dotted] = (None, self._read(location))
        return self._modules[dotted][1]

    def module_for_path(self, path: Path) -> ModuleInterface | None:
        """The interface of a project file named by its path."""
        path = Path(path).resolve()
        if not path.is_file():
            return None
        name = pyfinder.module_name_for_path(path, self.project_root)
        location = self.locate(name)
        if location is not None and location.path is not None and location.path.resolve() == path:
            return self.module(name)
        return self._read_file(path, name, path.name == "__init__.py", path.suffix == ".pyi", None)

    def _read(self, location: pyfinder.ModuleLocation) -> ModuleInterface:
        if location.path is None:  # namespace package
            return ModuleInterface(location.dotted, None, {}, is_package=True)
        if self.cache is not None and not location.is_project and not location.is_extension:
            hit = self.cache.get(location.path)
            if hit is not None:
                return hit
        dist = None
        if not location.is_project:
            found = self.distribution(location.dotted)
            dist = f"{found[0]}=={found[1]}" if found else None
        if location.is_extension:
            return ModuleInterface(
                location.dotted,
                str(location.path),
                {},
                has_getattr=True,
                distribution=dist,
                is_package=location.is_package,
                is_extension=True,
            )
        iface = self._read_file(
            location.path, location.dotted, location.is_package, location.is_stub, dist
        )
        if self.cache is not None and not location.is_project:
            self.cache.put(location.path, iface)
        return iface

    def _read_file(
        self, path: Path, name: str, is_package: bool, is_stub: bool, dist
    ) -> ModuleInterface:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            return ModuleInterface(name, str(path), {}, syntax_error=(1, 0, f"cannot read: {exc}"))
        self.files_read += 1
        return read_interface(data, name, str(path), is_package, is_stub, dist)

    def _forget(self) -> None:
        """Drop what was derived from modules (a project file changed)."""
        for memo in (self._resolved, self._canonical, self._bases, self._classes, self._finals):
            memo.clear()

    def distribution(self, module: str) -> tuple[str, str] | None:
        """(name, version) of the installed distribution that owns `module`."""
        location = self.locate(module)
        if location is None or location.is_project or location.root is None:
            return None
        hooks = (self.cache.load_map, self.cache.store_map) if self.cache else (None, None)
        return pyfinder.distribution_for(str(location.root), module.split(".")[0], *hooks)

    # -- names ------------------------------------------------------------------------------

    def lookup(self, module: str, name: str) -> Definition | None:
        """What `name` in `module` is, re-exports followed to the definition; classes and
        functions carry canonical targets. None when the module does not define it."""
        found = self._resolve(module, name)
        return self._final(found) if found is not None else None

    def _resolve(self, module: str, name: str, seen: frozenset = frozenset()) -> Definition | None:
        key = (module, name)
        if key in self._resolved:
            return self._resolved[key]
        if key in seen or len(seen) > 50:
            return None
        seen = seen | {key}
        result = self._resolve_uncached(module, name, seen)
        self._resolved[key] = result
        return result

    def _resolve_uncached(self, module: str, name: str, seen: frozenset) -> Definition | None:
        iface = self.module(module)
        if iface is None:
            return None
        entry = iface.names.get(name)
        if isinstance(entry, PyReexport):
            if (entry.module, entry.original_name) != (module, name):
                found = self._resolve(entry.module, entry.original_name, seen)
                if found is not None:
                    return found
                if self._opaque(entry.module, entry.original_name):
                    return PyValue(name, entry.module, ANY, 0, known=False)
                return None
            entry = None
        if entry is not None:
            return entry
        for star in iface.star_imports:
            if name.startswith("_") or star == module:
                continue
            exported = self._exports(star)
            if exported is not None and name not in exported:
                continue
            found = self._resolve(star, name, seen)
            if found is not None:
                return found
        if iface.is_package and self.locate(f"{module}.{name}") is not None:
            return PyModuleRef(f"{module}.{name}")
        return None

    def _opaque(self, module: str, name: str) -> bool:
        """Is `module` a place whose names cannot be known (so `name` may well exist)?"""
        iface = self.module(module)
        return iface is None or iface.has_getattr or iface.syntax_error is not None

    def _exports(self, module: str) -> set[str] | None:
        iface = self.module(module)
        if iface is None:
            return None
        if iface.all_names is not None:
            return set(iface.all_names)
        return None  # public names: any name not starting with "_"

    def names(self, module: str) -> list[str]:
        """Public names of `module` (for "did you mean")."""
        iface = self.module(module)
        if iface is None:
            return []
        if iface.all_names is not None:
            return sorted(set(iface.all_names))
        out = {n for n in iface.names if not n.startswith("_")}
        for star in iface.star_imports:
            if star != module:
                out.update(self.names(star))
        location = self.locate(module)
        if location is not None:
            out.update(n for n in pyfinder.submodule_names(location) if not n.startswith("_"))
        return sorted(out)

    # -- classes ----------------------------------------------------------------------------

    def canonical_target(self, target: str) -> str:
        """`"pandas:DataFrame"` → `"pandas.core.frame:DataFrame"`; unchanged when unknown."""
        if target in self._canonical:
            return self._canonical[target]
        self._canonical[target] = target  # guards cycles
        result = self._canonical_uncached(target)
        self._canonical[target] = result
        return result

    def _canonical_uncached(self, target: str) -> str:
        module, _, qual = target.partition(":")
        if not qual:
            return target
        found = self._walk_qual(module, qual.split("."))
        if isinstance(found, PyClass):
            return found.target
        if found is None and "." in module and self.locate(module) is None:
            head, _, last = module.rpartition(".")
            return self.canonical_target(f"{head}:{last}.{qual}")
        return target

    def _walk_qual(self, module: str, parts: list[str]) -> Definition | None:
        found = self._resolve(module, parts[0])
        for part in parts[1:]:
            if not isinstance(found, PyModuleRef):
                return None
            found = self._resolve(found.dotted, part)
        return found

    def _raw_class(self, target: str) -> PyClass | None:
        module, _, qual = self.canonical_target(target).partition(":")
        found = self._walk_qual(module, qual.split(".")) if qual else None
        return found if isinstance(found, PyClass) else None

    def _direct_bases(self, target: str) -> tuple[str, ...]:
        target = self.canonical_target(target)
        if target not in self._bases:
            self._bases[target] = ()
            cls = self._raw_class(target)
            out: list[str] = []
            for base in cls.bases if cls else ():
                canonical = self.canonical_target(base)
                if canonical == target or canonical in out:
                    continue
                if self.locate(canonical.partition(":")[0]) is not None:
                    out.append(canonical)
            self._bases[target] = tuple(out)
        return self._bases[target]

    def ancestors(self, target: str) -> tuple[str, ...]:
        """All base classes' targets, transitively, in method resolution order."""
        return tuple(self._mro(self.canonical_target(target), ())[1:])

    def _mro(self, target: str, stack: tuple[str, ...]) -> list[str]:
        if target in stack or len(stack) > 100:
            return [target]
        seqs = [self._mro(b, stack + (target,)) for b in self._direct_bases(target)]
        seqs.append(list(self._direct_bases(target)))
        out = [target]
        seqs = [s for s in seqs if s]
        while seqs:
            for seq in seqs:  # C3: a head that is in no other sequence's tail
                head = seq[0]
                if not any(head in s[1:] for s in seqs):
                    break
            else:  # inconsistent hierarchy: fall back to depth-first order
                head = seqs[0][0]
            if head not in out:
                out.append(head)
            seqs = [[x for x in s if x != head] for s in seqs]
            seqs = [s for s in seqs if s]
        return out

    def is_subclass(self, a: str, b: str) -> bool:
        a, b = self.canonical_target(a), self.canonical_target(b)
        return a == b or b in self.ancestors(a)

    def method(self, target: str, name: str) -> PyFunction | None:
        """Method `name` of a class or of its nearest base that defines it."""
        found = self._raw_method(target, name)
        return self._final(found[1], found[0]) if found else None

    def _raw_method(self, target: str, name: str) -> tuple[str, PyFunction] | None:
        target = self.canonical_target(target)
        for owner in (target, *self.ancestors(target)):
            cls = self._raw_class(owner)
            if cls is not None and name in cls.methods:
                return owner, cls.methods[name]
        return None

    def class_info(self, target: str) -> PyClass | None:
        """The class bound to `target`, with canonical bases, inherited constructor and
        finalized types."""
        target = self.canonical_target(target)
        if target not in self._classes:
            cls = self._raw_class(target)
            self._classes[target] = self._final(cls) if cls is not None else None
        return self._classes[target]

    # -- making read types canonical --------------------------------------------------------

    def _final(self, entry, owner: str | None = None):
        if isinstance(entry, (PyModuleRef, PyReexport)) or entry is None:
            return entry
        key = id(entry)
        if key in self._finals:
            return self._finals[key][1]
        if isinstance(entry, PyFunction):
            done = replace(entry, signature=self._final_func(entry.signature))
        elif isinstance(entry, PyValue):
            done = replace(entry, type=self._final_type(entry.type, {}, 0))
        else:
            done = self._final_class(entry)
        self._finals[key] = (entry, done)  # keep `entry` alive so its id stays unique
        return done

    def _final_class(self, cls: PyClass) -> PyClass:
        init = cls.init
        if (
            "__init__" not in cls.methods
            and "__new__" not in cls.methods
            and cls.typed_dict is None
        ):
            if cls.is_dataclass:
                init = self._dataclass_init(cls)
            else:
                found = None
                for owner in self.ancestors(cls.target):
                    base = self._raw_class(owner)
                    if base is not None and (
                        base.methods.keys() & {"__init__", "__new__"}
                        or base.is_dataclass
                        or base.init.params
                    ):
                        found = self.class_info(owner)
                        break
                if found is not None:
                    init = replace(found.init, returns=cls.init.returns, name=cls.name)
        methods = {name: self._final(fn) for name, fn in cls.methods.items()}
        typed = cls.typed_dict
        if typed is not None:
            typed = tuple((k, self._final_type(v, {}, 0)) for k, v in typed)
        return replace(
            cls,
            bases=self._direct_bases(cls.target),
            init=self._final_func(init),
            methods=methods,
            typed_dict=typed,
        )

    def _dataclass_init(self, cls: PyClass) -> FuncType:
        params: dict[str, Param] = {}
        for base in reversed(self._direct_bases(cls.target)):
            info = self.class_info(base)
            if info is not None and info.is_dataclass:
                params.update((p.name, p) for p in info.init.params)
        params.update((p.name, p) for p in cls.init.params)
        return replace(cls.init, params=tuple(params.values()))

    def _final_func(self, sig: FuncType | None) -> FuncType | None:
        if sig is None:
            return None
        fresh: dict[TypeVar, TypeVar] = {}
        done = self._final_type(sig, fresh, 0)
        return done if isinstance(done, FuncType) else sig

    def _final_type(self, t: Type, fresh: dict, depth: int) -> Type:
        if depth > 12:
            return ANY
        again = lambda x: self._final_type(x, fresh, depth + 1)  # noqa: E731
        if isinstance(t, Nominal):
            target = self.canonical_target(t.target)
            module, _, qual = target.partition(":")
            found = self._walk_qual(module, qual.split(".")) if qual else None
            if isinstance(found, PyClass) and found.typed_dict is not None:
                return RecordType(tuple((k, again(v)) for k, v in found.typed_dict))
            if isinstance(found, (PyFunction, PyModuleRef)) or (
                isinstance(found, PyValue) and found.known
            ):
                return ANY  # names something that is not a class (a type alias, a function)
            return Nominal(target, t.name, t.revision)
        if isinstance(t, TypeVar):
            if t not in fresh:
                fresh[t] = TypeVar(t.name, bound=again(t.bound) if t.bound is not None else None)
            return fresh[t]
        if isinstance(t, ListType):
            return ListType(again(t.elem))
        if isinstance(t, TupleOfType):
            return TupleOfType(again(t.elem))
        if isinstance(t, DictType):
            return DictType(again(t.key), again(t.value))
        if isinstance(t, TupleType):
            return TupleType(tuple(again(i) for i in t.items))
        if isinstance(t, OptionalType):
            return optional(again(t.inner))
        if isinstance(t, RecordType):
            return RecordType(tuple((k, again(v)) for k, v in t.fields))
        if isinstance(t, FuncType):
            params = tuple(replace(p, type=again(p.type)) for p in t.params)
            type_params = tuple(again(v) for v in t.type_params)
            return FuncType(params, again(t.returns), type_params, t.name)
        return t
