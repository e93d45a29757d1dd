"""A Python module that test programs reference: functions that count their calls."""

from collections import Counter

CALLS: Counter = Counter()


def load(n):
    CALLS["load"] += 1
    return list(range(n))


def total(xs):
    CALLS["total"] += 1
    return sum(xs)


def scale(xs, factor=2):
    CALLS["scale"] += 1
    return [x * factor for x in xs]


def boom(x):
    CALLS["boom"] += 1
    return helper_that_fails(x)


def helper_that_fails(x):
    raise ValueError(f"boom: bad input {x!r}")


def apply_all(f, xs):
    CALLS["apply_all"] += 1
    return [f(x) for x in xs]


def triple():
    return (1, 2, 3)


def make_adder(k):
    return lambda x: x + k


def echo(*args, **kwargs):
    return [list(args), kwargs]


class Box:
    def __init__(self, v):
        self.v = v

    def times(self, k):
        CALLS["times"] += 1
        return self.v * k


class Outer:
    class inner:
        @staticmethod
        def hello(name):
            return f"hello {name}"


def prepare(xs):
    CALLS["prepare"] += 1
    return [x + 1 for x in xs]


def fit(data, C=1.0, tol=0.001):
    CALLS["fit"] += 1
    return {"C": C, "tol": tol, "n": len(data), "sum": sum(data)}


def fit_v2(data, C=1.0, tol=0.001):
    CALLS["fit_v2"] += 1
    return {"v2": True, "C": C}


def summarize(results):
    CALLS["summarize"] += 1
    return {name: r["C"] for name, r in results.items()}


def fails_for(data, C=1.0):
    if C < 0:
        raise ValueError(f"negative C {C}")
    return C


def double(x):
    return 2 * x


def negate(x):
    return -x
