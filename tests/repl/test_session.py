"""The session model: declarations, redeclaration, expressions, errors and commands."""

from ibc.repl.session import HIDDEN


def test_a_declaration_prints_its_type_and_an_expression_its_value(blank):
    assert blank.say("x = 20") == ("x : Int\n", "")
    assert blank.say("y = x * 2 + 2") == ("y : Int\n", "")
    assert blank.say("y") == ("42 : Int\n", "")
    assert blank.say('{a = y, b = "s"}') == ('{a = 42, b = "s"} : {a: Int, b: Str}\n', "")


def test_a_new_declaration_replaces_the_old_one(blank):
    blank.say("x = 1")
    blank.say("y = x + 1")
    out, err = blank.say("x = 10")
    assert (out, err) == ("x : Int\n", "")
    assert blank.say("y")[0] == "11 : Int\n"  # the binding that uses it sees the new value
    assert blank.session.text().count("x =") == 1


def test_a_def_block_and_a_continued_line(blank):
    assert blank.say("def triple(v: Int) -> Int:\n    w = v * 3\n    return w\n")[0] == (
        "triple : (v: Int) -> Int\n"
    )
    assert blank.say("r = 2 |>\n  triple") == ("r : Int\n", "")
    assert blank.say("r")[0] == "6 : Int\n"


def test_an_error_is_shown_against_the_entry_and_the_session_goes_on(blank):
    blank.say("x = 1")
    out, err = blank.say('y = x + "a"')
    assert out == ""
    assert "error[E0412]" in err and "--> <input>:1:5" in err and '1 | y = x + "a"' in err
    assert blank.session.errors == 1
    assert "y" not in blank.session.text()
    assert blank.say("x + 1")[0] == "2 : Int\n"


def test_a_syntax_error_names_the_input(blank):
    out, err = blank.say("x = 1 +")
    assert out == "" and "E0102" in err and "<input>:1:8" in err


def test_a_redeclaration_that_breaks_a_user_is_refused(repl):
    out, err = repl.say("inc = 5")
    assert out == "" and "E0406" in err and "inc(base)" in err
    assert repl.say("up")[0].endswith("{v = 11, w = 9} : {v: Int, w: Int}\n")


def test_an_import_loses_only_the_replaced_item(repl):
    repl.say("experiment up = {v = 1}")
    repl.say("sweep grid = 0")
    repl.say("bumped = 0")
    assert repl.say("boom = 3") == ("boom : Int\n", "")
    assert "import (inc, dec)" in repl.session.text()
    assert repl.say("dec(boom)")[0] == "2 : Int\n"


def test_a_destructuring_keeps_its_other_names(blank):
    blank.say('(p, q) = (1, "a")')
    assert blank.say("p = 5") == ("p : Int\n", "")
    assert blank.say("q")[0] == '"a" : Str\n'
    assert blank.say("p")[0] == "5 : Int\n"


def test_cached_stages_are_not_run_again(repl):
    out, _ = repl.say("inc(41)")
    assert out == "inc ran\n42 : Int\n"
    assert repl.session.last_stats["ran"] == 1
    out, _ = repl.say("inc(41)")
    assert out == "42 : Int\n"
    assert repl.session.last_stats == {"ran": 0, "cached": 1, "failed": 0}


def test_a_failing_stage_is_reported_and_the_session_goes_on(repl):
    out, err = repl.say("boom(1)")
    assert out == ""
    assert "error: expression boom(1) failed" in err and "ValueError: nope" in err
    assert repl.say("dec(1)")[0] == "0 : Int\n"


def test_type_of_an_expression(repl):
    assert repl.say(":type dec(base) * 1.5") == ("dec(base) * 1.5 : Float\n", "")
    assert repl.say(":t grid")[0] == "grid : Dict[Str, {v: Int, w: Int}]\n"
    out, err = repl.say(":type x =")
    assert out == "" and "E0102" in err


def test_python_of_an_expression_and_of_a_name(repl):
    out, _ = repl.say(":python dec(base)")
    assert f'@program.binding("{HIDDEN}")' in out
    assert 'm.get("base")' in out
    out, _ = repl.say(":python up")
    assert out.startswith('@program.experiment("up"') and 'm.get("bumped")' in out


def test_params_of_the_session_and_of_a_target(repl):
    out, _ = repl.say(":params")
    assert out.startswith("PATH") and "\nbase " in out
    assert not any(line.startswith("__") for line in out.splitlines())
    out, _ = repl.say(":params grid")
    assert "in [1, 2]" in out
    out, err = repl.say(":params gird")
    assert out == "" and "unknown target `gird`" in err and "`grid`" in err


def test_run_a_target(repl):
    out, err = repl.say(":run up")
    assert 'up: {"v": 11, "w": 9}' in out
    assert repl.session.errors == 0
    out, err = repl.say(":run nope")
    assert "unknown target `nope`" in err and repl.session.errors == 1


def test_load_and_reload(project, blank):
    blank.say("x = 1")
    assert blank.say(f":load {project / 'main.ib'}") == ("", "")
    assert "x = 1" not in blank.session.text() and "base = 10" in blank.session.text()
    blank.say("extra = base + 1")
    (project / "main.ib").write_text((project / "main.ib").read_text().replace("10", "20"))
    assert blank.say(":reload") == ("extra : Int\n", "")
    assert blank.say("extra")[0] == "21 : Int\n"


def test_load_of_a_file_with_errors_reports_them(project, blank):
    (project / "bad.ib").write_text('x = 1 + "a"\n')
    _, err = blank.say(f":load {project / 'bad.ib'}")
    assert "E0412" in err and "bad.ib:1:5" in err and "not loaded" in err
    (project / "bad.ib").write_text("x = 1\n")
    assert blank.say(":reload") == ("", "")
    assert blank.say("x")[0] == "1 : Int\n"


def test_commands_help_source_quit_and_unknown(blank):
    assert ":params" in blank.say(":help")[0]
    blank.say("x = 1")
    assert blank.say(":source")[0] == "x = 1\n"
    _, err = blank.say(":prams")
    assert "unknown command `:prams`" in err and "`:params`" in err
    assert blank.session.handle(":quit") is False


def test_completions_hold_names_keywords_commands_and_paths(repl):
    words = repl.session.completions()
    for word in ("base", "inc", "up", "up.v", "experiment", ":params", "fit", "Array"):
        assert word in words
    assert not any(w.startswith("__") for w in words)


def test_python_of_a_sweep_shows_its_registration(repl):
    out, _ = repl.say(":py grid")
    assert out.startswith("def grid(m):") and 'program.sweep(\n    "grid",' in out
    assert out.rstrip().endswith(")")


def test_a_sweep_is_a_dict_of_its_points(repl):
    out, _ = repl.say("grid")
    assert out.endswith(
        '{"grid[base=1]": {v = 2, w = 0}, "grid[base=2]": {v = 3, w = 1}}'
        " : Dict[Str, {v: Int, w: Int}]\n"
    )
