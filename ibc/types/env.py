"""The checker's knowledge of types: written types evaluated, nominal hierarchy, and the
types of Python references.

- `type_of(texpr, module, tparams)` turns a written type into a `Type`: the built-in names
  (`Int`, `List[T]`, …), the module's `type` declarations (aliases expand; nominal types
  bind a Python class), qualified names of imported `.ib` modules (`common.Metrics`), the
  prelude's types, and Python classes imported by name (`LogisticRegression` as a type).
- `nominal_subtype` answers `A <: B` for nominal types from declared supertypes and the
  Python base classes the source shows.
- `ref_type(sym)` is a Python reference's type, from (in order) its explicit `: Type`, a
  stub, or the Python source; a stub's parameter types are merged by name into the
  source's parameter names and defaults.
"""

from __future__ import annotations

from ibc.base.records import replace
from ibc.diagnostics.diagnostic import Diagnostics
from ibc.base.spell import nearest
from ibc.resolve import Resolved
from ibc.resolve.pyinterface import PyClass, PyFunction, PyValue
from ibc.resolve.symbols import IbModuleSym, ModuleInfo, PyRefSym, TypeSym
from ibc.syntax import nodes as n
from ibc.base.typeterms import (
    ANY,
    KEYWORD_ONLY,
    NONE,
    PRIMS,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    DictType,
    FuncType,
    ListType,
    LiteralType,
    Nominal,
    Param,
    RecordType,
    TupleOfType,
    TupleType,
    Type,
    TypeVar,
    literal_key,
    optional,
)

GENERIC_ARITY = {"List": 1, "Dict": 2, "Tuple": None, "Optional": 1}
BUILTIN_TYPE_NAMES = [*PRIMS, "Any", *GENERIC_ARITY]  # (the editors' word lists follow it)


