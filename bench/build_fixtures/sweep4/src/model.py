"""The model of the `sweep4` fixture (bench/build.py, target 5): logistic regression by
gradient descent in NumPy, with an L2 penalty `1 / C`. The benchmark edits `STEP` (a real code
change: the stages' fingerprints change) to time the re-run after editing only the model.
"""

from __future__ import annotations

import numpy as np

STEP = 0.5
ITERATIONS = 200


def train(data: tuple[np.ndarray, np.ndarray], C: float) -> float:
    """The training accuracy of the logistic regression fitted to `data` with penalty `1 / C`."""
    X, y = data
    w = np.zeros(X.shape[1])
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        w -= STEP * (X.T @ (p - y) / len(y) + w / (C * len(y)))
    return float(np.mean(((X @ w) > 0) == (y > 0.5)))
