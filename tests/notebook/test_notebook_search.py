"""Searches in `%%ib` cells (docs/guide.md, "Searches"): a cell that declares a search is
checked, then refused with E0703 (this version does not run searches, and a session holding
one could run nothing else); the session stays usable."""

from __future__ import annotations

import pytest

pytest.importorskip("IPython")

from ibc.notebook.magics import IbError  # noqa: E402

DECLS = "from work import load, total\nn = 5\nxs = load(n)\nexperiment a = {s = total(xs)}\n"


def test_a_search_cell_is_refused_and_the_session_goes_on(ip):
    ip.run_cell_magic("ib", "", DECLS)
    with pytest.raises(IbError) as caught:
        ip.run_cell_magic(
            "ib", "", "search t = a with { n in int_range(1, 9) } maximize s trials 4\n"
        )
    report = "\n".join(caught.value._render_traceback_())
    assert "E0703" in report and "the search `t` can be checked but not yet run" in report
    assert "Traceback" not in report
    session = ip.magics_manager.registry["IbMagics"].session
    assert "t" not in session.names()
    assert ip.run_cell_magic("ib", "", "experiment b = {s = total(xs)}\n").loc["b", "s"] == 10.0
