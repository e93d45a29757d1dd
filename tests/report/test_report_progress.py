"""Progress displays: plain lines, the choice of display, and the rich live display."""

import contextlib
import io
import os
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
    with terminal_stream() as tty:
        for plain in ("plain", "0", "off"):
            monkeypatch.setenv("IBC_PROGRESS", plain)
            assert type(make_progress(tty)) is PlainProgress


def test_make_progress_choices(monkeypatch):
    monkeypatch.delenv("IBC_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert type(make_progress(io.StringIO(), quiet=True)) is Progress
    assert type(make_progress(io.StringIO())) is PlainProgress

    class Tty(io.StringIO):  # says it is a terminal, but has no descriptor: not one
        def isatty(self):
            return True

    assert type(make_progress(Tty())) is PlainProgress
    with terminal_stream() as tty:
        assert type(make_progress(tty, force_plain=True)) is PlainProgress
        rich = make_progress(tty)
        assert type(rich) is RichProgress
        rich.close()
        monkeypatch.setenv("TERM", "dumb")  # a terminal that cannot move its cursor
        assert type(make_progress(tty)) is PlainProgress


def test_an_unknown_ibc_progress_is_warned_about(monkeypatch):
    monkeypatch.setenv("IBC_PROGRESS", "fancy")
    out = io.StringIO()
    assert type(make_progress(out)) is PlainProgress
    assert out.getvalue() == (
        "warning: IBC_PROGRESS=fancy is not one of auto, rich, plain (or 0), none; auto is used\n"
    )


def test_without_rich_a_terminal_gets_plain_lines(monkeypatch):
    monkeypatch.setitem(sys.modules, "ibc.runtime.live", None)  # `import` raises ImportError
    monkeypatch.setenv("TERM", "xterm")
    with terminal_stream() as tty:
        monkeypatch.delenv("IBC_PROGRESS", raising=False)
        assert type(make_progress(tty)) is PlainProgress
        monkeypatch.setenv("IBC_PROGRESS", "rich")
        said = io.StringIO()
        progress = make_progress(_Tee(tty, said))
    assert type(progress) is PlainProgress
    assert "IBC_PROGRESS=rich needs the rich package" in said.getvalue()


class _Tee:
    """A terminal stream whose writes are also kept."""

    def __init__(self, tty, kept):
        self.tty, self.kept = tty, kept

    def isatty(self):
        return True

    def fileno(self):
        return self.tty.fileno()

    def write(self, text):
        self.kept.write(text)
        return len(text)

    def flush(self):
        pass


@contextlib.contextmanager
def terminal_stream():
    """The slave side of a pseudo-terminal, as a text stream (a real terminal)."""
    master, slave = os.openpty()
    stream = open(slave, "w", encoding="utf-8")
    try:
        yield stream
    finally:
        stream.close()
        os.close(master)


def test_format_helpers():
    assert format_seconds(1.2) == "1.20 s"
    assert format_seconds(12.34) == "12.3 s"
    assert format_seconds(95) == "95 s"
    assert summary_line("x", "ok", 1.0, {"ran": 1}) == "x: ok in 1.0 s — 1 ran, 0 cached"
    many = {"shared": 5, "with_": ["a", "b", "c", "d", "e"]}
    assert summary_line("x", "ok", 1.0, many).endswith(", 5 shared with a, b, c and 2 more")
    assert summary_line("x", "ok", None, {"shared": 1}) == "x: ok — 0 ran, 0 cached, 1 shared"


def make_rich(height=40):
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, height=height, color_system=None)
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
    assert "stages: 0 done · 1 cached · 1 running · 0 failed" in shown
    assert "train at a.ib:2:3" in shown
    assert "0/1 targets" in shown


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
    progress.write(terminal, 'grid[C=1]: {"a": [1]}\n')
    progress.write(piped, "grid[C=1]: 2\n")
    progress.close()
    assert terminal.getvalue() == ""  # went through the live display ...
    assert 'grid[C=1]: {"a": [1]}' in out.getvalue()  # ... markup left as it is
    assert piped.getvalue() == "grid[C=1]: 2\n"  # a pipe gets the line directly


def render_lines(progress, width=100, height=40) -> list[str]:
    from rich.console import Console

    capture = io.StringIO()
    Console(file=capture, width=width, height=height, color_system=None).print(progress._render())
    return capture.getvalue().splitlines()


def test_the_live_region_fits_the_terminal_with_the_running_stages_bounded():
    for height, most in ((40, 5), (10, 4), (5, 0)):
        progress, _ = make_rich(height=height)
        progress.start([f"grid[i={i}]" for i in range(20)], groups=["grid"] * 20)
        for i in range(20):
            progress.stage(f"grid[i={i}]", "fit", "a.ib:3:1", "running", node=f"k{i}")
        lines = render_lines(progress, height=height)
        progress.close()
        assert len(lines) <= max(1, height - 3), (height, lines)
        shown = [line for line in lines if "fit at a.ib:3:1" in line]
        assert len(shown) == most, (height, lines)
        if most:
            assert lines[-1].strip() == f"… and {20 - most} more running"
        assert "0/20 targets" in lines[0]


