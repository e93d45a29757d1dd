"""Deep programs (docs/running.md, "Deep programs"): nested calls, lists, records, pipes,
sums, `List[` types, `with` layers and functions, through the real `ibc` command.

Before: 100 nested calls, lists or records, a 100-step pipe or a 200-term sum crashed `ibc run`
with `SyntaxError: too many nested parentheses` (the emitted builders nested one expression
per binding) while `ibc compile` wrote that file; 165 pipes, 247 calls, 248 `List[`, 161
lambdas or `with` layers were internal errors (E0000) of `ibc check`. Now the script target
writes one statement per node and the compiler has room for thousands of levels; the plain
target, which writes expressions, refuses what Python cannot read (E0010), and functions
nested over 64 deep are refused by every command (E0010)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from build_kit import Project, values

OPS = "def inc(x: int) -> int:\n    return x + 1\n"
HEAD = 'from "src/ops.py" import inc\n'


def nested_list(n: int) -> str:
    return "[" * n + "1" + "]" * n


def shape(kind: str, n: int) -> tuple[str, object]:
    """The program `experiment a = …` of a deep shape, and the value `a` must have (as JSON
    text when it nests: this test's own interpreter has the normal recursion limit)."""
    if kind == "list":
        return f"experiment a = {nested_list(n)}\n", nested_list(n)
    if kind == "sum":
        return "experiment a = " + " + ".join(["1"] * n) + "\n", n
    if kind == "call":
        return HEAD + "experiment a = " + "inc(" * n + "0" + ")" * n + "\n", n
    if kind == "pipe":
        return HEAD + "experiment a = 0" + " |> inc" * n + "\n", n
    if kind == "record":
        value = '{"v": ' * n + "1" + "}" * n
        return "experiment a = " + "{v = " * n + "1" + "}" * n + "\n", value
    if kind == "list_type":
        annotation = "List[" * n + "Int" + "]" * n
        return f"x: {annotation} = {nested_list(n)}\nexperiment a = x\n", nested_list(n)
    if kind == "with":  # a chain of layers, each on the one before
        return "seed = 1\nexperiment a = seed" + " with { seed = 2 }" * n + "\n", 2
    if kind == "with_nested":  # `((seed with {seed = 0}) with {seed = 1}) …`: the outer wins
        layers = "".join(f" with {{ seed = {i} }})" for i in range(n))
        return "seed = 1\nexperiment a = " + "(" * n + "seed" + layers + "\n", n - 1
    if kind == "fn":
        return "f = " + "fn (x) => " * n + "1\nexperiment a = 1\n", 1
    raise ValueError(kind)


def deep_project(tmp_path, kind: str, n: int) -> tuple[Project, object]:
    p = Project(tmp_path / "proj")
    p.write("src/ops.py", OPS, dedent=False)
    text, expected = shape(kind, n)
    p.write("main.ib", text, dedent=False)
    return p, expected


def assert_clean(done: subprocess.CompletedProcess) -> None:
    """No traceback and no internal error in anything `ibc` printed."""
    for text in (done.stdout, done.stderr):
        assert "Traceback" not in text, text[-3000:]
        assert "E0000" not in text and "E0004" not in text, text[-3000:]
        assert "internal error" not in text, text[-3000:]


def assert_runs(p: Project, expected: object) -> None:
    done = p.run("run", "main.ib", timeout=600)
    assert_clean(done)
    assert done.returncode == 0, done.stderr[-3000:]
    assert same(values(done.stdout)["a"], expected)


def assert_compiles(p: Project, expected: object, *target: str) -> None:
    """`ibc compile` writes a file that Python compiles and that runs to the right value."""
    out = p.root / "out.py"
    done = p.run("compile", *target, "main.ib", "-o", str(out), timeout=600)
    assert_clean(done)
    assert done.returncode == 0, done.stderr[-3000:]
    compile(out.read_text(), str(out), "exec", dont_inherit=True)
    ran = subprocess.run(
        [sys.executable, str(out), "--json"],
        cwd=p.root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "Traceback" not in ran.stderr
    document = ran.stdout.strip()  # `{"a": VALUE}`, VALUE maybe too deep to parse here
    assert document.startswith('{\n  "a": ') and document.endswith("}")
    assert same(document[len('{\n  "a": ') : -1], expected)


def same(shown: str, expected: object) -> bool:
    """Whether a result shown as JSON text is `expected` (a number, or JSON text). Past 100
    levels, results are shown with their innermost part as a string (`[[…, "[[1]]"]]`, the
    display's own limit): compared without quotes, backslashes and white space."""

    def bare(text: str) -> str:
        return "".join(c for c in text if c not in " \n\"'\\")

    return bare(shown) == bare(expected if isinstance(expected, str) else json.dumps(expected))


def assert_refused(p: Project, *command: str) -> str:
    """The command refuses the program with E0010 and writes nothing."""
    out = p.root / "refused.py"
    args = [*command, "-o", str(out)] if command[0] == "compile" else list(command)
    done = p.run(*args, timeout=600)
    assert_clean(done)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "error[E0010]" in done.stderr, done.stderr[-3000:]
    assert not out.exists()
    return done.stderr


# The depths of the issue's reports; whether the plain target (which writes each expression
# as one Python expression) can write the program at that depth.
ISSUE_SHAPES = [
    ("list", 120, True),
    ("sum", 250, True),
    ("call", 120, True),
    ("call", 247, False),
    ("pipe", 170, True),
    ("record", 120, True),
    ("list_type", 248, False),
    ("with", 161, True),
    ("with_nested", 161, True),
    ("fn", 64, True),
]


@pytest.mark.parametrize(
    "kind, n, plain", ISSUE_SHAPES, ids=[f"{k}-{n}" for k, n, _ in ISSUE_SHAPES]
)
def test_deep_shapes_check_run_and_compile(tmp_path, kind, n, plain):
    p, expected = deep_project(tmp_path, kind, n)
    done = p.run("check", "main.ib", timeout=600)
    assert_clean(done)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_runs(p, expected)
    assert_compiles(p, expected)
    if plain:
        assert_compiles(p, expected, "--target", "plain")
    else:
        stderr = assert_refused(p, "compile", "--target", "plain", "main.ib")
        assert "the plain target cannot write it" in stderr
        assert "main.ib:" in stderr and "hint: compile it with the script target" in stderr
    # `ibc fmt` (before: E0004 "nested too deeply to format" for the deepest) lays it out, and
    # what it writes is the same program
    done = p.run("fmt", "main.ib", timeout=600)
    assert_clean(done)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_runs(p, expected)


THOUSANDS = [
    ("call", 2000, False),
    ("pipe", 2000, False),
    ("sum", 3000, False),
    ("list", 2000, False),
    ("record", 2000, False),
]


@pytest.mark.parametrize("kind, n, plain", THOUSANDS, ids=[f"{k}-{n}" for k, n, _ in THOUSANDS])
def test_thousands_of_levels(tmp_path, kind, n, plain):
    p, expected = deep_project(tmp_path, kind, n)
    done = p.run("check", "main.ib", timeout=600)
    assert_clean(done)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_runs(p, expected)
    assert_compiles(p, expected)
    if plain:
        assert_compiles(p, expected, "--target", "plain")
    else:
        assert_refused(p, "compile", "--target", "plain", "main.ib")


def test_functions_nested_over_64_deep_are_refused_by_every_command(tmp_path):
    # before: `ibc run` and `ibc compile` of 161 nested lambdas were internal errors (E0000)
    p, _ = deep_project(tmp_path, "fn", 161)
    for command in (("check", "main.ib"), ("run", "main.ib"), ("compile", "main.ib")):
        stderr = assert_refused(p, *command)
        assert "main.ib:1:645" in stderr  # the 65th `fn`
        assert "nested more than 64 levels deep" in stderr
        assert "hint: name the inner functions" in stderr
    assert_refused(p, "compile", "--target", "plain", "main.ib")


def test_short_programs_read_as_before_with_one_step_per_line(tmp_path):
    """Flat code still reads well: the operands of a call are named after the parameter they
    fill, a chain of steps is one line each, and a leaf stays inline."""
    p = Project(tmp_path / "proj")
    p.write("src/ops.py", OPS, dedent=False)
    p.write("main.ib", HEAD + "experiment a = 0 |> inc |> inc\n", dedent=False)
    code = p.ok("compile", "main.ib")
    body = code[code.index("def a(m):") :]
    assert "x = m.call(\n        inc, [m.lit(0)]," in body or "x = m.call(inc, [m.lit(0)]," in body
    assert "return m.call(inc, [x]," in body
