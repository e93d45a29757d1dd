"""Write the house-prices-like project of `bench/tabular/run.py` into a folder: `data/train.csv`
(5,000 rows) and `data/test.csv` (1,500 rows) with missing values and categorical columns,
`src/house.py` (reading, filling, encoding, features, K-fold CV, fitting, the submission frame),
`house.ib` (Ridge, GradientBoosting and a boosted-trees model cross-validated, a `submission`
frame), `plain.py` (the same calls in plain Python) and a Hydra + joblib.Memory app
(`hydra_app.py`, `conf/config.yaml`).

Usage: `python bench/tabular/gen_project.py OUT_DIR [--booster lightgbm|hist]`.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

ROWS, TEST_ROWS, FOLDS = 5000, 1500, 5

HOUSE_PY = '''\
"""Feature and model code of the house-prices benchmark project."""

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

ZONES = ["RL", "RM", "FV", "RH", "C"]
STYLES = ["1Story", "2Story", "1.5Fin", "SLvl", "SFoyer"]
QUALITY = ["Po", "Fa", "TA", "Gd", "Ex"]
CATEGORICAL = {"zone": ZONES, "style": STYLES, "kitchen": QUALITY}
NUMERIC = ["area", "lot", "year", "rooms", "garage", "baths"]


def read_csv(path: str) -> pd.DataFrame:
    return pd.read_csv(path)


def fill_missing(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in NUMERIC:
        out[column] = out[column].fillna(out[column].median())
    for column in CATEGORICAL:
        out[column] = out[column].fillna("missing")
    return out


def encode(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column, levels in CATEGORICAL.items():
        out[column] = pd.Categorical(out[column], categories=levels + ["missing"])
        dummies = pd.get_dummies(out[column], prefix=column, dtype=float)
        out = pd.concat([out, dummies], axis=1)
    return out


def add_features(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["age"] = 2010 - out["year"]
    out["area_log"] = np.log1p(out["area"])
    out["lot_log"] = np.log1p(out["lot"])
    out["rooms_per_area"] = out["rooms"] / out["area"]
    return out


def design(df: pd.DataFrame) -> np.ndarray:
    columns = [c for c in df.columns if c not in ("Id", "SalePrice") and c not in CATEGORICAL]
    return df[columns].to_numpy(dtype=float)


def target(df: pd.DataFrame) -> np.ndarray:
    return np.log1p(df["SalePrice"].to_numpy())


def cv_rmse(model, X: np.ndarray, y: np.ndarray, folds: int) -> float:
    from sklearn.base import clone

    errors = []
    for train_index, test_index in KFold(folds, shuffle=True, random_state=0).split(X):
        fitted = clone(model).fit(X[train_index], y[train_index])
        predicted = fitted.predict(X[test_index])
        errors.append(float(np.sqrt(np.mean((predicted - y[test_index]) ** 2))))
    return float(np.mean(errors))


def fit_predict(model, X: np.ndarray, y: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    from sklearn.base import clone

    return clone(model).fit(X, y).predict(X_test)


def submission_frame(test: pd.DataFrame, predicted: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"Id": test["Id"].to_numpy(), "SalePrice": np.expm1(predicted)})
'''

HOUSE_IB = """\
from "src/house.py" import read_csv, fill_missing, encode, add_features, design, target
from "src/house.py" import cv_rmse, fit_predict, submission_frame
from sklearn.linear_model import Ridge
from sklearn.ensemble import GradientBoostingRegressor
{booster_import}

train = read_csv(file("data/train.csv")) |> fill_missing |> encode |> add_features
test = read_csv(file("data/test.csv")) |> fill_missing |> encode |> add_features
X = design(train)
y = target(train)
folds = {folds}

