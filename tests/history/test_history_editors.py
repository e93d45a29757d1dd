"""`history(f)` in the interactive tools: the language server's hover lists the versions,
completion offers `history(` after `in` in a sweep and its keywords inside it, and `ibc fmt`
lays it out like any call."""

from __future__ import annotations

import subprocess
import sys

from ibc.lsp import features
from ibc.lsp.analysis import Analyzer
from ibc.lsp.completion import complete

from .project import MAIN, three_versions, write


def _pos(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    offset = text.index(needle) + delta
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)


def test_hover_lists_the_versions_with_dates_and_subjects(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    text = MAIN.replace("HISTORY", "history(clean)")
    write(tmp_path, {"main.ib": text})
    analysis = Analyzer().analyze(tmp_path / "main.ib", text)
    assert analysis.result.ok
    found = features.hover(analysis, *_pos(text, "history(", 2))
    assert "history(clean): 3 versions, newest first" in found.text
    assert f"`clean@{v3[:7]}` 2023-11-14: clean v3" in found.text
    assert found.text.index(v3[:7]) < found.text.index(v2[:7]) < found.text.index(v1[:7])


def test_completion_offers_history_in_a_sweep_and_its_keywords():
    sweep = "sweep s = e with { clean in "
    labels = [c.label for c in complete(None, sweep, len(sweep))]
    assert "history" in labels
    search = "search s = e with { clean in "
    assert "history" not in [c.label for c in complete(None, search, len(search))]
    inside = 'sweep s = e with { clean in history(clean, since = "v1", '
    labels = [c.label for c in complete(None, inside, len(inside))]
    assert "last =" in labels and "compatible =" in labels and "since =" not in labels


def test_the_formatter_lays_out_history_like_a_call():
    messy = 'sweep  s = e with {clean in history( clean,since="v1" ,last=5)}\n'
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "fmt", "-"], input=messy, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'sweep s = e with { clean in history(clean, since = "v1", last = 5) }\n'
