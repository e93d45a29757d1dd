"""CPU-bound stages of the `burn4` fixture (bench/build.py, target 6)."""

from __future__ import annotations

import time


def burn(seconds: float, tag: int) -> int:
    """Spin for `seconds` of this process's CPU time; the number of loop rounds done."""
    end = time.process_time() + seconds
    rounds = 0
    while time.process_time() < end:
        for _ in range(10_000):
            rounds += 1
    return rounds + 0 * tag