experiment ridge = {{rmse = cv_rmse(Ridge(alpha = 10.0), X, y, folds)}}
experiment gbr = {{rmse = cv_rmse(GradientBoostingRegressor(n_estimators = 100, max_depth = 3, random_state = 0), X, y, folds)}}
experiment boosted = {{rmse = cv_rmse({booster}, X, y, folds)}}
experiment submission = submission_frame(test, fit_predict({booster}, X, y, design(test)))
"""

BOOSTERS = {
    "lightgbm": (
        "from lightgbm import LGBMRegressor",
        "LGBMRegressor(n_estimators = 200, learning_rate = 0.05, verbose = -1, random_state = 0, n_jobs = 1)",
        "from lightgbm import LGBMRegressor",
        "LGBMRegressor(n_estimators=200, learning_rate=0.05, verbose=-1, random_state=0, n_jobs=1)",
    ),
    "hist": (
        "from sklearn.ensemble import HistGradientBoostingRegressor",
        "HistGradientBoostingRegressor(max_iter = 200, learning_rate = 0.05, random_state = 0)",
        "from sklearn.ensemble import HistGradientBoostingRegressor",
        "HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05, random_state=0)",
    ),
}

PLAIN_PY = '''\
"""The experiments of house.ib as plain Python: the same calls, nothing cached."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import Ridge
{booster_import}

from src.house import (
    add_features, cv_rmse, design, encode, fill_missing, fit_predict, read_csv,
    submission_frame, target,
)

ROOT = Path(__file__).resolve().parent
train = add_features(encode(fill_missing(read_csv(str(ROOT / "data/train.csv")))))
test = add_features(encode(fill_missing(read_csv(str(ROOT / "data/test.csv")))))
X, y, folds = design(train), target(train), {folds}
results = {{
    "ridge": {{"rmse": cv_rmse(Ridge(alpha=10.0), X, y, folds)}},
    "gbr": {{"rmse": cv_rmse(GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0), X, y, folds)}},
    "boosted": {{"rmse": cv_rmse({booster}, X, y, folds)}},
}}
submission = submission_frame(test, fit_predict({booster}, X, y, design(test)))
(ROOT / "out").mkdir(exist_ok=True)
submission.to_csv(ROOT / "out" / "submission.csv", index=False)
print(json.dumps(results))
'''

HYDRA_APP = '''\
"""The experiments of house.ib as a Hydra app whose functions are cached by joblib.Memory
(the usual way to avoid recomputing with Hydra)."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import hydra
from joblib import Memory
from omegaconf import DictConfig
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import Ridge
{booster_import}

from src import house

memory = Memory(str(ROOT / "joblib-cache"), verbose=0)
read_csv = memory.cache(house.read_csv)
fill_missing = memory.cache(house.fill_missing)
encode = memory.cache(house.encode)
add_features = memory.cache(house.add_features)
design = memory.cache(house.design)
target = memory.cache(house.target)
cv_rmse = memory.cache(house.cv_rmse)
fit_predict = memory.cache(house.fit_predict)
submission_frame = memory.cache(house.submission_frame)


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    train = add_features(encode(fill_missing(read_csv(str(ROOT / cfg.train)))))
    test = add_features(encode(fill_missing(read_csv(str(ROOT / cfg.test)))))
    X, y = design(train), target(train)
    results = {{
        "ridge": {{"rmse": cv_rmse(Ridge(alpha=cfg.ridge.alpha), X, y, cfg.folds)}},
        "gbr": {{"rmse": cv_rmse(GradientBoostingRegressor(n_estimators=cfg.gbr.n_estimators, max_depth=cfg.gbr.max_depth, random_state=0), X, y, cfg.folds)}},
        "boosted": {{"rmse": cv_rmse({booster}, X, y, cfg.folds)}},
    }}
    submission = submission_frame(test, fit_predict({booster}, X, y, design(test)))
    (ROOT / "out").mkdir(exist_ok=True)
    submission.to_csv(ROOT / "out" / "submission.csv", index=False)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
'''

CONFIG = """\
train: data/train.csv
test: data/test.csv
folds: {folds}
ridge:
  alpha: 10.0
