"""The runtime of emitted `script` programs: the build graph, its evaluation, the command line.

Emitted code imports `Program` and `Ref` from here; `ibc run` execs emitted code and calls
`run_module(namespace, argv)`. This package never imports the compiler (`ibc.syntax`,
`ibc.types`, `ibc.codegen`, …) and imports no heavy library at import time, so that programs
start fast and run where only the runtime is installed. Modules:

- `values`: `Ref` (a Python reference as data, imported lazily), `jsonable`, `closest`, `nearest`
- `graph`: hash-consed nodes and their keys, `Scope`, and `Builder` (the `m` of builders)
- `folding`, `unroll`: constant folding, and `map`/`chain` over lists of known length made one
  stage per element or step, while the graph is built
- `layers`: override layers (`with`, sweep points, `-s`) and stacks of them, indexed by path
- `overrides`: `-s PATH=LITERAL` parsed and type-checked (imported only when `-s` is used)
- `evaluate`: `Evaluator`: identities, store keys, early cutoff, top-down values
- `schedule`: the generator-task scheduler the evaluator runs on (parallel with an executor)
- `closures`: cheap operations, and `.ib` lambdas as picklable Python callables
- `store`, `codecs`, `hashing`: the content-addressed store under `.ibc/`, value encodings,
  xxh3 hashes of values, files and folders
- `remote`: a store's remote (fsspec: a shared folder, S3, GCS): read-through with checked
  downloads, pushes in background threads, `ibc cache push|pull`
- `executors`: `local`, `process`, `dask`; `Call`/`Outcome`, the unit of work they run
- `progress`: progress events, plain progress lines, and the choice of display; `live`: the
  terminal's live display (rich, imported only then); `terminal`: standard output and error
  routed through it while it is up; `estimates`: its ETA, from the durations recorded
- `export`: `--out`, the targets' values written as CSV, JSON, `.npy` or pickle files
- `lookup`: the store key of a binding no run recorded, for `load`
- `errors`: `StageFailure`, `UnpackError`, failure reports with trimmed tracebacks
- `program`: `Program` (registration of bindings, targets and sweeps; the command line),
  `run_module`
- `prelude`: the Python of the prelude's functions (`fit`, `predict`, `range`, `file`, …)
- `standalone`, `standalone_layers`: the support code that plain programs carry copies of
  (docs/running.md); its `check_set` (`-s`) and `jsonable` are the runtime's own too
"""

from ibc.runtime.errors import StageFailure, UnpackError
from ibc.runtime.evaluate import Evaluator
from ibc.runtime.executors import Executor, LocalExecutor
from ibc.runtime.store import DiskStore, MemoryStore
from ibc.runtime.graph import Builder, Graph, Node, Scope
from ibc.runtime.layers import Layer, Stack
from ibc.runtime.program import Program, Target, run_module
from ibc.runtime.values import Ref, jsonable


def load(file, name: str, store=None) -> object:
    """The value experiment `name` of the `.ib` file `file` had in its most recent successful
    run, from the store, without running anything (for notebooks); any other binding a run
    computed is found by its key (`LookupError` names the run that computes it); see
    `runlog.load`."""
    from ibc.runtime.runlog import load as _load

    return _load(file, name, store)


__all__ = [
    "Builder",
    "DiskStore",
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
    "Target",
    "UnpackError",
    "jsonable",
    "load",
    "run_module",
]
