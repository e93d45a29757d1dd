"""`ibc freeze`, `ibc log` and pinned references in `ibc params`."""

from __future__ import annotations

import argparse
import io

from ibc.driver import check_file
from ibc.params.listing import parameters
from ibc.commands.revisions import freeze_main, log_main

from .gitrepo import V1, commit, story, write

PINNED = """\
# compare the two versions
from "src/features.py" import clean
from "src/features.py" @ "v1" import clean as clean_v1   # the old one
experiment a = (clean @ "HEAD~1")(1.0)
experiment b = clean_v1(1.0)
"""


def freeze(path):
    out, err = io.StringIO(), io.StringIO()
    code = freeze_main(argparse.Namespace(file=str(path), check=False), out, err)
    return code, out.getvalue(), err.getvalue()


def test_freeze_rewrites_only_the_revision_strings_and_is_idempotent(tmp_path):
    v1, v2 = story(tmp_path)
    parent = commit(tmp_path, {"README": "x\n"}, "docs")  # HEAD~1 is now v2
    write(tmp_path, {"main.ib": PINNED})
    code, out, _ = freeze(tmp_path / "main.ib")
    assert code == 0 and f'"v1" -> "{v1}"' in out
    expected = PINNED.replace('"v1"', f'"{v1}"').replace('"HEAD~1"', f'"{v2}"')
    assert (tmp_path / "main.ib").read_text() == expected
    assert parent != v2
    code, out, _ = freeze(tmp_path / "main.ib")
    assert code == 0 and "already" in out
    assert (tmp_path / "main.ib").read_text() == expected


def test_freeze_reports_an_unknown_revision_and_writes_nothing(tmp_path):
    story(tmp_path)
    text = PINNED.replace('"v1"', '"v9"')
    write(tmp_path, {"main.ib": text})
    code, _, err = freeze(tmp_path / "main.ib")
    assert code == 1 and "E0602" in err and "v9" in err
    assert (tmp_path / "main.ib").read_text() == text


def test_log_lists_the_commits_that_changed_a_function_or_its_helpers(tmp_path):
    v1, v2 = story(tmp_path)
    commit(tmp_path, {"src/other.py": "X = 1\n"}, "unrelated")
    commit(
        tmp_path,
        {
            "src/features.py": V1["src/features.py"]
            .replace("k: float", "k: int")
            .replace("x * factor()", "x * factor() + 1.0")
        },
        "Model only",
    )
    out = io.StringIO()
    code = log_main(
        argparse.Namespace(
            ref=str(tmp_path / "src/features.py") + ":clean", patch=True, max_count=None
        ),
        out,
        io.StringIO(),
    )
    assert code == 0
    lines = [l for l in out.getvalue().splitlines() if not l.startswith("    ")]
    assert lines == [
        f"{v2[:8]}  {lines[0].split()[1]}  v2: clean shifts too  (+1 -1 lines)",
        f"{lines[1][:8]}  {lines[1].split()[1]}  bigger factor  (helpers changed)",
        f"{v1[:8]}  {lines[2].split()[1]}  v1: clean scales by the factor  (added (2 lines))",
    ]
    assert "    +    return x * factor() + 1.0" in out.getvalue()


def test_params_shows_pinned_references_with_their_commit(tmp_path):
    v1, _ = story(tmp_path)
    write(tmp_path, {"main.ib": PINNED})
    result = check_file(tmp_path / "main.ib")
    assert result.ok
    rows = {r.path: r.value for r in parameters(result)}
    assert rows["clean_v1"] == f'clean @ "v1" ({v1[:8]})'
