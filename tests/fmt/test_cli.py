"""`ibc fmt`: in-place rewriting, --check, standard input, syntax errors, folders."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys

import pytest

from ibc.commands import fmt as fmt_cli

UGLY = "x=f(1,2)\n"
PRETTY = "x = f(1, 2)\n"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="ibc fmt")
    fmt_cli.add_arguments(parser)
    return fmt_cli.main(parser.parse_args(list(argv)))


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ugly.ib").write_text(UGLY)
    (tmp_path / "pretty.ib").write_text(PRETTY)
    (tmp_path / "bad.ib").write_text("x = [1 2]\n")
    return tmp_path


def test_rewrites_a_file_in_place_and_keeps_its_permissions(files, capsys):
    os.chmod(files / "ugly.ib", 0o640)
    assert run("ugly.ib") == 0
    assert (files / "ugly.ib").read_text() == PRETTY
    assert (files / "ugly.ib").stat().st_mode & 0o777 == 0o640
    assert "reformatted ugly.ib" in capsys.readouterr().err
    assert [p.name for p in files.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_a_formatted_file_is_not_written(files):
    old = 1_000_000_000
    os.utime(files / "pretty.ib", ns=(old, old))
    assert run("pretty.ib") == 0
    assert (files / "pretty.ib").stat().st_mtime_ns == old


def test_check_names_the_files_that_would_change_and_exits_1(files, capsys):
    assert run("--check", "ugly.ib", "pretty.ib") == 1
    out = capsys.readouterr()
    assert out.out == "would reformat ugly.ib\n"
    assert "1 file would be reformatted, 1 file already formatted" in out.err
    assert (files / "ugly.ib").read_text() == UGLY


def test_check_exits_0_when_everything_is_formatted(files, capsys):
    assert run("--check", "pretty.ib") == 0
    assert capsys.readouterr().out == ""


def test_a_file_that_does_not_parse_is_reported_as_check_reports_it_and_untouched(files, capsys):
    assert run("bad.ib", "ugly.ib") == 1
    err = capsys.readouterr().err
    assert "error[E0101]: unexpected `2`" in err
    assert "--> bad.ib:1:8" in err
    assert (files / "bad.ib").read_text() == "x = [1 2]\n"
    assert (files / "ugly.ib").read_text() == PRETTY  # the other files are still formatted


def test_the_syntax_error_matches_ibc_check(files, capsys):
    from ibc.commands.cli import main as ibc_main

    ibc_main(["check", "bad.ib"])
    check_err = capsys.readouterr().err
    run("bad.ib")
    assert capsys.readouterr().err == check_err


def test_dash_reads_standard_input_and_writes_standard_output(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(UGLY.encode())))
    assert run("-") == 0
    assert capsys.readouterr().out == PRETTY


def test_dash_with_check(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(UGLY.encode())))
    assert run("--check", "-") == 1
    assert capsys.readouterr().out == "would reformat <stdin>\n"


def test_dash_with_a_syntax_error(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x = (\n")))
    assert run("-") == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert "<stdin>:1:5" in out.err


def test_a_folder_stands_for_its_ib_files(files, capsys):
    (files / "sub").mkdir()
    (files / "sub" / "inner.ib").write_text(UGLY)
    (files / ".hidden").mkdir()
    (files / ".hidden" / "skip.ib").write_text(UGLY)
    assert run("--check", ".") == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["would reformat sub/inner.ib", "would reformat ugly.ib"]


def test_a_missing_file_is_an_error(files, capsys):
    assert run("missing.ib") == 1
    assert "E0003" in capsys.readouterr().err


def test_the_module_runs_as_a_command(files):
    done = subprocess.run(
        [sys.executable, "-m", "ibc.commands.fmt", "--check", "pretty.ib"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "ibc.commands.fmt"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage.returncode == 2