class TypeEnv:
    def __init__(self, program: Resolved, diags: Diagnostics) -> None:
        self.program = program
        self.diags = diags
        self.index = program.index
        self._type_syms: dict[int, Type] = {}
        self._in_progress: set[int] = set()
        self._ref_types: dict[int, Type] = {}
        self._ref_overloads: dict[int, tuple[FuncType, ...]] = {}
        self._pinned_types: dict[tuple[int, str], Type] = {}
        self.declared_supers: dict[str, list[Nominal]] = {}
        self._canonical: dict[str, str] = {}
        self._sub_cache: dict[tuple, bool] = {}

    # ----------------------------------------------------------------- nominal types

    def canonical(self, target: str) -> str:
        if target not in self._canonical:
            try:
                self._canonical[target] = self.index.canonical_target(target)
            except Exception:  # noqa: BLE001 - an unreadable library never stops a check
                self._canonical[target] = target
        return self._canonical[target]

    def nominal(self, target: str, name: str, revision: str | None = None) -> Nominal:
        return Nominal(self.canonical(target), name, revision)

    def nominal_subtype(self, sub: Nominal, sup: Nominal) -> bool:
        if sub.revision != sup.revision:
            return False
        if sub.target == sup.target:
            return True
        key = (sub.target, sup.target, sub.revision)
        if key in self._sub_cache:
            return self._sub_cache[key]
        self._sub_cache[key] = False  # guards cycles in declared supertypes
        result = self._search_supers(sub.target, sup.target, sub.revision)
        self._sub_cache[key] = result
        return result

    def _search_supers(self, start: str, goal: str, revision: str | None = None) -> bool:
        seen = {start}
        todo = [start]
        index = self.index_for(revision)
        while todo:
            target = todo.pop()
            try:
                ancestors = list(index.ancestors(target))
            except Exception:  # noqa: BLE001
                ancestors = []
            for up in [*ancestors, *(s.target for s in self.declared_supers.get(target, []))]:
                if up == goal:
                    return True
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        return False

    def load_type_decls(self, info: ModuleInfo) -> None:
        """Evaluate every `type` declaration of a module (registering supertypes)."""
        for sym in list(info.types.values()):
            if isinstance(sym, TypeSym) and sym.module is info:
                self.type_sym(sym)

    # ----------------------------------------------------------------- written types

    def type_sym(self, sym: TypeSym) -> Type:
        key = id(sym)
        if key in self._type_syms:
            return self._type_syms[key]
        decl = sym.decl
        assert decl is not None and sym.module is not None
        if key in self._in_progress:
            self.diags.error("E0417", decl.name.span, name=sym.name)
            return ANY
        self._in_progress.add(key)
        result: Type = ANY
        if decl.target is not None:
            target = str(decl.target.value)
            if ":" not in target or not all(target.partition(":")[::2]):
                self.diags.error("E0418", decl.target.span, target=target)
            else:
                result = self.nominal(target, sym.name)
                supers = []
                for sup in decl.supertypes:
                    st = self.type_of(sup, sym.module)
                    if isinstance(st, Nominal):
                        supers.append(st)
                    else:
                        self.diags.error("E0419", sup.span, found=str(st))
                self.declared_supers.setdefault(result.target, []).extend(supers)
        elif decl.alias is not None:
            if decl.supertypes:
                self.diags.error("E0419", decl.supertypes[0].span, found="an alias")
            result = self.type_of(decl.alias, sym.module)
        self._in_progress.discard(key)
        self._type_syms[key] = result
        return result

    def type_of(
        self, t: n.TypeExpr, module: ModuleInfo, tparams: dict[str, TypeVar] | None = None
    ) -> Type:
        tparams = tparams or {}
        if isinstance(t, n.TypeName):
            return self._named(t, module, tparams)
        if isinstance(t, n.RecordType):
            fields: dict[str, Type] = {}
            for name, ft in t.fields:
                if name.text in fields:
                    self.diags.error("E0420", name.span, name=name.text)
                fields[name.text] = self.type_of(ft, module, tparams)
            return RecordType(tuple(sorted(fields.items())))
        if isinstance(t, n.FuncType):
            inner = dict(tparams)
            own: list[TypeVar] = []
            for tp in t.type_params:
                bound = self.type_of(tp.bound, module, inner) if tp.bound else None
                tv = TypeVar(tp.name.text, bound=bound)
                inner[tp.name.text] = tv
                own.append(tv)
            params = tuple(self.param_type(p, module, inner) for p in t.params)
            return FuncType(params, self.type_of(t.returns, module, inner), tuple(own))
        if isinstance(t, n.TypeEllipsis):
            self.diags.error("E0421", t.span)
            return ANY
        if isinstance(t, n.Literal):  # a value outside `Literal[...]`
            self.diags.error("E0430", t.span, value=t.text, misplaced=True)
            return ANY
        return ANY

    def param_type(self, p: n.ParamType, module: ModuleInfo, tparams) -> Param:
        return Param(
            p.name.text if p.name else None,
            self.type_of(p.type, module, tparams),
            p.kind,
            p.default is not None,
            _default_text(p.default),
        )

    def _named(self, t: n.TypeName, module: ModuleInfo, tparams: dict[str, TypeVar]) -> Type:
        name = t.name
        if name in tparams and "." not in name:
            self._arity(t, 0)
            return tparams[name]
        if name in PRIMS or name == "Any":
            self._arity(t, 0)
            return PRIMS.get(name, ANY)
        if name in GENERIC_ARITY:
            return self._generic(t, module, tparams)
        if name == "Literal" and self._lookup_type(name, module) is None:
            return self._literal(t)
        sym = self._lookup_type(name, module)
        if sym is None:
            candidates = [*BUILTIN_TYPE_NAMES, "Literal", *module.types, *tparams]
            prelude = self.program.prelude
            if prelude is not None:
                candidates += list(prelude.types)
            value = module.values.get(name)
            self.diags.error(
                "E0416",
                t.span,
                name=name,
                suggestions=nearest(name, candidates),
                is_value=value is not None,
            )
            return ANY
        self._arity(t, 0)
        if isinstance(sym, TypeSym):
            return self.type_sym(sym)
        if isinstance(sym, PyRefSym):
            return sym_type_as_class(self, sym)
        return ANY

    def _lookup_type(self, name: str, module: ModuleInfo):
        if "." in name:
            head, _, rest = name.partition(".")
            mod = module.values.get(head)
            if isinstance(mod, IbModuleSym) and mod.target is not None:
                return self._lookup_type(rest, mod.target)
            return None
        sym = module.types.get(name)
        if sym is not None:
            return sym
        value = module.values.get(name)
        if isinstance(value, PyRefSym):
            target = self.program.pyrefs.resolve(value)
            if target is not None and isinstance(target.definition, PyClass):
                return value
        prelude = self.program.prelude
        if prelude is not None and module is not prelude:
            return prelude.types.get(name)
        return None

    def _arity(self, t: n.TypeName, expected: int) -> bool:
        if len(t.args) != expected:
            self.diags.error("E0422", t.span, name=t.name, expected=expected, found=len(t.args))
            return False
        return True

    def _literal(self, t: n.TypeName) -> Type:
        """`Literal["mean", "median"]`: strings, integers, `True`/`False` and `None`."""
        values: list = []
        has_none = False
        for arg in t.args:
            if isinstance(arg, n.TypeName) and arg.name == "None" and not arg.args:
                has_none = True
            elif isinstance(arg, n.Literal) and isinstance(arg.value, (str, int)):
                if literal_key(arg.value) not in {literal_key(v) for v in values}:
                    values.append(arg.value)
            else:
                text = arg.text if isinstance(arg, n.Literal) else None
                self.diags.error("E0430", arg.span, value=text, misplaced=False)
                return ANY
        if not t.args:
            self.diags.error("E0430", t.span, value=None, misplaced=False)
            return ANY
        if not values:
            return NONE
        literal = LiteralType(tuple(values))
        return optional(literal) if has_none else literal

    def _generic(self, t: n.TypeName, module: ModuleInfo, tparams) -> Type:
        name = t.name
        if name == "Tuple":
            if len(t.args) == 2 and isinstance(t.args[1], n.TypeEllipsis):
                return TupleOfType(self.type_of(t.args[0], module, tparams))
            return TupleType(tuple(self.type_of(a, module, tparams) for a in t.args))
        if not self._arity(t, GENERIC_ARITY[name] or 0):
            return ANY
        args = [self.type_of(a, module, tparams) for a in t.args]
        if name == "List":
            return ListType(args[0])
        if name == "Dict":
            return DictType(args[0], args[1])
        return optional(args[0])

    # ----------------------------------------------------------------- Python references

    def ref_type(self, sym: PyRefSym) -> Type:
        key = id(sym)
        if key in self._ref_types:
            return self._ref_types[key]
        self._ref_types[key] = ANY
        result = self._compute_ref_type(sym)
        self._ref_types[key] = result
        return result

    # ----------------------------------------------------------------- pinned references

    def index_for(self, revision: str | None):
        """The Python index that knows the classes of `revision` (today's when None)."""
        pins = getattr(self.program, "pins", None)
        if revision and pins is not None and revision in pins.indexes:
            return pins.indexes[revision]
        return self.index

    def import_commit(self, sym: PyRefSym) -> str | None:
        """The commit of a reference imported at a revision (`from "f.py" @ "v1" import`)."""
        pins = getattr(self.program, "pins", None)
        if pins is None or sym.decl is None or sym.decl.revision is None:
            return None
        found = pins.targets.get((id(sym), str(sym.decl.revision.value)))
        return found.commit if found is not None else None

    def pinned_ref_type(self, sym: PyRefSym, pinned) -> Type:
        """The type of `sym` at a revision, from the old source (`pinned` a PinnedTarget)."""
        key = (id(sym), pinned.commit)
        if key not in self._pinned_types:
            found = _definition_type(self, pinned.definition, pinned.commit)
            self._pinned_types[key] = (
                ANY if pinned.definition is None else _name_func(found, sym.py_name)
            )
        return self._pinned_types[key]

    def _compute_ref_type(self, sym: PyRefSym) -> Type:
        assert sym.item is not None and sym.module is not None
        target = self.program.pyrefs.resolve(sym)
        definition = target.definition if target else None
        source_type = _definition_type(self, definition, self.import_commit(sym))
        if sym.item.annotation is not None:
            declared = self.type_of(sym.item.annotation, sym.module)
            if isinstance(declared, FuncType) and isinstance(source_type, FuncType):
                _check_names(self, sym, declared, source_type)
            return _name_func(declared, sym.py_name)
        if target is not None and sym.module.kind != "stub":
            stub = self.program.loader.stub(target.module)
            if stub is None and definition is not None:
                stub = self.program.loader.stub(getattr(definition, "module", target.module))
            if stub is not None:
                self.load_type_decls(stub)
                stub_sym = stub.values.get(sym.py_name)
                if isinstance(stub_sym, PyRefSym) and stub_sym.item and stub_sym.item.annotation:
                    declared = self.type_of(stub_sym.item.annotation, stub)
                    return _name_func(merge(declared, source_type), sym.py_name)
        if definition is None:
            return ANY
        if isinstance(definition, PyFunction) and definition.overloads:
            self._ref_overloads[id(sym)] = definition.overloads
        return _name_func(source_type, sym.py_name)

    def ref_overloads(self, sym: PyRefSym) -> tuple[FuncType, ...]:
        """The `@overload` signatures of a Python function typed by its source (none when
        a stub or an explicit type gives its type)."""
        self.ref_type(sym)
        return self._ref_overloads.get(id(sym), ())


