"""The type checker: every declaration of the program, in dependency order.

It infers a type for every expression (`Checked.types`, by node id), checking calls by
Python's rules (`calls.py`), operators, fields, indexing and conditionals, and pushes expected
types down where they help (lambdas learn their parameter types from the function they are
passed to, empty literals from annotations). It records what lowering needs: the parameter
each call argument filled, pipes desugared into calls, and the type of each declaration.
All independent errors are reported; an expression in error has type `Any` so that one
mistake is reported once.
"""

from __future__ import annotations

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.base.spell import nearest
from ibc.base.records import field, record
from ibc.resolve import Resolved
from ibc.resolve.symbols import (
    BindingSym,
    DefSym,
    IbModuleSym,
    LocalSym,
    ModuleInfo,
    PyRefSym,
    Symbol,
    TargetSym,
)
from ibc.syntax import nodes as n
from ibc.types import operators
from ibc.types.calls import (
    UNKNOWN,
    CallMatch,
    check_call,
    check_literal,
    choose_overload,
    receiver,
    unchecked_call,
)
from ibc.types.env import TypeEnv
from ibc.types.relations import is_subtype, join_all
from ibc.base.typeterms import (
    ANY,
    BOOL,
    NONE,
    STR,
    AnyType,
    DictType,
    FuncType,
    ListType,
    ModuleType,
    Nominal,
    OptionalType,
    Param,
    Prim,
    RecordType,
    TupleOfType,
    TupleType,
    Type,
    TypeVar,
    free_vars,
    literal_type,
)


@record(mutable=True)
class Checked:
    """What the checker hands on."""

    program: Resolved
    env: TypeEnv
    types: dict[int, Type] = field(default_factory=dict)  # id(expr) -> type
    decl_types: dict[int, Type] = field(default_factory=dict)  # id(decl) -> type of its value
    def_types: dict[int, FuncType] = field(default_factory=dict)  # id(FuncDef) -> signature
    calls: dict[int, CallMatch] = field(default_factory=dict)  # id(Call) -> argument params
    pipes: dict[int, n.Call] = field(default_factory=dict)  # id(Pipe) -> the call it means
    methods: dict[int, str] = field(default_factory=dict)  # id(Call) of a method -> class target


