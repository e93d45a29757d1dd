"""The runtime of emitted `script` programs: the build graph, its evaluation, the command line.

Emitted code imports `Program` and `Ref` from here; `ibc run` execs emitted code and calls
`run_module(namespace, argv)`. This package never imports the compiler (`ibc.syntax`,
`ibc.types`, `ibc.codegen`, …) and imports no heavy library at import time, so that programs
start fast and run where only the runtime is installed. Modules:

- `values`: `Ref` (a Python reference as data, imported lazily), `jsonable`, `closest`, `nearest`
- `graph`: hash-consed nodes and their keys, `Scope`, and `Builder` (the `m` of builders)
- `layers`: override layers (`with`, sweep points, `-s`) and stacks of them, indexed by path
- `overrides`: `-s PATH=LITERAL` parsed and type-checked (imported only when `-s` is used)
- `evaluate`: `Evaluator` (top-down, memoized), `Store`/`MemoryStore`, `Executor`/`LocalExecutor`
- `errors`: `StageFailure`, `UnpackError`, failure reports with trimmed tracebacks
- `program`: `Program` (registration of bindings, targets and sweeps; the command line),
  `run_module`
- `prelude`: the Python of the prelude's functions (`fit`, `predict`, `range`, `file`, …)
"""

from ibc.runtime.errors import StageFailure, UnpackError
from ibc.runtime.evaluate import Evaluator, Executor, LocalExecutor, MemoryStore, Store
from ibc.runtime.graph import Builder, Graph, Node, Scope
from ibc.runtime.layers import Layer, Stack
from ibc.runtime.program import Program, Target, run_module
from ibc.runtime.values import Ref, jsonable

__all__ = [
    "Builder",
    "Evaluator",
    "Executor",
    "Graph",
    "Layer",
    "LocalExecutor",
    "MemoryStore",
    "Node",
    "Program",
    "Ref",
    "Scope",
    "Stack",
    "StageFailure",
    "Store",
    "Target",
    "UnpackError",
    "jsonable",
    "run_module",
]