def sym_type_as_class(env: TypeEnv, sym: PyRefSym) -> Type:
    target = env.program.pyrefs.resolve(sym)
    if target is not None and isinstance(target.definition, PyClass):
        cls = target.definition
        if cls.typed_dict is not None:
            return RecordType(tuple(sorted(cls.typed_dict)))
        commit = env.import_commit(sym)
        if commit is not None:
            return Nominal(cls.target, cls.name, commit)
        return env.nominal(cls.target, cls.name)
    return ANY


def _definition_type(env: TypeEnv, definition, commit: str | None = None) -> Type:
    """The type of a definition; `commit` for one read at a revision (its class is a
    type distinct from today's)."""
    if isinstance(definition, PyFunction):
        return definition.signature or ANY
    if isinstance(definition, PyClass):
        init = definition.init
        returns: Type = (
            Nominal(definition.target, definition.name, commit)
            if commit is not None
            else env.nominal(definition.target, definition.name)
        )
        if definition.typed_dict is not None:
            returns = RecordType(tuple(sorted(definition.typed_dict)))
        if init is None:
            return FuncType((), returns, (), definition.name)
        return FuncType(init.params, returns, init.type_params, definition.name)
    if isinstance(definition, PyValue):
        return definition.type
    return ANY


def merge(stub: Type, source: Type) -> Type:
    """A stub's types over the source's parameter names, kinds and defaults (docs/stubs.md).

    When the source takes `**kwargs` and the stub declares parameters the source only takes
    through it (LightGBM's `verbose`, every parameter of `XGBRegressor` but `objective`), the
    stub lists the real parameters: those are added as keyword-only parameters with the
    stub's defaults, and `**kwargs` is kept only if the stub writes it too, so a misspelt
    keyword is an error (E0402) rather than swallowed."""
    if not isinstance(stub, FuncType) or not isinstance(source, FuncType):
        return stub
    by_name = {p.name: p for p in stub.params if p.name}
    named = {p.name for p in source.params if p.kind not in (VAR_POSITIONAL, VAR_KEYWORD)}
    var_kw = next((p for p in source.params if p.kind == VAR_KEYWORD), None)
    through_kwargs = [
        p
        for p in stub.params
        if p.name and p.name not in named and p.kind not in (VAR_POSITIONAL, VAR_KEYWORD)
    ]
    if var_kw is None or not through_kwargs:
        through_kwargs = []
    params = []
    for p in source.params:
        if p.kind == VAR_KEYWORD and through_kwargs:
            params += [replace(q, kind=KEYWORD_ONLY) for q in through_kwargs]
            if not any(q.kind == VAR_KEYWORD for q in stub.params):
                continue
        declared = by_name.get(p.name)
        params.append(
            Param(p.name, declared.type if declared else p.type, p.kind, p.has_default, p.default)
        )
    return FuncType(tuple(params), stub.returns, stub.type_params, stub.name or source.name)


def _check_names(env: TypeEnv, sym: PyRefSym, declared: FuncType, source: FuncType) -> None:
    src = {p.name for p in source.params if p.name}
    if any(p.kind in (VAR_KEYWORD,) for p in source.params):
        return
    for p in declared.params:
        if p.name and p.name not in src and p.kind not in (VAR_POSITIONAL, VAR_KEYWORD):
            assert sym.item is not None and sym.item.annotation is not None
            env.diags.warning(
                "W0402",
                sym.item.annotation.span,
                name=p.name,
                ref=sym.py_name,
                suggestions=nearest(p.name, sorted(src)),
            )


def _name_func(t: Type, name: str) -> Type:
    if isinstance(t, FuncType) and not t.name:
        return FuncType(t.params, t.returns, t.type_params, name)
    return t


def _default_text(expr: n.Expr | None) -> str | None:
    if expr is None:
        return None
    if isinstance(expr, n.Literal):
        return expr.text
    return "…"
