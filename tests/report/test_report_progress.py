"""Progress displays: plain lines, the choice of display, and the rich live display."""

import io
import subprocess
import sys
import threading

from ibc.runtime.progress import (
    PlainProgress,
    Progress,
    RichProgress,
    format_seconds,
    make_progress,
    summary_line,
)


def run_events(progress: Progress) -> None:
    progress.start(["baseline"])
    progress.stage("baseline", "load", "cancer.ib:5:9", "running")
    progress.stage("baseline", "load", "cancer.ib:5:9", "cached")
    progress.stage("baseline", "train", "cancer.ib:12:5", "running")
    progress.stage("baseline", "train", "cancer.ib:12:5", "ran", 1.2)
    progress.stage("baseline", "score", None, "ran", 0.5)
    progress.experiment("baseline", "ok", 2.1, {"ran": 2, "cached": 1, "failed": 0})
    progress.close()


def test_plain_lines_for_ran_stages_and_experiment():
    out = io.StringIO()
    run_events(PlainProgress(out))
    assert out.getvalue().splitlines() == [
        "  ran    train at cancer.ib:12:5  1.20 s",
        "  ran    score  0.50 s",
        "baseline: ok in 2.1 s — 2 ran, 1 cached",
    ]


def test_plain_failed_stage_and_experiment_with_several_experiments():
    out = io.StringIO()
    progress = PlainProgress(out)
    progress.start(["grid[C=1]", "grid[C=2]"])
    progress.stage("grid[C=2]", "fit", "a.ib:3:1", "failed", 0.25)
    progress.experiment("grid[C=2]", "failed", 0.3, {"ran": 0, "cached": 1, "failed": 1})
    lines = out.getvalue().splitlines()
    assert lines[0] == "  failed fit at a.ib:3:1  0.25 s  (grid[C=2])"
    assert lines[1] == "grid[C=2]: failed in 0.3 s — 0 ran, 1 cached, 1 failed"


def test_plain_is_thread_safe_one_line_per_event():
    out = io.StringIO()
    progress = PlainProgress(out)
    progress.start(["e"])

    def work(n):
        for i in range(200):
            progress.stage("e", f"s{n}", None, "ran", 0.0)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 800
    assert all(line.startswith("  ran    s") for line in lines)


def test_base_progress_prints_nothing(capsys):
    run_events(Progress())
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_ibc_progress_chooses_the_display(monkeypatch):
    monkeypatch.setenv("IBC_PROGRESS", "none")
    assert type(make_progress(io.StringIO())) is Progress
    monkeypatch.setenv("IBC_PROGRESS", "plain")

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert type(make_progress(Tty())) is PlainProgress


def test_make_progress_choices(monkeypatch):
    monkeypatch.delenv("IBC_PROGRESS", raising=False)
    assert type(make_progress(io.StringIO(), quiet=True)) is Progress
    assert type(make_progress(io.StringIO())) is PlainProgress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert type(make_progress(Tty(), force_plain=True)) is PlainProgress
    rich = make_progress(Tty())
    assert type(rich) is RichProgress
    rich.close()


def test_format_helpers():
    assert format_seconds(1.2) == "1.20 s"
    assert format_seconds(12.34) == "12.3 s"
    assert format_seconds(95) == "95 s"
    assert summary_line("x", "ok", 1.0, {"ran": 1}) == "x: ok in 1.0 s — 1 ran, 0 cached"


def make_rich():
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    return RichProgress(console=console), out


def test_rich_progress_ends_with_summaries():
    progress, out = make_rich()
    progress.start(["grid[C=1]", "grid[C=2]"])
    progress.stage("grid[C=1]", "fit", "a.ib:3:1", "running")
    progress.stage(None, "load", "a.ib:1:1", "cached")
    progress.stage("grid[C=1]", "fit", "a.ib:3:1", "ran", 1.0)
    progress.stage("grid[C=2]", "fit", "a.ib:3:1", "running")
    progress.stage("grid[C=2]", "fit", "a.ib:3:1", "failed", 0.5)
    progress.experiment("grid[C=1]", "ok", 1.1, {"ran": 1, "cached": 1, "failed": 0})
    progress.experiment("grid[C=2]", "failed", 0.6, {"ran": 0, "cached": 1, "failed": 1})
    progress.close()
    progress.close()  # closing twice is harmless
    text = out.getvalue()
    assert "grid[C=1]: ok in 1.1 s — 1 ran, 1 cached" in text
    assert "grid[C=2]: failed in 0.6 s — 0 ran, 1 cached, 1 failed" in text
    assert "failed fit at a.ib:3:1" in text


def test_rich_render_shows_counts_and_running_stages():
    progress, _ = make_rich()
    progress.start(["exp"])
    progress.stage("exp", "train", "a.ib:2:3", "running")
    progress.stage("exp", "load", None, "cached")
    from rich.console import Console

    capture = io.StringIO()
    Console(file=capture, width=100, color_system=None).print(progress._render())
    progress.close()
    shown = capture.getvalue()
    assert "0 done · 1 cached · 1 running · 0 failed" in shown
    assert "train at a.ib:2:3" in shown


def test_rich_close_summarises_unfinished_experiments():
    progress, out = make_rich()
    progress.start(["a"])
    progress.stage("a", "s", None, "ran", 0.1)
    progress.close()
    assert "a: unfinished — 1 ran, 0 cached" in out.getvalue()


def test_progress_module_does_not_import_rich():
    code = "import sys, ibc.runtime.progress; print('rich' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "False", result.stderr


def test_rich_progress_prints_results_on_the_same_terminal_through_the_display():
    progress, out = make_rich()

    class Tty(io.StringIO):
        def isatty(self):
            return True

    terminal, piped = Tty(), io.StringIO()
    progress.start(["grid[C=1]"])
    progress.write(terminal, "grid[C=1]: {\"a\": [1]}\n")
    progress.write(piped, "grid[C=1]: 2\n")
    progress.close()
    assert terminal.getvalue() == ""  # went through the live display ...
    assert 'grid[C=1]: {"a": [1]}' in out.getvalue()  # ... markup left as it is
    assert piped.getvalue() == "grid[C=1]: 2\n"  # a pipe gets the line directly
