"""Property: the values `ibc params FILE TARGET` reports are the values the run used.

Programs are generated with hypothesis: integer bindings, bindings to calls of two probe
Python functions (`p`, `q`) with keyword arguments (literals, names of the integer bindings,
other probe bindings as `inner`), an experiment over the last probe binding, a chain of
experiments each deriving the previous one `with` a layer of overrides (an integer binding,
an argument of a probe binding valid in the variant it overrides, a replacement of a probe
binding by a call of either function), and a sweep over one of them. For each experiment
and one sweep point, `ibc params FILE TARGET --all --format json` is read and the target is
run with `ibc run --force`; the probes log every call's arguments to a file, and each logged
argument must be the value the listing gives its path (`b1.a`), names followed through the
listing (`b1.a` is `n0`, `n0` is `3`). The probe bindings the listing shows must be exactly
those that ran.

A sweep of the sweep (`sweep s2 = s with {…}`) is generated too: a point of it runs every
point of `s`, so a path that `s` sweeps is listed `in [v1, v2]`, and each value logged must be
one of those. Example counts are modest: each example runs `ibc` a few times
(`IBC_PROPERTY_EXAMPLES` sets another count).
"""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibc.commands.cli import main

PROBE = """\
import json
import os


def _log(name, tag, args):
    with open(os.environ["PROBE_LOG"], "a") as f:
        f.write(json.dumps({"f": name, "tag": tag, "args": args}) + "\\n")


def p(tag: str, a: int = 1, b: float = 0.5, inner: dict = None) -> dict:
    _log("p", tag, {"a": a, "b": b})
    return {"tag": tag, "a": a, "b": b, "inner": inner}


def q(tag: str, x: int = 2, c: str = "s", inner: dict = None) -> dict:
    _log("q", tag, {"x": x, "c": c})
    return {"tag": tag, "x": x, "c": c, "inner": inner}
"""

ARGS = {"p": {"a": "int", "b": "float"}, "q": {"x": "int", "c": "str"}}
SETTINGS = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=False,
)

INTS = st.integers(-3, 9)
FLOATS = st.sampled_from([0.25, 1.5, -2.0, 3.75])
STRS = st.sampled_from(['"u"', '"v"', '"w"'])


def literal(kind: str, draw) -> str:
    if kind == "int":
        return str(draw(INTS))
    if kind == "float":
        return repr(draw(FLOATS))
    return draw(STRS)


@st.composite
def programs(draw):
    """(program text, experiment names, a sweep point name)."""
    numbers = [f"n{i}" for i in range(draw(st.integers(1, 2)))]
    lines = ['from "src/probe.py" import p, q']
    lines += [f"{name} = {draw(INTS)}" for name in numbers]
    probes: dict[str, str] = {}  # binding -> function, in the file's own program
    count = draw(st.integers(1, 3))
    for index in range(count):
        name, fn = f"b{index}", draw(st.sampled_from(["p", "q"]))
        args = [f'tag = "{name}"']
        for arg, kind in ARGS[fn].items():
            choice = draw(st.integers(0, 2))
            if choice == 1:
                args.append(f"{arg} = {literal(kind, draw)}")
            elif choice == 2 and kind == "int":
                args.append(f"{arg} = {draw(st.sampled_from(numbers))}")
        if index and draw(st.booleans()):
            args.append(f"inner = b{draw(st.integers(0, index - 1))}")
        lines.append(f"{name} = {fn}({', '.join(args)})")
        probes[name] = fn
    lines.append(f'experiment e0 = q(tag = "e0", x = 1, inner = b{count - 1})')
    variant = dict(probes, e0="q")
    experiments, variants = ["e0"], [dict(variant)]
    for level in range(1, draw(st.integers(1, 3)) + 1):
        overrides, used = [], set()
        for _ in range(draw(st.integers(1, 2))):
            override = draw(_override(numbers, variant, used))
            if override is not None:
                overrides.append(override)
        if not overrides:
            overrides = [f"{numbers[0]} = {draw(INTS)}"]
        lines.append(f"experiment e{level} = e{level - 1} with {{ {', '.join(overrides)} }}")
        experiments.append(f"e{level}")
        variants.append(dict(variant))
    index = draw(st.integers(0, len(experiments) - 1))
    path, values = draw(_axis(numbers, variants[index]))
    lines.append(f"sweep s = {experiments[index]} with {{ {path} in [{', '.join(values)}] }}")
    point = f"s[{path}={values[-1]}]"
    if draw(st.booleans()):  # a sweep of the sweep: each point is a dict of `s`'s points
        outer, outer_values = draw(_axis(numbers, variants[index]))
        lines.append(f"sweep s2 = s with {{ {outer} in [{', '.join(outer_values)}] }}")
        point = f"s2[{outer}={outer_values[0]}]"
    return "\n".join(lines) + "\n", experiments, point


