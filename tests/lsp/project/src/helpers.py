"""Project functions for the language-server tests (read with ast, never imported)."""


def make_data(n: int, noise: float = 0.1) -> list[float]:
    return [noise * i for i in range(n)]


class Model:
    def __init__(self, alpha: float = 1.0, *, iterations: int = 10) -> None:
        self.alpha = alpha
        self.iterations = iterations

    def predict(self, data: list[float], *, clip: bool = False) -> list[float]:
        return [self.alpha * x for x in data]


def score(model: Model, data: list[float]) -> float:
    return model.alpha * sum(data)
