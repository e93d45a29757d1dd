"""Parameter defaults of function values: the builder (`m.fn(…, defaults=…)`), closures
called from Python, and whole `.ib` programs compiled to both targets and run in-process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ibc.codegen.format import format_python
from ibc.driver import Options, compile_file
from ibc.runtime import Evaluator, Graph, Scope


def builder():
    return Scope({}, Graph()).root


def add(m, x, y):
    return m.binop("+", x, y)


# -- the builder ----------------------------------------------------------------------------


def test_applied_in_ib_a_left_out_parameter_takes_its_default():
    m = builder()
    fn = m.fn(add, ("x", "y"), defaults=[None, m.lit(2)])
    ev = Evaluator()
    assert ev.value(m.apply(fn, [m.lit(1)])) == 3
    assert ev.value(m.apply(fn, [m.lit(1), m.lit(5)])) == 6
    assert ev.value(m.apply(fn, [], {"y": m.lit(10), "x": m.lit(1)})) == 11
    assert ev.value(m.apply(fn, [], {"x": m.lit(4)})) == 6


def test_a_required_parameter_is_still_required():
    m = builder()
    fn = m.fn(add, ("x", "y"), defaults=[None, m.lit(2)], at="a.ib:1:5")
    with pytest.raises(TypeError, match="missing argument `x` at a.ib:1:5"):
        m.apply(fn, [], {"y": m.lit(1)}, at="a.ib:1:5")


def test_a_required_parameter_may_follow_a_defaulted_one():
    m = builder()
    fn = m.fn(add, ("x", "y"), defaults=[m.lit(100), None])
    assert Evaluator().value(m.apply(fn, [], {"y": m.lit(1)})) == 101


def test_defaults_are_part_of_the_key_and_no_defaults_keeps_the_old_key():
    m = builder()
    plain = m.fn(add, ("x", "y"))
    assert m.fn(add, ("x", "y"), defaults=[None, None]) is plain
    two = m.fn(add, ("x", "y"), defaults=[None, m.lit(2)])
    three = m.fn(add, ("x", "y"), defaults=[None, m.lit(3)])
    first = m.fn(add, ("x", "y"), defaults=[m.lit(2), None])
    assert len({plain.key, two.key, three.key, first.key}) == 4
    assert m.fn(add, ("x", "y"), defaults=[None, m.lit(2)]) is two


def test_wrong_number_of_defaults_is_an_error():
    m = builder()
    with pytest.raises(ValueError, match="1 defaults for 2 parameters"):
        m.fn(add, ("x", "y"), defaults=[m.lit(1)])


def test_closure_called_from_python_takes_defaults_and_keywords():
    m = builder()
    fn = m.fn(add, ("x", "y"), defaults=[None, m.lit(2)], at="a.ib:3:1")
    closure = Evaluator().value(fn)
    assert closure(1) == 3
    assert closure(1, 5) == 6
    assert closure(y=7, x=1) == 8
    assert repr(closure) == "<ib function fn (x, y=…) at a.ib:3:1>"
    with pytest.raises(TypeError, match="missing argument `x`"):
        closure(y=1)


def test_a_default_reading_an_outer_parameter_is_evaluated_in_the_outer_environment():
    # fn (a) => fn (b = a * 10) => a + b, called from Python: mk(2)() == 22
    m = builder()

    def outer(m, a):
        def body(m, b):
            return m.binop("+", a, b)

        return m.fn(body, ("b",), defaults=[m.binop("*", a, m.lit(10))])

    mk = Evaluator().value(m.fn(outer, ("a",)))
    assert mk(2)() == 22
    assert mk(3)() == 33
    assert mk(3)(1) == 4


# -- whole programs, both targets -----------------------------------------------------------

HELPERS = """
def call_one(f):
    return f(1)

def call_kw(f):
    return f(y=10, x=1)
"""

SOURCE = """from "helpers.py" import call_one, call_kw
base = 100
x = 7
def f(x: Int, y: Int = base) -> Int: return x + y
g = fn (x: Int, y: Int = base + 1) => x * y
h = f
mk = fn (a: Int) => fn (b: Int = a * 2) => a + b
def k(x: Int) -> Int:
    inner = fn (y: Int = x + 1) => x * y
    return inner() + call_one(fn (z: Int, w: Int = x) => z + w)
