"""The trivial stage of the `chain` fixture (bench/build.py, target 3)."""

from __future__ import annotations


def inc(x: int) -> int:
    """`x + 1`."""
    return x + 1
