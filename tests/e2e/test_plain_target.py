"""End-to-end: the plain target's programs behave as the script target's (values, `--json`,
`-s`, `--list-params`, targets and sweep points by name), through the real CLI, and the plain
program of a file without `with` stays within its line budget (docs/running.md)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*/*.ib"))

LIB = """
def scale(x: float, factor: float = 1.0, shift: float = 0.0) -> float:
    return x * factor + shift


def pair(a: int, b: int) -> tuple[int, int]:
    return (a // b, a % b)


def apply(f, x: int) -> float:
    return f(x)
"""

# defs with locals and a default, a lambda, destructuring, records and lists
DIRECT = """\
from math import sqrt
from "src/lib.py" import scale, pair, apply

a = 2.0
(q, r) = pair(7, 3)

def twice(x: Float, k: Float = 2.0) -> Float:
    y = scale(x, factor = k)
    (d, m) = pair(7, 2)
    return y + a + d * m

double = fn (x) => x * 2.0

experiment e1 = twice(scale(a, factor = 3.0))
experiment e2 = apply(double, q)
experiment e3 = {sum = q + r, root = sqrt(a), items = [q, r]}
"""

# `with` reaching a binding through a def, a sweep, a sweep used as a value
LAYERED = DIRECT + """\
experiment e4 = e1 with { a = 5.0 }
sweep s = e2 with { q in [1, 2, 3] }
experiment total = s
"""

# variants and sweep points that need no late binding: spelled out in the direct form
SPELLED = DIRECT + """\
base = scale(a, factor = 3.0)
experiment e5 = e2 with { q = 10 }
experiment e6 = {v = base} with { base.factor = 5.0 }
sweep s = e2 with { q in [1, 2, 3] }
sweep g = e6 with { base.shift in [0.5, 1.5] }
experiment total = s
"""

SETS = [
    [],
    ["-s", "a=3.0"],  # a named value
    ["-s", "e1.x.factor=4.0", "-s", "twice.y.shift=1.0"],  # written / unwritten arguments
    ["-s", "e3.items[1]=9", "-s", "q=5"],  # a list element, a destructured binding
    ["-s", "e1.k=3.0", "-s", "r.b=2"],  # a def's default, a call inside a destructuring
]


def ibc(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=300,
    )


def run(path: Path, *args: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "IBC_PROJECT_ROOT")}
    if not flags:
        env = dict(os.environ)  # the script target needs ibc importable
    return subprocess.run(
        [sys.executable, *flags, str(path), *args],
        cwd=path.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def compiled(ib: Path, target: str) -> Path:
    out = ib.with_name(f"{ib.stem}_{target}.py")
    done = ibc("compile", ib.name, "--target", target, "-o", out.name, cwd=ib.parent)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.py").write_text(LIB)
    (tmp_path / "direct.ib").write_text(DIRECT)
    (tmp_path / "layered.ib").write_text(LAYERED)
    (tmp_path / "spelled.ib").write_text(SPELLED)
    return tmp_path


@pytest.mark.parametrize("name", ["direct", "layered", "spelled"])
def test_plain_and_script_agree_on_values_sets_and_parameters(project, name):
    ib = project / f"{name}.ib"
    script, plain = compiled(ib, "script"), compiled(ib, "plain")
    source = plain.read_text()
    assert ("_IbcScope" in source) == (name == "layered")
    spelled = [["-s", "r.b=2"], ["-s", "base.factor=7.0", "-s", "base.shift=2.0"]]
    for sets in SETS if name != "spelled" else SETS[:3] + spelled:  # -s wins over `with`
        want = run(script, "--json", *sets)
        got = run(plain, "--json", *sets)
        assert want.returncode == got.returncode == 0, (sets, want.stderr, got.stderr)
        assert json.loads(got.stdout) == json.loads(want.stdout), sets
    assert run(plain, "--list-params").stdout == run(script, "--list-params").stdout
    bad = run(plain, "-s", "e1.x.factor='x'")
    assert bad.returncode == 2
    assert bad.stderr == "error: -s e1.x.factor: expected float, got str 'x'\n"


def test_targets_and_sweep_points_by_name(project):
    ib = project / "layered.ib"
    script, plain = compiled(ib, "script"), compiled(ib, "plain")
    args = ("s[q=2]", "e4", "q", "--json")
    want, got = run(script, *args), run(plain, *args)
    assert want.returncode == got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == json.loads(want.stdout) == {"s[q=2]": 4.0, "e4": 38.0, "q": 2}
    direct = compiled(project / "direct.ib", "plain")
    one = run(direct, "e2", "r")
    assert one.returncode == 0 and one.stdout == "e2: 4.0\nr: 1\n"


def test_the_direct_form_reads_like_the_source(project):
    source = compiled(project / "direct.ib", "plain").read_text()
    assert "a = 2.0\n" in source  # a named parameter
    assert "def twice(x, k=2.0):\n    y = scale(x, factor=k)\n    d, m = pair(7, 2)\n" in source
    assert "        q, r = pair(7, 3)\n" in source  # one statement per binding
    assert "        double = lambda x: x * 2.0\n" in source
    assert '        e2 = experiment("e2", lambda: apply(double, q))\n' in source


def test_the_direct_form_runs_without_ibc_or_site_packages(project):
    plain = compiled(project / "direct.ib", "plain")
    assert run(plain, "-c", "import ibc", flags=("-S", "-I")).returncode != 0
    done = run(plain, "--json", "-s", "twice.y.shift=1.0", flags=("-S",))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["e1"] == 18.0


def _lines(source: str) -> dict[str, int]:
    """Lines of a plain program: the copied support (functions and classes of the prelude,
    of ibc/runtime/standalone.py and of ibc/base/spell.py, which carry docstrings or `_ibc`
    names), the data tables (`_IBC_*`) and the rest, the program itself (not blank)."""
    counts = {"support": 0, "tables": 0}
    lines = source.splitlines()
    apart = set()  # the lines of support and tables
    for node in ast.parse(source).body:
        span = range(node.lineno - 1, node.end_lineno)
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and (
            node.name.startswith(("_ibc", "_Ibc")) or ast.get_docstring(node)
        ):
            counts["support"] += len(span)
            apart.update(span)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id.startswith("_IBC_") and node.targets[0].id != "_IBC_ROOT":
                counts["tables"] += len(span)
                apart.update(span)
    # the program: its own lines that are not blank (blank lines between copied functions
    # belong to no one)
    counts["program"] = sum(1 for i, line in enumerate(lines) if i not in apart and line.strip())
    return counts


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_line_budget_of_examples_without_with(example: Path, tmp_path: Path):
    text = example.read_text()
    if " with " in text:
        pytest.skip("late binding: the layered form (docs/running.md)")
    out = tmp_path / "out.py"
    done = ibc("compile", str(example), "--target", "plain", "-o", str(out), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    counts = _lines(out.read_text())
    budget = 3 * len(text.splitlines())
    assert counts["program"] <= budget, counts
    # the tables are data for the support: one entry per parameter, call and location
    assert "_IbcScope" not in out.read_text()


def test_the_examples_set_parameters_alike_in_both_targets(tmp_path: Path):
    example = ROOT / "examples" / "cancer" / "cancer.ib"
    outs = {}
    for target in ("script", "plain"):
        out = tmp_path / f"{target}.py"
        done = ibc("compile", str(example), "--target", target, "-o", str(out), cwd=ROOT)
        assert done.returncode == 0, done.stderr
        outs[target] = out
    sets = ("-s", "model.C=0.05", "-s", "seed=1", "-s", "model.tol=0.01", "baseline", "--json")
    results = {}
    for target, out in outs.items():
        done = subprocess.run(
            [sys.executable, str(out), *sets],
            capture_output=True, text=True, timeout=300, cwd=example.parent,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        results[target] = json.loads(done.stdout)
        params = subprocess.run(
            [sys.executable, str(out), "--list-params"], capture_output=True, text=True
        )
        results[target + " params"] = params.stdout
    assert results["plain"] == results["script"]
    assert results["plain params"] == results["script params"]


def test_variants_and_sweep_points_are_spelled_out(project):
    plain = compiled(project / "spelled.ib", "plain")
    source = plain.read_text()
    assert '        e5 = experiment("e5", lambda: apply(double, 10))\n' in source
    assert '"g[base.shift=0.5]": lambda: {"v": scale(a, factor=5.0, shift=0.5)},' in source
    args = ("g[base.shift=1.5]", "total", "--json")
    want, got = run(compiled(project / "spelled.ib", "script"), *args), run(plain, *args)
    assert want.returncode == got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == json.loads(want.stdout)
    # a whole binding a `with` or point replaces is written in: -s there is refused
    refused = run(plain, "-s", "q=4")
    assert refused.returncode == 2
    assert "-s q: a `with` or sweep point of this program sets q" in refused.stderr
    assert run(plain, "-s", "base=1.0").returncode == 2  # a prefix of base.factor


def test_a_required_parameter_after_a_defaulted_one_is_e0705(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "main.ib").write_text(
        "def f(a: Int = 1, b: Int) -> Int:\n    return a + b\n\nexperiment t = f(1, 2)\n"
    )
    assert ibc("check", "main.ib", cwd=tmp_path).returncode == 0
    done = ibc("compile", "main.ib", "--target", "plain", cwd=tmp_path)
    assert done.returncode == 1
    assert "error[E0705]: the plain target cannot emit def `f`: its parameter `b`" in done.stderr
    assert " --> main.ib:1:1" in done.stderr and "hint: give `b` a default" in done.stderr
    assert "Traceback" not in done.stderr
    assert ibc("compile", "main.ib", cwd=tmp_path).returncode == 0  # the script target runs it