@st.composite
def _axis(draw, numbers, variant):
    """(path, value texts) of a sweep over an integer binding or an argument of a probe
    binding that the swept experiment's variant has."""
    if draw(st.booleans()):
        path, kind = draw(st.sampled_from(numbers)), "int"
    else:
        name = draw(st.sampled_from(sorted(variant)))
        arg = draw(st.sampled_from(sorted(ARGS[variant[name]])))
        path, kind = f"{name}.{arg}", ARGS[variant[name]][arg]
    texts: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        text = literal(kind, draw)
        if text not in texts:
            texts.append(text)
    return path, texts


@st.composite
def _override(draw, numbers, variant, used):
    """One override valid in `variant` (binding -> probe function, updated as the layer
    replaces bindings); None when the drawn path is already set in this layer."""
    kind = draw(st.sampled_from(["number", "argument", "replace"]))
    probes = [name for name in variant if name != "e0"]
    if kind == "number":
        path, text = draw(st.sampled_from(numbers)), str(draw(INTS))
    elif kind == "argument":
        name = draw(st.sampled_from(probes + ["e0"]))
        arg = draw(st.sampled_from(sorted(ARGS[variant[name]])))
        path, text = f"{name}.{arg}", literal(ARGS[variant[name]][arg], draw)
    else:
        name, fn = draw(st.sampled_from(probes)), draw(st.sampled_from(["p", "q"]))
        args = [f'tag = "{name}"']
        args += [
            f"{arg} = {literal(kind, draw)}"
            for arg, kind in ARGS[fn].items()
            if draw(st.booleans())
        ]
        path, text = name, f"{fn}({', '.join(args)})"
    root = path.split(".")[0]
    if any(u == path or u.split(".")[0] == root for u in used):
        return None  # a path and its prefix in one layer is an error; keep layers simple
    used.add(path)
    if kind == "replace":
        variant[path] = text.split("(")[0]
    return f"{path} = {text}"


# --------------------------------------------------------------------------- checking


def listing(folder: Path, target: str) -> dict[str, str]:
    """path -> value of `ibc params main.ib TARGET --all --format json` (in-process)."""
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["params", "main.ib", target, "--all", "--format", "json"])
    finally:
        os.chdir(cwd)
    assert code == 0, err.getvalue()
    return {row["path"]: row["value"] for row in json.loads(out.getvalue())}


def values_of(rows: dict[str, str], path: str, depth: int = 0) -> list:
    """The values the listing gives `path`: one, or those of `in [v1, v2]` (a path that a
    sweep used by name sets differs from point to point)."""
    text = rows[path]
    if text.isidentifier() and text not in ("None", "True", "False") and depth < 5:
        return values_of(rows, text, depth + 1)  # a name: its value in the same variant
    if text.startswith("in ["):
        return list(ast.literal_eval(text[3:]))
    return [ast.literal_eval(text)]


def run(folder: Path, target: str) -> list[dict]:
    log = folder / "probe.log"
    log.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("IBC_STORE",)}
    env.update(PROBE_LOG=str(log), IBC_PROGRESS="none", NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "run", "main.ib", target, "--force"],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "probe.py").write_text(PROBE)
    return tmp_path


def check_target(folder: Path, target: str, text: str) -> None:
    rows = listing(folder, target)
    calls = run(folder, target)
    about = f"\n{text}\ntarget {target}\nparams {rows}\ncalls {calls}"
    for call in calls:
        tag = call["tag"]
        assert rows.get(tag) is not None, f"{tag} ran but is not listed{about}"
        assert rows[tag].startswith(call["f"] + "("), f"{tag} is not {call['f']}{about}"
        for arg, value in call["args"].items():
            path = f"{tag}.{arg}"
            assert path in rows, f"{path} is not listed{about}"
            listed = values_of(rows, path)
            assert value in listed, f"{path}: listed {rows[path]}, ran {value}{about}"
    listed = {path for path, value in rows.items() if path.startswith("b") and "." not in path}
    assert listed == {call["tag"] for call in calls if call["tag"] != "e0"}, about


@settings(max_examples=int(os.environ.get("IBC_PROPERTY_EXAMPLES", "8")), **SETTINGS)
@given(programs())
def test_params_report_the_values_the_run_uses(project, program):
    text, experiments, point = program
    (project / "main.ib").write_text(text)
    for target in [experiments[0], experiments[-1], point]:
        check_target(project, target, text)


def test_a_replacement_then_an_outer_layer(project):
    """A fixed example of the property: the outer layer sets an argument of the value an
    inner layer replaced, and a later replacement drops an inner layer's argument."""
    text = (
        'from "src/probe.py" import p, q\n'
        "n0 = 4\n"
        'b0 = p(tag = "b0", a = n0, b = 1.5)\n'
        'experiment e0 = q(tag = "e0", x = 1, inner = b0)\n'
        'experiment e1 = e0 with { b0 = q(tag = "b0", c = "u") }\n'
        "experiment e2 = e1 with { b0.x = 7, n0 = 2 }\n"
        'experiment e3 = (e0 with { b0.a = 9 }) with { b0 = p(tag = "b0") }\n'
        "sweep s = e2 with { b0.x in [5, 6] }\n"
    )
    (project / "main.ib").write_text(text)
    for target in ["e0", "e1", "e2", "e3", "s[b0.x=6]"]:
        check_target(project, target, text)
