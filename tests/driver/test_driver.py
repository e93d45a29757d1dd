"""The driver and the diagnostics that the case files cannot express: options such as
`--strict`, files outside the project, compile-only errors, and the driver's promise that
nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.codegen import ir
from ibc.diagnostics.diagnostic import Diagnostics
from ibc.driver import Options, _emit, check_file, compile_file
from ibc.base.spans import Span


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "ibc.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "main.ib"


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def test_strict_warns_about_untyped_references(tmp_path: Path):
    main = write(
        tmp_path,
        {
            "src/m.py": "def f(x):\n    return x\n",
            "main.ib": 'from "src/m.py" import f\ny = f(1)\n',
        },
    )
    assert codes(check_file(main)) == []
    result = check_file(main, Options(strict=True))
    assert codes(result) == ["W0401"] and result.ok
    assert result.diagnostics[0].span.line == 2


def test_python_file_outside_the_project(tmp_path: Path):
    (tmp_path / "helper.py").write_text("def f(x: int) -> int:\n    return x\n")
    main = write(tmp_path / "proj", {"main.ib": 'from "../helper.py" import f\ny = f(1)\n'})
    result = check_file(main)
    assert codes(result) == ["E0307"]
    assert result.diagnostics[0].span.line == 1


def test_with_and_sweeps_compile_in_both_targets(tmp_path: Path):
    main = write(
        tmp_path,
        {"main.ib": "x = 1\nexperiment e = x with { x = 2 }\nsweep s = x with { x in [1, 2] }\n"},
    )
    for target in ("script", "plain"):
        result = compile_file(main, Options(target=target, format=False))
        assert result.ok and result.code, codes(result)


def test_sweeps_of_imported_modules_are_not_yet_compiled(tmp_path: Path):
    main = write(
        tmp_path,
        {
            "lib.ib": "x = 1\nsweep s = x with { x in [1, 2] }\n",
            "main.ib": 'import "lib.ib" as lib\nexperiment e = lib.x\n',
        },
    )
    assert check_file(main).ok
    assert "E0701" in codes(compile_file(main))


def test_a_revision_outside_a_git_repository_is_an_error(tmp_path: Path):
    main = write(
        tmp_path,
        {
            "src/m.py": "def f(x: float) -> float:\n    return x\n",
            "main.ib": 'from "src/m.py" import f\nexperiment e = (f @ "v1")(4.0)\n',
        },
    )
    assert codes(check_file(main)) == ["E0605"]  # pins need the project's git history


def test_an_emitter_failing_on_its_ir_is_an_internal_error():
    span = Span("main.ib", 1, 1, 1, 2)
    ref = ir.PyRef("f", "m", "f", revision="abc")
    program = ir.IrProgram(
        "main.ib",
        "0" * 64,
        "/tmp",
        (ref,),
        (),
        (),
        (ir.IrTarget("e", ir.Stage(ref, (), (), span), "experiment", span),),
    )
    diags = Diagnostics()

    class Main:
        ast = None

    # lowering resolves every revision (E0702 otherwise): an unresolved one here is a bug
    assert _emit(program, Options(target="plain"), diags, Main()) is None
    assert [d.code for d in diags.items] == ["E0000"]
    assert "revisions" in diags.items[0].args["detail"]


def test_missing_main_file_is_a_diagnostic(tmp_path: Path):
    result = check_file(tmp_path / "nope.ib")
    assert codes(result) == ["E0003"] and not result.ok


@pytest.mark.parametrize("text", ["", "# only a comment\n", "x = 1"])
def test_small_programs_compile_in_both_targets(tmp_path: Path, text: str):
    main = write(tmp_path, {"main.ib": text})
    for target in ("script", "plain"):
        result = compile_file(main, Options(target=target))
        assert result.ok and result.code is not None, codes(result)
        compile(result.code, "out.py", "exec")


def test_internal_errors_are_reported_not_raised(tmp_path: Path, monkeypatch):
    import ibc.types.check as check_module

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(check_module, "check", boom)
    main = write(tmp_path, {"main.ib": "x = 1\n"})
    result = check_file(main)
    assert codes(result) == ["E0000"]
