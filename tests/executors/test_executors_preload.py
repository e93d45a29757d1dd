"""What the process executor's workers have imported before their first stage (docs/running.md,
"Worker processes"): the libraries the run's stages import are imported once, in the
forkserver the workers are forked from (and in the run itself), never in a worker; a library
that fails to import, whatever it raises, does not break the run: its stage fails with its own
error, exactly as in-process, and the other stages run. Real `ibc run` processes; the
"libraries" are modules of a folder outside the project, put on PYTHONPATH."""

import json
import os
import sys
from pathlib import Path

import pytest

_RUNS = str(Path(__file__).resolve().parent.parent / "runs")
if _RUNS not in sys.path:
    sys.path.insert(0, _RUNS)

from build_kit import Project  # noqa: E402

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the forkserver start method, as on Linux"
)

# A "library": records the process that imports it, once per process.
HEAVYLIB = """\
import os

with open(os.environ["HEAVYLIB_LOG"], "a") as f:
    f.write(f"{os.getpid()}\\n")


def double(x):
    return 2 * x
"""

# The project's module: it says whether `heavylib` was already imported when the worker
# imported it (the project's own modules are imported by the worker, never preloaded).
PROBE = """\
import os
import sys

ALREADY = "heavylib" in sys.modules

import heavylib


def probe(i: int) -> str:
    return f"{os.getpid()} {int(ALREADY)} {heavylib.double(i)}"
"""

MAIN = """\
from "src/probe.py" import probe
experiment a = probe(1)
experiment b = probe(2)
experiment c = probe(3)
"""


def _project(tmp_path: Path) -> tuple[Project, dict[str, str]]:
    library = tmp_path / "site"
    library.mkdir()
    (library / "heavylib.py").write_text(HEAVYLIB)
    project = Project(tmp_path / "proj")
    project.write("src/probe.py", PROBE)
    project.write("main.ib", MAIN)
    log = tmp_path / "imports.log"
    path = os.pathsep.join(p for p in (str(library), os.environ.get("PYTHONPATH", "")) if p)
    return project, {"PYTHONPATH": path, "HEAVYLIB_LOG": str(log)}


def _results(stdout: str) -> dict[str, list[int]]:
    values = json.loads(stdout)
    return {name: [int(x) for x in text.split()] for name, text in values.items()}


def test_a_library_the_stages_import_is_imported_once_in_the_forkserver(tmp_path):
    project, env = _project(tmp_path)
    log = Path(env["HEAVYLIB_LOG"])
    done = project.popen("run", "main.ib", "--json", "--executor", "process", "--jobs", "2", **env)
    stdout, stderr = done.communicate(timeout=120)
    assert done.returncode == 0, stderr
    results = _results(stdout)
    assert {name: r[2] for name, r in results.items()} == {"a": 2, "b": 4, "c": 6}
    workers = {r[0] for r in results.values()}
    # every worker found it imported before it imported the project's module
    assert all(r[1] == 1 for r in results.values()), results
    importers = [int(line) for line in log.read_text().split()]
    assert not workers & set(importers), (workers, importers)
    # once in the run (whose results may need it), once in the forkserver: never per worker
    assert done.pid in importers
    assert len(importers) == len(set(importers)) == 2, importers

    # in-process, nothing is imported ahead: the same probe says so (the test can fail)
    log.write_text("")
    local = _results(
        project.ok("run", "main.ib", "--json", "--force", "--executor", "local", **env)
    )
    assert [r[1] for r in local.values()] == [0, 0, 0]
    assert log.read_text().split() != []


# Libraries that fail to import, each its own way, and the project's stages that use them.
BROKEN = {
    "raiser.py": 'print("noise from raiser")\nraise RuntimeError("raiser is broken")\n',
    "leaver.py": "import sys\nsys.exit(7)\n",
    "missing_dep.py": "import no_such_module_anywhere\n",
}

USERS = """\
import raiser


def uses_raiser(x: int) -> int:
    return x
"""