def test_many_targets_collapse_to_a_line_per_sweep():
    progress, out = make_rich(height=10)  # 12 targets do not fit on 10 rows
    names = [f"grid[i={i}]" for i in range(11)] + ["single"]
    progress.start(names, groups=["grid"] * 11 + ["single"])
    for name in names:
        progress.stage(name, "fit", "a.ib:3:1", "running", node=name)
        progress.stage(name, "fit", "a.ib:3:1", "ran", 0.1, node=name)
        progress.experiment(name, "ok", 0.1, {"ran": 1, "cached": 0, "failed": 0})
    progress.close()
    text = out.getvalue()
    assert "]: ok in" not in text and "single: ok" not in text  # no line per target
    assert text.count("grid: 11 points ok in 1.1 s — 11 ran, 0 cached") == 1
    last = text.splitlines()[-1].rsplit("\x1b[2K", 1)[-1]  # after the region is erased
    assert last.startswith("12 targets: 12 ok in ") and last.endswith(" — 12 stages ran, 0 cached")


def test_a_failed_point_is_named_also_when_collapsed():
    progress, out = make_rich(height=5)
    progress.start(["g[i=1]", "g[i=2]", "g[i=3]"], groups=["g"] * 3)
    progress.experiment("g[i=1]", "ok", 0.5, {"ran": 1})
    progress.stage("g[i=2]", "fit", "a.ib:3:1", "failed", 0.25)
    progress.experiment("g[i=2]", "failed", 0.5, {"failed": 1})
    progress.experiment("g[i=3]", "ok", 0.5, {"cached": 1})
    progress.close()
    text = out.getvalue()
    assert "  failed fit at a.ib:3:1 after 0.25 s  (g[i=2])" in text
    assert "g[i=2]: failed in 0.5 s — 0 ran, 0 cached, 1 failed" in text
    assert "g: 2 points ok, 1 failed in 1.5 s — 1 ran, 1 cached, 1 failed" in text
    assert "3 targets: 2 ok, 1 failed in " in text


def test_the_eta_comes_from_the_durations_of_the_same_call_site():
    from ibc.runtime.estimates import Estimates, format_eta
    from ibc.runtime.graph import Node
    from ibc.runtime.values import Ref

    fit = Ref("stages", "fit", fingerprint="f1")
    nodes = [
        Node(f"k{i}", "call", (fit, 1, ()), (), "a.ib:3:1", None, frozenset()) for i in range(4)
    ]
    estimates = Estimates(nodes, root=None, workers=lambda: 2)
    assert estimates.ready.wait(60)  # the plan is made in a thread
    assert estimates.total() == 4
    assert estimates.eta() is None  # nothing known yet
    estimates.event("k0", "fit", "a.ib:3:1", "ran", 2.0)
    assert estimates.eta() == 3.0  # three more of 2 s each, on two workers
    estimates.event("k1", "fit", "a.ib:3:1", "cached", 0.0)
    assert estimates.eta() == 2.0
    assert format_eta(2.0) == "0:02" and format_eta(3725) == "1:02:05" and format_eta(None) == "?"


def test_the_eta_reads_the_durations_of_earlier_runs(tmp_path):
    import json

    from ibc.runtime.estimates import Estimates
    from ibc.runtime.explain import site
    from ibc.runtime.graph import Node
    from ibc.runtime.values import Ref

    runs = tmp_path / "runs"
    runs.mkdir()
    record = {"stage": "fit", "at": "a.ib:3:1", "state": "ran", "seconds": 5.0, "site": "s"}
    (runs / "20260101T000000000000-1.stages.jsonl").write_text(json.dumps(record) + "\n")
    fit = Ref("stages", "fit", fingerprint="f1")
    nodes = [Node(f"k{i}", "call", (fit, 1, ()), (), "a.ib:3:1", None, frozenset()) for i in (1, 2)]
    estimates = Estimates(nodes, root=tmp_path, workers=lambda: 1)
    assert estimates.ready.wait(60)  # the records are read in a thread
    assert estimates.eta() == 10.0  # two stages of that call site, 5 s each last time
    # this very stage (its site) recorded with the same code: expected from the store
    nodes = [Node("k3", "call", (fit, 1, ()), (), "a.ib:3:1", None, frozenset())]
    record.update(site=site(nodes[0], {}), fingerprint="f1")
    (runs / "20260101T000000000000-1.stages.jsonl").write_text(json.dumps(record) + "\n")
    estimates = Estimates(nodes, root=tmp_path, workers=lambda: 1)
    assert estimates.ready.wait(60)
    assert estimates.eta() == 0.0
