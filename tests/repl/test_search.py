"""Searches in the REPL (docs/guide.md, "Searches"): a search declaration is checked and
prints its type, then is kept out of the session with E0703 (this version does not run
searches, and a session holding one could run nothing else); the session goes on."""


def test_a_search_is_checked_then_kept_out(blank):
    blank.say("x = 1.0")
    blank.say("experiment e = {score = x}")
    out, err = blank.say("search s = e with { x in uniform(0.0, 1.0) } maximize score trials 4")
    assert out == "s : Dict[Str, {score: Float}]\n"
    assert "error[E0703]: the search `s` can be checked but not yet run" in err
    assert "--> <input>:1:8" in err
    assert "search" not in blank.session.text()
    assert blank.say("x + 1")[0] == "2.0 : Float\n"


def test_a_search_with_an_error_is_reported_as_one(blank):
    blank.say("x = 1.0")
    blank.say("experiment e = {score = x}")
    out, err = blank.say("search s = e with { x in uniform(1.0, 0.0) } maximize score trials 4")
    assert out == "" and "error[E0515]" in err and "E0703" not in err
