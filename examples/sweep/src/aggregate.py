"""Aggregating a sweep: Python functions that receive a sweep as a dict.

A sweep used as a value in `.ib` is a `Dict[Str, T]` mapping each point's name
(`seeds[seed=0]`) to its value, in point order; here `T` is the `Scores` record, which the
TypedDict below describes to the compiler.
"""

from __future__ import annotations

import statistics
from typing import TypedDict


class Scores(TypedDict):
    """The record that `evaluate` returns in `sweep.ib`."""

    accuracy: float
    f1: float


class Summary(TypedDict):
    """Mean and spread of the scores over the points of a sweep."""

    accuracy: float
    f1: float
    accuracy_std: float
    f1_std: float


def summarize(results: dict[str, Scores]) -> Summary:
    """The mean of each score over the points, and its (population) standard deviation."""
    if not results:
        raise ValueError("summarize needs at least one point")
    accuracy = [float(r["accuracy"]) for r in results.values()]
    f1 = [float(r["f1"]) for r in results.values()]
    return {
        "accuracy": statistics.fmean(accuracy),
        "f1": statistics.fmean(f1),
        "accuracy_std": statistics.pstdev(accuracy),
        "f1_std": statistics.pstdev(f1),
    }


def best(results: dict[str, Scores]) -> Scores:
    """The scores of the point with the highest accuracy (the first one on a tie)."""
    if not results:
        raise ValueError("best needs at least one point")
    name = max(results, key=lambda k: results[k]["accuracy"])
    return {"accuracy": float(results[name]["accuracy"]), "f1": float(results[name]["f1"])}
