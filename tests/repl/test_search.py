"""Searches in the REPL (docs/guide.md, "Searches"): a search declaration is checked and
prints its type, then joins the session; an expression that uses it runs its trials first
(cached, as `ibc run` does), `:run` runs it, and `best(S)` gives the best trial's layer."""

import re

import pytest


def test_a_search_joins_the_session_and_runs_when_used(blank):
    pytest.importorskip("optuna")
    blank.say("x = 1.0")
    blank.say("experiment e = {score = 0.0 - (x - 0.25) * (x - 0.25)}")
    out, err = blank.say("search s = e with { x in uniform(0.0, 1.0) } maximize score trials 4")
    assert out == "s : Dict[Str, {score: Float}]\n", err
    assert "error" not in err
    assert "search s" in blank.session.text()
    assert blank.say("x + 1")[0] == "2.0 : Float\n"
    out, err = blank.say("len(s)")
    assert out == "4 : Int\n", err
    out, err = blank.say("s")
    assert all(f'"s[{i}]"' in out for i in range(4)), (out, err)
    scores = [float(v) for v in re.findall(r"score = (-?[0-9.e-]+)", out)]
    assert len(scores) == 4
    refit, err = blank.say("(e with best(s)).score")
    assert float(refit.split(" : ")[0]) == max(scores), (refit, err)
    out, err = blank.say(":run s")  # as `ibc run`: the same seed, the same trials
    assert [line.split(":")[0] for line in out.splitlines()] == [f"s[{i}]" for i in range(4)]
    assert sorted(float(v) for v in re.findall(r'"score": (-?[0-9.e-]+)', out)) == sorted(scores)


def test_a_search_with_an_error_is_reported_as_one(blank):
    blank.say("x = 1.0")
    blank.say("experiment e = {score = x}")
    out, err = blank.say("search s = e with { x in uniform(1.0, 0.0) } maximize score trials 4")
    assert out == "" and "error[E0515]" in err and err.count("error[") == 1
