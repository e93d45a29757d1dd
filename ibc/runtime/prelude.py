"""The prelude's Python: the functions `stdlib/prelude.ib` declares (docs/stubs.md "The prelude").

Every function is self-contained — its imports are inside its body and use only the standard
library and the library it wraps — so that the `plain` target can copy one function's source
alone into a standalone script. Several names shadow Python builtins (`range`, `len`, `map`,
`str`, …) inside this module; bodies reach the real ones through `import builtins`.

The scikit-learn wrappers (`fit`, `fit_transform`) clone the estimator before fitting, so a
value never changes once made: `fit(model, X, y)` leaves `model` untouched.
"""

from __future__ import annotations


def fit(model, X, y=None, **fit_params):
    """A fitted copy of `model` (`sklearn.base.clone(model).fit(X, y)`; `fit(X)` without y)."""
    from sklearn.base import clone

    fresh = clone(model)
    if y is None:
        return fresh.fit(X, **fit_params)
    return fresh.fit(X, y, **fit_params)


def predict(model, X):
    """`model.predict(X)`."""
    return model.predict(X)


def predict_proba(model, X):
    """`model.predict_proba(X)`."""
    return model.predict_proba(X)


def transform(model, X):
    """`model.transform(X)`."""
    return model.transform(X)


def fit_transform(model, X, y=None, **fit_params):
    """`X` transformed by a fitted copy of `model` (the model itself is not changed)."""
    from sklearn.base import clone

    fresh = clone(model)
    if y is None:
        return fresh.fit_transform(X, **fit_params)
    return fresh.fit_transform(X, y, **fit_params)


def range(start, stop=None, step=1):
    """`list(range(start, stop, step))`; `range(n)` is `0 … n-1`."""
    import builtins

    if stop is None:
        start, stop = 0, start
    return builtins.list(builtins.range(start, stop, step))


def linspace(start, stop, num=50):
    """`num` evenly spaced floats from `start` to `stop` inclusive, the values of
    `numpy.linspace(start, stop, num)` computed without numpy."""
    import builtins

    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, got {num}")
    start = builtins.float(start)
    stop = builtins.float(stop)
    div = num - 1
    delta = stop - start
    if div <= 0:
        values = [i * delta + start for i in builtins.range(num)]
    else:
        step = delta / div
        if step == 0:
            values = [(i / div) * delta + start for i in builtins.range(num)]
        else:
            values = [i * step + start for i in builtins.range(num)]
    if num > 1:
        values[-1] = stop
    return [builtins.float(v) for v in values]


def logspace(start, stop, num=50, base=10.0):
    """`base ** x` for `x` in `linspace(start, stop, num)`, as `numpy.logspace` computes."""
    import builtins

    if num < 0:
        raise ValueError(f"logspace: num must be non-negative, got {num}")
    start = builtins.float(start)
    stop = builtins.float(stop)
    div = num - 1
    delta = stop - start
    if div <= 0:
        exponents = [i * delta + start for i in builtins.range(num)]
    else:
        step = delta / div
        if step == 0:
            exponents = [(i / div) * delta + start for i in builtins.range(num)]
        else:
            exponents = [i * step + start for i in builtins.range(num)]
    if num > 1:
        exponents[-1] = stop
    base = builtins.float(base)
    return [base**e for e in exponents]


def len(x):
    """The number of elements of `x`."""
    import builtins

    return builtins.len(x)


def zip(xs, ys):
    """The list of pairs `(xs[i], ys[i])`, as long as the shorter of the two."""
    import builtins

    return builtins.list(builtins.zip(xs, ys))


def map(f, xs):
    """`[f(x) for x in xs]`."""
    import builtins

    return builtins.list(builtins.map(f, xs))


def chain(x, steps):
    """`x` passed through the one-argument functions `steps` in order: `chain(x, [f, g])` is
    `g(f(x))`."""
    for step in steps:
        x = step(x)
    return x


def str(x):
    """`x` as a string."""
    import builtins

    return builtins.str(x)


def int(x):
    """`x` as an integer (Python's `int`)."""
    import builtins

    return builtins.int(x)


def float(x):
    """`x` as a float (Python's `float`)."""
    import builtins

    return builtins.float(x)


def mean(xs):
    """The arithmetic mean of the numbers `xs`, as a float."""
    import builtins
    import math

    values = [builtins.float(x) for x in xs]
    if not values:
        raise ValueError("mean() of an empty list")
    return math.fsum(values) / builtins.len(values)


def file(path):
    """The file at `path` as a `pathlib.Path`; a relative path is taken from the project root
    (`IBC_PROJECT_ROOT`), else the current directory."""
    import os
    import pathlib

    given = pathlib.Path(path)
    root = os.environ.get("IBC_PROJECT_ROOT")
    resolved = given if given.is_absolute() or not root else pathlib.Path(root) / given
    if not resolved.is_file():
        what = "a folder, not a file" if resolved.is_dir() else "missing"
        raise FileNotFoundError(f"file({os.fspath(path)!r}): {resolved} is {what}")
    return resolved


def dir(path):
    """The folder at `path` as a `pathlib.Path`; a relative path is taken from the project
    root (`IBC_PROJECT_ROOT`), else the current directory."""
    import os
    import pathlib

    given = pathlib.Path(path)
    root = os.environ.get("IBC_PROJECT_ROOT")
    resolved = given if given.is_absolute() or not root else pathlib.Path(root) / given
    if not resolved.is_dir():
        what = "a file, not a folder" if resolved.is_file() else "missing"
        raise FileNotFoundError(f"dir({os.fspath(path)!r}): {resolved} is {what}")
    return resolved
