"""The gradient-boosting stubs (`stdlib/lightgbm.ib`, `xgboost.ib`, `catboost.ib`) at work in
the checker, on programs as users write them: the estimators are estimators (so `fit`
takes them), their real parameters pass, a misspelt keyword is E0402 with the nearest name
although the constructors take `**kwargs`, and a parameter's type is the stub's. Each
library's tests skip when it is not installed (catboost is optional)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ibc.diagnostics.diagnostic import CompileError
from ibc.diagnostics.wording import words
from ibc.driver import check_file


def _needs(module: str) -> None:
    if importlib.util.find_spec(module) is None:  # finds, never imports
        pytest.skip(f"{module} is not installed")


def _check(tmp_path: Path, text: str) -> list[tuple[str, int, str, str | None]]:
    (tmp_path / "ibc.toml").write_text("", encoding="utf-8")
    main = tmp_path / "main.ib"
    main.write_text(text, encoding="utf-8")
    try:
        result = check_file(main)
        found = list(result.diagnostics)
    except CompileError as failure:
        found = list(failure.diagnostics)
    out = []
    for d in found:
        message, hint = words(d.code, d.args)
        out.append((d.code, d.span.line, message, hint))
    return out


CASES = {
    "xgboost": (
        "from xgboost import XGBRegressor, XGBClassifier, XGBRanker\n"
        "X = [[1.0], [2.0], [3.0], [4.0]]\n"
        'a = fit(XGBRegressor(max_depth = 3, n_estimators = 5, objective = "reg:squarederror"), X, [1.0, 2.0, 3.0, 4.0])\n'
        "b = fit(XGBClassifier(n_estimators = 5, learning_rate = 0.3, enable_categorical = True), X, [0, 1, 0, 1])\n"
        "c = XGBRanker(n_estimators = 5)\n"
        "bad = XGBRegressor(max_dept = 3, n_estimator = 5)\n"
        'typed = XGBClassifier(max_depth = "deep")\n',
        [
            ("E0402", 6, "`XGBRegressor` has no parameter `max_dept`", "`max_depth`"),
            ("E0402", 6, "`XGBRegressor` has no parameter `n_estimator`", "`n_estimators`"),
            ("E0401", 7, "must be `Optional[Int]`, found `Str`", None),
        ],
    ),
    "catboost": (
        "from catboost import CatBoostRegressor, CatBoostClassifier\n"
        "X = [[1.0], [2.0], [3.0], [4.0]]\n"
        "a = fit(CatBoostRegressor(iterations = 5, depth = 2, verbose = False), X, [1.0, 2.0, 3.0, 4.0])\n"
        "b = fit(CatBoostClassifier(iterations = 5, learning_rate = 0.1), X, [0, 1, 0, 1])\n"
        "bad = CatBoostRegressor(iteration = 5)\n",
        [("E0402", 5, "`CatBoostRegressor` has no parameter `iteration`", "`iterations`")],
    ),
    "lightgbm": (
        "from lightgbm import LGBMRegressor, LGBMRanker\n"
        "X = [[1.0], [2.0], [3.0], [4.0]]\n"
        "a = fit(LGBMRegressor(n_estimators = 5, num_leaves = 7, verbose = -1, bagging_freq = 1), X, [1.0, 2.0, 3.0, 4.0])\n"
        "r = LGBMRanker(n_estimators = 5)\n"
        "bad = LGBMRegressor(max_dept = 3)\n"
        'typed = LGBMRegressor(num_leaves = "many")\n',
        [
            ("E0402", 5, "`LGBMRegressor` has no parameter `max_dept`", "`max_depth`"),
            ("E0401", 6, "must be `Int`, found `Str`", None),
        ],
    ),
}


@pytest.mark.parametrize("library", sorted(CASES))
def test_the_stub_types_a_program_using_the_library(library, tmp_path):
    _needs(library)
    text, expected = CASES[library]
    found = _check(tmp_path, text)
    assert len(found) == len(expected), found
    for (code, line, fragment, hint), got in zip(
        expected, sorted(found, key=lambda d: (d[1], d[2]))
    ):
        assert (got[0], got[1]) == (code, line), got
        assert fragment in got[2], got
        if hint is not None:
            assert got[3] is not None and hint in got[3], got
