"""The emitted program's command line: output, --json, failures, usage errors, names."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ibc.codegen import ir
from ibc.codegen.script import emit_script
from ibc.runtime import jsonable
from runtime_counting import CALLS
from runtime_irkit import binding, call, g, lit, load, program, pyref, run, sp, target

C = "runtime_counting"
HERE = Path(__file__).resolve().parent


def simple():
    return program(
        bindings=[binding("data", call(pyref(C, "load"), lit(4), line=2))],
        targets=[
            target("total", call(pyref(C, "total"), g("data"), line=3)),
            target("metrics", ir.RecordE((("n", lit(4)), ("name", lit("é")))), line=4),
        ],
    )


def test_prints_each_target_as_json_in_order(capsys):
    code, out, err = run(simple(), [], capsys)
    assert (code, err) == (0, "")
    assert out == 'total: 6\nmetrics: {"n": 4, "name": "é"}\n'


def test_named_targets_and_bindings_can_be_run(capsys):
    code, out, _ = run(simple(), ["metrics", "data"], capsys)
    assert code == 0
    assert out == 'metrics: {"n": 4, "name": "é"}\ndata: [0, 1, 2, 3]\n'


def test_json_prints_one_object_and_nothing_else(capsys):
    code, out, _ = run(simple(), ["--json"], capsys)
    assert code == 0
    assert json.loads(out) == {"total": 6, "metrics": {"n": 4, "name": "é"}}
    assert out.startswith("{\n  ")  # indent 2


def test_shared_stage_runs_once_in_one_run(capsys):
    CALLS.clear()
    prog = program(
        bindings=[binding("data", call(pyref(C, "load"), lit(3)))],
        targets=[
            target("a", call(pyref(C, "total"), g("data"))),
            target("b", call(pyref(C, "scale"), g("data"))),
        ],
    )
    assert run(prog, [], capsys)[0] == 0
    assert CALLS["load"] == 1


def test_unknown_target_exits_2_with_a_suggestion(capsys):
    code, out, err = run(simple(), ["totl"], capsys)
    assert code == 2 and out == ""
    assert "unknown target `totl`; did you mean `total`?" in err
    assert "available targets: total, metrics, data" in err


def test_hidden_bindings_are_not_targets(capsys):
    prog = program(bindings=[binding("_h", lit(1), hidden=True)], targets=[target("t", lit(2))])
    assert run(prog, ["_h"], capsys)[0] == 2


def test_help_lists_targets(capsys):
    code, out, _ = run(simple(), ["--help"], capsys)
    assert code == 0
    assert "usage:" in out and "total" in out and "experiment" in out and "--json" in out


def test_unknown_option_is_usage_error(capsys):
    assert run(simple(), ["--frobnicate"], capsys)[0] == 2


def failing():
    return program(
        targets=[
            target("bad", call(pyref(C, "boom"), lit("x"), line=11, col=36), line=11),
            target("good", lit(1), line=12),
        ]
    )


def test_failure_reports_location_and_user_traceback_and_exits_3(capsys):
    code, out, err = run(failing(), [], capsys)
    assert code == 3
    assert out == "good: 1\n"  # the other targets still run
    assert err.startswith("error: experiment bad failed\n  in call of boom at cancer.ib:11:36\n")
    assert "runtime_counting.py" in err and "helper_that_fails" in err
    assert "ValueError: boom: bad input 'x'" in err
    assert "ibc/runtime/evaluate.py" not in err and "ibc/runtime/program.py" not in err


def test_failure_with_json_keeps_stdout_pure_json(capsys):
    code, out, err = run(failing(), ["--json"], capsys)
    assert code == 3
    assert json.loads(out) == {"good": 1}
    assert "error: experiment bad failed" in err


def test_missing_module_failure_names_the_module(capsys):
    prog = program(targets=[target("t", call(pyref("no_such_mod_ibc", "f"), line=2, col=5))])
    code, _, err = run(prog, [], capsys)
    assert code == 3
    assert "in call of f at cancer.ib:2:5" in err
    assert "cannot import module `no_such_mod_ibc`" in err
    assert "Traceback" not in err


def test_keyboard_interrupt_exits_130(capsys, monkeypatch):
    from ibc.runtime import running

    ns = load(simple())
    monkeypatch.setattr(running.Run, "_main", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    assert ns["program"].main([]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_python_keywords_and_builtins_as_binding_names(capsys):
    names = ["class", "lambda", "len", "print", "program", "m", "Ref", "os", "PROJECT_ROOT"]
    bindings = [binding(n, lit(i)) for i, n in enumerate(names)]
    total = g(names[0])
    for n in names[1:]:
        total = ir.BinE("+", total, g(n), sp(1))
    prog = program(
        bindings=bindings,
        targets=[target("sum", total)],
        refs=[pyref(C, "total", local="print"), pyref(C, "load", local="len")],
    )
    code, out, _ = run(prog, ["sum", "class", "lambda", "program"], capsys)
    assert code == 0
    assert out == "sum: 36\nclass: 0\nlambda: 1\nprogram: 4\n"


def test_reference_locals_that_are_builtins_and_keywords(capsys):
    prog = program(
        targets=[
            target(
                "t",
                call(pyref(C, "total", local="len"), call(pyref(C, "load", local="class"), lit(3))),
            )
        ]
    )
    assert run(prog, [], capsys)[:2] == (0, "t: 3\n")


@pytest.mark.parametrize(
    "text", ['say "hi"', "it's", "back\\slash", "new\nline\ttab", "ünïcødé ✓ 日本", "\x00\x7f", ""]
)
def test_string_literals_round_trip_exactly(text):
    ns = load(program(targets=[target("s", lit(text))]))
    assert ns["program"].evaluate("s") == text


def test_jsonable():
    import numpy as np
    import pandas as pd

    assert jsonable({1: (1, [2.5, None]), "b": True}) == {"1": [1, [2.5, None]], "b": True}
    assert jsonable(np.float64(0.5)) == 0.5 and type(jsonable(np.int64(3))) is int
    assert jsonable(np.bool_(True)) is True
    assert jsonable(float("nan")) == "nan" and jsonable(float("inf")) == "inf"
    assert jsonable(np.float64("nan")) == "nan"
    assert jsonable(np.array([1, 2])) == "array([1, 2])"
    assert isinstance(jsonable(pd.DataFrame({"a": [1]})), str)


def test_emitted_file_runs_as_a_script_with_project_modules(tmp_path):
    """`python OUT.py` from elsewhere: the project root (relative to the file) is on sys.path,
    so `src.features` imports `src.util` as in the user's notebooks."""
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "__init__.py").write_text("")
    (root / "src" / "util.py").write_text("def double(x):\n    return 2 * x\n")
    (root / "src" / "features.py").write_text(
        "import os\nfrom src.util import double\n\n"
        "def feature(x):\n    return [double(x), os.environ['IBC_PROJECT_ROOT']]\n"
    )
    out = root / "build" / "cancer.py"
    out.parent.mkdir()
    prog = program(
        targets=[target("t", call(pyref("src.features", "feature"), lit(21)))], root=str(root)
    )
    out.write_text(emit_script(prog, out), encoding="utf-8")
    moved = tmp_path / "moved"
    root.rename(moved)  # the root is found relative to the file, not by its old absolute path
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    result = subprocess.run(
        [sys.executable, str(moved / "build" / "cancer.py"), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"t": [42, str(moved)]}


def test_emitted_file_exit_codes_as_a_script(tmp_path):
    out = tmp_path / "prog.py"
    out.write_text(emit_script(failing(), out), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), *sys.path]))
    result = subprocess.run(
        [sys.executable, str(out)], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 3
    assert "in call of boom at cancer.ib:11:36" in result.stderr
    result = subprocess.run(
        [sys.executable, str(out), "nope"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2


def test_runtime_imports_no_compiler_and_no_heavy_library():
    code = (
        "import sys, ibc.runtime\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', 'rich', 'sklearn')"
        " or m.startswith(('ibc.syntax', 'ibc.resolve', 'ibc.types', 'ibc.codegen', 'ibc.driver',"
        " 'ibc.commands.cli', 'ibc.diagnostics', 'lark', 'black'))]\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_failure_inside_a_lambda_called_by_python_names_the_inner_call(capsys):
    boom = ir.LambdaE(("x",), call(pyref(C, "boom"), ir.Local("x"), line=7, col=20), sp(7, 9))
    prog = program(
        targets=[target("t", call(pyref(C, "apply_all"), boom, ir.ListE((lit(1),)), line=7))]
    )
    code, _, err = run(prog, [], capsys)
    assert code == 3
    assert "in call of boom at cancer.ib:7:20" in err
    assert "ValueError: boom: bad input 1" in err


def test_failure_of_a_cheap_node_names_it(capsys):
    prog = program(targets=[target("t", ir.FieldE(ir.RecordE((("a", lit(1)),)), "b", sp(5, 3)))])
    code, _, err = run(prog, [], capsys)
    assert code == 3
    assert "in read of field .b at cancer.ib:5:3" in err and "KeyError: 'b'" in err


def test_destructuring_failure_on_the_command_line(capsys):
    prog = program(
        bindings=[
            binding("_t", call(pyref(C, "triple"), line=4, col=10), 4, hidden=True),
            binding("a", ir.Unpack(g("_t"), 0, 2, sp(4, 1)), 4),
            binding("b", ir.Unpack(g("_t"), 1, 2, sp(4, 1)), 4),
        ],
        targets=[target("t", g("b"))],
    )
    code, _, err = run(prog, [], capsys)
    assert code == 3
    assert err == (
        "error: experiment t failed\n"
        "  `(a, b) = triple(…)` at cancer.ib:4:1 expects 2 values, got 3\n"
    )