LEAVER_USER = """\
import leaver


def uses_leaver(x: int) -> int:
    return x
"""

MISSING_USER = """\
import missing_dep


def uses_missing(x: int) -> int:
    return x
"""

FINE = """\
import os


def fine(x: int) -> int:
    return x + 1
"""

BROKEN_MAIN = """\
from "src/users.py" import uses_raiser
from "src/leaver_user.py" import uses_leaver
from "src/missing_user.py" import uses_missing
from "src/fine.py" import fine
experiment raising = uses_raiser(1)
experiment leaving = uses_leaver(1)
experiment missing = uses_missing(1)
experiment ok = fine(1)
"""


def test_a_library_that_fails_to_import_fails_its_stage_as_in_process(tmp_path):
    library = tmp_path / "site"
    library.mkdir()
    for name, text in BROKEN.items():
        (library / name).write_text(text)
    project = Project(tmp_path / "proj")
    project.write("src/users.py", USERS)
    project.write("src/leaver_user.py", LEAVER_USER)
    project.write("src/missing_user.py", MISSING_USER)
    project.write("src/fine.py", FINE)
    project.write("main.ib", BROKEN_MAIN)
    path = os.pathsep.join(p for p in (str(library), os.environ.get("PYTHONPATH", "")) if p)
    runs = {}
    for executor in ("local", "process"):
        runs[executor] = project.run(
            "run", "main.ib", "--json", "--force", "--executor", executor, PYTHONPATH=path
        )
    for executor, done in runs.items():
        assert done.returncode == 3, (executor, done.stderr)
        # standard output holds the results alone: what a library printed went elsewhere
        assert json.loads(done.stdout) == {"ok": 2}, (executor, done.stdout)
        assert "RuntimeError: raiser is broken" in done.stderr, (executor, done.stderr)
        assert "sys.exit(7)" in done.stderr, (executor, done.stderr)
        assert "no_such_module_anywhere" in done.stderr, (executor, done.stderr)
    # the same failures, reported the same way
    assert _failures(runs["process"].stderr) == _failures(runs["local"].stderr)


def _failures(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith("error: "))


# What is preloaded: read from the program `ibc run` runs, never imported.
FEATURES = """\
import json
import heavylib
from . import helpers
from .more import extra

try:
    import optional_lib
except ImportError:
    optional_lib = None


def step(x: int) -> int:
    import lazy_lib

    return x
"""


def test_the_preload_follows_the_project_modules_imports_to_their_libraries(tmp_path):
    import subprocess

    from ibc.runtime import warmup

    project = Project(tmp_path / "proj")
    project.write("src/features.py", FEATURES)
    project.write("src/helpers.py", "import helperlib\n")
    project.write(
        "src/more.py", "import numpy as np\n\n\ndef extra(x: int) -> int:\n    return x\n"
    )
    project.write("other.py", "import otherlib\n\n\ndef unused(x: int) -> int:\n    return x\n")
    project.write(
        "main.ib",
        'from "src/features.py" import step\nfrom "other.py" import unused\n'
        "experiment e = step(1)\nexperiment f = unused(2)\n",
    )
    code = subprocess.run(
        [sys.executable, "-m", "ibc", "compile", "main.ib"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    namespace: dict = {}
    exec(compile(code, "main_ib.py", "exec"), namespace)
    program = namespace["program"]
    scope = program.scope()
    stack = program.stack(scope)
    only_e = warmup.modules([program.node("e", scope, stack)], program.project_root)
    # libraries only (json is the standard library; src.* and other are the project's), the
    # submodule a `from` import may name, `try` bodies; not what a function imports lazily
    assert only_e == ["heavylib", "helperlib", "numpy", "optional_lib"]
    both = warmup.modules([program.node(n, scope, stack) for n in ("e", "f")], program.project_root)
    assert both == ["heavylib", "helperlib", "numpy", "optional_lib", "otherlib"]
