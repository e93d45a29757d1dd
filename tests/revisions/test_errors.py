"""Compile errors of pinned references in real repositories (the E06xx codes that
tests/errors/*.test cannot reach: see EXEMPT in tests/errors/test_index.py)."""

from __future__ import annotations

from ibc.driver import check_file

from .gitrepo import V1, commit, story, write


def diags(root, text):
    write(root, {"main.ib": text})
    result = check_file(root / "main.ib")
    return [(d.code, d.span.line, d.span.col, d) for d in result.diagnostics]


def test_unknown_revision_with_near_tags_as_hint(tmp_path):
    story(tmp_path)
    found = diags(tmp_path, 'from "src/features.py" @ "v3" import clean\nx = clean(1.0)\n')
    assert [(c, l, col) for c, l, col, _ in found] == [("E0602", 1, 26)]
    from ibc.diagnostics.wording import words

    message, hint = words("E0602", found[0][3].args)
    assert '"v3"' in message and "`v2`" in hint and "`v1`" in hint


def test_file_missing_at_the_revision(tmp_path):
    story(tmp_path)
    write(tmp_path, {"src/new.py": "def g(x: float) -> float:\n    return x\n"})
    found = diags(tmp_path, 'from "src/new.py" import g\nx = (g @ "v1")(1.0)\n')
    assert [(c, l, col) for c, l, col, _ in found] == [("E0603", 2, 10)]
    assert found[0][3].args["path"] == "src/new.py"


def test_name_missing_at_the_revision_suggests_a_near_one(tmp_path):
    commit(tmp_path, V1, "v1", tag="v1")
    commit(
        tmp_path,
        {"src/features.py": V1["src/features.py"] + "\n\ndef cleaner(x):\n    return x\n"},
        "more",
    )
    found = diags(tmp_path, 'from "src/features.py" @ "v1" import cleaner\nx = cleaner(1.0)\n')
    assert [(c, l, col) for c, l, col, _ in found] == [("E0604", 1, 38)]
    assert found[0][3].args["suggestions"] == ["clean"]


def test_not_a_git_repository(tmp_path):
    write(tmp_path, V1)
    found = diags(tmp_path, 'from "src/features.py" import clean\nx = (clean @ "v1")(1.0)\n')
    assert [(c, l, col) for c, l, col, _ in found] == [("E0605", 2, 14)]


def test_git_not_installed(tmp_path, monkeypatch):
    story(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    found = diags(tmp_path, 'from "src/features.py" import clean\nx = (clean @ "v1")(1.0)\n')
    assert [(c, l, col) for c, l, col, _ in found] == [("E0606", 2, 14)]


def test_syntax_error_in_the_old_file(tmp_path):
    commit(tmp_path, {**V1, "src/features.py": "def clean(x)\n    return x\n"}, "broken", tag="bad")
    commit(tmp_path, V1, "fixed")
    found = diags(tmp_path, 'from "src/features.py" import clean\nx = (clean @ "bad")(1.0)\n')
    assert [(c, l, col) for c, l, col, _ in found] == [("E0609", 2, 14)]


def test_dangerous_revision_never_reaches_git(tmp_path):
    story(tmp_path)
    target = tmp_path / "pwned"
    found = diags(
        tmp_path,
        f'from "src/features.py" @ "--output={target}" import clean\n'
        'from "src/features.py" import clean as c2\n'
        'x = (c2 @ "; touch pwned")(1.0)\n',
    )
    assert [c for c, *_ in found] == ["E0607", "E0607"]
    assert not target.exists()


def test_the_old_signature_is_type_checked(tmp_path):
    commit(
        tmp_path,
        {**V1, "src/features.py": "def clean(x: str) -> str:\n    return x\n"},
        "v0",
        tag="v0",
    )
    commit(tmp_path, V1, "v1")
    found = diags(
        tmp_path, 'from "src/features.py" import clean\nx = (clean @ "v0")(1.0)\ny = clean(1.0)\n'
    )
    assert [c for c, *_ in found] == ["E0401"]
    assert found[0][1] == 2


def test_a_pinned_class_is_a_type_distinct_from_todays(tmp_path):
    story(tmp_path)
    write(
        tmp_path,
        {
            "src/use.py": "from src.features import Model\n\n\ndef use(m: Model) -> float:\n    return m.score()\n"
        },
    )
    ok = diags(
        tmp_path,
        'from "src/features.py" import Model\nfrom "src/use.py" import use\n'
        'from "src/features.py" @ "v1" import Model as OldModel\n'
        "a = use(Model(1.0))\nb = OldModel(2.0).score()\n",
    )
    assert ok == []
    bad = diags(
        tmp_path,
        'from "src/use.py" import use\nfrom "src/features.py" @ "v1" import Model as OldModel\n'
        "a = use(OldModel(1.0))\n",
    )
    assert [(c, l) for c, l, *_ in bad] == [("E0401", 3)]
    assert "@" in bad[0][3].args.get("found", "")


def test_control_characters_of_a_revision_are_escaped_in_the_message(tmp_path):
    """A revision string holding terminal escapes is shown escaped, through the real command:
    `ibc check` never writes an ESC byte of the user's text to the terminal."""
    import subprocess
    import sys

    story(tmp_path)
    write(tmp_path, {"main.ib": 'from "src/features.py" @ "v1\\u001b[2J\\u0007" import clean\n'})
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "check", "main.ib"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 1 and "error[E0607]" in done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert '"v1\\x1b[2J\\x07"' in done.stderr
