"""The shared preprocessing of the `sweep4` fixture (bench/build.py, target 5), used by the
ibc experiment (`sweep4/sweep.ib`) and by the Hydra app (`bench/hydra_sweep/app.py`) alike.

`preprocess` stands for an expensive data preparation: it sleeps 2 seconds, then builds a
deterministic classification data set.
"""

from __future__ import annotations

import time

import numpy as np

SECONDS = 2.0


def preprocess(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`(X, y)`: `rows` x 20 standardized features and 0/1 labels, after a 2-second wait."""
    time.sleep(SECONDS)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, 20))
    w = rng.standard_normal(20)
    y = (X @ w + 0.5 * rng.standard_normal(rows) > 0).astype(float)
    return X, y
