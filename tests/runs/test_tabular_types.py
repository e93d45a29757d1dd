"""Tabular work as competitors do it, typed without friction (docs/types.md, docs/stubs.md):
a project built here (pandas frames with missing values and a categorical column, helpers
in `src/feats.py` taking and returning DataFrames) checked and run through the real `ibc`.

- pandas methods keep the receiver's type (`Self`) and follow `inplace` (overloads), so
  their results pass where a DataFrame is expected, and are not merely `Any`;
- LightGBM is an estimator: `LGBMRegressor` fitted on a small frame, a metric out;
- misspelt LightGBM/XGBoost keywords are errors with the nearest name;
- `Literal[...]` parameters are checked with the nearest allowed value as the hint;
- `-s strategy=mean` where a string is expected is told to quote it.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys

import pytest

from build_kit import Project, ibc_env

FEATS = """\
from typing import Literal

import numpy as np
import pandas as pd


def load(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 200, n)
    rooms = rng.integers(1, 6, n).astype(float)
    rooms[rng.random(n) < 0.1] = np.nan
    zone = pd.Categorical(rng.choice(["north", "south", "east"], n))
    price = area * 3.0 + np.nan_to_num(rooms) * 10 + rng.normal(0, 5, n)
    return pd.DataFrame({"area": area, "rooms": rooms, "zone": zone, "price": price})


def fill(df: pd.DataFrame, strategy: Literal["mean", "median"] = "mean") -> pd.DataFrame:
    numeric = df.select_dtypes("number")
    values = numeric.mean() if strategy == "mean" else numeric.median()
    return df.fillna(values)


def encode(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["zone"] = out["zone"].cat.codes
    return out


def features(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["price"])


def target(df: pd.DataFrame) -> pd.Series:
    return df["price"]


def rows(df: pd.DataFrame) -> int:
    return len(df)


def rmse(y_true: pd.Series, y_pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(y_true) - y_pred) ** 2)))
"""

MAIN = """\
from "src/feats.py" import load, fill, encode, features, target, rmse
from lightgbm import LGBMRegressor