gbr:
  n_estimators: 100
  max_depth: 3
"""

# The one feature edit the re-run benchmark makes (in src/house.py).
EDIT = ('out["age"] = 2010 - out["year"]', 'out["age"] = 2011 - out["year"]')


def write_data(folder: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2026)
    n = ROWS + TEST_ROWS
    zone = rng.choice(["RL", "RM", "FV", "RH", "C"], n, p=[0.6, 0.2, 0.1, 0.05, 0.05])
    style = rng.choice(["1Story", "2Story", "1.5Fin", "SLvl", "SFoyer"], n)
    kitchen = rng.choice(["Po", "Fa", "TA", "Gd", "Ex"], n, p=[0.05, 0.15, 0.4, 0.3, 0.1])
    area = rng.gamma(9.0, 170.0, n)
    lot = rng.gamma(4.0, 2500.0, n)
    year = rng.integers(1880, 2010, n).astype(float)
    rooms = np.clip(np.round(area / 250 + rng.normal(0, 1, n)), 2, 14)
    garage = rng.integers(0, 4, n).astype(float)
    baths = rng.integers(1, 4, n).astype(float)
    quality = pd.Series(kitchen).map({"Po": 0, "Fa": 1, "TA": 2, "Gd": 3, "Ex": 4}).to_numpy()
    price = (
        40000
        + 95 * area
        + 1.2 * lot
        + 600 * (year - 1880)
        + 9000 * garage
        + 12000 * baths
        + 15000 * quality
        + np.where(zone == "FV", 30000, 0)
        - np.where(zone == "C", 25000, 0)
    ) * rng.lognormal(0, 0.12, n)
    frame = pd.DataFrame(
        {
            "Id": np.arange(1, n + 1),
            "area": area.round(0),
            "lot": lot.round(0),
            "year": year,
            "rooms": rooms,
            "garage": garage,
            "baths": baths,
            "zone": zone.astype(object),
            "style": style.astype(object),
            "kitchen": kitchen.astype(object),
            "SalePrice": price.round(0),
        }
    )
    for column, share in (("area", 0.03), ("lot", 0.15), ("garage", 0.05), ("year", 0.02)):
        frame.loc[rng.random(n) < share, column] = np.nan
    for column, share in (("zone", 0.02), ("style", 0.04), ("kitchen", 0.08)):
        frame.loc[rng.random(n) < share, column] = None
    (folder / "data").mkdir(parents=True, exist_ok=True)
    frame.iloc[:ROWS].to_csv(folder / "data" / "train.csv", index=False)
    frame.iloc[ROWS:].drop(columns="SalePrice").to_csv(folder / "data" / "test.csv", index=False)


def write_project(folder: Path, booster: str = "lightgbm") -> None:
    folder = Path(folder)
    ib_import, ib_model, py_import, py_model = BOOSTERS[booster]
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "conf").mkdir(exist_ok=True)
    (folder / "ibc.toml").write_text("")
    (folder / "src" / "__init__.py").write_text("")
    (folder / "src" / "house.py").write_text(HOUSE_PY)
    (folder / "house.ib").write_text(
        HOUSE_IB.format(booster_import=ib_import, booster=ib_model, folds=FOLDS)
    )
    (folder / "plain.py").write_text(
        PLAIN_PY.format(booster_import=py_import, booster=py_model, folds=FOLDS)
    )
    (folder / "hydra_app.py").write_text(
        HYDRA_APP.format(
            booster_import=py_import,
            booster=py_model.replace("random_state=0", "random_state=0"),
            folds=FOLDS,
        )
    )
    (folder / "conf" / "config.yaml").write_text(CONFIG.format(folds=FOLDS))
    write_data(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=textwrap.dedent(__doc__).splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--booster", choices=sorted(BOOSTERS), default="lightgbm")
    args = parser.parse_args()
    write_project(args.out, args.booster)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
