"""Helpers for runtime and script-target tests: IR built by hand, emitted, executed."""

from __future__ import annotations

import sys
from pathlib import Path

from ibc.codegen import ir
from ibc.codegen.script import emit_script
from ibc.runtime import run_module
from ibc.base.spans import Span

SOURCE = "cancer.ib"


def sp(line: int, col: int = 1, file: str = SOURCE) -> Span:
    return Span(file, line, col, line, col + 1)


def pyref(module: str, name: str, local: str | None = None, **kw) -> ir.PyRef:
    return ir.PyRef(local=local or name.split(".")[-1], module=module, name=name, **kw)


def prelude(name: str) -> ir.PyRef:
    return pyref("ibc.runtime.prelude", name)


def lit(v):
    return ir.Lit(v)


def g(name: str) -> ir.Global:
    return ir.Global(name)


def call(ref: ir.PyRef, *args, line: int = 1, col: int = 1, path=None, **kwargs) -> ir.Stage:
    return ir.Stage(ref, tuple(args), tuple(kwargs.items()), sp(line, col), path)


def binding(name: str, value, line: int = 1, hidden: bool = False) -> ir.IrBinding:
    return ir.IrBinding(name, value, sp(line), hidden=hidden)


def target(name: str, value, line: int = 1, kind: str = "experiment") -> ir.IrTarget:
    return ir.IrTarget(name, value, kind, sp(line))


def program(
    bindings=(), targets=(), defs=(), refs=(), root: str = "/nonexistent/project"
) -> ir.IrProgram:
    return ir.IrProgram(
        source=SOURCE,
        source_hash="0" * 64,
        project_root=root,
        refs=tuple(refs),
        bindings=tuple(bindings),
        defs=tuple(defs),
        targets=tuple(targets),
    )


def load(prog: ir.IrProgram, out_path: Path | None = None) -> dict:
    """Emit `prog` and exec it as a module (not as __main__); its namespace."""
    code = emit_script(prog, out_path)
    namespace: dict = {"__name__": "ibc_emitted_test", "__file__": str(out_path or "x.py")}
    exec(compile(code, str(out_path or "<emitted>"), "exec"), namespace)
    return namespace


def run(prog: ir.IrProgram, argv=(), capsys=None) -> tuple[int, str, str]:
    """Run `prog` in-process with `argv`; (exit code, stdout, stderr)."""
    namespace = load(prog)
    code = run_module(namespace, list(argv))
    if capsys is None:
        return code, "", ""
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def value(prog: ir.IrProgram, name: str):
    """The value of `name` evaluated in-process."""
    return load(prog)["program"].evaluate(name)


sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
