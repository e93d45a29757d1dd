"""The prelude's Python: values, numpy agreement, purity of the wrappers, self-containment."""

import ast
import inspect
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibc.params import constants
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
    "chain",
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


def test_chain_applies_the_steps_in_order():
    assert prelude.chain(3, [lambda x: x + 1, lambda x: x * 10]) == 40
    assert prelude.chain("a", []) == "a"


def test_range():
    assert prelude.range(4) == [0, 1, 2, 3]
    assert prelude.range(2, 8, 3) == [2, 5]
    assert isinstance(prelude.range(3), list)


CASES = [
    (0, 1, 5),
    (0.01, 10, 7),
    (-3, 3, 50),
    (1, 1, 4),
    (2, 5, 1),
    (0, 1, 0),
    (-2.0, 1.0, 4),
    (1e-320, 3e-320, 3),  # a step of 0: numpy's other formula
    (0.1, 0.7, 13),
]


@pytest.mark.parametrize("start,stop,num", CASES)
def test_linspace_is_numpys_float_for_float(start, stop, num):
    assert prelude.linspace(start, stop, num) == np.linspace(start, stop, num).tolist()


@given(
    st.floats(-1e6, 1e6, allow_subnormal=False),
    st.floats(-1e6, 1e6, allow_subnormal=False),
    st.integers(0, 200),
)
@settings(max_examples=300, deadline=None)
def test_linspace_matches_numpy_on_generated_ranges(start, stop, num):
    assert prelude.linspace(start, stop, num) == np.linspace(start, stop, num).tolist()


@pytest.mark.parametrize("start,stop,num", CASES)
@pytest.mark.parametrize("base", [10.0, 2])
def test_logspace_is_base_to_the_power_of_numpys_linspace(start, stop, num, base):
    """Exactly `base ** x` (Python's `**`, the C library's `pow`) for each x of numpy's
    linspace. numpy's own `logspace` equals it except where numpy computes `power` with
    AVX-512 vector code (SVML), which is not correctly rounded: there `10 ** 0.75` comes out
    one unit in the last place low. So numpy's `logspace` is compared within 2 ulps (its
    error seen here is one); the exact comparison with numpy's scalar path is
    `test_logspace_is_numpys_without_vector_code`."""
    values = prelude.logspace(start, stop, num, base=base)
    assert values == [float(base) ** x for x in np.linspace(start, stop, num).tolist()]
    reference = np.logspace(start, stop, num, base=base).tolist()
    assert len(values) == len(reference)
    for value, ref in zip(values, reference):
        assert abs(value - ref) <= 2 * math.ulp(ref), (value, ref)


def test_logspace_is_numpys_without_vector_code():
    """With numpy's AVX-512 dispatch switched off (`NPY_DISABLE_CPU_FEATURES`; the group's
    name since numpy 2.4 and the feature names before it), numpy's `logspace` is the
    prelude's to the last bit."""
    code = (
        "import json, sys, numpy as np\n"
        "cases = json.loads(sys.argv[1])\n"
        "print(json.dumps([np.logspace(a, b, n, base=base).tolist()"
        " for a, b, n, base in cases]))\n"
    )
    cases = [[a, b, n, base] for a, b, n in CASES for base in (10.0, 2.0)]
    disabled = "X86_V4 AVX512_SPR AVX512_ICL AVX512_CNL AVX512_CLX AVX512_SKX AVX512_KNM AVX512_KNL"
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": disabled}
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(cases)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    assert [prelude.logspace(a, b, n, base=base) for a, b, n, base in cases] == expected


@given(
    st.floats(-300, 300, allow_subnormal=False),
    st.floats(-300, 300, allow_subnormal=False),
    st.integers(0, 60),
    st.sampled_from([10.0, 2.0, 1.5]),
)
@settings(max_examples=200, deadline=None)
def test_compile_time_folding_computes_the_runtimes_values(start, stop, num, base):
    """A sweep's `linspace`/`logspace` is folded at compile time (for point names and keys)
    and computed by the prelude at run time: the same floats, bit for bit."""
    assert constants._compute("linspace", [start, stop, num], {}) == prelude.linspace(
        start, stop, num
    )
    folded = constants._compute("logspace", [start, stop], {"num": num, "base": base})
    assert folded == prelude.logspace(start, stop, num, base=base)


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
