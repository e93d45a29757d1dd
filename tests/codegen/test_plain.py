"""The `plain` target: hand-built `IrProgram`s, emitted, formatted with black, run in a
subprocess; their output, exit codes, laziness, failure locations and independence from ibc."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from golden_kit import check_golden

from ibc.codegen import ir
from ibc.codegen.format import format_python
from ibc.codegen.plain import HEADER_NOTE, REVISIONS_UNSUPPORTED, Refusal, emit_plain
from ibc.base.spans import Span

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "plain"
PRELUDE = "ibc.runtime.prelude"


# -- building IR by hand --------------------------------------------------------------------


def sp(line: int, col: int = 1, file: str = "test.ib") -> Span:
    return Span(file, line, col, line, col + 1)


def ref(local: str, module: str, name: str | None = None, **kw) -> ir.PyRef:
    return ir.PyRef(local, module, name or local, **kw)


def pre(name: str) -> ir.PyRef:
    return ir.PyRef(name, PRELUDE, name)


def call(r: ir.PyRef, *args, at: Span, **kwargs) -> ir.Stage:
    return ir.Stage(r, tuple(args), tuple(kwargs.items()), at)


def lit(value) -> ir.Lit:
    return ir.Lit(value)


def g(name: str) -> ir.Global:
    return ir.Global(name)


def bind(name: str, value, line: int = 1, hidden: bool = False) -> ir.IrBinding:
    return ir.IrBinding(name, value, sp(line), hidden=hidden)


def target(name: str, value, line: int = 1) -> ir.IrTarget:
    return ir.IrTarget(name, value, "experiment", sp(line))


def program(bindings=(), targets=(), defs=(), root="/project", source="test.ib", **kw):
    refs = tuple(
        dict.fromkeys(node for node in _refs((bindings, targets, defs)) if node.module != PRELUDE)
    )
    return ir.IrProgram(
        source=source,
        source_hash="0" * 64,
        project_root=str(root),
        refs=refs,
        bindings=tuple(bindings),
        defs=tuple(defs),
        targets=tuple(targets),
        **kw,
    )


def _refs(node):
    if isinstance(node, ir.PyRef):
        yield node
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _refs(item)
    elif hasattr(node, "__record_fields__") and not isinstance(node, Span):
        for field in node.__record_fields__:
            yield from _refs(getattr(node, field))


def cancer_program(root: str = "/project") -> ir.IrProgram:
    """The example of docs/guide.md §1, without sweeps or revisions."""
    f = "cancer.ib"
    load = ref("load_breast_cancer", "sklearn.datasets")
    split = ref("train_test_split", "sklearn.model_selection")
    logreg = ref("LogisticRegression", "sklearn.linear_model")
    accuracy = ref("accuracy_score", "sklearn.metrics")
    x_param = ir.Local("X")
    prepare = ir.IrDef(
        "prepare",
        (ir.IrParam("X"), ir.IrParam("factor", lit(1.0))),
        (
            ir.IrBinding(
                "scaled", ir.BinE("*", x_param, ir.Local("factor"), sp(15, 14, f)), sp(15, 5, f)
            ),
        ),
        ir.Local("scaled"),
        sp(14, 1, f),
    )
    names = ("X_train", "X_test", "y_train", "y_test")
    bindings = [
        bind("test_size", lit(0.25), 8),
        bind("seed", lit(0), 9),
        bind("_X_y", call(load, return_X_y=lit(True), at=Span(f, 10, 10, 10, 46)), 10, True),
        bind("X", ir.Unpack(g("_X_y"), 0, 2, sp(10, 1, f)), 10),
        bind("y", ir.Unpack(g("_X_y"), 1, 2, sp(10, 1, f)), 10),
        bind(
            "_split",
            call(
                split,
                g("X"),
                g("y"),
                test_size=g("test_size"),
                random_state=g("seed"),
                at=Span(f, 11, 39, 11, 100),
            ),
            11,
            True,
        ),
        *[bind(n, ir.Unpack(g("_split"), i, 4, sp(11, 1, f)), 11) for i, n in enumerate(names)],
        bind("model", call(logreg, C=lit(1.0), max_iter=lit(5000), at=sp(17, 9, f)), 17),
        bind(
            "fitted",
            call(
                pre("fit"),
                g("model"),
                ir.DefCall("prepare", (g("X_train"),), (), sp(18, 22, f)),
                g("y_train"),
                at=sp(18, 10, f),
            ),
            18,
        ),
    ]
    predicted = call(
        pre("predict"),
        g("fitted"),
        ir.DefCall("prepare", (g("X_test"),), (), sp(20, 70, f)),
        at=sp(20, 53, f),
    )
    baseline = ir.RecordE(
        (
            ("accuracy", call(accuracy, g("y_test"), predicted, at=sp(20, 37, f))),
            ("n_test", call(pre("len"), g("y_test"), at=sp(20, 90, f))),
        )
    )
    sizes = ir.TupleE(
        (
            call(pre("len"), g("X_train"), at=sp(21, 16, f)),
            call(pre("len"), g("X_test"), at=sp(21, 30, f)),
        )
    )
    return program(
        bindings,
        [target("baseline", baseline, 20), target("sizes", sizes, 21)],
        [prepare],
        root=root,
        source=f,
        prelude_functions=("fit", "predict", "len"),
    )


# -- emitting and running ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _black_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("IBC_CACHE_DIR", str(tmp_path / "black-cache"))


def write(prog: ir.IrProgram, folder: Path, name: str = "out.py") -> Path:
    path = folder / name
    source = format_python(emit_plain(prog, path))
    path.write_text(source, encoding="utf-8")
    return path


def run(path: Path, *args: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "IBC_PROJECT_ROOT")}
    return subprocess.run(
        [sys.executable, *flags, str(path), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=str(path.parent),
        timeout=120,
    )


def values(out: str) -> dict[str, object]:
    result = {}
    for line in out.splitlines():
        name, _, value = line.partition(": ")
        result[name] = json.loads(value)
    return result


# -- the breast-cancer experiment -------------------------------------------------------------


def test_cancer_experiment_runs_and_prints_each_target(tmp_path):
    path = write(cancer_program(str(tmp_path)), tmp_path)
    done = run(path)
    assert done.returncode == 0, done.stderr
    got = values(done.stdout)
    assert list(got) == ["baseline", "sizes"]
    assert got["baseline"]["n_test"] == 143
    assert 0.9 < got["baseline"]["accuracy"] <= 1.0
    assert got["sizes"] == [426, 143]


def test_cancer_json_output_is_one_object(tmp_path):
    path = write(cancer_program(str(tmp_path)), tmp_path)
    done = run(path, "sizes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"sizes": [426, 143]}


def test_emitted_code_reads_like_the_source():
    source = emit_plain(cancer_program())
    assert source.startswith("# cancer.ib (sha256 " + "0" * 64 + ")\n# " + HEADER_NOTE + "\n")
    assert "from sklearn.linear_model import LogisticRegression" in source
    assert "from sklearn.model_selection import train_test_split" in source
    assert "def fit(model, X, y=None, **fit_params)" in source  # copied from the prelude
    assert "def ib_len(x)" in source  # renamed: never shadows the builtin
    assert "def len(" not in source
    assert "ibc.runtime" not in source and "import ibc" not in source
    assert "        fitted = fit(" in source  # one statement per binding
    assert "functools" not in source


def test_output_is_valid_python_and_black_keeps_its_tree():
    source = emit_plain(cancer_program())
    formatted = format_python(source)
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(formatted))


def test_emission_is_deterministic():
    assert emit_plain(cancer_program()) == emit_plain(cancer_program())
    out = Path("/project/build/cancer.py")
    assert emit_plain(cancer_program(), out) == emit_plain(cancer_program(), out)


def test_project_root_relative_to_the_script_or_absolute():
    assert "'/project'" in emit_plain(cancer_program())
    relative = emit_plain(cancer_program(), Path("/project/build/cancer.py"))
    assert "os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')" in relative
    assert "'/project'" not in relative


@pytest.mark.parametrize("name", ["cancer", "small", "layers"])
def test_golden(name):
    makers = {"cancer": cancer_program, "small": _small_program, "layers": _layers_program}
    prog = makers[name]()
    got = format_python(emit_plain(prog, Path("/project/build/out.py")))
    check_golden(GOLDEN / f"{name}.py", got)


def _small_program() -> ir.IrProgram:
    sqrt = ref("sqrt", "math")
    return program(
        [bind("n", lit(4), 1), bind("root", call(sqrt, g("n"), at=sp(2, 8)), 2)],
        [
            target(
                "result",
                ir.RecordE(
                    (("root", g("root")), ("items", call(pre("range"), g("n"), at=sp(3, 40))))
                ),
                3,
            )
        ],
    )


# -- language forms ----------------------------------------------------------------------


def test_operators(tmp_path):
    a, b = g("a"), g("b")
    s = sp(3)
    ops = ir.RecordE(
        (
            ("add", ir.BinE("+", a, b, s)),
            ("sub", ir.BinE("-", a, b, s)),
            ("div", ir.BinE("/", a, b, s)),
            ("floordiv", ir.BinE("//", a, b, s)),
            ("mod", ir.BinE("%", a, b, s)),
            ("pow", ir.BinE("**", a, b, s)),
            ("neg", ir.UnE("-", a, s)),
            ("neg_lit", lit(-3)),
            ("not", ir.UnE("not", lit(True), s)),
            ("chain", ir.CmpE(lit(1), ("<", "<="), (a, lit(7)), s)),
            ("member", ir.CmpE(b, ("in",), (ir.ListE((lit(1), lit(2))),), s)),
            ("not_member", ir.CmpE(b, ("not in",), (ir.TupleE((lit(2),)),), s)),
            ("and", ir.BoolE("and", a, b, s)),
            ("or", ir.BoolE("or", lit(0), b, s)),
            ("index", ir.IndexE(ir.ListE((lit(10), lit(20))), lit(1), s)),
            ("field", ir.FieldE(ir.RecordE((("k", lit("v")),)), "k", s)),
            ("dict", ir.DictE(((lit("x"), lit(1.5)), (lit("y"), lit(None))))),
            ("inf", lit(float("-inf"))),
        )
    )
    prog = program([bind("a", lit(7)), bind("b", lit(2))], [target("ops", ops, 3)])
    done = run(write(prog, tmp_path))
    assert done.returncode == 0, done.stderr
    assert values(done.stdout)["ops"] == {
        "add": 9, "sub": 5, "div": 3.5, "floordiv": 3, "mod": 1, "pow": 49, "neg": -7,
        "neg_lit": -3, "not": False, "chain": True, "member": True, "not_member": False,
        "and": 2, "or": 2, "index": 20, "field": "v", "dict": {"x": 1.5, "y": None},
        "inf": "-inf",
    }  # fmt: skip


def test_conditional_evaluates_only_the_chosen_branch(tmp_path):
    sqrt = ref("sqrt", "math")
    prog = program(
        [bind("a", lit(3))],
        [
            target(
                "pick",
                ir.CondE(
                    ir.CmpE(g("a"), (">",), (lit(0),), sp(3)),
                    lit("positive"),
                    call(sqrt, lit(-1), at=sp(2, 8)),
                    sp(3),
                ),
                3,
            )
        ],
    )
    done = run(write(prog, tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'pick: "positive"\n'


def test_lambdas_passed_to_python_and_applied(tmp_path):
    x = ir.Local("x")
    times_k = ir.LambdaE(("x",), ir.BinE("*", x, g("k"), sp(2)), sp(2))
    mapped = call(pre("map"), times_k, call(pre("range"), lit(4), at=sp(2, 30)), at=sp(2, 5))
    keyed = call(
        ref("sorted", "builtins"),
        ir.ListE((lit("bb"), lit("a"), lit("ccc"))),
        key=ir.LambdaE(
            ("s",), ir.UnE("-", call(pre("len"), ir.Local("s"), at=sp(3, 40)), sp(3)), sp(3)
        ),
        at=sp(3, 5),
    )
    applied = ir.Apply(
        ir.LambdaE(("lambda",), ir.BinE("+", ir.Local("lambda"), lit(1), sp(4)), sp(4)),
        (lit(41),),
        (),
        sp(4),
    )
    prog = program(
        [bind("k", lit(10))],
        [target("mapped", mapped, 2), target("keyed", keyed, 3), target("applied", applied, 4)],
    )
    done = run(write(prog, tmp_path))
    assert done.returncode == 0, done.stderr
    assert values(done.stdout) == {
        "mapped": [0, 10, 20, 30],
        "keyed": ["ccc", "bb", "a"],
        "applied": 42,
    }


def test_destructuring_and_its_runtime_length_check(tmp_path):
    divmod_ = ref("divmod", "builtins")
    prog = program(
        [
            bind("_pair", call(divmod_, lit(17), lit(5), at=sp(1, 10)), 1, True),
            bind("q", ir.Unpack(g("_pair"), 0, 2, sp(1)), 1),
            bind("r", ir.Unpack(g("_pair"), 1, 2, sp(1)), 1),
            bind("bad", ir.Unpack(g("_pair"), 2, 3, Span("test.ib", 2, 1, 2, 10)), 2),
        ],
        [target("ok", ir.TupleE((g("q"), g("r"))), 3), target("wrong", g("bad"), 4)],
    )
    done = run(write(prog, tmp_path))
    assert done.returncode == 3
    assert done.stdout == "ok: [3, 2]\n"  # `ok` comes right after what it needs
    assert "error: binding bad failed" in done.stderr and "not run: wrong" in done.stderr
    assert "in destructuring at test.ib:2:1" in done.stderr
    assert "destructuring at test.ib:2:1 expects 3 values, got 2" in done.stderr


def test_python_keywords_and_builtins_as_names(tmp_path):
    names = ["class", "len", "print", "lambda", "sys", "functools", "_ibc_main", "ib_len"]
    bindings = [bind(n, lit(i)) for i, n in enumerate(names)]
    everything = ir.RecordE(tuple((n, g(n)) for n in names))
    uses_prelude_len = call(pre("len"), ir.ListE(tuple(g(n) for n in names)), at=sp(9))
    shadow = ir.IrDef(
        "def", (ir.IrParam("class"), ir.IrParam("print", g("len"))),
        (), ir.BinE("+", ir.Local("class"), ir.Local("print"), sp(10)), sp(10),
    )  # fmt: skip
    via_def = ir.DefCall("def", (), (("class", lit(100)),), sp(11))
    prog = program(
        bindings,
        [target("all", everything), target("count", uses_prelude_len), target("via_def", via_def)],
        [shadow],
    )
    source = emit_plain(prog)
    ast.parse(source)
    done = run(write(prog, tmp_path))
    assert done.returncode == 0, done.stderr
    got = values(done.stdout)
    assert got["all"] == {n: i for i, n in enumerate(names)}
    assert got["count"] == len(names)
    assert got["via_def"] == 101


def test_string_literals_round_trip_exactly(tmp_path):
    text = "quote \" apostrophe ' backslash \\ \\n literal\nnewline\ttab — é ü 日本 😀 \x00 \r"
    prog = program([bind("s", lit(text))], [target("text", g("s"))])
    path = write(prog, tmp_path)
    done = run(path, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"text": text}


def test_jsonable_numpy_scalars_nan_and_arbitrary_values(tmp_path):
    prog = program(
        [],
        [
            target("scalar", call(ref("float64", "numpy"), lit(0.5), at=sp(1))),
            target("integer", call(ref("int64", "numpy"), lit(3), at=sp(2))),
            target("nan", lit(float("nan"))),
            target("array", call(ref("arange", "numpy"), lit(3), at=sp(3))),
        ],
    )
    done = run(write(prog, tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "scalar": 0.5, "integer": 3, "nan": "nan", "array": "array([0, 1, 2])",
    }  # fmt: skip


def test_def_default_that_is_not_a_literal_is_evaluated_lazily(tmp_path):
    sqrt = ref("sqrt", "math")
    d = ir.IrDef(
        "f", (ir.IrParam("x", g("boom")),), (), ir.Local("x"), sp(2),
    )  # fmt: skip
    prog = program(
        [bind("boom", call(sqrt, lit(-1), at=sp(1, 8)), 1)],
        [
            target("given", ir.DefCall("f", (lit(5),), (), sp(3))),
            target("missing", ir.DefCall("f", (), (), sp(4)), 4),
        ],
        [d],
    )
    # the default is computed only when left out, but the direct form runs the binding it
    # reads, `boom`, as a statement before the experiments that call `f`
    assert "if x is _IBC_MISSING:\n        x = boom" in format_python(emit_plain(prog))
    done = run(write(prog, tmp_path))
    assert done.returncode == 3
    assert done.stdout == ""
    assert "error: binding boom failed\n  in call of sqrt at test.ib:1:8" in done.stderr


# -- laziness, failures, project modules ------------------------------------------------------


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "__init__.py").write_text("")
    (tmp_path / "src" / "util.py").write_text(
        "import sys\n"
        "from src.helpers import shout\n"
        "def tick(x):\n"
        "    print('tick', file=sys.stderr)\n"
        "    return x\n"
        "def fail(x):\n"
        "    raise RuntimeError(shout(x))\n"
    )
    (tmp_path / "src" / "helpers.py").write_text("def shout(x):\n    return x.upper() + '!'\n")
    (tmp_path / "build").mkdir()
    return tmp_path


def _lazy_program(root: Path) -> ir.IrProgram:
    tick = ref("tick", "src.util")
    fail = ref("fail", "src.util")
    f = "lazy.ib"
    return program(
        [bind("shared", call(tick, lit(1), at=sp(2, 10, f)), 2)],
        [
            target("first", g("shared"), 4),
            target("second", ir.BinE("+", g("shared"), lit(1), sp(5, 17, f)), 5),
            target("bad", ir.RecordE((("v", call(fail, lit("boom"), at=sp(3, 10, f))),)), 6),
        ],
        root=str(root),
        source=f,
    )


def test_bindings_run_once_and_only_when_needed(project):
    path = write(_lazy_program(project), project / "build")
    done = run(path, "first", "second")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "first: 1\nsecond: 2\n"
    assert done.stderr.count("tick") == 1  # one evaluation shared by both targets
    assert "boom" not in done.stderr.lower()  # the failing experiment never ran


def test_failure_reports_ib_location_user_traceback_and_exit_3(project):
    path = write(_lazy_program(project), project / "build")
    done = run(path)
    assert done.returncode == 3
    assert done.stdout == "first: 1\nsecond: 2\n"  # the other targets still ran
    err = done.stderr
    assert "error: experiment bad failed" in err
    assert "in call of fail at lazy.ib:3:10" in err
    assert "RuntimeError: BOOM!" in err
    assert 'util.py", line 7, in fail' in err  # the user's frames are kept
    assert str(path) not in err  # the script's own frames are trimmed


def test_project_root_env_and_moved_project(project, tmp_path_factory):
    root_ref = ref("getenv", "os")
    prog = program(
        [],
        [target("root", call(root_ref, lit("IBC_PROJECT_ROOT"), at=sp(1)))],
        root=str(project),
    )
    path = write(prog, project / "build")
    done = run(path)
    assert done.returncode == 0, done.stderr
    assert values(done.stdout)["root"] == str(project)


def test_user_print_goes_to_stderr_under_json(project):
    path = write(_lazy_program(project), project / "build")
    done = run(path, "first", "--json")
    assert json.loads(done.stdout) == {"first": 1}
    assert "tick" in done.stderr


# -- command line ---------------------------------------------------------------------------


def test_unknown_target_lists_targets_and_exits_2(tmp_path):
    path = write(_small_program(), tmp_path)
    done = run(path, "reslt")
    assert done.returncode == 2
    assert "unknown target reslt" in done.stderr
    assert "did you mean result?" in done.stderr
    assert "targets: result" in done.stderr
    assert done.stdout == ""


def test_help_and_bad_option(tmp_path):
    path = write(_small_program(), tmp_path)
    helped = run(path, "--help")
    assert helped.returncode == 0
    assert "usage: python out.py [TARGET ...] [-s PATH=LITERAL ...] [--json]" in helped.stdout
    assert "targets: result" in helped.stdout
    assert run(path, "--frobnicate").returncode == 2


def test_a_binding_is_a_run_target(tmp_path):
    done = run(write(_small_program(), tmp_path), "root")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "root: 2.0\n"


def test_standard_library_program_runs_without_ibc(tmp_path):
    """`-S -I`: no site-packages, so neither ibc nor any dependency is importable."""
    xs = call(pre("linspace"), lit(0), lit(1), num=lit(5), at=sp(1))
    prog = program(
        [bind("xs", xs, 1)],
        [
            target("mean", call(pre("mean"), g("xs"), at=sp(2))),
            target(
                "labels",
                call(
                    pre("map"),
                    ir.RefValue(pre("str")),
                    call(pre("range"), lit(3), at=sp(3)),
                    at=sp(3),
                ),
            ),
            target("root", call(ref("sqrt", "math"), lit(16), at=sp(4))),
            target(
                "pairs",
                call(
                    pre("zip"), ir.ListE((lit(1), lit(2))), ir.ListE((lit("a"), lit("b"))), at=sp(5)
                ),
            ),
        ],
    )
    path = write(prog, tmp_path)
    check = run(path, flags=("-S", "-I", "-c", "import ibc"))
    assert check.returncode != 0  # ibc really is not importable there
    done = run(path, flags=("-S", "-I"))
    assert done.returncode == 0, done.stderr
    assert values(done.stdout) == {
        "mean": 0.5, "labels": ["0", "1", "2"], "root": 4.0, "pairs": [[1, "a"], [2, "b"]],
    }  # fmt: skip


def test_revision_pinned_reference_is_refused():
    pinned = ref("clean", "src.features", revision="abc123")
    prog = program([bind("c", call(pinned, lit(1), at=sp(1)))], [target("t", g("c"))])
    with pytest.raises(ValueError, match=REVISIONS_UNSUPPORTED):
        emit_plain(prog)


def test_unknown_prelude_function_is_a_clear_error():
    prog = program([], [target("t", call(pre("no_such"), at=sp(1)))])
    with pytest.raises(ValueError, match="prelude has no function `no_such`"):
        emit_plain(prog)


def test_failure_inside_a_def_names_the_call_and_its_caller(tmp_path):
    f = "chain.ib"
    body = ir.MethodStage(ir.Local("s"), "index", (lit("z"),), (), sp(2, 12, f))  # str.index fails
    d = ir.IrDef("find", (ir.IrParam("s"),), (), body, sp(1, 1, f))
    prog = program(
        [bind("ratio", ir.BinE("/", lit(1), lit(0), sp(4, 9, f)), 4)],
        [
            target("found", ir.DefCall("find", (lit("abc"),), (), sp(3, 20, f)), 3),
            target("divide", g("ratio"), 4),
        ],
        [d],
        source=f,
    )
    done = run(write(prog, tmp_path))
    assert done.returncode == 3
    err = done.stderr
    inner = err.index("in call of method index at chain.ib:2:12")
    outer = err.index("in call of find at chain.ib:3:20")
    assert inner < outer  # innermost first
    assert "ValueError: substring not found" in err
    # a binding runs where it is written, as in a Python script: its failure stops the run
    assert "error: binding ratio failed\n  in operator / at chain.ib:4:9" in err
    assert "not run: divide" in err
    assert "ZeroDivisionError" in err


def test_duplicate_top_level_names_are_refused():
    prog = program([bind("x", lit(1))], [target("x", lit(2))])
    with pytest.raises(ValueError, match="`x` is defined twice"):
        emit_plain(prog)


# -- parameter defaults of function values -----------------------------------------------------


def _exec_plain(prog: ir.IrProgram) -> dict:
    """The values of the program's targets: the program executed in-process with `--json`."""
    import contextlib
    import io

    namespace: dict = {"__name__": "__main__"}
    saved_path, saved_env, saved_argv = list(sys.path), dict(os.environ), sys.argv
    out = io.StringIO()
    try:
        sys.argv = ["plain.py", "--json"]
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
            exec(compile(emit_plain(prog), "plain.py", "exec"), namespace)
        assert done.value.code == 0
        return json.loads(out.getvalue())
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)


