"""Reading one Python file's interface with `ast`, never by importing it (docs/guide.md §3;
docs/running.md "What is recomputed").

`read_interface` turns one Python file (`.py` or `.pyi`) into a `ModuleInterface`
(`pymodel`): its functions (with `FuncType` signatures from the `def`s and their
annotations, mapped to types by `pyannotations`), classes (bases, constructor — also of
dataclasses, NamedTuples and TypedDicts — and methods), module-level values, submodule
references, re-exports, `__all__` and star imports. Names are resolved through the file's
own imports only; following re-exports across modules is `PythonIndex`'s job
(`pyinterface`). Choices (overloads, conditional definitions) are listed in `pyinterface`.
"""

from __future__ import annotations

import ast

from ibc.base.records import replace
from ibc.resolve.pyannotations import (
    SELF,
    TYPING_MODULES,
    AnnotationReader,
    TypeContext,
    dotted,
    statements,
)
from ibc.resolve.pymodel import (
    Entry,
    ModuleInterface,
    PyClass,
    PyFunction,
    PyModuleRef,
    PyReexport,
    PyValue,
)
from ibc.base.typeterms import (
    ANY,
    INT,
    KEYWORD_ONLY,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    FuncType,
    LiteralType,
    Nominal,
    OptionalType,
    Param,
    Type,
    literal_type,
)