strategy = "median"
raw = load(n = 200, seed = 0)
clean = raw.copy() |> fill(strategy = strategy) |> encode
train = clean.head(150).reset_index(drop = True)
test = clean.tail(50).dropna().reset_index(drop = True)
model = LGBMRegressor(n_estimators = 40, learning_rate = 0.1, num_leaves = 7, min_child_samples = 5, verbose = -1)
fitted = fit(model, features(train), target(train))
experiment score = {rmse = rmse(target(test), predict(fitted, features(test))), rows = len(train)}
"""

# The common DataFrame methods, each result passed to a function taking a DataFrame.
METHODS = [
    "copy()",
    "head(5)",
    "tail(5)",
    "fillna(0)",
    'astype({"area": "float32"})',
    "sample(5, random_state = 0)",
    'drop(columns = ["price"])',
    "dropna()",
    'rename(columns = {"area": "surface"})',
    'sort_values("area")',
    "reset_index(drop = True)",
    'query("area > 100")',
    "assign(double = 2)",
    'merge(raw, on = "area")',
    'set_index("zone")',
    "drop_duplicates()",
    'select_dtypes("number")',
    "dropna(inplace = False)",
    'groupby("zone").agg("mean")',
]


def _project(tmp_path, main: str = MAIN) -> Project:
    p = Project(tmp_path / "tabular")
    p.write("src/feats.py", FEATS)
    p.write("main.ib", main)
    return p


def _uses(methods: list[str]) -> str:
    lines = ['from "src/feats.py" import load, rows', "raw = load(n = 50)"]
    lines += [f"n{i} = rows(raw.{m})" for i, m in enumerate(methods)]
    return "\n".join(lines) + "\n"


def test_common_dataframe_methods_pass_where_a_dataframe_is_expected(tmp_path):
    p = _project(tmp_path, _uses(METHODS))
    done = p.run("check", "main.ib")
    assert done.returncode == 0, done.stderr
    assert "error[" not in done.stderr and "warning[" not in done.stderr


@pytest.mark.parametrize("method", [m for m in METHODS if not m.startswith("groupby")])
def test_a_method_result_is_a_dataframe_not_any(tmp_path, method):
    """An annotation that rejects a DataFrame shows the type the checker gave the result."""
    main = f'from "src/feats.py" import load\nraw = load(n = 50)\nx: Int = raw.{method}\n'
    done = _project(tmp_path, main).run("check", "main.ib")
    assert done.returncode == 1
    assert "the annotation of `x` must be `Int`, found `DataFrame`" in done.stderr


def test_inplace_true_gives_none(tmp_path):
    main = _uses(['drop(columns = ["price"], inplace = True)'])
    done = _project(tmp_path, main).run("check", "main.ib")
    assert done.returncode == 1
    assert "error[E0401]" in done.stderr and "found `None`" in done.stderr


@pytest.mark.skipif(importlib.util.find_spec("lightgbm") is None, reason="lightgbm absent")
def test_lightgbm_fits_a_frame_end_to_end(tmp_path):
    p = _project(tmp_path)
    out = p.ok("run", "main.ib", "score")
    line = next(l for l in out.splitlines() if l.startswith("score: "))
    result = json.loads(line[len("score: ") :])
    assert result["rows"] == 150
    # the prices spread over hundreds; a fitted model is within a few tens of them
    assert math.isfinite(result["rmse"]) and 0 < result["rmse"] < 60
    stored = p.entry_files()
    assert stored  # the fitted model and the frames are in the project's store
    again = p.run("run", "main.ib", "score")
    assert again.returncode == 0 and line in again.stdout  # the same value, from the store
    assert p.entry_files() == stored


@pytest.mark.skipif(importlib.util.find_spec("lightgbm") is None, reason="lightgbm absent")
def test_misspelt_lightgbm_keywords_are_errors_with_the_nearest_name(tmp_path):
    main = MAIN.replace("n_estimators = 40, learning_rate", "n_estimator = 40, learning_rat")
    main = main.replace("num_leaves = 7", "max_dept = 3")
    done = _project(tmp_path, main).run("run", "main.ib", "score")
    assert done.returncode == 1
    for wrong, right in [
        ("n_estimator", "n_estimators"),
        ("learning_rat", "learning_rate"),
        ("max_dept", "max_depth"),
    ]:
        assert f"`LGBMRegressor` has no parameter `{wrong}`" in done.stderr
        assert f"did you mean `{right}`" in done.stderr  # (first of the nearest)
    assert not (tmp_path / "tabular" / ".ibc" / "store").exists() or not list(
        (tmp_path / "tabular" / ".ibc" / "store").glob("*/*")
    )


@pytest.mark.skipif(importlib.util.find_spec("xgboost") is None, reason="xgboost absent")
def test_misspelt_xgboost_keywords_are_errors_with_the_nearest_name(tmp_path):
    main = MAIN.replace("from lightgbm import LGBMRegressor", "from xgboost import XGBRegressor")
    main = main.replace(
        "LGBMRegressor(n_estimators = 40, learning_rate = 0.1, num_leaves = 7, "
        "min_child_samples = 5, verbose = -1)",
        "XGBRegressor(n_estimators = 40, max_dept = 3)",
    )
    done = _project(tmp_path, main).run("check", "main.ib")
    assert done.returncode == 1
    assert "`XGBRegressor` has no parameter `max_dept`" in done.stderr
    assert "did you mean `max_depth`?" in done.stderr


def test_a_literal_parameter_rejects_a_misspelt_value(tmp_path):
    main = MAIN.replace('strategy = "median"', 'strategy = "meen"')
    done = _project(tmp_path, main).run("check", "main.ib")
    assert done.returncode == 1
    assert "error[E0429]" in done.stderr
    assert 'must be one of "mean", "median", found "meen"' in done.stderr
    assert 'did you mean "mean"?' in done.stderr
    direct = _project(tmp_path, _uses([]) + 'f = fill(raw, strategy = "mediam")\n')
    direct.edit("main.ib", "import load, rows", "import load, rows, fill")
    done = direct.run("check", "main.ib")
    assert 'found "mediam"' in done.stderr and 'did you mean "median"?' in done.stderr


def test_a_bare_word_for_a_string_parameter_is_told_to_be_quoted(tmp_path):
    p = _project(tmp_path)
    done = p.run("check", "main.ib")
    assert done.returncode == 0, done.stderr
    done = p.run("run", "main.ib", "score", "-s", "strategy=mean")
    assert done.returncode == 1
    assert """quote it: -s 'strategy="mean"'""" in done.stderr
    assert "which a use rejects" not in done.stderr
    done = p.run("run", "main.ib", "score", "-s", 'strategy="meen"')  # quoted, but not listed
    assert done.returncode == 1 and "error[E0504]" in done.stderr
    assert 'found "meen"' in done.stderr and 'did you mean "mean"?' in done.stderr
    if importlib.util.find_spec("lightgbm") is not None:
        p.ok("run", "main.ib", "score", "-s", 'strategy="mean"')


def test_a_compiled_program_takes_a_literal_parameter_on_its_command_line(tmp_path):
    """A call argument typed `Literal[...]` stays a parameter of the emitted program, whose
    own `-s` checks a value as the `Literal`'s values' type (`str`)."""
    main = (
        'from "src/feats.py" import load, fill, rows\n'
        "raw = load(n = 50)\n"
        'filled = fill(raw, strategy = "median")\n'
        "experiment n = rows(filled)\n"
    )
    p = _project(tmp_path, main)
    p.ok("compile", "main.ib", "-o", "prog.py")

    def prog(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "prog.py", *args]
        return subprocess.run(command, cwd=p.root, capture_output=True, text=True, env=ibc_env())

    done = prog("n", "-s", 'filled.strategy="mean"')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "n: 50"
    assert "filled.strategy" in prog("--list-params").stdout
