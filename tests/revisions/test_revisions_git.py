"""`ibc.resolve.revisions`: validation before git, batch resolution, reading old files."""

from __future__ import annotations

import pytest

from ibc.resolve.revisions import GitProblem, Repo, check_revision, forget_repositories

from .gitrepo import V1, commit, story


@pytest.mark.parametrize(
    "text",
    ["", "--output=/tmp/x", "-v", "; rm -rf", "a b", "v1\n", "a\x00b", "v1..v2", "v1...v2",
     "HEAD:src/m.py", "$(id)", "`id`", "a|b", "a&b", "x" * 201],
)  # fmt: skip
def test_dangerous_or_malformed_revisions_are_rejected(text):
    assert check_revision(text) is not None


@pytest.mark.parametrize("text", ["v1.0", "main", "HEAD~3", "HEAD^", "abc1234", "a" * 40, "feat/x"])
def test_ordinary_revisions_are_accepted(text):
    assert check_revision(text) is None


def test_many_revisions_resolve_in_one_git_call(tmp_path):
    v1, v2 = story(tmp_path)
    repo = Repo.open(tmp_path)
    found = repo.resolve(["v1", "v2", "main", "HEAD~2", v1[:7], "nope"])
    assert repo.git_calls == 1
    assert found == {"v1": v1, "v2": v2, "main": v2, "HEAD~2": v1, v1[:7]: v1, "nope": None}


def test_full_ids_are_cached_on_disk_and_need_no_git(tmp_path):
    v1, v2 = story(tmp_path)
    Repo.open(tmp_path).resolve([v1, v2])
    forget_repositories()
    again = Repo.open(tmp_path)
    assert again.resolve([v1, v2]) == {v1: v1, v2: v2}
    assert again.git_calls == 0


def test_files_are_read_at_a_commit_without_touching_the_working_tree(tmp_path):
    v1, _ = story(tmp_path)
    repo = Repo.open(tmp_path)
    found = repo.read(v1, ["src/util.py", "src/features.py", "src/nope.py"])
    assert found["src/util.py"] == V1["src/util.py"].encode()
    assert found["src/nope.py"] is None
    assert "3.0" in (tmp_path / "src/util.py").read_text()  # today's file is untouched
    assert "src/features.py" in repo.tree(v1)


def test_a_project_in_a_subfolder_of_the_repository(tmp_path):
    sub = {f"proj/{k}": v for k, v in V1.items()}
    first = commit(tmp_path, sub, "v1", tag="v1")
    repo = Repo.open(tmp_path / "proj")
    assert repo.prefix == "proj/"
    assert repo.read(first, ["src/util.py"])["src/util.py"] == V1["src/util.py"].encode()
    assert "src/util.py" in repo.tree(first)


def test_near_names_of_a_mistyped_tag(tmp_path):
    story(tmp_path)
    assert Repo.open(tmp_path).near("v3")[:2] in (["v2", "v1"], ["v1", "v2"])


def test_not_a_repository(tmp_path):
    with pytest.raises(GitProblem) as caught:
        Repo.open(tmp_path)
    assert caught.value.code == "E0605"


def test_git_not_installed(tmp_path, monkeypatch):
    story(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GitProblem) as caught:
        Repo.open(tmp_path)
    assert caught.value.code == "E0606"
