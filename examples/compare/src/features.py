"""Feature preparation for the model comparison example.

Plain typed Python: `compare.ib` imports these functions by path and the compiler reads their
signatures from the annotations. They never modify their input (arrays given to a stage are
read-only); each returns a new array.
"""

from __future__ import annotations

import numpy as np


def standardize(reference: np.ndarray, X: np.ndarray) -> np.ndarray:
    """`X` centred and scaled column by column with the mean and standard deviation of
    `reference` (the training set), so that the test set is scaled like the training set.
    Constant columns are only centred."""
    reference = np.asarray(reference, dtype=float)
    std = reference.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (np.asarray(X, dtype=float) - reference.mean(axis=0)) / std


def add_squares(X: np.ndarray, columns: int = 3) -> np.ndarray:
    """`X` with the squares of its first `columns` columns appended."""
    X = np.asarray(X, dtype=float)
    columns = max(0, min(columns, X.shape[1]))
    return np.column_stack([X, X[:, :columns] ** 2])
