"""`ibc init [DIR]`: a small project that `ibc run` runs at once (docs/commands.md, "ibc init").

It writes four files into DIR (default: the current folder), and nothing when any of them is
already there (exit 2, naming them): `ibc.toml` (marks the project root; the settings of
docs/settings.md, commented), `src/features.py` (typed Python functions, standard library
only, so the project runs with the base install), `experiment.ib` (an experiment, a sweep and
a record of metrics) and `.gitignore` (the store `.ibc/` and Python's caches).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

IBC_TOML = """\
# The project's settings (docs/settings.md). This file also marks the project root: the
# store `.ibc/` is kept next to it.
# executor = "process"   # ibc run's default executor: "local", "process" or "dask"
# jobs = 4               # workers of the process executor
# store = ".ibc"         # the store folder, relative to this file
"""

FEATURES_PY = '''\
"""The project's Python functions. `experiment.ib` imports them by path, and the compiler
reads their types from the annotations (it never imports this file)."""

from __future__ import annotations

import random
from typing import TypedDict


class Scores(TypedDict):
    """What `evaluate` returns: one metric per field (`ibc results` shows each)."""

    slope: float
    error: float


def make_data(n: int, slope: float, noise: float, seed: int) -> list[float]:
    """`n` points of the line `slope * x` with Gaussian noise, the same for the same seed."""
    rng = random.Random(seed)
    return [slope * x + rng.gauss(0.0, noise) for x in range(n)]


def fit_slope(ys: list[float]) -> float:
    """The least-squares slope of a line through the origin fitted to `(x, ys[x])`."""
    xs = range(len(ys))
    return sum(x * y for x, y in zip(xs, ys)) / max(sum(x * x for x in xs), 1)


def evaluate(fitted: float, ys: list[float]) -> Scores:
    """The fitted slope and its mean squared error on `ys`."""
    error = sum((fitted * x - y) ** 2 for x, y in enumerate(ys)) / max(len(ys), 1)
    return {"slope": fitted, "error": error}
'''

EXPERIMENT_IB = """\
# A first Iterbuild program, written by `ibc init`. Try:
#     ibc run experiment.ib                        # every experiment and sweep
#     ibc run experiment.ib baseline -s noise=3.0  # one parameter overridden
#     ibc params experiment.ib                     # every parameter, its type and value
#     ibc results                                  # the recorded runs
from "src/features.py" import make_data, fit_slope, evaluate

seed = 0
noise = 1.0
data = make_data(n = 100, slope = 0.5, noise = noise, seed = seed)

experiment baseline = evaluate(fit_slope(data), data)

# Three runs of the same experiment, one per noise level; the data is made once for each.
sweep noisy = baseline with { noise in [0.5, 1.0, 2.0] }
"""

GITIGNORE = """\
# ibc's store: cached values and run records (docs/running.md)
.ibc/
__pycache__/
"""

FILES = {
    "ibc.toml": IBC_TOML,
    "src/features.py": FEATURES_PY,
    "experiment.ib": EXPERIMENT_IB,
    ".gitignore": GITIGNORE,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write a small runnable project into DIR: ibc.toml, src/features.py, experiment.ib "
        "and a .gitignore for the store. Nothing is overwritten."
    )
    parser.epilog = "Then: cd DIR && ibc run experiment.ib"
    parser.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="the project folder (default: .)"
    )


def main(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        print(f"error: {root} exists and is not a folder", file=sys.stderr)
        return 2
    existing = [name for name in FILES if (root / name).exists()]
    if existing:
        listed = ", ".join(str(root / name) for name in existing)
        print(
            f"error: ibc init writes nothing over existing files: {listed}\n"
            "  = hint: choose an empty folder (`ibc init DIR`) or move these files away",
            file=sys.stderr,
        )
        return 2
    try:
        for name, text in FILES.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8") as handle:
                handle.write(text)
    except OSError as exc:
        print(f"error: cannot write the project in {root}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    where = "" if str(args.dir) == "." else f"cd {args.dir} && "
    print(
        f"wrote {', '.join(FILES)} in {root}\nnext: {where}ibc run experiment.ib",
        file=sys.stderr,
    )
    return 0
