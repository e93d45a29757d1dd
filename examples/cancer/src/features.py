"""Feature engineering for the breast cancer example.

Plain typed Python: `cancer.ib` imports these functions by path and the compiler reads
their signatures from the annotations below. They never modify their input (arrays given to
a stage are read-only); each returns a new array.
"""

from __future__ import annotations

import numpy as np

# Columns of scikit-learn's breast cancer data (see `load_breast_cancer().feature_names`).
MEAN_RADIUS = 0
MEAN_TEXTURE = 1
MEAN_AREA = 3
MEAN_COMPACTNESS = 5
MEAN_CONCAVITY = 6
WORST_AREA = 23


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """`top / bottom`, with 0 where `bottom` is 0."""
    out = np.zeros_like(top, dtype=float)
    np.divide(top, bottom, out=out, where=bottom != 0)
    return out


def add_ratios(X: np.ndarray) -> np.ndarray:
    """`X` with three ratio columns appended: radius/texture, worst area/mean area and
    concavity/compactness."""
    ratios = [
        _ratio(X[:, MEAN_RADIUS], X[:, MEAN_TEXTURE]),
        _ratio(X[:, WORST_AREA], X[:, MEAN_AREA]),
        _ratio(X[:, MEAN_CONCAVITY], X[:, MEAN_COMPACTNESS]),
    ]
    return np.column_stack([X, *ratios])


def scale(X: np.ndarray, with_mean: bool = True) -> np.ndarray:
    """Each column divided by its standard deviation (constant columns are left alone),
    centred first when `with_mean` is true."""
    X = np.asarray(X, dtype=float)
    std = X.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    centred = X - X.mean(axis=0) if with_mean else X
    return centred / std
