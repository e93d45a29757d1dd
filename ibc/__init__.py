"""Iterbuild: a small, statically typed, pure functional language for specifying
machine-learning experiments. `ibc.driver` runs the compiler's phases; `ibc.runtime` is
what emitted programs import."""

__version__ = "0.1.0"
