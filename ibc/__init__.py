"""Iterbuild: a small, statically typed, pure functional language for specifying
machine-learning experiments. `ibc.driver` runs the compiler's phases; `ibc.runtime` is
what emitted programs import."""

__version__ = "0.1.0"


def load_ipython_extension(ip) -> None:
    """`%load_ext ibc` in IPython or Jupyter: the notebook magics (`ibc.notebook`), imported
    only then."""
    from ibc.notebook import load_ipython_extension as load

    load(ip)
