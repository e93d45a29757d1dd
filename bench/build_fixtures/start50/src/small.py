"""Small pure functions of the `start50` fixture (bench/build.py, target 1), and `stamp`.

`stamp` is imported `(impure)`, so it runs on every `ibc run` even with a warm store; it
appends `time.time()` to the file named by `IBC_BENCH_STAMP` (when set): the moment the first
stage ran, read by the benchmark to time process start -> first stage.
"""

from __future__ import annotations

import os
import time


def stamp() -> float:
    """`time.time()`, also appended as one line to `$IBC_BENCH_STAMP`."""
    now = time.time()
    path = os.environ.get("IBC_BENCH_STAMP")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{now!r}\n")
    return now


def add(a: int, b: int) -> int:
    """`a + b`."""
    return a + b


def scale(x: float, factor: float = 2.0) -> float:
    """`x * factor`."""
    return x * factor


def make_list(n: int) -> list[int]:
    """`[0, 1, ..., n - 1]`."""
    return list(range(n))


def total(xs: list[int]) -> int:
    """The sum of `xs`."""
    return sum(xs)


def concat(xs: list[int], ys: list[int]) -> list[int]:
    """`xs` followed by `ys`."""
    return xs + ys


def describe(name: str, value: float) -> str:
    """`name=value`."""
    return f"{name}={value}"