def _lam(params, body, *defaults, line=3):
    return ir.LambdaE(tuple(params), body, sp(line), tuple(defaults))


def test_lambda_defaults_apply_in_ib_and_by_keyword():
    x, y = ir.Local("x"), ir.Local("y")
    lam = _lam("xy", ir.BinE("*", x, y, sp(3)), None, ir.BinE("+", g("base"), lit(1), sp(3)))
    odd = _lam(["class", "n"], ir.BinE("-", ir.Local("class"), ir.Local("n"), sp(4)), None, lit(1))
    prog = program(
        [bind("base", lit(100)), bind("g", lam, 3), bind("h", g("g"), 4), bind("odd", odd, 4)],
        [
            target("short", ir.Apply(g("g"), (lit(2),), (), sp(5))),
            target("keywords", ir.Apply(g("h"), (), (("y", lit(3)), ("x", lit(2))), sp(6))),
            target("renamed", ir.Apply(g("odd"), (), (("class", lit(10)),), sp(7))),
            target("direct", ir.Apply(lam, (lit(1),), (("y", lit(5)),), sp(8))),
        ],
    )
    source = emit_plain(prog)
    assert "lambda x, y=base + 1: x * y" in source
    assert "odd(class_=10)" in source  # a keyword argument takes the Python name
    assert _exec_plain(prog) == {"short": 202, "keywords": 6, "renamed": 9, "direct": 5}


