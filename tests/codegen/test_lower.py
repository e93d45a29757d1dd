"""Lowering (`ibc.codegen.lower`): the IR that small checked programs become. Calls say what
they call (`Stage`, `DefCall`, `MethodStage`, `Apply`), destructuring becomes a hidden whole
and `Unpack`s, record fields (`FieldE`) differ from Python attributes (`AttrE`), pipes are
desugared, `file()` paths are made relative to the project root, and names of imported `.ib`
modules are qualified."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.codegen import ir
from ibc.driver import Options, compile_file

MODEL_PY = """
class Model:
    def __init__(self, k: int = 1):
        self.k = k

    def score(self, x: int) -> float:
        return x * 1.5


def pair(n: int) -> tuple[int, str]:
    return (n, "a")


def inc(x: int, k: int = 1) -> int:
    return x + k
"""


def lower(tmp_path: Path, main: str, files: dict[str, str] | None = None, at: str = "main.ib"):
    (tmp_path / "ibc.toml").write_text("")
    for rel, body in (files or {}).items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    path = tmp_path / at
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(main)
    result = compile_file(path, Options(format=False))
    errors = [(d.code, d.args) for d in result.diagnostics if d.is_error]
    assert errors == [], errors
    assert isinstance(result.program, ir.IrProgram)
    return result.program


def value(prog: ir.IrProgram, name: str):
    for b in prog.bindings:
        if b.name == name:
            return b.value
    for t in prog.targets:
        if t.name == name:
            return t.value
    raise KeyError(name)


def names(prog: ir.IrProgram) -> list[str]:
    return [b.name for b in prog.bindings]


def src(tmp_path, main, **kw):
    return lower(tmp_path, main, {"src/m.py": MODEL_PY}, **kw)


IMPORT = 'from "src/m.py" import Model, pair, inc\n'


# --------------------------------------------------------------------------- calls


def test_python_call_is_a_stage(tmp_path):
    prog = src(tmp_path, IMPORT + "m = Model(k = 2)\nx = inc(1)\n")
    m = value(prog, "m")
    assert isinstance(m, ir.Stage)
    assert (m.ref.module, m.ref.name, m.ref.kind) == ("src.m", "Model", "class")
    assert m.args == () and m.kwargs == (("k", ir.Lit(2)),)
    x = value(prog, "x")
    assert isinstance(x, ir.Stage) and x.ref.kind == "function" and x.args == (ir.Lit(1),)
    assert {r.name for r in prog.refs} >= {"Model", "inc"}


def test_method_call_is_a_method_stage(tmp_path):
    prog = src(tmp_path, IMPORT + "m = Model()\ns = m.score(3)\n")
    s = value(prog, "s")
    assert isinstance(s, ir.MethodStage)
    assert s.obj == ir.Global("m") and s.method == "score" and s.args == (ir.Lit(3),)


def test_def_call_is_expanded_not_a_stage(tmp_path):
    prog = lower(tmp_path, "def f(a: Int, k: Int = 2) -> Int: return a * k\nx = f(1, k = 3)\n")
    x = value(prog, "x")
    assert isinstance(x, ir.DefCall)
    assert x.name == "f" and x.args == (ir.Lit(1),) and x.kwargs == (("k", ir.Lit(3)),)
    (f,) = prog.defs
    assert [p.name for p in f.params] == ["a", "k"]
    assert f.params[0].default is None and f.params[1].default == ir.Lit(2)
    assert isinstance(f.result, ir.BinE) and f.result.left == ir.Local("a")


def test_def_body_locals(tmp_path):
    text = "def f(a: Int) -> Int:\n    b = a + 1\n    (c, d) = (b, 2)\n    return c * d\n"
    prog = lower(tmp_path, text)
    (f,) = prog.defs
    body = {b.name: b for b in f.body}
    assert isinstance(body["b"].value, ir.BinE) and body["b"].value.left == ir.Local("a")
    hidden = [b for b in f.body if b.hidden]
    assert len(hidden) == 1
    assert body["c"].value == ir.Unpack(ir.Local(hidden[0].name), 0, 2, body["c"].value.span)
    assert f.result.left == ir.Local("c")


def test_def_used_as_a_value_is_a_lambda_over_a_def_call(tmp_path):
    prog = lower(tmp_path, "def f(a: Int) -> Int: return a + 1\ng = f\n")
    g = value(prog, "g")
    assert isinstance(g, ir.LambdaE) and g.params == ("a",)
    assert isinstance(g.body, ir.DefCall) and g.body.name == "f"
    assert g.body.args == (ir.Local("a"),)


def test_lambda_call_is_an_apply(tmp_path):
    prog = lower(tmp_path, "g = fn (a: Int) => a * 2\nx = g(3)\n")
    x = value(prog, "x")
    assert isinstance(x, ir.Apply) and x.func == ir.Global("g") and x.args == (ir.Lit(3),)
    g = value(prog, "g")
    assert isinstance(g, ir.LambdaE) and g.params == ("a",)
    assert g.body.left == ir.Local("a")


def test_function_in_a_record_field_is_applied_through_a_field_read(tmp_path):
    prog = lower(tmp_path, "r = {h = fn (t: Int) => t * 2}\nw = r.h(4)\n")
    w = value(prog, "w")
    assert isinstance(w, ir.Apply)
    assert isinstance(w.func, ir.FieldE) and w.func.obj == ir.Global("r") and w.func.name == "h"


def test_python_ref_used_as_a_value(tmp_path):
    prog = src(tmp_path, IMPORT + "fs = [inc, inc]\ny = map(inc, [1, 2])\n")
    fs = value(prog, "fs")
    assert isinstance(fs, ir.ListE)
    assert all(isinstance(i, ir.RefValue) and i.ref.name == "inc" for i in fs.items)
    y = value(prog, "y")
    assert isinstance(y, ir.Stage) and y.ref.name == "map"
    assert isinstance(y.args[0], ir.RefValue)
    assert "map" in prog.prelude_functions


# --------------------------------------------------------------------------- fields, unpacking


def test_record_field_vs_python_attribute(tmp_path):
    prog = src(tmp_path, IMPORT + "r = {k = 1}\na = r.k\nm = Model()\nb = m.k\n")
    a, b = value(prog, "a"), value(prog, "b")
    assert isinstance(a, ir.FieldE) and a.obj == ir.Global("r") and a.name == "k"
    assert isinstance(b, ir.AttrE) and b.obj == ir.Global("m") and b.name == "k"


def test_field_of_a_def_result_record(tmp_path):
    prog = lower(tmp_path, "def mk(x: Int) -> {v: Int}: return {v = x}\ny = mk(1).v\n")
    y = value(prog, "y")
    assert isinstance(y, ir.FieldE) and isinstance(y.obj, ir.DefCall)


def test_destructuring_is_a_hidden_whole_and_unpacks(tmp_path):
    prog = src(tmp_path, IMPORT + "(a, b) = pair(1)\n")
    whole = [b for b in prog.bindings if b.hidden]
    assert len(whole) == 1 and isinstance(whole[0].value, ir.Stage)
    a, b = value(prog, "a"), value(prog, "b")
    assert isinstance(a, ir.Unpack) and isinstance(b, ir.Unpack)
    assert a.value == b.value == ir.Global(whole[0].name)
    assert (a.index, a.length, b.index, b.length) == (0, 2, 1, 2)
    assert names(prog).index(whole[0].name) < names(prog).index("a")


def test_nested_destructuring(tmp_path):
    prog = lower(tmp_path, "((p, q), r) = ((1, 2), 3)\n")
    hidden = [b.name for b in prog.bindings if b.hidden]
    assert len(hidden) == 2
    outer, inner = hidden
    assert value(prog, "r") == ir.Unpack(ir.Global(outer), 1, 2, value(prog, "r").span)
    assert value(prog, inner).value == ir.Global(outer)
    q = value(prog, "q")
    assert q.value == ir.Global(inner) and q.index == 1


def test_literals_and_containers(tmp_path):
    prog = lower(
        tmp_path, 'x = [1, 2.5, "s", True, None]\nt = (1,)\nd = {"a": 1}\nr = {b = 1, a = 2}\n'
    )
    assert value(prog, "x") == ir.ListE(
        (ir.Lit(1), ir.Lit(2.5), ir.Lit("s"), ir.Lit(True), ir.Lit(None)), "x"
    )  # a literal bound to a name is a parameter: its elements are `x[i]`
    assert value(prog, "t") == ir.TupleE((ir.Lit(1),), "t")
    assert value(prog, "d") == ir.DictE(((ir.Lit("a"), ir.Lit(1)),))
    r = value(prog, "r")
    assert isinstance(r, ir.RecordE) and [k for k, _ in r.fields] == ["b", "a"]  # source order


def test_operators(tmp_path):
    prog = lower(tmp_path, "a = 1 < 2 <= 3\nb = not True or False\nc = -1 if a else 2\n")
    a = value(prog, "a")
    assert isinstance(a, ir.CmpE) and a.ops == ("<", "<=") and len(a.rest) == 2
    b = value(prog, "b")
    assert isinstance(b, ir.BoolE) and b.op == "or" and isinstance(b.left, ir.UnE)
    c = value(prog, "c")
    assert isinstance(c, ir.CondE) and c.cond == ir.Global("a")


# --------------------------------------------------------------------------- pipes


def test_pipe_into_a_call_injects_the_first_argument(tmp_path):
    prog = src(tmp_path, IMPORT + "p = 1 |> inc(k = 2)\n")
    p = value(prog, "p")
    assert isinstance(p, ir.Stage) and p.ref.name == "inc"
    assert p.args == (ir.Lit(1),) and p.kwargs == (("k", ir.Lit(2)),)


def test_pipe_into_a_name_calls_it(tmp_path):
    prog = src(tmp_path, IMPORT + "p = 1 |> inc |> inc\n")
    p = value(prog, "p")
    assert isinstance(p, ir.Stage) and isinstance(p.args[0], ir.Stage)
    assert p.args[0].args == (ir.Lit(1),)


def test_pipe_into_a_def_and_a_lambda(tmp_path):
    prog = lower(
        tmp_path,
        "def f(a: Int, b: Int = 0) -> Int: return a + b\np = 1 |> f(b = 2)\nq = 1 |> (fn v => v + 1)\n",
    )
    p = value(prog, "p")
    assert isinstance(p, ir.DefCall) and p.args == (ir.Lit(1),) and p.kwargs == (("b", ir.Lit(2)),)
    q = value(prog, "q")
    assert isinstance(q, ir.Apply) and isinstance(q.func, ir.LambdaE) and q.args == (ir.Lit(1),)


# --------------------------------------------------------------------------- resources


def test_file_path_is_made_relative_to_the_project_root(tmp_path):
    prog = lower(tmp_path, 'f = file("data/x.csv")\ng = dir("../imgs")\n', at="sub/main.ib")
    assert value(prog, "f").args == (ir.Lit("sub/data/x.csv"),)
    assert value(prog, "g").args == (ir.Lit("imgs"),)
    assert set(prog.prelude_functions) >= {"file", "dir"}
    assert prog.project_root == str(tmp_path.resolve())


def test_file_path_in_an_imported_module_is_relative_to_that_module(tmp_path):
    prog = lower(
        tmp_path,
        'import "lib/data.ib" as data\nx = data.train\n',
        {"lib/data.ib": 'train = file("train.csv")\n'},
    )
    assert value(prog, "data.train").args == (ir.Lit("lib/train.csv"),)


def test_absolute_and_computed_paths_are_left_alone(tmp_path):
    prog = lower(tmp_path, 'f = file("/abs/x.csv")\nname = "y.csv"\ng = file(name)\n')
    assert value(prog, "f").args == (ir.Lit("/abs/x.csv"),)
    assert value(prog, "g").args == (ir.Global("name"),)


# --------------------------------------------------------------------------- modules


COMMON = (
    'from "src/m.py" import inc\n'
    "base = 10\n"
    "def twice(v: Int) -> Int: return inc(v) * 2\n"
    "experiment inner = base + 1\n"
)


def test_imported_module_names_are_qualified(tmp_path):
    prog = lower(
        tmp_path,
        'import "common.ib" as c\nx = c.twice(c.base)\nexperiment e = c.inner\n',
        {"common.ib": COMMON, "src/m.py": MODEL_PY},
    )
    assert "common.base" in names(prog)
    assert "common.inner" in names(prog)  # an imported experiment is an ordinary binding
    assert [t.name for t in prog.targets] == ["e"]
    assert [d.name for d in prog.defs] == ["common.twice"]
    x = value(prog, "x")
    assert isinstance(x, ir.DefCall) and x.name == "common.twice"
    assert x.args == (ir.Global("common.base"),)
    assert value(prog, "e") == ir.Global("common.inner")
    (inc,) = [r for r in prog.refs if r.name == "inc"]
    assert inc.local == "common.inc" and inc.module == "src.m"


def test_from_import_of_an_ib_module_uses_qualified_names(tmp_path):
    prog = lower(
        tmp_path,
        'from "common.ib" import base, twice\nx = twice(base)\n',
        {"common.ib": COMMON, "src/m.py": MODEL_PY},
    )
    x = value(prog, "x")
    assert x.name == "common.twice" and x.args == (ir.Global("common.base"),)


def test_two_modules_with_one_stem_get_distinct_prefixes(tmp_path):
    prog = lower(
        tmp_path,
        'import "a/util.ib" as u1\nimport "b/util.ib" as u2\nx = u1.v + u2.v\n',
        {"a/util.ib": "v = 1\n", "b/util.ib": "v = 2\n"},
    )
    qualified = [n for n in names(prog) if n.endswith(".v")]
    assert len(qualified) == 2 and len(set(qualified)) == 2
    x = value(prog, "x")
    assert {x.left.name, x.right.name} == set(qualified)


def test_same_local_name_in_two_modules_stays_distinct(tmp_path):
    prog = lower(
        tmp_path,
        'import "common.ib" as c\nbase = 1\nx = base + c.base\n',
        {"common.ib": COMMON, "src/m.py": MODEL_PY},
    )
    x = value(prog, "x")
    assert (x.left, x.right) == (ir.Global("base"), ir.Global("common.base"))


# --------------------------------------------------------------------------- the program


def test_bindings_are_in_dependency_order(tmp_path):
    prog = lower(tmp_path, "c = b + 1\nb = a * 2\na = 1\nexperiment e = c\n")
    assert names(prog) == ["a", "b", "c"]
    (t,) = prog.targets
    assert t.name == "e" and t.kind == "experiment" and t.value == ir.Global("c")
    assert str(t.type) == "Int"


def test_program_records_its_source(tmp_path):
    import hashlib

    text = "x = 1\n"
    prog = lower(tmp_path, text)
    assert prog.source.endswith("main.ib")
    assert prog.source_hash == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("target", ["script", "plain"])
def test_lowering_is_deterministic(tmp_path, target):
    text = IMPORT + "(a, b) = pair(1)\nm = Model()\nexperiment e = {s = m.score(a), n = b}\n"
    (tmp_path / "src").mkdir()
    (tmp_path / "src/m.py").write_text(MODEL_PY)
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "main.ib").write_text(text)
    one = compile_file(tmp_path / "main.ib", Options(format=False, target=target))
    two = compile_file(tmp_path / "main.ib", Options(format=False, target=target))
    assert one.ok and one.program == two.program and one.code == two.code
