"""Reading Python interfaces with `ast` (ibc.resolve.pyinterface)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ibc.resolve.pyinterface import (
    PyClass,
    PyFunction,
    PyModuleRef,
    PyReexport,
    PythonIndex,
    PyValue,
    read_interface,
)
from ibc.base.typeterms import (
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
    RecordType,
    TupleOfType,
    TupleType,
    LiteralType,
    TypeVar,
)

FIXTURES = Path(__file__).parent / "fixtures"
PROJ = FIXTURES / "proj"
SITE = FIXTURES / "site"
NDARRAY = Nominal("numpy:ndarray")


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> PythonIndex:
    path = [str(SITE), *(p for p in sys.path if p and "site-packages" in p)]
    return PythonIndex(PROJ, path, cache_dir=tmp_path_factory.mktemp("ifcache"))


def sig(index: PythonIndex, module: str, name: str) -> FuncType:
    found = index.lookup(module, name)
    assert isinstance(found, PyFunction), found
    return found.signature


def params(fn: FuncType) -> list[tuple]:
    return [(p.name, p.type, p.kind, p.has_default, p.default) for p in fn.params]


# -- project functions and annotations ------------------------------------------------------


def test_scale_signature(index):
    fn = sig(index, "src.features", "scale")
    assert params(fn) == [
        ("X", NDARRAY, POSITIONAL, False, None),
        ("with_mean", BOOL, POSITIONAL, True, "True"),
    ]
    assert fn.returns == NDARRAY


def test_pandas_annotation_is_canonical(index):
    fn = sig(index, "src.features", "add_ratios")
    assert fn.params[0].type == Nominal("pandas.core.frame:DataFrame")
    assert fn.params[1].type == ListType(STR)
    assert params(fn)[2] == ("suffix", STR, KEYWORD_ONLY, True, '"_ratio"')


def test_varargs_and_kwargs(index):
    fn = sig(index, "src.features", "collect")
    assert [(p.name, p.kind) for p in fn.params] == [
        ("arrays", VAR_POSITIONAL),
        ("test_size", KEYWORD_ONLY),
        ("options", VAR_KEYWORD),
    ]
    assert fn.params[0].type == NDARRAY  # npt.NDArray[np.float64]
    assert fn.params[2].type == ANY
    assert fn.returns == ListType(NDARRAY)


def test_positional_only_and_keyword_only(index):
    fn = sig(index, "src.features", "positional")
    assert [(p.name, p.type, p.kind) for p in fn.params] == [
        ("a", INT, POSITIONAL_ONLY),
        ("b", STR, POSITIONAL_ONLY),
        ("c", FLOAT, POSITIONAL),
        ("d", BOOL, KEYWORD_ONLY),
    ]
    assert fn.returns == NONE


def test_unannotated_is_any_with_default_text(index):
    fn = sig(index, "src.features", "unannotated")
    assert params(fn) == [
        ("x", ANY, POSITIONAL, False, None),
        ("y", ANY, POSITIONAL, True, "3"),
        ("rest", ANY, VAR_POSITIONAL, False, None),
        ("z", ANY, KEYWORD_ONLY, True, '"a"'),
        ("kw", ANY, VAR_KEYWORD, False, None),
    ]
    assert fn.returns == ANY


def test_optionals_and_unions(index):
    fn = sig(index, "src.features", "optionals")
    assert [p.type for p in fn.params] == [
        OptionalType(INT),
        OptionalType(INT),
        OptionalType(STR),
        ANY,  # Union[int, str]
        OptionalType(FLOAT),  # a string annotation
    ]
    assert fn.returns == DictType(STR, FLOAT)


def test_containers_and_callables(index):
    fn = sig(index, "src.features", "containers")
    a, b, c, d = (p.type for p in fn.params)
    assert a == ListType(INT)
    assert b == TupleType((INT, STR))
    assert c == TupleOfType(FLOAT)
    assert isinstance(d, FuncType) and [p.type for p in d.params] == [INT, STR]
    assert d.returns == BOOL
    assert fn.returns == DictType(STR, ListType(INT))


def test_typevars_become_generics(index):
    fn = sig(index, "src.features", "identity")
    (tv,) = fn.type_params
    assert isinstance(tv, TypeVar) and tv.name == "T"
    assert fn.params[0].type is tv and fn.returns is tv
    train = sig(index, "src.features", "train")
    m, t = train.type_params
    assert m.bound == Nominal("src.features:Model") and train.returns is m
    assert train.params[1].type == ListType(t)
    assert tv != t  # two signatures, two T's


def test_typed_dict_becomes_record(index):
    record = RecordType((("accuracy", FLOAT), ("f1", FLOAT)))
    assert sig(index, "src.features", "evaluate").returns == record
    metrics = index.lookup("src.features", "Metrics")
    assert isinstance(metrics, PyClass) and metrics.typed_dict == record.fields
    # through another file's import (`features.Metrics`)
    assert sig(index, "src.models", "score").returns == record
    assert sig(index, "src.models", "score").params[1].type == NDARRAY


def test_self_type(index):
    """`Self` is a type parameter bounded by the class, named by `self_var`: a method call
    replaces it by the receiver's type (a subclass's, when called on one)."""
    clone = index.class_info("src.features:Model").methods["clone"]
    returns = clone.signature.returns
    assert isinstance(returns, TypeVar) and returns.name == clone.self_var == "Self"
    assert returns.bound == Nominal("src.features:Model")
    assert returns in clone.signature.type_params


def test_module_values(index):
    assert index.lookup("src.features", "N_FOLDS") == PyValue("N_FOLDS", "src.features", INT, 27)
    assert index.lookup("src.features", "NAME").type == STR
    assert index.lookup("src.features", "RATE").type == FLOAT
    assert index.lookup("src.features", "THRESHOLD").type == FLOAT
    assert index.lookup("src.features", "EVERYTHING").type == ANY


def test_missing_name_is_none(index):
    assert index.lookup("src.features", "no_such_function") is None
    assert index.lookup("no_such_module", "x") is None
    assert index.module("no_such_module") is None


# -- classes --------------------------------------------------------------------------------


def test_dataclass_constructor(index):
    cfg = index.lookup("src.features", "Config")
    assert cfg.is_dataclass and cfg.target == "src.features:Config"
    assert params(cfg.init) == [
        ("n_estimators", INT, POSITIONAL, True, "100"),
        ("depth", OptionalType(INT), POSITIONAL, True, "None"),
        ("tags", ListType(STR), POSITIONAL, True, "list()"),
        ("name", STR, POSITIONAL, True, '"cfg"'),
    ]
    assert cfg.init.returns == Nominal("src.features:Config")


def test_namedtuple_constructor(index):
    split = index.lookup("src.features", "Split")
    assert [(p.name, p.type, p.has_default) for p in split.init.params] == [
        ("train", NDARRAY, False),
        ("test", NDARRAY, False),
        ("seed", INT, True),
    ]


def test_class_methods_and_decorators(index):
    est = index.lookup("src.models", "Estimator")
    assert est.bases == (
        "src.features:Model",
    )  # through `from src.features import Model as BaseModel`
    assert params(est.init) == [
        ("alpha", FLOAT, POSITIONAL, True, "1.0"),
        ("seed", INT, KEYWORD_ONLY, True, "0"),
    ]
    methods = est.methods
    assert methods["make"].signature.params[0].name == "alpha"  # staticmethod keeps all
    assert [p.name for p in methods["default"].signature.params] == ["seed"]  # drops cls
    assert "property" in methods["coef"].decorators and methods["coef"].signature.returns == FLOAT
    assert methods["fit"].qualname == "Estimator.fit"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("fit", True),  # tuple assignment to self attributes, returns self
        ("partial_fit", True),  # setattr(self, ...)
        ("update", True),  # self.history_[0] = ...
        ("predict", False),
        ("with_alpha", False),  # mutates another object
        ("chain", False),  # returns self without changing it
        ("nested", False),  # the mutation is in a nested function
    ],
)
def test_returns_self_mutating(index, name, expected):
    assert index.method("src.models:Estimator", name).returns_self_mutating is expected


def test_inherited_constructor_and_methods(index):
    ridge = index.class_info("src.models:Ridge")
    assert [p.name for p in ridge.init.params] == ["alpha", "seed"]
    assert ridge.init.returns == Nominal("src.models:Ridge")
    assert index.ancestors("src.models:Ridge") == ("src.models:Estimator", "src.features:Model")
    assert index.method("src.models:Ridge", "fit").qualname == "Estimator.fit"
    assert index.method("src.models:Ridge", "predict").qualname == "Ridge.predict"
    assert index.method("src.models:Ridge", "nope") is None
    assert index.is_subclass("src.models:Ridge", "src.features:Model")
    assert not index.is_subclass("src.features:Model", "src.models:Ridge")
    assert index.lookup("src.models", "Pipeline").bases == ("src.features:Model",)


# -- packages, re-exports, stubs ------------------------------------------------------------


def test_star_import_follows_all(index):
    assert index.lookup("pkg", "public_fn").module == "pkg._impl"
    assert index.lookup("pkg", "Widget").target == "pkg._impl:Widget"
    assert index.lookup("pkg", "not_exported") is None  # not in _impl's __all__
    assert {"public_fn", "Widget", "assist"} <= set(index.names("pkg"))


def test_reexports_and_submodules(index):
    raw = index.module("pkg").names["assist"]
    assert raw == PyReexport("assist", "pkg.sub", "helper")
    assert index.lookup("pkg", "assist").qualname == "helper"
    assert index.lookup("pkg", "sub") == PyModuleRef("pkg.sub")
    assert index.lookup("pkg", "sub_alias") == PyModuleRef("pkg.sub")
    assert index.lookup("pkg", "loop") is None  # a cycle of re-exports ends


def test_pyi_read_first_and_overloads(index):
    iface = index.module("typed")
    assert iface.is_stub and iface.path.endswith("__init__.pyi")
    convert = index.lookup("typed", "convert")  # only overloads: names, defaults, Any types
    assert [(p.name, p.type, p.has_default) for p in convert.signature.params] == [
        ("x", ANY, False),
        ("strict", ANY, True),
    ]
    assert index.lookup("typed", "only_in_py") is None
    assert sig(index, "typed", "same").returns == FLOAT


def test_overload_implementation_in_py():
    text = (
        "from typing import overload\n"
        "@overload\ndef f(x: int) -> int: ...\n"
        "@overload\ndef f(x: str) -> str: ...\n"
        "def f(x, strict: bool = False):\n    return x\n"
    )
    fn = read_interface(text, "m").names["f"]
    assert [p.name for p in fn.signature.params] == ["x", "strict"]
    assert fn.signature.params[1].type == BOOL and fn.line == 6


def test_namespace_package(index):
    assert index.lookup("nspkg", "inner") == PyModuleRef("nspkg.inner")
    assert sig(index, "nspkg.inner.mod", "ns_fn").returns == NONE


def test_stubs_package_is_preferred(index):
    assert sig(index, "fakelib", "real_fn").returns == FLOAT
    assert index.lookup("fakelib.sub", "Thing").target == "fakelib.sub:Thing"
    assert index.distribution("fakelib") == ("FakeLib", "1.2")


def test_module_getattr(index):
    iface = index.module("dyn")
    assert iface.has_getattr and "known" in iface.names
    assert index.lookup("dyn", "anything") is None  # callers check has_getattr


def test_syntax_error_reported_not_raised(tmp_path):
    (tmp_path / "broken.py").write_text("def ok():\n    pass\n\ndef bad(:\n    pass\n")
    index = PythonIndex(tmp_path, [], use_cache=False)
    iface = index.module("broken")
    assert iface.syntax_error is not None
    line, col, message = iface.syntax_error
    assert line == 4 and col >= 0 and message
    assert iface.names == {}
    assert index.lookup("broken", "ok") is None


def test_extension_module_names_are_unknown(tmp_path):
    (tmp_path / "fastext.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\0")
    (tmp_path / "wrapper.py").write_text("from fastext import compute\n")
    index = PythonIndex(tmp_path, [], use_cache=False)
    ext = index.module("fastext")
    assert ext.is_extension and ext.has_getattr and ext.names == {}
    found = index.lookup("wrapper", "compute")
    assert found == PyValue("compute", "fastext", ANY, 0, known=False)


def test_module_for_path(index):
    iface = index.module_for_path(PROJ / "src" / "features.py")
    assert iface.name == "src.features" and "scale" in iface.names
    assert index.module_for_path(PROJ / "missing.py") is None


def test_bad_annotations_read_as_any():
    text = (
        "import typing\n"
        "def f(a: 'not valid (', b: typing.Union[int], c: 3, d: lambda: 1, e: typing.Literal['x']) -> 'x[': ...\n"
    )
    fn = read_interface(text, "m").names["f"]
    assert [p.type for p in fn.signature.params] == [ANY, INT, ANY, ANY, LiteralType(("x",))]
    assert fn.signature.returns == ANY


def test_all_names_forms():
    text = "__all__ = ['a']\n__all__ += ['b']\n__all__.extend(['c'])\n__all__.append('d')\n"
    assert read_interface(text, "m").all_names == ("a", "b", "c", "d")


def test_conditional_definitions_prefer_first_branch():
    text = (
        "try:\n    from fast import speed\nexcept ImportError:\n    speed = None\n"
        "if True:\n    def g(x: int): ...\nelse:\n    def g(x: str): ...\n"
    )
    names = read_interface(text, "m").names
    assert names["speed"] == PyReexport("speed", "fast", "speed")
    assert names["g"].signature.params[0].type == INT


# -- installed libraries --------------------------------------------------------------------


def test_sklearn_logistic_regression(index):
    pytest.importorskip("sklearn")
    lr = index.lookup("sklearn.linear_model", "LogisticRegression")
    assert isinstance(lr, PyClass)
    assert lr.target == "sklearn.linear_model._logistic:LogisticRegression"
    defaults = {p.name: p.default for p in lr.init.params}
    assert defaults["C"] == "1.0" and defaults["max_iter"] == "100"
    assert lr.init.returns == Nominal(lr.target)
    assert index.is_subclass(lr.target, index.canonical_target("sklearn.base:BaseEstimator"))
    assert index.is_subclass(lr.target, "sklearn.base:ClassifierMixin")
    assert index.method(lr.target, "fit").returns_self_mutating
    assert not index.method(lr.target, "predict").returns_self_mutating
    assert index.distribution("sklearn.linear_model")[0] == "scikit-learn"
    assert index.module("sklearn.linear_model").distribution.startswith("scikit-learn==")


def test_sklearn_random_forest_ancestors(index):
    pytest.importorskip("sklearn")
    rf = index.lookup("sklearn.ensemble", "RandomForestClassifier")
    assert "sklearn.base:BaseEstimator" in index.ancestors(rf.target)
    assert index.lookup("sklearn.linear_model", "NoSuchModel") is None


def test_pandas_and_numpy(index):
    pytest.importorskip("pandas")
    assert index.canonical_target("pandas:DataFrame") == "pandas.core.frame:DataFrame"
    assert index.canonical_target("nowhere:Thing") == "nowhere:Thing"
    mean = index.lookup("numpy", "mean")
    assert isinstance(mean, PyFunction) and mean.module == "numpy._core.fromnumeric"
    assert mean.signature.params[0].name == "a"
    assert index.module("numpy").is_stub
    assert index.canonical_target("numpy:ndarray") == "numpy:ndarray"


def test_dataclass_field_options():
    text = (
        "import dataclasses\nfrom dataclasses import dataclass, field, KW_ONLY\n"
        "@dataclasses.dataclass\nclass C:\n"
        "    a: int\n    hidden: int = field(init=False)\n    b: str = field(default='x')\n"
        "    _: KW_ONLY\n    c: float = 0.5\n"
    )
    cls = read_interface(text, "m").names["C"]
    assert cls.is_dataclass
    assert [(p.name, p.kind, p.has_default, p.default) for p in cls.init.params] == [
        ("a", POSITIONAL, False, None),
        ("b", POSITIONAL, True, "'x'"),
        ("c", KEYWORD_ONLY, True, "0.5"),
    ]


def test_alias_that_is_not_a_class_reads_as_any(tmp_path):
    (tmp_path / "aliases.py").write_text("from typing import Union\nNumber = Union[int, str]\n")
    (tmp_path / "user.py").write_text("from aliases import Number\ndef f(x: Number) -> None: ...\n")
    index = PythonIndex(tmp_path, [], use_cache=False)
    assert index.lookup("user", "f").signature.params[0].type == ANY