class Checker:
    def __init__(self, program: Resolved, diags: Diagnostics, strict: bool = False) -> None:
        self.program = program
        self.diags = diags
        self.strict = strict
        self.env = TypeEnv(program, diags)
        self.out = Checked(program, self.env)
        self.local_types: dict[int, Type] = {}
        self.module: ModuleInfo = program.main
        self.tparams: dict[str, TypeVar] = {}
        self._warned_untyped: set[int] = set()

    # ----------------------------------------------------------------- declarations

    def check(self) -> Checked:
        for info in self.program.modules:
            self.env.load_type_decls(info)
        for info in self.program.modules:
            if info.ast is None:
                continue
            for decl in info.ast.decls:
                if isinstance(decl, n.PyImport) and info.kind != "prelude":
                    self.module = info
                    for item in decl.items:
                        sym = info.values.get(item.local.text)
                        if isinstance(sym, PyRefSym) and sym.item is item:
                            self.env.ref_type(sym)
        for info, decl in self.program.names.order:
            self.module = info
            self.tparams = {}
            if isinstance(decl, n.FuncDef):
                self.out.def_types[id(decl)] = self.check_def(decl)
            elif isinstance(decl, n.Binding):
                self.out.decl_types[id(decl)] = self.check_binding(decl)
            elif isinstance(decl, (n.Experiment, n.Sweep)):
                t = self.infer(decl.value, None)
                if isinstance(decl, n.Sweep):
                    t = DictType(STR, t)
                self.out.decl_types[id(decl)] = t
            elif isinstance(decl, n.Search):
                from ibc.types.search import search_type

                self.out.decl_types[id(decl)] = search_type(self, decl)
        return self.out

    def check_binding(self, decl: n.Binding) -> Type:
        if decl.annotation is not None:
            declared = self.env.type_of(decl.annotation, self.module, self.tparams)
            found = self.infer(decl.value, declared)
            if not is_subtype(found, declared, self.env):
                self.diags.error(
                    "E0401",
                    decl.value.span,
                    role="annotation",
                    name=_pattern_text(decl.pattern),
                    expected=str(declared),
                    found=str(found),
                )
            t = declared
        else:
            t = self.infer(decl.value, None)
        self.check_pattern(decl.pattern, t)
        return t

    def check_pattern(self, pattern: n.Pattern, t: Type) -> None:
        if isinstance(pattern, n.NamePattern):
            return
        items = pattern.items
        if isinstance(t, TupleType):
            if len(t.items) != len(items):
                self.diags.error(
                    "E0411", pattern.span, expected=len(items), found=len(t.items), type=str(t)
                )
                return
            for sub, item_type in zip(items, t.items):
                self.check_pattern(sub, item_type)
            return
        if isinstance(t, (ListType, TupleOfType)):
            for sub in items:
                self.check_pattern(sub, t.elem)
            return
        if isinstance(t, AnyType) or (isinstance(t, Nominal)):
            return
        self.diags.error("E0424", pattern.span, type=str(t), count=len(items))

    def check_def(self, decl: n.FuncDef) -> FuncType:
        self.tparams = {}
        own: list[TypeVar] = []
        for tp in decl.type_params:
            bound = self.env.type_of(tp.bound, self.module, self.tparams) if tp.bound else None
            tv = TypeVar(tp.name.text, bound=bound)
            self.tparams[tp.name.text] = tv
            own.append(tv)
        params = []
        for param in decl.params:
            if param.annotation is None:
                self.diags.error(
                    "E0413", param.name.span, name=param.name.text, func=decl.name.text
                )
                t: Type = ANY
            else:
                t = self.env.type_of(param.annotation, self.module, self.tparams)
            if param.default is not None:
                found = self.infer(param.default, t)
                if not is_subtype(found, t, self.env):
                    self.diags.error(
                        "E0401",
                        param.default.span,
                        role="default",
                        param=param.name.text,
                        function=decl.name.text,
                        expected=str(t),
                        found=str(found),
                    )
                else:
                    check_literal(
                        t,
                        self.constant(param.default),
                        param.default.span,
                        self.diags,
                        {"role": "default", "param": param.name.text, "function": decl.name.text},
                    )
            self._set_local(param, t)
            params.append(
                Param(
                    param.name.text,
                    t,
                    param.kind,
                    param.default is not None,
                    param.default.text if isinstance(param.default, n.Literal) else None,
                )
            )
        for stmt in decl.body:
            t = self.check_binding(stmt)
            self._bind_locals(stmt.pattern, t)
        declared = (
            self.env.type_of(decl.returns, self.module, self.tparams) if decl.returns else None
        )
        found = self.infer(decl.result, declared)
        if declared is not None and not is_subtype(found, declared, self.env):
            self.diags.error(
                "E0401",
                decl.result.span,
                role="return",
                function=decl.name.text,
                expected=str(declared),
                found=str(found),
            )
        returns = declared if declared is not None else found
        return FuncType(tuple(params), returns, tuple(own), decl.name.text)

    def _set_local(self, param: n.Param, t: Type) -> None:
        sym = self.program.names.locals.get(id(param))
        if sym is not None:
            self.local_types[id(sym)] = t

    def _bind_locals(self, pattern: n.Pattern, t: Type) -> None:
        if isinstance(pattern, n.NamePattern):
            sym = self.program.names.locals.get(id(pattern.name))
            if sym is not None:
                self.local_types[id(sym)] = t
            return
        for index, item in enumerate(pattern.items):
            self._bind_locals(item, _element(t, index))

    # ----------------------------------------------------------------- symbols

    def symbol_type(self, sym: Symbol, at: n.Expr) -> Type:
        if isinstance(sym, LocalSym):
            return self.local_types.get(id(sym), ANY)
        if isinstance(sym, BindingSym):
            t = self.out.decl_types.get(id(sym.decl), ANY)
            for index in sym.position:
                t = _element(t, index)
            return t
        if isinstance(sym, DefSym):
            return self.out.def_types.get(id(sym.decl), ANY)
        if isinstance(sym, TargetSym):
            return self.out.decl_types.get(id(sym.decl), ANY)
        if isinstance(sym, PyRefSym):
            t = self.env.ref_type(sym)
            if self.strict and _untyped(t) and id(sym) not in self._warned_untyped:
                self._warned_untyped.add(id(sym))
                self.diags.warning("W0401", at.span, name=sym.name)
            return t
        if isinstance(sym, IbModuleSym):
            return ModuleType(sym.target.display if sym.target else sym.name)
        return ANY

    # ----------------------------------------------------------------- expressions

    def infer(self, e: n.Expr, expected: Type | None) -> Type:
        method = getattr(self, "_" + type(e).__name__)
        t = method(e, expected)
        self.out.types[id(e)] = t
        return t

    def _Literal(self, e: n.Literal, expected: Type | None) -> Type:
        return literal_type(e.value)

    def _Var(self, e: n.Var, expected: Type | None) -> Type:
        sym = self.program.names.symbols.get(id(e))
        if isinstance(sym, IbModuleSym):
            self.diags.error("E0428", e.span, name=e.name)
            return ANY
        return ANY if sym is None else self.symbol_type(sym, e)

    def _ListExpr(self, e: n.ListExpr, expected: Type | None) -> Type:
        elem_expected = expected.elem if isinstance(expected, ListType) else None
        types = [self.infer(item, elem_expected) for item in e.items]
        if not types:
            return ListType(elem_expected or ANY)
        joined = join_all(types, self.env) or ANY
        if elem_expected is None or free_vars(elem_expected):
            return ListType(joined)
        # Each element is checked against the element type the list's use requires, at its
        # own location (a wrong step of `chain` is named: docs/guide.md, "Pipelines of steps");
        # the join of elements of different types is `Any`, which the use would accept.
        fits = [is_subtype(t, elem_expected, self.env) for t in types]
        for index, (item, t, ok) in enumerate(zip(e.items, types, fits)):
            if not ok:
                self.diags.error(
                    "E0401",
                    item.span,
                    role="element",
                    index=index,
                    expected=str(elem_expected),
                    found=str(t),
                )
        if all(fits) and joined != ANY and all(is_subtype(t, joined, self.env) for t in types):
            return ListType(joined)
        return ListType(elem_expected)

    def _TupleExpr(self, e: n.TupleExpr, expected: Type | None) -> Type:
        hints: list[Type | None] = [None] * len(e.items)
        if isinstance(expected, TupleType) and len(expected.items) == len(e.items):
            hints = list(expected.items)
        elif isinstance(expected, TupleOfType):
            hints = [expected.elem] * len(e.items)
        return TupleType(tuple(self.infer(item, h) for item, h in zip(e.items, hints)))

    def _DictExpr(self, e: n.DictExpr, expected: Type | None) -> Type:
        kx = expected.key if isinstance(expected, DictType) else None
        vx = expected.value if isinstance(expected, DictType) else None
        keys = [self.infer(k, kx) for k, _ in e.entries]
        values = [self.infer(v, vx) for _, v in e.entries]
        if not e.entries:
            return DictType(kx or ANY, vx or ANY)
        return DictType(join_all(keys, self.env) or ANY, join_all(values, self.env) or ANY)

    def _RecordExpr(self, e: n.RecordExpr, expected: Type | None) -> Type:
        fields: dict[str, Type] = {}
        for f in e.fields:
            hint = expected.field(f.name.text) if isinstance(expected, RecordType) else None
            t = self.infer(f.value, hint)
            if f.name.text in fields:
                self.diags.error("E0420", f.name.span, name=f.name.text)
            fields[f.name.text] = t
        return RecordType(tuple(sorted(fields.items())))

    def _Attribute(self, e: n.Attribute, expected: Type | None) -> Type:
        member = self.program.names.symbols.get(id(e))
        if member is not None:
            return self.symbol_type(member, e)
        if isinstance(e.value, n.Var) and isinstance(
            self.program.names.symbols.get(id(e.value)), IbModuleSym
        ):
            return ANY  # an unknown member, already reported
        base = self.infer(e.value, None)
        return self.attribute(base, e.name, e.span, as_method=False)

    def attribute(self, base: Type, name: n.Name, span, as_method: bool) -> Type:
        if isinstance(base, OptionalType):
            self.diags.error("E0425", span, name=name.text, type=str(base))
            return ANY
        if isinstance(base, RecordType):
            t = base.field(name.text)
            if t is None:
                self.diags.error(
                    "E0408",
                    name.span,
                    name=name.text,
                    type=str(base),
                    suggestions=nearest(name.text, [k for k, _ in base.fields]),
                )
                return ANY
            return t
        if isinstance(base, Nominal):
            return self._nominal_member(base, name, as_method)
        if isinstance(base, (Prim, ListType, DictType, TupleType, TupleOfType)) and base != STR:
            if base == NONE or as_method or isinstance(base, Prim):
                self.diags.error("E0409", name.span, name=name.text, type=str(base), suggestions=[])
                return ANY
        return ANY

    def _nominal_member(self, base: Nominal, name: n.Name, as_method: bool) -> Type:
        index = self.env.index_for(base.revision)
        try:
            method = index.method(base.target, name.text)
        except Exception:  # noqa: BLE001 - an unreadable class is Any
            return ANY
        if method is not None:
            sig = receiver(method.signature, method.self_var, base)
            if "property" in method.decorators:
                return sig.returns if sig else ANY
            return sig or ANY
        if as_method and self._class_fully_known(base.target, index):
            names = self._member_names(base.target, index)
            self.diags.error(
                "E0409",
                name.span,
                name=name.text,
                type=str(base),
                suggestions=nearest(name.text, names),
            )
        return ANY

    def _class_fully_known(self, target: str, index=None) -> bool:
        index = index or self.program.index
        try:
            cls = index.class_info(target)
            if cls is None or "__getattr__" in cls.methods:
                return False
            for up in index.ancestors(target):
                info = index.class_info(up)
                if info is None or "__getattr__" in info.methods:
                    return False
            return len(index.ancestors(target)) >= len(cls.bases)
        except Exception:  # noqa: BLE001
            return False

    def _member_names(self, target: str, index=None) -> list[str]:
        index = index or self.program.index
        names: list[str] = []
        for t in (target, *index.ancestors(target)):
            info = index.class_info(t)
            if info is not None:
                names.extend(m for m in info.methods if not m.startswith("_"))
        return names

    def _Index(self, e: n.Index, expected: Type | None) -> Type:
        base = self.infer(e.value, None)
        key = self.infer(e.index, None)
        return operators.index_type(self, e, base, key)

    def _Call(self, e: n.Call, expected: Type | None) -> Type:
        func = e.func
        axis = self.program.histories.get(id(e)) if self.program.histories else None
        if axis is not None:  # `history(f)`: its versions (docs/revisions.md, "History sweeps")
            today = self.infer(e.args[0].value, None)
            for _label, version, _ in axis.values:
                if version is not e.args[0].value:
                    self.infer(version, None)
            return ListType(today)
        if isinstance(func, n.Attribute) and self.program.names.symbols.get(id(func)) is None:
            owner = func.value
            owner_sym = (
                self.program.names.symbols.get(id(owner)) if isinstance(owner, n.Var) else None
            )
            if not isinstance(owner_sym, IbModuleSym):
                return self._method_call(e, func)
        if isinstance(func, n.Lambda):
            known = {id(arg.value): self.infer(arg.value, None) for arg in e.args}
            ftype = self._lambda_for_args(func, e.args, known)

            def infer_once(expr: n.Expr, expected: Type | None) -> Type:
                # The arguments were inferred to type the lambda's parameters: reuse that.
                if id(expr) in known:
                    return known.pop(id(expr))
                return self.infer(expr, expected)

            return self.apply(ftype, e, _callee_name(func), infer_once)
        ftype = self.infer(func, None)
        sym = self.program.names.symbols.get(id(func)) if isinstance(func, n.Var) else None
        overloads = self.env.ref_overloads(sym) if isinstance(sym, PyRefSym) else ()
        if overloads and isinstance(ftype, FuncType):
            return self._overloaded(ftype, overloads, e, _callee_name(func))
        return self.apply(ftype, e, _callee_name(func))

    def _overloaded(self, impl: FuncType, overloads, e: n.Call, fname: str) -> Type:
        """A call of a Python function with `@overload`s: checked against the first overload
        the arguments fit (by their types and literal values), else the implementation."""
        known = {
            id(arg.value): self.infer(arg.value, None)
            for arg in e.args
            if not isinstance(arg.value, n.Lambda)
        }
        direct = lambda expr: self.constant(expr, follow=False)  # noqa: E731
        chosen = choose_overload(overloads, e.args, known, direct, self.env, e.span)

        def infer_once(expr: n.Expr, expected: Type | None) -> Type:
            if id(expr) in known:
                return known.pop(id(expr))
            return self.infer(expr, expected)

        ftype = chosen if chosen is not None else impl
        return self.apply(
            FuncType(ftype.params, ftype.returns, ftype.type_params, fname), e, fname, infer_once
        )

    def constant(self, e: n.Expr, follow: bool = True) -> object:
        """The value of `e` when known at compile time (a literal, a negated number; with
        `follow`, a top-level binding of a literal), else `UNKNOWN`."""
        if isinstance(e, n.Literal):
            return e.value
        if isinstance(e, n.UnaryOp) and e.op == "-" and isinstance(e.operand, n.Literal):
            value = e.operand.value
            return -value if type(value) in (int, float) else UNKNOWN
        if follow and isinstance(e, n.Var):
            sym = self.program.names.symbols.get(id(e))
            decl = sym.decl if isinstance(sym, BindingSym) else None
            if decl is not None and isinstance(decl.pattern, n.NamePattern):
                if isinstance(decl.value, n.Literal):
                    return decl.value.value
        return UNKNOWN

    def apply(self, ftype: Type, e: n.Call, fname: str, infer=None) -> Type:
        infer = infer or self.infer
        if isinstance(ftype, FuncType):
            match = check_call(
                ftype, fname, e.args, e.span, infer, self.diags, self.env, self.constant
            )
        elif isinstance(ftype, AnyType) or (
            isinstance(ftype, Nominal) and not isinstance(ftype, TypeVar)
        ):
            match = unchecked_call(e.args, infer)
        else:
            self.diags.error("E0406", e.func.span, callee=fname, type=str(ftype))
            match = unchecked_call(e.args, infer)
        self.out.calls[id(e)] = match
        return match.result

    def _method_call(self, e: n.Call, func: n.Attribute) -> Type:
        base = self.infer(func.value, None)
        if isinstance(base, Nominal):
            self.out.methods[id(e)] = base.target
            try:
                method = self.env.index_for(base.revision).method(base.target, func.name.text)
            except Exception:  # noqa: BLE001
                method = None
            estimator_fit = func.name.text in _PURE_IN_PRELUDE and is_subtype(
                base, ESTIMATOR, self.env
            )
            if estimator_fit or (method is not None and method.returns_self_mutating):
                self.diags.error(
                    "E0407",
                    func.name.span,
                    method=func.name.text,
                    type=str(base),
                    receiver=_expr_text(func.value),
                    args=", ".join(_expr_text(a.value) for a in e.args if a.name is None),
                    fixes=_pure_call_fix(e, func) if estimator_fit else (),
                )
                if estimator_fit:  # typed as the prelude's pure function would be
                    return base if func.name.text == "fit" else ANY
            if method is not None and method.overloads:
                overloads = tuple(receiver(o, method.self_var, base) for o in method.overloads)
                mtype = self.attribute(base, func.name, func.span, as_method=True)
                self.out.types[id(func)] = mtype
                if isinstance(mtype, FuncType):
                    return self._overloaded(mtype, overloads, e, func.name.text)
                return self.apply(mtype, e, func.name.text)
        mtype = self.attribute(base, func.name, func.span, as_method=True)
        self.out.types[id(func)] = mtype
        return self.apply(mtype, e, func.name.text)

    def _lambda_for_args(self, lam: n.Lambda, args: tuple[n.Arg, ...], known) -> Type:
        hints = [known[id(arg.value)] for arg in args]
        params = tuple(
            Param(p.name.text, hints[i] if i < len(hints) else ANY, p.kind, p.default is not None)
            for i, p in enumerate(lam.params)
        )
        expected = FuncType(params, ANY)
        return self.infer(lam, expected)

    def _Pipe(self, e: n.Pipe, expected: Type | None) -> Type:
        value_arg = n.Arg(None, e.value, e.value.span)
        if e.inject and isinstance(e.func, n.Call) and self._maps(e.func):
            # `xs |> map(f)` is `map(f, xs)`: the piped list is what is mapped over
            call = n.Call(e.func.func, (*e.func.args, value_arg), e.span)
        elif e.inject and isinstance(e.func, n.Call):
            call = n.Call(e.func.func, (value_arg, *e.func.args), e.span)
        else:
            call = n.Call(e.func, (value_arg,), e.span)
        self.out.pipes[id(e)] = call
        return self.infer(call, expected)

    def _maps(self, call: n.Call) -> bool:
        """Whether `call` is the prelude's `map` given only its function (`map(f)`)."""
        if not isinstance(call.func, n.Var) or len(call.args) != 1 or call.args[0].name:
            return False
        sym = self.program.names.symbols.get(id(call.func))
        module = getattr(sym, "module", None)
        return (
            isinstance(sym, PyRefSym)
            and module is not None
            and module.kind == "prelude"
            and sym.name == "map"
        )

    def _Lambda(self, e: n.Lambda, expected: Type | None) -> Type:
        hint = expected if isinstance(expected, FuncType) else None
        params = []
        for index, p in enumerate(e.params):
            if p.annotation is not None:
                t = self.env.type_of(p.annotation, self.module, self.tparams)
            elif hint is not None and index < len(hint.params):
                t = hint.params[index].type
            else:
                t = ANY
            if hint is not None and isinstance(t, TypeVar):
                t = ANY
            self._set_local(p, t)
            params.append(Param(p.name.text, t, p.kind, p.default is not None))
        if (
            hint is not None
            and len(hint.params) != len(e.params)
            and not any(p.kind in ("var_positional", "var_keyword") for p in hint.params)
        ):
            self.diags.error(
                "E0426", e.span, expected=len(hint.params), found=len(e.params), type=str(hint)
            )
            self.infer(e.body, None)
            return ANY
        body = self.infer(e.body, hint.returns if hint and not _has_vars(hint.returns) else None)
        return FuncType(tuple(params), body)

    def _IfExpr(self, e: n.IfExpr, expected: Type | None) -> Type:
        self.infer(e.cond, None)
        then = self.infer(e.then, expected)
        orelse = self.infer(e.orelse, expected)
        return join_all([then, orelse], self.env) or ANY

    def _BinOp(self, e: n.BinOp, expected: Type | None) -> Type:
        left = self.infer(e.left, None)
        right = self.infer(e.right, None)
        return operators.binop_type(self, e, left, right)

    def _UnaryOp(self, e: n.UnaryOp, expected: Type | None) -> Type:
        operand = self.infer(e.operand, None)
        return operators.unary_type(self, e, operand)

    def _BoolOp(self, e: n.BoolOp, expected: Type | None) -> Type:
        left = self.infer(e.left, expected)
        right = self.infer(e.right, expected)
        if left == BOOL and right == BOOL:
            return BOOL
        return join_all([left, right], self.env) or ANY

    def _Compare(self, e: n.Compare, expected: Type | None) -> Type:
        types = [self.infer(e.first, None), *(self.infer(r, None) for r in e.rest)]
        return operators.compare_type(self, e, types)

    def _With(self, e: n.With, expected: Type | None) -> Type:
        base = self.infer(e.base, expected)
        for override in e.overrides:
            self.infer(override.value, None)
        return base

    def _WithBest(self, e: n.WithBest, expected: Type | None) -> Type:
        from ibc.types.search import best_type

        return best_type(self, e, expected)

    def _Revision(self, e: n.Revision, expected: Type | None) -> Type:
        target = e.value
        sym = self.program.names.symbols.get(id(target))
        if not isinstance(sym, PyRefSym):
            self.diags.error("E0601", target.span, what=_expr_text(target))
            self.infer(target, None)
            return ANY
        pins = getattr(self.program, "pins", None)
        if pins is None:
            return self.infer(target, expected)
        self.infer(target, None)  # today's reference (its own diagnostics)
        pinned = pins.target(sym, str(e.revision.value), e.revision, sym.module_name or None)
        if pinned is None:
            return ANY
        return self.env.pinned_ref_type(sym, pinned)

    # ----------------------------------------------------------------- helpers for operators

    def error(self, code: str, span, **args) -> None:
        self.diags.error(code, span, **args)


