"""Array stages of the `big20` fixture (bench/build.py, target 2): a chain of 20 stages whose
19 intermediates are large float64 arrays (about 1 GB together) and whose final value is 1 MB.

Typed, so that `ibc` reads the signatures from the annotations without importing this module;
the benchmark checks that a fully cached run does not import it either.
"""

from __future__ import annotations

import numpy as np

FINAL_ITEMS = 131_072  # 1 MiB of float64


def start(n: int, seed: int) -> np.ndarray:
    """`n` standard normal draws from `seed`."""
    return np.random.default_rng(seed).standard_normal(n)


def step(x: np.ndarray, k: float) -> np.ndarray:
    """A new array `x * 0.5 + k` (the input is read-only and left as it is)."""
    return x * 0.5 + k


def final(x: np.ndarray) -> np.ndarray:
    """The first 1 MiB of `x`, as a new array."""
    return np.array(x[:FINAL_ITEMS])