class _Reader(AnnotationReader):
    """Reads one parsed module; `interface()` builds the `ModuleInterface`."""

    def __init__(self, tree: ast.Module, data: bytes, module: str, is_package: bool, is_stub: bool):
        super().__init__(tree, module, is_package)
        self.is_stub = is_stub
        self.lines = data.splitlines(keepends=True)

    # -- pass 2: definitions ---------------------------------------------------------------

    def segment(self, node: ast.expr) -> str:
        if node.lineno == node.end_lineno and node.lineno <= len(self.lines):
            line = self.lines[node.lineno - 1]
            return line[node.col_offset : node.end_col_offset].decode("utf-8", "replace")
        return ast.unparse(node)

    def function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, cls: str | None
    ) -> PyFunction:
        decorators = tuple(dotted(d) for d in node.decorator_list)
        drop = cls is not None and "staticmethod" not in decorators
        ctx = TypeContext(cls)
        sig = self.signature(node, ctx, drop_first=drop, name=node.name)
        mutating = cls is not None and drop and _returns_self_mutating(node)
        self_var = self._self_var(node, ctx) if drop and "classmethod" not in decorators else ""
        return PyFunction(
            node.name,
            self.module,
            qualname,
            sig,
            node.lineno,
            mutating,
            decorators,
            self_var=self_var,
        )

    def _self_var(self, node, ctx: TypeContext) -> str:
        """The type parameter standing for the receiver: `Self`, or a TypeVar annotating
        the first parameter (`def copy(self: T) -> T`); "" when there is none."""
        if SELF in ctx.vars:
            return ctx.vars[SELF].name
        first = (node.args.posonlyargs + node.args.args)[:1]
        annotation = first[0].annotation if first else None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return ""
        if isinstance(annotation, ast.Name) and annotation.id in ctx.vars:
            return ctx.vars[annotation.id].name
        return ""

    def signature(self, node, ctx: TypeContext, drop_first: bool, name: str) -> FuncType:
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

    def _param(self, arg: ast.arg, kind: str, default, ctx: TypeContext) -> Param:
        text = self.segment(default) if default is not None else None
        return Param(arg.arg, self.to_type(arg.annotation, ctx), kind, default is not None, text)

    def pick(self, defs: list) -> tuple[ast.FunctionDef, bool]:
        """The `def` to read among same-named ones, and whether its types must be Any."""
        defs = [
            d
            for d in defs
            if not any(dotted(x).endswith((".setter", ".deleter")) for x in d.decorator_list)
        ] or defs
        plain = [d for d in defs if not _is_overload(d)]
        if plain:
            return plain[-1], False
        return defs[0], len(defs) > 1

    def overloaded(self, defs: list, qualname: str, cls: str | None) -> PyFunction:
        node, erase = self.pick(defs)
        fn = self.function(node, qualname, cls)
        variants = [self.function(d, qualname, cls) for d in defs if _is_overload(d)]
        if variants:
            self_var = fn.self_var or next((v.self_var for v in variants if v.self_var), "")
            fn = replace(
                fn,
                overloads=tuple(v.signature for v in variants if v.signature is not None),
                self_var=self_var,
            )
        if not erase or fn.signature is None:
            return fn
        sig = fn.signature
        ctx = TypeContext(cls)
        returns = {self.to_type(d.returns, ctx) for d in defs}
        common = returns.pop() if len(returns) == 1 else ANY
        params = tuple(replace(p, type=ANY) for p in sig.params)
        return replace(
            fn, signature=FuncType(params, common if not ctx.used() else ANY, (), sig.name)
        )

    def klass(self, node: ast.ClassDef) -> PyClass:
        target = f"{self.module}:{node.name}"
        ctx = TypeContext(target)
        bases: list[str] = []
        is_namedtuple = False
        for base in node.bases:
            if isinstance(base, ast.Subscript):
                base = base.value
            where = self.qualify(base)
            if where is None or not where[1]:
                continue
            if where[0] in TYPING_MODULES:
                is_namedtuple = is_namedtuple or where[1] == "NamedTuple"
                continue
            bases.append(f"{where[0]}:{where[1]}")
        decorators = [
            self.qualify(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list
        ]
        is_dataclass = any(d and d[0] == "dataclasses" and d[1] == "dataclass" for d in decorators)
        groups: dict[str, list] = {}
        for stmt, _fallback in statements(node.body):
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
            if isinstance(stmt.value, ast.Call) and dotted(stmt.value.func).endswith("field"):
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
        is_alias = isinstance(stmt.value, ast.Subscript)
        if isinstance(stmt, ast.AnnAssign):
            special = self._special(stmt.annotation)
            is_alias = special == "TypeAlias"
            typ = ANY if is_alias else self.to_type(stmt.annotation, TypeContext(None))
            if typ == ANY and stmt.value is not None:
                typ = _value_type(stmt.value)
        else:
            typ = _value_type(stmt.value)
        alias = self.to_type(stmt.value, TypeContext(None)) if is_alias and stmt.value else None
        if not _literal_alias(alias):
            alias = None  # only aliases of literals: other aliases read as Any, as before
        return PyValue(name, self.module, typ, stmt.lineno, alias=alias)

    def _alias(self, name: str, stmt: ast.Assign | ast.AnnAssign) -> PyReexport | None:
        """`_Base = BaseEstimator`: a second name for an imported or defined class or function
        (lightgbm's compatibility code names its base classes so), followed as a re-export."""
        if not isinstance(stmt, ast.Assign) or not isinstance(
            stmt.value, (ast.Name, ast.Attribute)
        ):
            return None
        where = self.qualify(stmt.value)
        if where is None or not where[1] or "." in where[1]:
            return None
        module, qual = where
        if module in TYPING_MODULES or (module, qual) == (self.module, name):
            return None
        if module == self.module and qual not in self.classes and qual not in self.defined:
            return None
        return PyReexport(name, module, qual)

    def interface(self, path: str | None, distribution: str | None) -> ModuleInterface:
        names: dict[str, Entry] = {}
        all_names: list[str] | None = None
        stars: list[str] = []
        groups: dict[str, list] = {}
        has_getattr = False
        for stmt, fallback in statements(self.tree.body):
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
                            new[target.id] = self._alias(target.id, stmt) or self.value(
                                target.id, stmt
                            )
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


def _literal_alias(t: Type | None) -> bool:
    inner = t.inner if isinstance(t, OptionalType) else t
    return isinstance(inner, LiteralType)


def _value_type(value: ast.expr | None) -> Type:
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
        value = value.operand
        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
            return INT
    if isinstance(value, ast.Constant):
        return literal_type(value.value)
    return ANY


def _is_name(expr: ast.expr, name: str) -> bool:
    return isinstance(expr, ast.Name) and expr.id == name


def _is_overload(node) -> bool:
    return any(dotted(d).rpartition(".")[2] == "overload" for d in node.decorator_list)


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
