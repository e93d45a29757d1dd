"""Processes for the store's concurrency tests (a module of its own so `spawn` can import it)."""

import numpy as np

from ibc.runtime.store import Damaged, open_store

KEY = "ee" + "5" * 30


def value_of(writer: int) -> np.ndarray:
    return np.full(300_000, writer, dtype=np.int64)


def write_many(root: str, writer: int, times: int) -> None:
    store = open_store(root)
    for _ in range(times):
        store.put(KEY, value_of(writer), {"writer": writer})


def write_forever(root: str) -> None:
    store = open_store(root)
    while True:
        store.put(KEY, np.full(5_000_000, 7, dtype=np.int64), {})


def read_until(root: str, stop, queue) -> None:
    """Load the key until `stop` is set (and at least once after), counting the outcomes."""
    store = open_store(root)
    counts = {"missing": 0, "valid": 0, "invalid": 0}
    last = False
    while not last:
        last = stop.is_set()
        try:
            value = store.load(KEY)
        except Damaged:
            counts["invalid"] += 1
            continue
        except KeyError:
            counts["missing"] += 1
            continue
        except Exception:  # anything else is as bad as a damaged read
            counts["invalid"] += 1
            continue
        first = int(value[0])
        if first in (1, 2) and bool((value == first).all()) and value.shape == (300_000,):
            counts["valid"] += 1
        else:
            counts["invalid"] += 1
    queue.put(counts)