def test_lambda_parameter_keeps_its_name_unless_the_body_reads_that_module_name():
    k = _lam("k", ir.BinE("+", g("k"), ir.Local("k"), sp(3)))  # only in hand-built IR
    j = _lam("k", ir.BinE("+", g("j_base"), ir.Local("k"), sp(3)))
    prog = program(
        [bind("k", lit(10)), bind("j_base", lit(1))],
        [
            target("a", ir.Apply(k, (lit(1),), (), sp(4))),
            target("b", ir.Apply(j, (lit(2),), (), sp(5))),
        ],
    )
    source = emit_plain(prog)
    assert "lambda k_2: k + k_2" in source
    assert "lambda k: j_base + k" in source
    assert _exec_plain(prog) == {"a": 11, "b": 3}


def test_a_required_parameter_after_a_defaulted_one_is_refused():
    lam = _lam("xy", ir.Local("y"), lit(1), None)
    prog = program(targets=[target("t", ir.Apply(lam, (), (("y", lit(2)),), sp(3)))])
    with pytest.raises(Refusal) as refused:
        emit_plain(prog)
    assert refused.value.code == "E0705" and refused.value.span == sp(3)
    assert refused.value.facts == {"kind": "lambda", "name": "", "param": "y"}


def test_a_def_used_as_a_value_is_the_def_itself():
    a, b = ir.Local("a"), ir.Local("b")
    d = ir.IrDef(
        "f", (ir.IrParam("a"), ir.IrParam("b", g("base"))), (), ir.BinE("+", a, b, sp(2)), sp(2)
    )
    body = ir.DefCall("f", (a, b), (), sp(3))
    value = _lam("ab", body, None, g("base"))
    other = _lam("ab", body, None, lit(7))  # a user's lambda with another default
    mapped = call(pre("map"), value, ir.ListE((lit(1), lit(2))), at=sp(4))
    prog = program(
        [bind("base", lit(100)), bind("h", value, 3), bind("o", other, 3)],
        [
            target("mapped", mapped, 4),
            target("short", ir.Apply(g("h"), (lit(1),), (), sp(5))),
            target("keyword", ir.Apply(g("h"), (), (("b", lit(1)), ("a", lit(2))), sp(6))),
            target("other", ir.Apply(g("o"), (lit(1),), (), sp(7))),
        ],
        [d],
    )
    source = emit_plain(prog)
    assert "ib_map(f, [1, 2])" in source and "h = f\n" in source
    assert "lambda a, b=7: f(a, b)" in source
    assert _exec_plain(prog) == {"mapped": [101, 102], "short": 101, "keyword": 3, "other": 8}


