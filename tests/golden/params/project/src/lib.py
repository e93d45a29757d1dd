"""Small typed Python for the `ibc params` / `ibc diff` golden tests (no library needed)."""

from __future__ import annotations


class Base:
    """What `score` accepts: anything with a weight."""

    def weight(self) -> float:
        return 1.0


class Model(Base):
    def __init__(self, C: float = 1.0, max_iter: int = 100, tol: float = 0.0001) -> None:
        self.C = C
        self.max_iter = max_iter
        self.tol = tol

    def weight(self) -> float:
        return self.C


class Forest(Base):
    def __init__(self, n_estimators: int = 100, depth: int = 3) -> None:
        self.n_estimators = n_estimators
        self.depth = depth

    def weight(self) -> float:
        return float(self.n_estimators)


def load(n: int, start: float = 0.0) -> list[float]:
    return [start + i for i in range(n)]


def double(xs: list[float], factor: float = 2.0) -> list[float]:
    return [x * factor for x in xs]


def score(model: Base, data: list[float], seed: int = 0) -> float:
    return sum(data) * model.weight() + seed


def pick(models: list[Base], index: int = 0) -> Base:
    return models[index]
