"""Shell completion (`ibc completion SHELL`), driven through the real shells: bash with the
generated script sourced and its completion function called as bash calls it (COMP_WORDS,
COMP_LINE, COMP_POINT), fish through `complete -C`, zsh with the script sourced and its
completion-system entry points (`compdef`, `_describe`) standing in for `compinit`'s. The
project is the one `ibc init` writes; `ibc` on PATH is this interpreter's `python -m ibc`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("completion")
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "init", str(folder / "demo")],
        capture_output=True,
        text=True,
        env=_env(folder),
    )
    assert done.returncode == 0, done.stderr
    (folder / "demo" / "broken.ib").write_text("experiment = = (\n", encoding="utf-8")
    return folder / "demo"


def _env(folder: Path) -> dict:
    """PATH with an `ibc` that runs this interpreter on this checkout."""
    bin_dir = folder / "bin"
    if not bin_dir.exists():
        bin_dir.mkdir()
        wrapper = bin_dir / "ibc"
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m ibc "$@"\n', encoding="utf-8")
        wrapper.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("_ARC_DEBUG", None)
    return env


def script(project: Path, shell: str) -> Path:
    path = project.parent / f"ibc.{shell}"
    if not path.exists():
        done = subprocess.run(
            ["ibc", "completion", shell], capture_output=True, text=True, env=_env(project.parent)
        )
        assert done.returncode == 0, done.stderr
        path.write_text(done.stdout, encoding="utf-8")
    return path


def bash_complete(project: Path, line: str) -> list[str]:
    """What bash offers for Tab at the end of `line`."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    program = f"""
source {script(project, "bash")}
COMP_LINE={_quote(line)}
COMP_POINT=${{#COMP_LINE}}
read -r -a COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_python_argcomplete ibc
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        cwd=project,
        capture_output=True,
        text=True,
        env=_env(project.parent),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    # outside an interactive shell argcomplete adds the space after a single word itself
    return [w.rstrip(" ") for w in done.stdout.splitlines() if w]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def test_bash_completes_commands(project):
    offered = bash_complete(project, "ibc ")
    assert {"run", "check", "params", "results", "init", "completion"} <= set(offered)
    assert sorted(bash_complete(project, "ibc r")) == ["repl", "results", "run"]


def test_bash_completes_options(project):
    assert "--force" in bash_complete(project, "ibc run experiment.ib --fo")
    assert bash_complete(project, "ibc results --wi") == ["--wide"]
    assert bash_complete(project, "ibc completion ") == ["bash", "zsh", "fish"]


def test_bash_completes_ib_files_and_folders(project):
    offered = set(bash_complete(project, "ibc check "))
    assert {"experiment.ib", "broken.ib", "src/"} <= offered
    assert "ibc.toml" not in offered


def test_bash_completes_the_targets_of_the_named_file(project):
    assert bash_complete(project, "ibc run experiment.ib ") == ["baseline", "noisy"]
    assert bash_complete(project, "ibc run experiment.ib baseline n") == ["noisy"]
    assert bash_complete(project, "ibc why experiment.ib b") == ["baseline"]
    # ibc params and ibc diff also take a binding
    assert {"baseline", "noisy", "seed", "noise", "data"} <= set(
        bash_complete(project, "ibc params experiment.ib ")
    )


def test_bash_completes_parameter_paths_after_s(project):
    assert bash_complete(project, "ibc run experiment.ib -s noise") == ["noise="]
    paths = bash_complete(project, "ibc params experiment.ib -s data.")
    assert {"data.n=", "data.noise=", "data.seed=", "data.slope="} <= set(paths)
    assert all(p.startswith("data.") for p in paths)


def test_a_missing_or_broken_file_completes_nothing(project):
    assert bash_complete(project, "ibc run missing.ib ") == []
    assert bash_complete(project, "ibc run broken.ib ") == []
    assert bash_complete(project, "ibc run broken.ib -s x") == []


def test_the_completion_process_prints_no_traceback(project):
    """Called as the script calls it (candidates on fd 8), with a file that does not parse:
    nothing on standard error, even though argcomplete's script would hide it."""
    env = _env(project.parent)
    env.update(_ARGCOMPLETE="1", _ARGCOMPLETE_SHELL="bash", COMP_LINE="ibc run broken.ib -s ")
    env["COMP_POINT"] = str(len(env["COMP_LINE"]))
    done = subprocess.run(
        ["bash", "-c", "ibc 8>&1"], cwd=project, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and done.stderr == ""


def test_fish_completes_targets_and_paths(project):
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed")

    def complete(line: str) -> list[str]:
        program = f"source {script(project, 'fish')}; complete -C {_quote(line)}"
        done = subprocess.run(
            ["fish", "--no-config", "-c", program],
            cwd=project,
            capture_output=True,
            text=True,
            env=_env(project.parent),
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return [w.split("\t")[0] for w in done.stdout.splitlines() if w]

    assert {"run", "check", "init"} <= set(complete("ibc "))
    assert complete("ibc run experiment.ib ") == ["baseline", "noisy"]
    assert complete("ibc run experiment.ib -s noise") == ["noise="]


def test_zsh_completes_targets_and_paths(project):
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")

    def complete(line: str) -> list[str]:
        words = line.split() + ([""] if line.endswith(" ") else [])
        program = f"""
compdef() {{ : }}
_describe() {{ print -rl -- "${{(@P)2}}" }}
source {script(project, "zsh")}
BUFFER={_quote(line)}
CURSOR=${{#BUFFER}}
words=({" ".join(_quote(w) for w in words)})
CURRENT=${{#words}}
_python_argcomplete
"""
        done = subprocess.run(
            ["zsh", "-f", "-c", program],
            cwd=project,
            capture_output=True,
            text=True,
            env=_env(project.parent),
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        # `value:description`, a `:` in the value escaped as `\\:`
        values = []
        for entry in done.stdout.splitlines():
            value, _, _ = entry.replace("\\:", "\0").partition(":")
            values.append(value.replace("\0", ":"))
        return [v for v in values if v]

    assert {"run", "check", "init"} <= set(complete("ibc "))
    assert complete("ibc run experiment.ib ") == ["baseline", "noisy"]
    assert complete("ibc run experiment.ib -s noise") == ["noise="]
