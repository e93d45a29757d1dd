"""The `ibc` command line: exit codes, help, output files, formats and colour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ibc.commands.cli import main


def project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    path = tmp_path / "main.ib"
    path.write_text(text)
    return path


def run(*args: str, env: dict | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["check", "compile", "run"])
def test_every_command_has_help(command: str, capsys):
    assert main([command, "--help"]) == 0
    assert "FILE" in capsys.readouterr().out


def test_no_command_is_bad_usage(capsys):
    assert main([]) == 2


def test_unknown_option_is_bad_usage(capsys):
    assert main(["check", "--nope", "x.ib"]) == 2


def test_check_exit_codes(tmp_path: Path, capsys):
    good = project(tmp_path, "x = 1\n")
    assert main(["check", str(good)]) == 0
    good.write_text("x = y\n")
    assert main(["check", str(good)]) == 1
    err = capsys.readouterr().err
    assert "E0201" in err and "unknown name `y`" in err


def test_check_json_format(tmp_path: Path, capsys):
    path = project(tmp_path, 'x = y\nz = 1 + "a"\n')
    assert main(["check", "--format", "json", str(path)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in out] == ["E0201", "E0412"]  # every independent error
    assert out[0]["line"] == 1 and out[0]["col"] == 5 and out[0]["severity"] == "error"


def test_all_independent_errors_are_reported(tmp_path: Path, capsys):
    path = project(tmp_path, 'a: Int = "x"\nb: Str = 1\nc = 1 + "a"\n')
    assert main(["check", "--format", "json", str(path)]) == 1
    codes = [(d["code"], d["line"]) for d in json.loads(capsys.readouterr().out)]
    assert codes == [("E0401", 1), ("E0401", 2), ("E0412", 3)]


def test_compile_writes_nothing_on_failure(tmp_path: Path):
    path = project(tmp_path, "x = y\n")
    out = tmp_path / "out.py"
    assert main(["compile", str(path), "-o", str(out)]) == 1
    assert not out.exists()


def test_compile_writes_the_program(tmp_path: Path):
    path = project(tmp_path, "experiment e = 1 + 2\n")
    out = tmp_path / "out.py"
    assert main(["compile", str(path), "-o", str(out)]) == 0
    done = subprocess.run([sys.executable, str(out)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "e: 3\n"


def test_compile_into_a_missing_folder_is_a_clear_error(tmp_path: Path, capsys):
    path = project(tmp_path, "experiment e = 1\n")
    assert main(["compile", str(path), "-o", str(tmp_path / "no" / "out.py")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_run_exit_codes_and_json(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text("def boom(x: float) -> float:\n    return x / 0\n")
    path = project(
        tmp_path,
        'from "src/m.py" import boom\nexperiment ok = {v = 1.5}\nexperiment bad = boom(1.0)\n',
    )
    done = run("run", str(path), "ok", "--json")
    assert done.returncode == 0 and json.loads(done.stdout) == {"ok": {"v": 1.5}}
    failed = run("run", str(path))
    assert failed.returncode == 3
    assert "main.ib:3:18" in failed.stderr and "ZeroDivisionError" in failed.stderr
    assert 'ok: {"v": 1.5}' in failed.stdout


def test_colour_follows_the_terminal_and_no_color(tmp_path: Path):
    path = project(tmp_path, "x = y\n")
    plain = run("check", str(path), env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain.stderr
    forced = run("check", str(path), env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stderr


def test_check_imports_only_what_checking_needs(tmp_path: Path):
    # `ibc check` imports the parser, resolver, checker and the diagnostics renderer, never
    # the code generator, the runtime, the formatter or the libraries of experiments
    # (docs/guide.md, "7. Running"); the file uses numpy, whose interface is read, not imported.
    path = project(tmp_path, "from numpy import mean\nx = mean([1.0, 2.0])\n")
    probe = (
        "import sys; from ibc.commands.cli import main; code = main(['check', %r]); "
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in "
        "('black', 'typeguard', 'lark', 'rich', 'numpy', 'sklearn', 'pandas') "
        "or m.startswith(('ibc.runtime', 'ibc.codegen', 'ibc.lsp', 'ibc.repl', 'ibc.commands.why', "
        "'ibc.commands.fmt', 'ibc.commands.revisions'))))" % str(path)
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr


def test_run_help_lists_every_run_option(capsys):
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    flags = ["FILE", "TARGET", "-s PATH=EXPR", "--set", "--strict", "--stubs DIR"]
    flags += ["--executor {local,process,dask}", "-j N, --jobs N", "--address ADDR"]
    flags += ["--store PATH", "-o PATH, --out PATH", "--force", "--dry-run", "--explain"]
    flags += ["--logs", "-q, --quiet", "--durable", "--check-purity", "--json", "--list-params"]
    assert [f for f in flags if f not in out] == []
    from ibc.runtime.program import RUN_OPTIONS  # every option the program's parser takes

    assert [f for flags, *_ in RUN_OPTIONS for f in flags if f not in out] == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--frobnicate"], "unknown option `--frobnicate`"),
        (["--bogus"], "unknown option `--bogus`"),
        (["--froce"], "unknown option `--froce`; did you mean `--force`?"),
        (["--dry"], "unknown option `--dry`; did you mean `--dry-run`?"),
        (["--jobs", "many"], "--jobs needs a whole number, not `many`"),
        (["--executor", "cloud"], "unknown executor `cloud`: local, process or dask"),
        (["--store"], "--store needs PATH"),
        (["--json=yes"], "--json takes no value"),
    ],
)
def test_run_bad_options_are_exit_2_before_compiling(tmp_path: Path, args, message):
    path = project(tmp_path, "experiment e = undefined_name\n")  # compiling would fail: 1
    done = run("run", str(path), *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"ibc run: error: {message}\n(see ibc run --help)\n"


def test_run_without_a_file_is_exit_2(capsys):
    assert main(["run", "--json"]) == 2
    assert "FILE is missing" in capsys.readouterr().err


def test_run_options_go_to_the_program_wherever_they_stand(tmp_path: Path):
    path = project(tmp_path, "x = 1\nexperiment a = x + 1\nexperiment b = x * 3\n")
    store = tmp_path / "elsewhere"
    done = run("run", "--store", str(store), "-j1", str(path), "b", "--json", "-s", "x=2")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"b": 6}  # `-s x=2` went to the compiler
    assert (store / "runs").is_dir()  # --store went to the program
    assert run("run", str(path), "nope").returncode == 2  # the program's parser: targets
