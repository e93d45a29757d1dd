"""Python interfaces read with `ast`, never by importing (docs/guide.md §3, §5; docs/running.md
"What is recomputed").

`read_interface` turns one Python file (`.py` or `.pyi`) into a `ModuleInterface`: its
functions (with `FuncType` signatures from the `def`s and their annotations), classes (bases,
constructor, methods), module-level values, submodule references and re-exports. Names in
annotations and base lists are resolved through the file's own imports to `"module:QualName"`
targets as the file spells them (`pd.DataFrame` → `"pandas:DataFrame"`); `PythonIndex` then
follows re-exports lazily to the defining module, so what `lookup`, `class_info` and `method`
return carries canonical targets (`"pandas.core.frame:DataFrame"`), records for `TypedDict`s
and fresh `TypeVar`s. `module()` returns the interface as read (targets not yet canonical).

Layout: the data model (`PyFunction`, `PyClass`, …, `ModuleInterface`) is in `pymodel`,
reading one file in `pyreader`, annotations → types in `pyannotations`; this module holds
`PythonIndex` and re-exports the rest, so import everything from here.

Choices worth knowing:
- `@overload`: a `.py` file's implementation (the last `def` without `@overload`) is the
  signature; when there are only overloads (a `.pyi`), the first overload's parameter names,
  kinds and defaults with `Any` types, returning the overloads' common return type (else
  `Any`). The overloads' own signatures are kept in `PyFunction.overloads`: the checker
  chooses one by the arguments of a call (docs/types.md).
- `Self` (and a TypeVar annotating `self`) is a type parameter named by
  `PyFunction.self_var`, which the checker replaces by the receiver's type.
- A module-level alias of a class or function (`_Base = BaseEstimator`) is a re-export, so
  classes deriving from it see the real base.
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

import os
from pathlib import Path

from ibc.base.records import replace
from ibc.resolve import pyfinder
from ibc.resolve.ifcache import InterfaceCache
from ibc.resolve.pymodel import (
    Definition,
    Entry,
    ModuleInterface,
    PyClass,
    PyFunction,
    PyModuleRef,
    PyReexport,
    PyValue,
)
from ibc.resolve.pyreader import read_interface
from ibc.base.typeterms import (
    ANY,
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
)

__all__ = [
    "Definition",
    "Entry",
    "ModuleInterface",
    "PyClass",
    "PyFunction",
    "PyModuleRef",
    "PyReexport",
    "PyValue",
    "PythonIndex",
    "read_interface",
]


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
        self.asked: set[str] | None = None  # modules asked for while recording (see `record`)

    # -- modules ----------------------------------------------------------------------------

    def locate(self, dotted: str) -> pyfinder.ModuleLocation | None:
        if self.asked is not None:
            self.asked.add(dotted)
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

    def record(self) -> None:
        """Start noting every module asked for (found or not), until `recorded()`: what one
        check of a program depended on (the language server re-checks a document when one of
        them changes, docs/editors.md). The memos derived from modules are dropped first, so
        that no answer comes from a memo without its modules being asked for again."""
        self._forget()
        self.asked = set()

    def recorded(self) -> tuple[frozenset[str], frozenset[str]]:
        """Stop noting; the files of the modules asked for since `record()` (absolute
        paths) and the names of those that were not found (a file created later may be one)."""
        asked, self.asked = self.asked or set(), None
        files, missing = set(), set()
        for dotted in asked:
            location = self._locations.get(dotted)
            if location is None:
                missing.add(dotted)
            elif location.path is not None:
                files.add(os.path.abspath(location.path))
        return frozenset(files), frozenset(missing)

    def invalidate(self, path: Path | str) -> None:
        """Forget what was read from the Python file at `path` (changed, created or deleted
        on disk): its interface, where modules were found (a new or deleted file may move a
        module), and the memos derived from modules. The next question reads it again."""
        path = os.path.abspath(str(path))
        for dotted, (_, iface) in list(self._modules.items()):
            if iface is not None and iface.path and os.path.abspath(iface.path) == path:
                del self._modules[dotted]
        self._locations.clear()
        self._roots.clear()
        self._forget()

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
            done = replace(
                entry,
                signature=self._final_func(entry.signature),
                overloads=tuple(self._final_func(o) for o in entry.overloads),
            )
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
        again = lambda x: self._final_type(x, fresh, depth + 1)
        if isinstance(t, Nominal):
            target = self.canonical_target(t.target)
            module, _, qual = target.partition(":")
            found = self._walk_qual(module, qual.split(".")) if qual else None
            if isinstance(found, PyClass) and found.typed_dict is not None:
                return RecordType(tuple((k, again(v)) for k, v in found.typed_dict))
            if isinstance(found, PyValue) and found.alias is not None:
                return again(found.alias)  # `MergeHow`: a Literal alias of another module
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
