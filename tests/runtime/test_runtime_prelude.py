"""The prelude's Python: values, numpy agreement, purity of the wrappers, self-containment."""

import ast
import inspect
import os

import numpy as np
import pytest

from ibc.runtime import prelude

EXPECTED = {
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
    "str",
    "int",
    "float",
    "mean",
    "file",
    "dir",
}


def test_exactly_the_prelude_functions_are_defined():
    tree = ast.parse(inspect.getsource(prelude))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert defined == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_function_runs_from_its_own_source(name):
    """The plain target copies one function's source alone: it must work in isolation."""
    namespace: dict = {}
    exec(inspect.getsource(getattr(prelude, name)), namespace)
    assert callable(namespace[name])
    tree = ast.parse(inspect.getsource(getattr(prelude, name)))
    free_imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert free_imports == []


def test_range():
    assert prelude.range(4) == [0, 1, 2, 3]
    assert prelude.range(2, 8, 3) == [2, 5]
    assert isinstance(prelude.range(3), list)


@pytest.mark.parametrize(
    "start,stop,num", [(0, 1, 5), (0.01, 10, 7), (-3, 3, 50), (1, 1, 4), (2, 5, 1), (0, 1, 0)]
)
def test_linspace_and_logspace_match_numpy(start, stop, num):
    assert prelude.linspace(start, stop, num) == np.linspace(start, stop, num).tolist()
    assert prelude.logspace(start, stop, num) == np.logspace(start, stop, num).tolist()
    assert (
        prelude.logspace(start, stop, num, base=2) == np.logspace(start, stop, num, base=2).tolist()
    )


def test_small_wrappers():
    assert prelude.len([1, 2, 3]) == 3
    assert prelude.zip([1, 2, 3], "ab") == [(1, "a"), (2, "b")]
    assert prelude.map(lambda x: x * 2, (1, 2)) == [2, 4]
    assert prelude.str(1.5) == "1.5" and prelude.int("7") == 7 and prelude.float(2) == 2.0
    assert prelude.mean([1, 2, 4]) == pytest.approx(7 / 3)
    assert isinstance(prelude.mean([1, 2]), float)
    with pytest.raises(ValueError, match="empty"):
        prelude.mean([])


def test_fit_clones_and_leaves_the_model_unfitted():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    y = np.array([0, 1, 0, 1])
    model = LogisticRegression()
    fitted = prelude.fit(model, X, y)
    assert fitted is not model
    assert hasattr(fitted, "coef_") and not hasattr(model, "coef_")
    assert prelude.predict(fitted, X).tolist() == [0, 1, 0, 1]
    assert prelude.predict_proba(fitted, X).shape == (4, 2)
    scaler = StandardScaler()
    out = prelude.fit_transform(scaler, X)
    assert out.mean(axis=0) == pytest.approx([0.0, 0.0])
    assert not hasattr(scaler, "mean_")
    assert prelude.transform(prelude.fit(scaler, X), X) == pytest.approx(out)


def test_file_and_dir_resolve_against_the_project_root(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("a\n1\n")
    monkeypatch.setenv("IBC_PROJECT_ROOT", str(tmp_path))
    monkeypatch.chdir(os.path.dirname(os.path.abspath(__file__)))
    assert prelude.file("data/train.csv") == tmp_path / "data" / "train.csv"
    assert prelude.dir("data") == tmp_path / "data"
    with pytest.raises(FileNotFoundError, match="missing"):
        prelude.file("data/nope.csv")
    with pytest.raises(FileNotFoundError, match="folder, not a file"):
        prelude.file("data")
    with pytest.raises(FileNotFoundError, match="file, not a folder"):
        prelude.dir("data/train.csv")


def test_file_without_project_root_uses_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "x.txt").write_text("x")
    monkeypatch.delenv("IBC_PROJECT_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert prelude.file("x.txt").read_text() == "x"