def test_def_local_assigned_after_a_read_of_the_module_name_gets_another_name():
    # def k(n): a = x + n; x = 5; return a + x   (the first `x` is the module binding)
    first = ir.IrBinding("a", ir.BinE("+", g("x"), ir.Local("n"), sp(2)), sp(2))
    second = ir.IrBinding("x", lit(5), sp(3))
    d = ir.IrDef(
        "k",
        (ir.IrParam("n"),),
        (first, second),
        ir.BinE("+", ir.Local("a"), ir.Local("x"), sp(4)),
        sp(1),
    )
    prog = program([bind("x", lit(1))], [target("t", ir.DefCall("k", (lit(10),), (), sp(5)))], [d])
    source = emit_plain(prog)
    assert "def k(n):" in source and "x_2 = 5" in source
    assert _exec_plain(prog) == {"t": 16}


# -- overrides, sweeps and `-s` (the layered form) ------------------------------------------

LAB = """
import sys

def _count(name):
    print("call " + name, file=sys.stderr)

def load(seed=0):
    _count("load")
    return [seed, seed + 1]

def make(C=1.0, kind="lin", tol=0.001):
    _count("make")
    return {"C": C, "kind": kind, "tol": tol}

def other(C=1.0, tol=0.5):
    return {"other": C, "tol": tol}

def fit(model, data, scale=1):
    _count("fit")
    return {"model": model, "data": data, "scale": scale}

def mean(values):
    return sum(values) / len(values)

def first(d):
    return {"n": len(d), "keys": list(d)}

def double(x):
    return 2 * x

def fail_on(x, bad):
    if x == bad:
        raise RuntimeError("bad point")
    return x
"""


