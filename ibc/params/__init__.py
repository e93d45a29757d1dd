"""The parameters phase (docs/parameters.md): parameter paths, overrides, sweeps.

`paths` finds every parameter of a checked program (bindings, call arguments by name,
nested calls, literal elements and fields, signature defaults, paths inside `def`s, imported
names); `expand` resolves the overrides of each `with` and of the command line to those
parameters, expands sweeps into named points over compile-time values, and type-checks each
derived variant (`variants`); `listing` answers `ibc params` and `ibc diff`. It hands on an
`Expanded` program, which lowering turns into override layers and sweep points as data.
"""
