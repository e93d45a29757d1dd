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