@pytest.fixture
def lab(tmp_path) -> Path:
    (tmp_path / "lab.py").write_text(LAB)
    return tmp_path


def lab_ref(name: str) -> ir.PyRef:
    return ref(name, "lab")


def stage(name: str, *args, path: str | None = None, names=(), callee_path=None, line=1, **kw):
    return ir.Stage(
        lab_ref(name), tuple(args), tuple(kw.items()), sp(line), path, tuple(names), callee_path
    )


def layer(**overrides) -> ir.IrLayer:
    return ir.IrLayer(
        tuple(ir.IrOverride(p.replace("__", "."), v, sp(9)) for p, v in overrides.items())
    )


def over(*pairs) -> ir.IrLayer:
    """A layer from (path, value) pairs (paths that are not Python names)."""
    return ir.IrLayer(tuple(ir.IrOverride(p, v, sp(9)) for p, v in pairs))


def with_(base, *pairs, line: int = 9) -> ir.WithE:
    return ir.WithE(base, over(*pairs), sp(line))


def sweep(name: str, value, path: str, values, line: int = 8) -> ir.IrTarget:
    points = tuple(ir.IrPoint(f"{name}[{path}={v!r}]", over((path, lit(v)))) for v in values)
    return ir.IrTarget(name, value, "sweep", sp(line), points=points)


