"""What the reader keeps of Python's typing for the checker (docs/types.md): `@overload`
signatures beside the implementation, `Self` and a TypeVar-annotated `self` as the receiver's
type parameter, `Literal[...]` (and a module-level alias of one, followed from another
module), and a class's base named by an alias under `try/except ImportError` (lightgbm's
compatibility code), on small packages written here and on the installed pandas/lightgbm."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from ibc.resolve.pyinterface import PyClass, PyReexport, PythonIndex, read_interface
from ibc.base.typeterms import NONE, LiteralType, OptionalType, TypeVar

COMPAT = """\
try:
    from sklearn.base import BaseEstimator, RegressorMixin

    _ModelBase = BaseEstimator
    _RegressorBase = RegressorMixin
except ImportError:

    class _ModelBase:
        pass

    class _RegressorBase:
        pass
"""

MODELS = """\
from typing import Literal, Optional, TypeVar, overload

from typing_extensions import Self

from .compat import _ModelBase, _RegressorBase
from .kinds import How

T = TypeVar("T", bound="Model")


class Model(_ModelBase):
    def __init__(self, *, kind: Literal["a", "b"] = "a", **kwargs):
        self.kind = kind

    def clone(self) -> Self:
        return self

    def old_style(self: T) -> T:
        return self

    @overload
    def drop(self, *, inplace: Literal[True]) -> None: ...
    @overload
    def drop(self, *, inplace: Literal[False] = ...) -> Self: ...
    def drop(self, *, inplace: bool = False) -> Optional[Self]:
        return None if inplace else self

    def join(self, how: How = "left") -> Self:
        return self


class Regressor(_RegressorBase, Model):
    pass
"""

KINDS = """\
from typing import Literal, TypeAlias

How: TypeAlias = Literal["left", "right"]
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> PythonIndex:
    root = tmp_path_factory.mktemp("proj")
    pkg = root / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "compat.py").write_text(COMPAT)
    (pkg / "models.py").write_text(MODELS)
    (pkg / "kinds.py").write_text(KINDS)
    path = [p for p in sys.path if p and "site-packages" in p]
    return PythonIndex(root, path, use_cache=False)


def test_an_alias_under_try_is_followed_to_the_class(index):
    iface = read_interface(COMPAT, "pkg.compat")
    assert iface.names["_ModelBase"] == PyReexport("_ModelBase", "sklearn.base", "BaseEstimator")
    assert index.is_subclass("pkg.models:Regressor", "sklearn.base:BaseEstimator")
    assert index.is_subclass("pkg.models:Regressor", "sklearn.base:RegressorMixin")


def test_self_and_a_typevar_self_name_the_receiver_parameter(index):
    cls = index.class_info("pkg.models:Model")
    assert isinstance(cls, PyClass)
    clone, old = cls.methods["clone"], cls.methods["old_style"]
    assert clone.self_var == "Self" and isinstance(clone.signature.returns, TypeVar)
    assert isinstance(old.signature.returns, TypeVar)
    assert old.self_var == "T" == old.signature.returns.name


def test_overloads_are_kept_beside_the_implementation(index):
    drop = index.class_info("pkg.models:Model").methods["drop"]
    assert [p.name for p in drop.signature.params] == ["inplace"]  # the implementation's
    assert isinstance(drop.signature.returns, OptionalType)
    first, second = drop.overloads
    assert first.params[0].type == LiteralType((True,)) and first.returns == NONE
    assert second.params[0].type == LiteralType((False,)) and second.params[0].has_default
    assert isinstance(second.returns, TypeVar) and drop.self_var == "Self"


def test_literal_parameters_and_a_literal_alias_of_another_module(index):
    cls = index.class_info("pkg.models:Model")
    assert cls.init.params[0].type == LiteralType(("a", "b"))
    how = cls.methods["join"].signature.params[0]
    assert how.type == LiteralType(("left", "right"))


def test_literal_with_none_is_optional_and_mixed_kinds_are_kept():
    iface = read_interface(
        "from typing import Literal\n"
        "def f(a: Literal['x', None], b: Literal[1, 'y'], c: Literal['p'] | Literal['q'],"
        " d: Literal['auto'] | str, e: Literal[-1]): ...\n",
        "m",
    )
    a, b, c, d, e = iface.names["f"].signature.params
    assert a.type == OptionalType(LiteralType(("x",)))
    assert b.type == LiteralType((1, "y"))
    assert c.type == LiteralType(("p", "q"))
    assert str(d.type) == "Str"
    assert e.type == LiteralType((-1,))


@pytest.mark.skipif(importlib.util.find_spec("lightgbm") is None, reason="lightgbm absent")
def test_lightgbm_estimators_derive_from_sklearn(tmp_path):
    index = PythonIndex(
        tmp_path, [p for p in sys.path if p and "site-packages" in p], use_cache=False
    )
    assert index.is_subclass("lightgbm:LGBMRegressor", "sklearn.base:BaseEstimator")
    assert index.is_subclass("lightgbm:LGBMClassifier", "sklearn.base:ClassifierMixin")


def test_pandas_methods_return_self_and_overload_on_inplace(tmp_path):
    index = PythonIndex(
        tmp_path, [p for p in sys.path if p and "site-packages" in p], use_cache=False
    )
    frame = "pandas:DataFrame"
    assert index.method(frame, "copy").self_var
    dropna = index.method(frame, "dropna")
    returns = [str(o.returns) for o in dropna.overloads]
    assert "None" in returns and "DataFrame" in returns
