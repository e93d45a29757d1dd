"""The types phase: what every expression is, checked against the Python it calls.

`ibc.base.typeterms` (the type values), `relations` (subtyping, joins, unification), `env` (written
types, the nominal hierarchy, the types of Python references from explicit types, stubs and
source), `calls` (Python's call rules), `operators`, and `check` (the checker over the
resolved program, in dependency order). It hands on a `Checked` program: a type per
expression, the parameter each argument filled, pipes as calls.
"""
