"""The points of history sweeps in `ibc results` (docs/revisions.md, "History sweeps").

A point of `sweep regress = baseline with { clean in history(clean) }` records the version it
ran as its parameter's value, `@3f2a1bc` or `@worktree`, and, for a committed version, the
full commit among its `revisions`. For such rows (`add_history_columns`):

- `commit` is the version's commit (short), not the commit the run was made at (`worktree`
  for the working tree's code, whose `dirty` is left empty);
- `date` and `subject` columns give the commit's date and the first line of its message, read
  with one `git log --no-walk` call for all the rows (a commit git no longer knows, or no git
  at all, leaves them empty);
- `commit_order` puts rows in history order, oldest commit first and the working tree last,
  so that `--plot commit,accuracy` draws the metric along history.

Rows of other experiments are left as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

LABEL = re.compile(r"@(?:[0-9a-f]{7,40}|worktree)")
ORDER = "\0history-order"  # a row's place in history (not a column: renderers skip it)
SHORT = 10  # as results.SHORT_COMMIT


def _version(record: dict) -> tuple[str, str] | None:
    """(path, label) of the history axis a record's point sets, or None."""
    params = record.get("params")
    if not isinstance(params, dict) or "[" not in str(record.get("experiment", "")):
        return None
    for path, value in params.items():
        if isinstance(value, str) and LABEL.fullmatch(value):
            return path, value[1:]
    return None


def _full_commit(record: dict, short: str) -> str:
    revisions = record.get("revisions")
    if isinstance(revisions, dict):
        for commit in revisions.values():
            if isinstance(commit, str) and commit.startswith(short):
                return commit
    return short


def _commit_facts(commits: list[str], where: Path) -> dict[str, tuple[str, int, str]]:
    """{commit: (date, committer time, subject)} in one `git log --no-walk` call."""
    if not commits:
        return {}
    from ibc.resolve.revisions import GitProblem, check_revision, run_git

    wanted = [c for c in dict.fromkeys(commits) if check_revision(c) is None]
    try:
        done = run_git(
            where,
            ["log", "--no-walk=unsorted", "--format=%H%x09%ad%x09%ct%x09%s", "--date=short"]
            + wanted
            + ["--"],
        )
    except GitProblem:
        return {}
    if done.returncode != 0:
        return {}
    out: dict[str, tuple[str, int, str]] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\t", 3)
        if len(parts) == 4 and parts[2].isdigit():
            out[parts[0]] = (parts[1], int(parts[2]), parts[3])
    return out


def add_history_columns(records: list[dict], columns: list[str], rows: list[dict]) -> list[str]:
    """`columns` with `date` and `subject` after `commit` when some rows are points of a
    history sweep; those rows get their version's commit, date and subject."""
    versions = [_version(r) for r in records]
    if not any(versions):
        return columns
    fulls = {
        i: _full_commit(records[i], v[1])
        for i, v in enumerate(versions)
        if v and v[1] != "worktree"
    }
    facts = _commit_facts(list(fulls.values()), Path.cwd())
    by_prefix = {full: fact for full, fact in facts.items()}
    for i, (record, row, version) in enumerate(zip(records, rows, versions)):
        if version is None:
            continue
        if version[1] == "worktree":
            row["commit"], row["dirty"] = (
                "worktree",
                None,
            )  # not a commit, so neither clean nor dirty
            row["date"], row["subject"] = None, "(working tree)"
            row[ORDER] = (1, 0, str(record.get("started", "")))
            continue
        full = fulls[i]
        fact = by_prefix.get(full) or next(
            (f for c, f in facts.items() if c.startswith(version[1])), None
        )
        row["commit"], row["dirty"] = full[:SHORT], False
        row["date"], row["subject"] = (fact[0], fact[2]) if fact else (None, None)
        row[ORDER] = (0, fact[1] if fact else 0, "")
    at = columns.index("commit") + 1 if "commit" in columns else len(columns)
    return [*columns[:at], "date", "subject", *columns[at:]]


def axis_paths(records: list[dict]) -> set[str]:
    """The parameters that history axes set: what `--plot commit,…` shows on its x axis
    already, so they do not make series of their own."""
    return {v[0] for v in map(_version, records) if v is not None}


def commit_order(rows: list[dict], chosen: list[int]) -> list[int]:
    """`chosen` (row indices) with the rows of history sweeps in history order, oldest
    commit first, the working tree last; others keep their place after them."""
    if not any(ORDER in rows[i] for i in chosen):
        return chosen
    ranked = [i for i in chosen if ORDER in rows[i]]
    ranked.sort(key=lambda i: rows[i][ORDER])  # stable: equal times keep their order
    return ranked + [i for i in chosen if ORDER not in rows[i]]