def lab_program(targets, extra_bindings=(), defs=(), **kw) -> ir.IrProgram:
    """seed = 0; data = load(seed); model = make(C = 1.0, kind = "lin");
    fitted = fit(model, data)  (positional arguments named by the signature)."""
    bindings = [
        bind("seed", lit(0), 1),
        bind("data", stage("load", g("seed"), path="data", names=("seed",), line=2), 2),
        bind("model", stage("make", path="model", C=lit(1.0), kind=lit("lin"), line=3), 3),
        bind(
            "fitted",
            stage("fit", g("model"), g("data"), path="fitted", names=("model", "data"), line=4),
            4,
        ),
        *extra_bindings,
    ]
    params = kw.pop("params", (("seed", "int"), ("model.C", "float"), ("model.kind", "str")))
    return program(bindings, targets, defs, params=params, **kw)


def path_text(root: Path) -> str:
    """The program `write` last wrote into `root`."""
    return (root / "out.py").read_text()


def lab_run(prog, root: Path, *args, flags=()):
    done = run(write(prog, root), *args, flags=flags)
    return done


def test_every_kind_of_path_is_overridable(lab):
    nested = stage(
        "fit",
        stage("make", path="inline.model", C=lit(1.0), line=5),
        ir.ListE((lit(1), lit(2)), path="inline.data"),
        path="inline",
        names=("model", "data"),
        line=5,
    )
    cfg = ir.RecordE((("lr", lit(0.1)), ("depth", lit(3))), path="cfg")
    swapped = stage("make", path="swapped", callee_path="make", C=lit(2.0), line=6)
    agg = ir.RefValue(lab_ref("mean"), path="agg")
    applied = ir.Apply(agg, (ir.ListE((lit(1), lit(3))),), (), sp(7))
    extra = [bind("inline", nested, 5), bind("cfg", cfg, 5), bind("swapped", swapped, 6)]
    cases = {
        "binding": (g("data"), [("seed", lit(5))], [5, 6]),
        "keyword": (g("model"), [("model.C", lit(0.5))], {"C": 0.5, "kind": "lin", "tol": 0.001}),
        "positional": (g("fitted"), [("fitted.data", lit("D"))], None),
        "nested": (g("inline"), [("inline.model.C", lit(9.0)), ("inline.data[1]", lit(7))], None),
        "added": (g("model"), [("model.tol", lit(0.1))], {"C": 1.0, "kind": "lin", "tol": 0.1}),
        "record": (g("cfg"), [("cfg.lr", lit(0.5))], {"lr": 0.5, "depth": 3}),
        "callee": (
            g("swapped"),
            [("make", ir.RefValue(lab_ref("other")))],
            {"other": 2.0, "tol": 0.5},
        ),
        "refvalue": (applied, [("agg", ir.RefValue(ref("max", "builtins")))], 3),
    }
    targets = [target(name, with_(base, *pairs)) for name, (base, pairs, _) in cases.items()]
    targets.append(target("plain_applied", applied))
    done = lab_run(lab_program(targets, extra), lab, "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    for name, (_, _, expected) in cases.items():
        if expected is not None:
            assert got[name] == expected, name
    assert got["positional"]["data"] == "D"
    assert got["positional"]["model"] == {"C": 1.0, "kind": "lin", "tol": 0.001}
    assert got["nested"] == {
        "model": {"C": 9.0, "kind": "lin", "tol": 0.001},
        "data": [1, 7],
        "scale": 1,
    }
    assert got["plain_applied"] == 2.0


def test_def_internal_path_is_shared_by_every_call(lab):
    # def boost(x): b = make(C = x); return b     — the call's path is `boost.b`
    d = ir.IrDef(
        "boost",
        (ir.IrParam("x"),),
        (ir.IrBinding("b", stage("make", path="boost.b", C=ir.Local("x"), line=2), sp(2)),),
        ir.Local("b"),
        sp(1),
    )
    both = ir.TupleE(
        (ir.DefCall("boost", (lit(1.0),), (), sp(3)), ir.DefCall("boost", (lit(2.0),), (), sp(3)))
    )
    prog = lab_program(
        [target("plain", both), target("over", with_(both, ("boost.b.kind", lit("rbf"))))], defs=[d]
    )
    done = lab_run(prog, lab, "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert [m["kind"] for m in got["plain"]] == ["lin", "lin"]
    assert [m["kind"] for m in got["over"]] == ["rbf", "rbf"]
    assert [m["C"] for m in got["over"]] == [1.0, 2.0]


def test_layering_order_and_scope_below(lab):
    plus_one = ir.BinE("+", g("seed"), lit(1), sp(9))
    once = with_(g("data"), ("seed", plus_one))
    twice = ir.WithE(once, over(("seed", plus_one)), sp(10))
    inner_a = with_(g("seed"), ("seed", lit(1)))
    b_wins = ir.WithE(inner_a, over(("seed", lit(2))), sp(10))  # (e with A) with B
    prog = lab_program([target("once", once), target("twice", twice), target("b_wins", b_wins)])
    done = lab_run(prog, lab, "--json")
    assert done.returncode == 0, done.stderr
    # twice: the outer layer (pushed first) wins on `seed`; its value reads the seed below it
    assert json.loads(done.stdout) == {"once": [1, 2], "twice": [1, 2], "b_wins": 2}


def test_with_inside_a_def_reads_its_parameters(lab):
    d = ir.IrDef("at", (ir.IrParam("k"),), (), with_(g("seed"), ("seed", ir.Local("k"))), sp(1))
    both = ir.TupleE(tuple(ir.DefCall("at", (lit(k),), (), sp(2)) for k in (3, 4)))
    done = lab_run(lab_program([target("t", both)], defs=[d]), lab, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"t": [3, 4]}


def test_sweep_runs_every_point_and_shares_what_no_override_reaches(lab):
    grid = sweep("grid", g("fitted"), "model.C", [0.01, 0.1, 1.0, 10.0])
    done = lab_run(lab_program([grid]), lab)
    assert done.returncode == 0, done.stderr
    got = values(done.stdout)
    assert list(got) == [f"grid[model.C={c!r}]" for c in (0.01, 0.1, 1.0, 10.0)]
    assert [v["model"]["C"] for v in got.values()] == [0.01, 0.1, 1.0, 10.0]
    assert done.stderr.count("call load") == 1  # shared by the four points
    # spelled out (direct form): each point calls `fit(make(C=…), data)`; the bindings
    # `model` and `fitted` are statements of the program too
    assert "lambda: fit(make(C=0.01" in path_text(lab)
    assert done.stderr.count("call make") == 4 + 1
    assert done.stderr.count("call fit") == 4 + 1


def test_sweep_json_point_selection_and_unknown_point(lab):
    grid = sweep("grid", g("data"), "seed", [1, 2, 3])
    path = write(lab_program([grid, target("base", g("data"))]), lab)
    done = run(path, "--json")
    assert json.loads(done.stdout) == {
        "grid[seed=1]": [1, 2], "grid[seed=2]": [2, 3], "grid[seed=3]": [3, 4], "base": [0, 1],
    }  # fmt: skip
    one = run(path, "grid[seed=2]")
    assert one.returncode == 0, one.stderr
    assert one.stdout == "grid[seed=2]: [2, 3]\n"
    assert one.stderr.count("call load") == 1
    bad = run(path, "grid[seed=4]")
    assert bad.returncode == 2
    assert "unknown target grid[seed=4]" in bad.stderr


def test_a_sweep_used_as_a_value_is_a_dict_of_points(lab):
    grid = sweep("grid", g("seed"), "seed", [1, 2])
    summary = target("summary", stage("first", g("grid"), line=5))
    as_value = target("whole", g("grid"))
    done = lab_run(lab_program([grid, summary, as_value]), lab, "summary", "whole", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "summary": {"n": 2, "keys": ["grid[seed=1]", "grid[seed=2]"]},
        "whole": {"grid[seed=1]": 1, "grid[seed=2]": 2},
    }


def test_a_with_on_a_sweep_applies_to_every_point_and_points_can_be_expressions(lab):
    points = (
        ir.IrPoint("g[a]", over(("seed", lit(1)))),
        ir.IrPoint("g[b]", over(("seed", stage("double", g("seed"), line=8)))),
    )
    g_sweep = ir.IrTarget("g", g("data"), "sweep", sp(8), points=points)
    moved = target("moved", with_(g("g"), ("data", lit("D"))))
    # the with wins over the points' `seed`: they are one point, named after its value
    shifted = target("shifted", with_(g("g"), ("seed", lit(7))))
    done = lab_run(lab_program([g_sweep, moved, shifted]), lab, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "g[a]": [1, 2], "g[b]": [0, 1],
        "moved": {"g[a]": "D", "g[b]": "D"},
        "shifted": {"g[seed=7]": [7, 8]},
    }  # fmt: skip


def test_a_failing_point_is_named_and_the_others_run(lab):
    value = stage("fail_on", g("seed"), lit(2), path="checked", names=("x", "bad"), line=6)
    grid = sweep("grid", value, "seed", [1, 2, 3], line=6)
    done = lab_run(lab_program([grid]), lab)
    assert done.returncode == 3
    assert done.stdout == "grid[seed=1]: 1\ngrid[seed=3]: 3\n"
    assert "error: experiment grid[seed=2] failed" in done.stderr
    assert "in call of fail_on at test.ib:6:1" in done.stderr
    assert "RuntimeError: bad point" in done.stderr


def test_compiled_in_overrides_are_the_outermost_layer(lab):
    inner = with_(g("data"), ("seed", lit(1)))
    prog = lab_program(
        [target("t", inner), target("m", g("model"))],
        overrides=over(("seed", lit(4)), ("model", stage("other", C=lit(3.0), line=9))),
    )
    path = write(prog, lab)
    done = run(path, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"t": [4, 5], "m": {"other": 3.0, "tol": 0.5}}
    assert json.loads(run(path, "t", "-s", "seed=8", "--json").stdout) == {"t": [8, 9]}


# -- `-s` -------------------------------------------------------------------------------------


def test_set_overrides_a_parameter_as_the_outermost_layer(lab):
    prog = lab_program(
        [target("result", g("fitted")), target("inner", with_(g("model"), ("model.C", lit(5.0))))]
    )
    path = write(prog, lab)
    # the `with` needs no late binding: the direct form writes it in, `inner = make(C=5.0, …)`
    assert "_IbcScope" not in path.read_text()
    done = run(path, "-s", "model.C=2", "-s", "model.kind='rbf'", "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["result"]["model"] == {"C": 2, "kind": "rbf", "tol": 0.001}
    assert got["inner"]["C"] == 2  # -s wins: written into the spelled-out call too
    # with late binding (a sweep of the named parameter `seed`), -s is the outermost layer
    late = lab_program(
        [
            target("result", g("fitted")),
            target("inner", with_(g("model"), ("model.C", lit(5.0)))),
            sweep("seeds", g("data"), "seed", [1]),
        ]
    )
    path = write(late, lab)
    assert "_IbcScope" in path.read_text()
    done = run(path, "result", "inner", "-s", "model.C=2", "-s", "model.kind='rbf'", "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["result"]["model"] == {"C": 2, "kind": "rbf", "tol": 0.001}
    assert got["inner"]["C"] == 2  # -s wins over the program's own `with`
    plain = json.loads(run(path, "result", "inner", "--json").stdout)
    assert plain["inner"]["C"] == 5.0 and plain["result"]["model"]["C"] == 1.0


def test_set_unknown_path_suggests_the_nearest(lab):
    done = lab_run(lab_program([target("t", g("seed"))]), lab, "-s", "model.c=1")
    assert done.returncode == 2
    assert "-s model.c: unknown parameter; did you mean model.C" in done.stderr
    assert done.stdout == ""


def test_set_type_mismatch_and_bad_literal(lab):
    path = write(lab_program([target("t", g("seed"))]), lab)
    mismatch = run(path, "-s", "model.C='high'")
    assert mismatch.returncode == 2
    assert "-s model.C: expected float, got str 'high'" in mismatch.stderr
    flag = run(path, "-s", "seed=True")
    assert flag.returncode == 2 and "expected int, got bool True" in flag.stderr
    bare = run(path, "-s", "model.kind=rbf")
    assert bare.returncode == 2
    assert "-s model.kind: `rbf` is not a literal value" in bare.stderr
    assert "quote it: -s 'model.kind=\"rbf\"'" in bare.stderr
    assert run(path, "-s", "seed").returncode == 2


def test_list_params(lab):
    done = lab_run(lab_program([target("t", g("seed"))]), lab, "--list-params")
    assert done.returncode == 0
    assert done.stdout == "seed: int\nmodel.C: float\nmodel.kind: str\n"


@pytest.mark.parametrize(
    ("value", "annotation", "ok"),
    [
        (1, "float", True), (1.5, "int", False), (True, "int", False), (True, "bool", True),
        (None, "typing.Optional[float]", True), (2, "typing.Optional[float]", True),
        ("x", "typing.Optional[float]", False), ([1, 2], "list[int]", True),
        ([1, "a"], "list[int]", False), ((1, "a"), "tuple[int, str]", True),
        ((1, 2, 3), "tuple[int, ...]", True), ((1,), "tuple[int, str]", False),
        ({"a": 1.0}, "dict[str, float]", True), ({"a": "b"}, "dict[str, float]", False),
        ("anything", "typing.Any", True), (None, "None", True), (3, "str", False),
        (1, "sklearn.base.BaseEstimator", False), (1, "int | None", True),
    ],
)  # fmt: skip
def test_type_checks_the_script_carries(value, annotation, ok):
    from ibc.runtime.standalone import type_error as _ibc_type_error

    assert (_ibc_type_error(value, annotation) is None) == ok


def test_stdlib_program_with_a_sweep_runs_without_ibc(tmp_path):
    sqrt = ref("sqrt", "math")
    root = ir.Stage(sqrt, (g("n"),), (), sp(2), path="root", arg_names=("x",))
    shifted = ir.Stage(ref("add", "operator"), (g("root"), g("k")), (), sp(3), path="total")
    prog = program(
        [bind("n", lit(4)), bind("k", lit(0)), bind("root", root, 2), bind("total", shifted, 3)],
        [
            sweep("grid", g("total"), "n", [9, 16]),
            target("all", call(pre("len"), g("grid"), at=sp(4))),
        ],
        params=(("n", "int"), ("k", "int")),
    )
    path = write(prog, tmp_path)
    done = run(path, flags=("-S", "-I"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "grid[n=9]: 3.0\ngrid[n=16]: 4.0\nall: 2\n"
    moved = run(path, "grid[n=16]", "-s", "k=10", flags=("-S", "-I"))
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout == "grid[n=16]: 14.0\n"
    outer = run(path, "grid", "-s", "n=1", flags=("-S", "-I"))
    # -s is the outermost layer: it replaces the swept `n`, and the one point says so
    assert outer.stdout == "grid[n=1]: 1.0\n"


def _layers_program() -> ir.IrProgram:
    """The lab program with a `with`, a sweep and a def: the golden of the layered form."""
    d = ir.IrDef(
        "boost",
        (ir.IrParam("x"),),
        (ir.IrBinding("b", stage("make", path="boost.b", C=ir.Local("x"), line=6), sp(6)),),
        ir.Local("b"),
        sp(5),
    )
    bumped = with_(g("fitted"), ("seed", ir.BinE("+", g("seed"), lit(1), sp(7))), line=7)
    return lab_program(
        [
            target("bumped", bumped, 7),
            sweep("grid", g("fitted"), "model.C", [0.1, 1.0]),
            target("boosted", ir.DefCall("boost", (lit(2.0),), (), sp(9)), 9),
        ],
        defs=[d],
    )


def test_layered_code_reads_like_the_source_and_points_are_data():
    source = format_python(emit_plain(_layers_program()))
    assert '@_ibc_binding("model")\ndef model(s):\n' in source
    assert 's.call("model", make, (), C=lambda: 1.0, kind=lambda: "lin")' in source
    assert 'fitted(s.push("with test.ib:7:1", {}, {"seed": lambda s: seed(s) + 1}))' in source
    assert '("grid[model.C=0.1]", {"model.C": 0.1})' in source
    assert "def boost(s, x):" in source
    assert "functools.cache" not in source


def test_direct_form_without_parameters_and_set_is_refused_there(tmp_path):
    source = emit_plain(_small_program())
    assert "_IbcScope" not in source and "functools" not in source
    done = run(write(_small_program(), tmp_path), "-s", "n=3")
    assert done.returncode == 2
    assert "-s n: this program has no parameters that -s can set" in done.stderr


def test_layered_emission_is_deterministic_and_linear_in_points():
    assert emit_plain(_layers_program()) == emit_plain(_layers_program())
    big = lab_program([sweep("grid", g("fitted"), "seed", list(range(1000)))])  # late binding
    source = emit_plain(big)
    assert source.count("lambda") < 20  # the points are a table, not code
    assert source.count("grid[seed=") == 1000


def test_layered_bindings_are_shared_between_targets(lab):
    prog = lab_program([target("a", g("data")), target("b", g("fitted"))])
    done = lab_run(prog, lab)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("call load") == 1
