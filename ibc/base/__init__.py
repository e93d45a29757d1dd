"""Leaf modules shared by the compiler (`ibc.syntax` … `ibc.codegen`), the runtime
(`ibc.runtime`) and the command line. They import only the standard library (and `tomli` on
Python 3.10) and each other, so any package may import them without importing another and
without a package cycle (`tests/test_architecture.py` checks it).

`records` (frozen record classes), `spans` (source text and locations, shared by the syntax
phase and the diagnostics), `typeterms` (the type terms: the resolver reads Python interfaces
into them and the checker reasons about them), `project_root` and `settings` (the project and
its `ibc.toml`), `cachedir` (ibc's own cache folder), `resources` (the grammar and the stubs),
`spell` (near-name suggestions) and `reuse` (compiled programs that `ibc run` reuses without
importing the compiler)."""
