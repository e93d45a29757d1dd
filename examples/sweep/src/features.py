"""Feature preparation for the sweep example.

Plain typed Python that `sweep.ib` imports by path; the compiler reads the signature from the
annotations. The input is never modified: a new array is returned.
"""

from __future__ import annotations

import numpy as np


def standardize(reference: np.ndarray, X: np.ndarray) -> np.ndarray:
    """`X` centred and scaled column by column with the mean and standard deviation of
    `reference` (the training set). Constant columns are only centred."""
    reference = np.asarray(reference, dtype=float)
    std = reference.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (np.asarray(X, dtype=float) - reference.mean(axis=0)) / std