experiment lambda_in_ib = g(2)
experiment lambda_keywords = g(y = 3, x = 2)
experiment literal_lambda = (fn (p: Int, q: Int = 7) => p * q)(2)
experiment def_value_in_ib = h(1)
experiment def_value_keywords = h(y = 1, x = 2)
experiment def_to_python = call_one(f)
experiment def_to_python_kw = call_kw(f)
experiment def_to_map = map(f, [1, 2])
experiment lambda_to_python = call_one(g)
experiment lambda_to_python_kw = call_kw(g)
experiment lambda_to_map = map(g, [1, 2])
experiment nested = mk(3)()
experiment nested_to_python = call_one(mk(3))
experiment in_def = k(4)
experiment param_named_like_a_binding = call_kw(fn (x: Int, y: Int = x) => x - y)
experiment default_reads_binding = (fn (x: Int, y: Int = x) => x - y)(1)
experiment default_reads_lambda_param = map(fn (a: Int) => (fn (b: Int = a) => b * 10)(), [1, 2])
"""

EXPECTED = {
    "lambda_in_ib": 202,
    "lambda_keywords": 6,
    "literal_lambda": 14,
    "def_value_in_ib": 101,
    "def_value_keywords": 3,
    "def_to_python": 101,
    "def_to_python_kw": 11,
    "def_to_map": [101, 102],
    "lambda_to_python": 101,
    "lambda_to_python_kw": 10,
    "lambda_to_map": [101, 202],
    "nested": 9,
    "nested_to_python": 4,
    "in_def": 25,
    "param_named_like_a_binding": -9,
    "default_reads_binding": -6,
    "default_reads_lambda_param": [10, 20],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "helpers.py").write_text(HELPERS)
    (tmp_path / "main.ib").write_text(SOURCE)
    return tmp_path


def _exec(code: str, name: str) -> tuple[dict, set[str]]:
    """Exec emitted code as a module (not as __main__); its namespace and the modules
    loaded before it."""
    namespace: dict = {"__name__": "ibc_defaults_test", "__file__": name}
    saved_path, saved_env = list(sys.path), dict(os.environ)
    saved_modules = set(sys.modules)
    try:
        exec(compile(code, name, "exec"), namespace)
    finally:
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)
    return namespace, saved_modules


def _compile(project: Path, target: str) -> str:
    result = compile_file(project / "main.ib", Options(target=target, format=False))
    assert result.ok, [(d.code, d.args) for d in result.diagnostics]
    return result.code


def _run_plain(project: Path) -> dict:
    """The plain program run in-process as `python plain.py --json`: its JSON."""
    import contextlib
    import io
    import json

    code, out, saved_argv = _compile(project, "plain"), io.StringIO(), sys.argv
    saved_path, saved_env, before = list(sys.path), dict(os.environ), set(sys.modules)
    namespace: dict = {"__name__": "__main__", "__file__": str(project / "plain.py")}
    try:
        sys.argv = ["plain.py", "--json"]
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
            exec(compile(code, str(project / "plain.py"), "exec"), namespace)
        assert done.value.code == 0
        return json.loads(out.getvalue())
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        os.environ.clear()
        os.environ.update(saved_env)
        sys.modules.pop("helpers", None) if "helpers" not in before else None


def _run(project: Path, target: str) -> dict:
    if target == "plain":
        return _run_plain(project)
    namespace, before = _exec(_compile(project, target), str(project / f"{target}.py"))
    sys.path.insert(0, str(project))
    try:
        scope, evaluator = namespace["program"].scope(), Evaluator()
        return {name: evaluator.value(scope.get(name)) for name in EXPECTED}
    finally:
        sys.path.remove(str(project))
        for module in set(sys.modules) - before:
            if module == "helpers":
                del sys.modules[module]


@pytest.mark.parametrize("target", ["script", "plain"])
def test_defaults_in_every_use_of_a_function_value(project, target):
    assert _run(project, target) == EXPECTED


def test_plain_code_reads_like_the_source(project):
    """The direct form of the plain target: defaults stay Python defaults, a def used as a
    value is the def itself."""
    code = _compile(project, "plain")
    assert "lambda x, y=base + 1: x * y" in code
    assert "lambda a: lambda b=a * 2: a + b" in code
    assert "functools" not in code and "_IbcScope" not in code
    assert "lambda: (lambda x, y=x: x - y)(1)" in code  # the default reads the binding `x`


def test_script_code_builds_defaults_where_the_lambda_is_written(project):
    code = format_python(_compile(project, "script"))
    assert 'y = m.binop("+", m.get("base"), m.lit(1)' in code  # built before the function
    assert "defaults=[None, y]" in code
    assert 'defaults=[None, m.get("base")]' in code  # a def used as a value
    assert format_python(_compile(project, "script")) == code
