"""`ibc.runtime.load(file, name)` of a binding no run recorded as a target (docs/notebook.md,
"Loading values"): its store key is computed, nothing is run.

The program is the one `ibc run FILE` runs: the compiled code `ibc run` reused last (when
nothing it was built from changed), else the output of `python -m ibc compile FILE` in a
subprocess (the runtime never imports the compiler). A dry run of the binding under the
program's defaults (no `-s`) then finds every stage it needs in the store, or names the ones
that are missing; when all are there, the binding's value is evaluated from the store (its
stages loaded, its cheap operations computed; nothing runs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def compiled_code(path: Path) -> str:
    """The Python `ibc run` runs for the `.ib` file `path`; `LookupError` when it does not
    compile."""
    from ibc.base import reuse

    code = reuse.lookup(path, reuse.options_key("run", "False", "0", "--"))
    if code is not None:
        return code
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "compile", str(path)],
        cwd=path.parent,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not done.stdout.strip():
        errors = (done.stderr or "").strip().splitlines()[:5]
        raise LookupError(
            f"{path.name} does not compile, so the key of a binding cannot be computed:\n"
            + "\n".join("  " + line for line in errors)
        )
    return done.stdout


def program_of(path: Path):
    """The `Program` of the `.ib` file `path`, its emitted code executed as a module."""
    from ibc.base.reuse import code_object
    from ibc.runtime.program import find_program

    namespace: dict = {"__name__": "__ibc_load__", "__file__": str(path)}
    exec(code_object(compiled_code(path), f"<ibc load {path}>"), namespace)  # noqa: S102
    return find_program(namespace)


def load_binding(file: str | os.PathLike, name: str, store: str | None, relative: str) -> object:
    """The value of binding (or target, or sweep point) `name` of `file` as the program now
    stands, from the store; `LookupError` naming the run that computes it when a stage it
    needs is not stored."""
    from ibc.runtime.evaluate import Evaluator
    from ibc.runtime.running import plan
    from ibc.runtime.runlog import store_root, unlink
    from ibc.base.spell import closest

    program = program_of(Path(file).resolve())
    runnable = program.runnable()
    if name not in runnable and name not in program.points:
        guess = closest(name, runnable)
        hint = f"; did you mean `{guess}`?" if guess else ""
        raise LookupError(f"{relative} has no binding `{name}`{hint}")
    root = store_root(program.project_root, store)
    from ibc.runtime.remote import reading_store

    disk = reading_store(root, program.project_root)
    program.activate()
    planner, tops = plan(program, [name], disk)
    missing = [(node, state) for node, _, state, _, _ in planner.log if state == "pending"]
    run = f"`ibc run {relative} {name}`"
    if missing:
        node = missing[0][0]
        at = f" at {node.at}" if node.at else ""
        raise LookupError(
            f"`{name}` of {relative} is not in the store (under {root}) for the program as it "
            f"now is: {len(missing)} stage(s) it needs would run, the first "
            f"{node.describe()}{at}; {run} computes it (so does a run of any target that uses "
            "it, without -s)"
        )
    if len(tops) != 1:
        values = {shown: Evaluator(store=disk).value(node) for shown, node in tops}
        return {k: unlink(v, disk) for k, v in values.items()}
    try:
        return unlink(Evaluator(store=disk).value(tops[0][1]), disk)
    except Exception as exc:  # noqa: BLE001 - an entry removed meanwhile, a cheap op failing
        raise LookupError(
            f"`{name}` of {relative} could not be loaded ({exc}); run {run}"
        ) from None
