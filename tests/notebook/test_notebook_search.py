"""Searches in `%%ib` cells (docs/guide.md, "Searches"): a cell that declares a search runs
it like a sweep (its trials, proposed by Optuna, are its points and come from the store on a
re-run), and a later cell can refit with the best trial."""

from __future__ import annotations

import pytest

pytest.importorskip("IPython")
pytest.importorskip("optuna")

DECLS = "from work import load, total\nn = 5\nxs = load(n)\nexperiment a = {s = total(xs)}\n"
SEARCH = "search t = a with { n in int_range(1, 9) } maximize s trials 4\n"


def test_a_search_cell_runs_its_trials(ip, project):
    ip.run_cell_magic("ib", "", DECLS)
    frame = ip.run_cell_magic("ib", "", SEARCH)
    assert list(frame.index) == [f"t[{i}]" for i in range(4)]
    calls = (project / "calls.txt").read_text().splitlines()
    again = ip.run_cell_magic("ib", "", SEARCH)  # the same proposals, from the store
    assert list(again["s"]) == list(frame["s"])
    assert (project / "calls.txt").read_text().splitlines() == calls
    best = ip.run_cell_magic("ib", "", "experiment b = a with best(t)\n")
    assert best.loc["b", "s"] == max(frame["s"])
