"""The prelude and the library stubs of `stdlib/` (docs/stubs.md).

Every stub file parses; every `from M import name : TYPE` in a stub names something that
M's installed source (or the `.pyi` its package ships) defines, read with `ast` and never
imported; every parameter name in a stub's type exists in that source's signature; every
nominal `type X = "module:Class"` names a class. The libraries are not imported here.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ibc.base.resources import stdlib_dir
from stub_sources import Found, kwargs_names, lookup, module_files, signature_names

STDLIB = stdlib_dir()
STUB_FILES = sorted(STDLIB.rglob("*.ib"))

# Names defined only in compiled code, whose stubs spell out the whole signature.
COMPILED = {
    ("numpy", "zeros"),
    ("numpy", "log"),
    ("numpy", "exp"),
    ("numpy", "sqrt"),
    ("numpy", "abs"),
}

PRELUDE_FUNCTIONS = {
    "fit",
    "predict",
    "predict_proba",
    "transform",
    "fit_transform",
    "range",
    "linspace",
    "logspace",
    "len",
    "zip",
    "map",
    "chain",
    "str",
    "int",
    "float",
    "mean",
    "file",
    "dir",
}
PRELUDE_TYPES = {
    "Array": "numpy:ndarray",
    "DataFrame": "pandas:DataFrame",
    "Series": "pandas:Series",
    "Estimator": "sklearn.base:BaseEstimator",
    "Classifier": "sklearn.base:ClassifierMixin",
    "Regressor": "sklearn.base:RegressorMixin",
    "Transformer": "sklearn.base:TransformerMixin",
}


def _have_parser() -> bool:
    return importlib.util.find_spec("ibc.syntax.parser") is not None


# --------------------------------------------------------------------------- reading stubs


@dataclass(frozen=True)
class Declared:
    """One `from M import name : (params) -> R` of a stub."""

    module: str
    name: str
    params: tuple[tuple[str, str], ...]  # (name, kind) of each parameter of the type
    line: int


@dataclass(frozen=True)
class Nominal:
    """One `type Name <: Supers = "module:Class"` of a stub."""

    name: str
    supertypes: tuple[str, ...]
    target: str


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _param_list(type_text: str) -> str:
    """The text between the outer parentheses of a function type `[T](...) -> R`."""
    i = 0
    if type_text.startswith("["):
        depth = 0
        for i, ch in enumerate(type_text):
            depth += ch == "["
            depth -= ch == "]"
            if depth == 0:
                i += 1
                break
    assert type_text[i] == "(", f"not a function type: {type_text}"
    depth = 0
    for j in range(i, len(type_text)):
        depth += type_text[j] == "("
        depth -= type_text[j] == ")"
        if depth == 0:
            return type_text[i + 1 : j]
    raise AssertionError(f"unclosed parameter list: {type_text}")


def _text_declarations(path: Path) -> tuple[list[Declared], list[Nominal]]:
    """Read a stub's declarations line by line (stubs keep one declaration per line);
    used when the parser is not available and cross-checked against it when it is."""
    declared, nominal = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("type") else line
        m = re.match(r"from\s+([\w.]+)\s+import\s+(\w+)\s*:\s*(.+)$", line)
        if m:
            params = []
            for part in _split_top(_param_list(m.group(3).strip())):
                if part == "*":
                    continue
                pm = re.match(r"(\*{0,2})(\w+)\s*:", part)
                assert pm, f"{path.name}:{number}: unnamed parameter {part!r}"
                kind = {"": "positional", "*": "var_positional", "**": "var_keyword"}[pm.group(1)]
                params.append((pm.group(2), kind))
            declared.append(Declared(m.group(1), m.group(2), tuple(params), number))
            continue
        t = re.match(r'type\s+(\w+)\s*(?:<:\s*([\w\s,]+?))?\s*=\s*"([^"]+)"', line.strip())
        if t:
            supers = tuple(s.strip() for s in (t.group(2) or "").split(",") if s.strip())
            nominal.append(Nominal(t.group(1), supers, t.group(3)))
    return declared, nominal


def _ast_declarations(path: Path) -> tuple[list[Declared], list[Nominal]]:
    from ibc.syntax import nodes
    from ibc.syntax.parser import parse_module
    from ibc.base.spans import Source

    module, diagnostics = parse_module(Source(str(path), path.read_text(encoding="utf-8")))
    assert module is not None, diagnostics
    declared, nominal = [], []
    for decl in module.decls:
        if isinstance(decl, nodes.PyImport):
            for item in decl.items:
                assert isinstance(item.annotation, nodes.FuncType), f"{path}: {item.name.text}"
                params = tuple(
                    (p.name.text, p.kind) for p in item.annotation.params if p.name is not None
                )
                declared.append(Declared(decl.module, item.name.text, params, 0))
        elif isinstance(decl, nodes.TypeDecl) and decl.target is not None:
            supers = tuple(s.name for s in decl.supertypes if isinstance(s, nodes.TypeName))
            nominal.append(Nominal(decl.name.text, supers, decl.target.value))
    return declared, nominal


def declarations(path: Path) -> tuple[list[Declared], list[Nominal]]:
    return _ast_declarations(path) if _have_parser() else _text_declarations(path)


def module_of(path: Path) -> str:
    """`stdlib/sklearn/linear_model.ib` -> `sklearn.linear_model`; `numpy/__init__.ib` ->
    `numpy`."""
    parts = list(path.relative_to(STDLIB).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


ALL_DECLARED = [(path, decl) for path in STUB_FILES for decl in _text_declarations(path)[0]]
ALL_NOMINAL = [(path, nom) for path in STUB_FILES for nom in _text_declarations(path)[1]]


def _id(item: tuple[Path, object]) -> str:
    path, decl = item
    return f"{path.relative_to(STDLIB)}:{decl.name}"


# --------------------------------------------------------------------------- checks


def unknown_params(decl: Declared, found: Found) -> list[str]:
    """The parameter names of a stub's type that the source's signature lacks, and that
    (when the source takes `**kwargs`) its library does not document as taken through it
    (`stub_sources.kwargs_names`)."""
    if found.params is None:
        return []
    through = kwargs_names(decl.module, decl.name) if found.has_var_keyword else None
    return [
        name
        for name, _ in decl.params
        if name not in found.params and (through is None or name not in through)
    ]


def skip_unless_installed(module: str) -> None:
    """Stubs of optional libraries (catboost) are checked only where they are installed."""
    if not module_files(module.split(".")[0])[3]:
        pytest.skip(f"{module} is not installed")


def test_the_stdlib_holds_the_expected_stubs():
    names = {str(p.relative_to(STDLIB)) for p in STUB_FILES}
    for expected in [
        "prelude.ib",
        "numpy.ib",
        "pandas.ib",
        "sklearn/linear_model.ib",
        "sklearn/ensemble.ib",
        "sklearn/svm.ib",
        "sklearn/tree.ib",
        "sklearn/neighbors.ib",
        "sklearn/preprocessing.ib",
        "sklearn/decomposition.ib",
        "sklearn/pipeline.ib",
        "sklearn/metrics.ib",
        "sklearn/model_selection.ib",
        "sklearn/datasets.ib",
        "lightgbm.ib",
        "xgboost.ib",
        "catboost.ib",
    ]:
        assert expected in names


@pytest.mark.parametrize("path", STUB_FILES, ids=lambda p: str(p.relative_to(STDLIB)))
def test_every_stub_parses(path: Path):
    if not _have_parser():
        pytest.skip("ibc.syntax.parser is not written yet")
    from ibc.syntax.parser import parse_module
    from ibc.base.spans import Source

    module, diagnostics = parse_module(Source(str(path), path.read_text(encoding="utf-8")))
    assert module is not None
    assert [d for d in diagnostics if d.is_error()] == []


@pytest.mark.parametrize("path", STUB_FILES, ids=lambda p: str(p.relative_to(STDLIB)))
def test_parser_and_line_reader_agree(path: Path):
    if not _have_parser():
        pytest.skip("ibc.syntax.parser is not written yet")
    by_text = _text_declarations(path)
    by_ast = _ast_declarations(path)
    assert [(d.module, d.name, d.params) for d in by_text[0]] == [
        (
            d.module,
            d.name,
            tuple((n, "positional" if k == "keyword_only" else k) for n, k in d.params),
        )
        for d in by_ast[0]
    ]
    assert by_text[1] == by_ast[1]


@pytest.mark.parametrize("path", [p for p in STUB_FILES if p.name != "prelude.ib"], ids=str)
def test_a_stub_declares_only_its_own_module(path: Path):
    declared, _ = _text_declarations(path)
    assert declared, f"{path} declares nothing"
    assert {d.module for d in declared} == {module_of(path)}


@pytest.mark.parametrize("item", ALL_DECLARED, ids=_id)
def test_every_imported_name_exists_in_the_source(item):
    path, decl = item
    skip_unless_installed(decl.module)
    found = signature_names(decl.module, decl.name)
    assert found is not None, f"{decl.module} does not define {decl.name}"
    if found.params is None:
        assert (decl.module, decl.name) in COMPILED, (
            f"{decl.module}.{decl.name} has no readable signature ({found.kind} in "
            f"{found.module}): its stub must spell out the whole signature"
        )


@pytest.mark.parametrize("item", ALL_DECLARED, ids=_id)
def test_every_stub_parameter_name_exists_in_the_signature(item):
    path, decl = item
    skip_unless_installed(decl.module)
    found = signature_names(decl.module, decl.name)
    assert found is not None
    assert unknown_params(decl, found) == [], f"signature of {decl.name}: {found.params}"
    # the checker reads a package's `.pyi` first when it ships one: agree with it too
    typed = lookup(decl.module, decl.name, stubs=True)
    if typed is not None and typed.params is not None:
        assert unknown_params(decl, typed) == [], f".pyi signature: {typed.params}"


@pytest.mark.parametrize("item", ALL_DECLARED, ids=_id)
def test_a_variadic_stub_parameter_is_variadic_in_the_source(item):
    path, decl = item
    if (decl.module, decl.name) in COMPILED:
        return
    skip_unless_installed(decl.module)
    found = signature_names(decl.module, decl.name)
    for name, kind in decl.params:
        if kind == "var_keyword":
            assert found.has_var_keyword and found.params[-1] == name


@pytest.mark.parametrize("item", ALL_NOMINAL, ids=_id)
def test_every_nominal_type_names_a_class(item):
    path, nom = item
    module, _, qualname = nom.target.partition(":")
    skip_unless_installed(module)
    found = lookup(module, qualname)
    if found is not None and found.kind == "compiled":  # numpy.ndarray: known from the .pyi
        found = lookup(module, qualname, stubs=True)
    assert found is not None and found.kind == "class", f"{nom.target} is not a class"


@pytest.mark.parametrize("item", ALL_NOMINAL, ids=_id)
def test_a_class_stub_returns_its_nominal_type(item):
    path, nom = item
    if path.name == "prelude.ib":
        return
    text = path.read_text(encoding="utf-8")
    constructor = re.search(rf"import {nom.name} : .*-> (\w+)\s*$", text, re.MULTILINE)
    assert constructor is not None, f"{nom.name} is declared without its constructor"
    assert constructor.group(1) == nom.name


def test_the_prelude_declares_its_types_and_functions():
    declared, nominal = _text_declarations(STDLIB / "prelude.ib")
    assert {d.name for d in declared} == PRELUDE_FUNCTIONS
    assert {d.module for d in declared} == {"ibc.runtime.prelude"}
    assert {n.name: n.target for n in nominal} == PRELUDE_TYPES
    supers = {n.name: n.supertypes for n in nominal}
    assert supers["Classifier"] == supers["Regressor"] == supers["Transformer"] == ("Estimator",)


def test_estimator_stubs_have_estimator_supertypes():
    known = {"Classifier", "Regressor", "Transformer", "Estimator"}
    for path, nom in ALL_NOMINAL:
        boosting = path.stem in ("lightgbm", "xgboost", "catboost")
        if boosting or path.parent.name == "sklearn" and path.stem not in ("model_selection",):
            assert set(nom.supertypes) & known, f"{nom.name} in {path.name}"


# --------------------------------------------------------------------------- the checks can fail


def test_a_misspelled_parameter_is_reported():
    decl = Declared(
        "sklearn.ensemble", "RandomForestClassifier", (("n_estimator", "positional"),), 1
    )
    found = signature_names(decl.module, decl.name)
    assert unknown_params(decl, found) == ["n_estimator"]


def test_a_name_the_module_lacks_is_not_found():
    assert signature_names("sklearn.linear_model", "LogisticRegresion") is None
    assert signature_names("numpy", "no_such_function") is None


def test_reexports_are_followed_to_the_definition():
    found = signature_names("sklearn.linear_model", "LogisticRegression")
    assert found is not None and found.module == "sklearn.linear_model._logistic"
    assert "C" in found.params and "self" not in found.params


def test_the_libraries_were_not_imported():
    before = set(sys.modules)
    signature_names("sklearn.svm", "SVC")
    assert set(sys.modules) == before


@pytest.mark.parametrize(
    "module, name, good, bad",
    [
        ("lightgbm", "LGBMRegressor", "min_data_in_leaf", "min_data_in_lef"),
        ("xgboost", "XGBRegressor", "max_depth", "max_dept"),
    ],
)
def test_a_misspelled_parameter_taken_through_kwargs_is_reported(module, name, good, bad):
    """The boosting libraries' constructors take most parameters through `**kwargs`: a stub
    name is accepted only when the library documents it (`kwargs_names`)."""
    skip_unless_installed(module)
    found = signature_names(module, name)
    assert found is not None and found.has_var_keyword and good not in found.params
    decl = Declared(module, name, ((good, "positional"), (bad, "positional")), 1)
    assert unknown_params(decl, found) == [bad]