# Methods of scikit-learn estimators that fit the estimator in place and return it, whose
# pure versions the prelude provides (docs/errors.md, E0407). An estimator typed by a stub or
# by the prelude's `Estimator` has no source for the checker to read, so the name decides.
_PURE_IN_PRELUDE = frozenset({"fit", "fit_transform"})
ESTIMATOR = Nominal("sklearn.base:BaseEstimator", "Estimator")


def _pure_call_fix(e: n.Call, func: n.Attribute) -> tuple:
    """`model.fit(X, y)` rewritten as the prelude's `fit(model, X, y)` (E0407's hint), the
    receiver and the arguments copied from the source as written."""
    from ibc.diagnostics.fixes import replace

    name, receiver = func.name.text, func.value.span
    if not e.args:
        return (replace(e.span, f"{name}(", receiver, ")"),)
    given = e.args[0].span.to(e.args[-1].span)
    return (replace(e.span, f"{name}(", receiver, ", ", given, ")"),)


def _element(t: Type, index: int) -> Type:
    if isinstance(t, TupleType):
        return t.items[index] if index < len(t.items) else ANY
    if isinstance(t, (ListType, TupleOfType)):
        return t.elem
    return ANY


def _untyped(t: Type) -> bool:
    """`Any`, or a function whose source annotates nothing (every part `Any`)."""
    if isinstance(t, AnyType):
        return True
    if isinstance(t, FuncType) and not isinstance(t.returns, Nominal):
        return isinstance(t.returns, AnyType) and all(isinstance(p.type, AnyType) for p in t.params)
    return False


def _has_vars(t: Type) -> bool:
    from ibc.base.typeterms import free_vars

    return bool(free_vars(t))


def _callee_name(func: n.Expr) -> str:
    if isinstance(func, n.Var):
        return func.name
    if isinstance(func, n.Attribute):
        return func.name.text
    if isinstance(func, n.Revision):
        return _callee_name(func.value) + f' @ "{func.revision.value}"'
    if isinstance(func, n.Lambda):
        return "fn"
    return "this function"


def _expr_text(e: n.Expr) -> str:
    if isinstance(e, n.Var):
        return e.name
    if isinstance(e, n.Attribute):
        return f"{_expr_text(e.value)}.{e.name.text}"
    if isinstance(e, n.Literal):
        return e.text
    return "…"


def _pattern_text(p: n.Pattern) -> str:
    if isinstance(p, n.NamePattern):
        return p.name.text
    return "(" + ", ".join(_pattern_text(i) for i in p.items) + ")"


def check(program: Resolved, diags: Diagnostics, strict: bool = False) -> Checked:
    return Checker(program, diags, strict).check()
