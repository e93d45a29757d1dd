"""The Vim plugin in `editors/vim`: a headless Vim (`vim -Nu NONE -es`) detects `.ib` files,
loads the syntax and the filetype plugin, and gives the expected highlight groups. Skipped
when `vim` is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editors" / "vim"
CANCER = ROOT / "examples" / "cancer" / "cancer.ib"

pytestmark = pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")


def run_vim(path: Path, script: str, tmp_path: Path) -> list[str]:
    """Open `path` in a headless Vim with the plugin on its runtimepath, run `script` (which
    writes lines to the file `g:out`) and return those lines."""
    out = tmp_path / "vim.out"
    probe = tmp_path / "probe.vim"
    probe.write_text(script, encoding="utf-8")
    command = [
        "vim", "-Nu", "NONE", "-i", "NONE", "-es",
        "--cmd", f"set runtimepath^={PLUGIN}",
        "-c", "filetype plugin on",
        "-c", "syntax on",
        "-c", f"let g:out = '{out}'",
        "-c", f"edit {path}",
        "-c", f"source {probe}",
        "-c", "qa!",
    ]  # fmt: skip
    subprocess.run(command, cwd=tmp_path, timeout=30, stdin=subprocess.DEVNULL, check=False)
    assert out.exists(), "vim wrote nothing"
    return out.read_text(encoding="utf-8").splitlines()


def position(text: str, line_fragment: str, word: str) -> tuple[int, int]:
    """1-based (line, column) of `word` in the first line containing `line_fragment`."""
    for number, line in enumerate(text.splitlines(), 1):
        if line_fragment in line:
            return number, line.index(word, line.index(line_fragment)) + 1
    raise AssertionError(f"no line with {line_fragment!r}")


def groups_at(path: Path, places: list[tuple[int, int]], tmp_path: Path) -> list[tuple[str, str]]:
    """(syntax group, final highlight group) at each (line, column)."""
    calls = "\n".join(
        f"call add(lines, synIDattr(synID({l}, {c}, 1), 'name') . ' '"
        f" . synIDattr(synIDtrans(synID({l}, {c}, 1)), 'name'))"
        for l, c in places
    )
    lines = run_vim(path, f"let lines = []\n{calls}\ncall writefile(lines, g:out)\n", tmp_path)
    return [tuple((line + " ").split(" ")[:2]) for line in lines]


# (line fragment, word in it, syntax group, final highlight group)
CANCER_CASES = [
    ("from sklearn.datasets", "from", "iterbuildInclude", "PreProc"),
    ("def prepare", "def", "iterbuildDefine", "Statement"),
    ("def prepare", "prepare", "iterbuildFunction", "Identifier"),
    ("    return X", "return", "iterbuildKeyword", "Statement"),
    ('from "src/features.py"', "src/features.py", "iterbuildString", "Constant"),
    ("# Breast cancer", "Breast", "iterbuildComment", "Comment"),
    ("fitted = fit(", "# the prelude", "iterbuildComment", "Comment"),
    ("test_size = 0.25", "0.25", "iterbuildFloat", "Constant"),
    ("max_iter = 500", "500", "iterbuildNumber", "Constant"),
    ("type Metrics", "type", "iterbuildDeclaration", "Statement"),
    ("type Metrics", "Metrics", "iterbuildTypeName", "Type"),
    ("type Metrics", "Float", "iterbuildBuiltinType", "Type"),
    ("def prepare", "Array", "iterbuildType", "Type"),
    ("experiment baseline", "experiment", "iterbuildDeclaration", "Statement"),
    ("experiment baseline", "baseline", "iterbuildFunction", "Identifier"),
    ("return_X_y = True", "True", "iterbuildConstant", "Constant"),
    ("return X |>", "|>", "iterbuildOperator", "Statement"),
]


def test_highlight_groups_of_an_example(tmp_path: Path):
    text = CANCER.read_text(encoding="utf-8")
    places = [position(text, fragment, word) for fragment, word, _, _ in CANCER_CASES]
    got = groups_at(CANCER, places, tmp_path)
    expected = [(group, final) for _, _, group, final in CANCER_CASES]
    assert got == expected


SNIPPET = """\
from "src/clock.py" import now (impure) : () -> Float
x = f(type = "a\\tb\\d", X_train = 0x1f)
y = model.type
"""


def test_soft_keywords_escapes_and_impure(tmp_path: Path):
    path = tmp_path / "snippet.ib"
    path.write_text(SNIPPET, encoding="utf-8")
    cases = [
        (("import now", "impure"), "iterbuildImpure"),
        (("x = f(", "type"), ""),  # `type` as a keyword argument is a plain name
        (("x = f(", "\\t"), "iterbuildEscape"),
        (("x = f(", "\\d"), "iterbuildEscapeError"),
        (("x = f(", "X_train"), ""),  # X_train is a value, not a type
        (("x = f(", "0x1f"), "iterbuildNumber"),
        (("y = model", "type"), ""),  # model.type
    ]
    places = [position(SNIPPET, fragment, word) for (fragment, word), _ in cases]
    got = groups_at(path, places, tmp_path)
    assert [group for group, _ in got] == [group for _, group in cases]


def test_filetype_plugin_settings(tmp_path: Path):
    script = (
        "call writefile([&filetype, &commentstring, &comments, string(&expandtab),"
        " &shiftwidth, &l:makeprg], g:out)\n"
    )
    lines = run_vim(CANCER, script, tmp_path)
    assert lines[:5] == ["iterbuild", "# %s", ":#", "1", "4"]
    assert lines[5].startswith("ibc check ")


def test_errorformat_reads_ibc_check_output(tmp_path: Path):
    report = tmp_path / "report.txt"
    report.write_text(
        "error[E0201]: unknown name `y`\n"
        " --> main.ib:3:5\n"
        "  |\n"
        "3 | x = y + 1\n"
        "  |     ^\n"
        "  = hint: did you mean `x`?\n"
        "\n"
        "warning[W0301]: untyped\n"
        " --> lib/m.ib:7:1\n"
        "\n"
        "1 error\n",
        encoding="utf-8",
    )
    script = (
        f"cgetfile {report}\n"
        "call writefile(map(getqflist(), {_, e -> bufname(e.bufnr) . ':' . e.lnum . ':'"
        " . e.col . ':' . e.type . ':' . e.text}), g:out)\n"
    )
    lines = run_vim(CANCER, script, tmp_path)
    assert len(lines) == 2, lines
    assert lines[0].startswith("main.ib:3:5:E:unknown name `y`")
    assert "did you mean `x`?" in lines[0]
    assert lines[1].startswith("lib/m.ib:7:1:W:untyped")


SEARCH = """\
search tuned = base with { model.C in log_uniform(0.001, 1.0) } maximize scores.f1 trials 40 seed 3
maximize = trials + seed
"""


def test_search_words(tmp_path: Path):
    path = tmp_path / "search.ib"
    path.write_text(SEARCH, encoding="utf-8")
    cases = [
        (("search tuned", "search"), "iterbuildDeclaration"),
        (("search tuned", "tuned"), "iterbuildFunction"),
        (("} maximize", "maximize"), "iterbuildSearchWord"),
        (("} maximize", "scores"), ""),
        (("} maximize", "trials"), "iterbuildSearchWord"),
        (("} maximize", "seed"), "iterbuildSearchWord"),
        (("maximize = ", "maximize"), ""),  # names outside a search's tail
        (("maximize = ", "trials"), ""),
        (("maximize = ", "seed"), ""),
    ]
    places = [position(SEARCH, fragment, word) for (fragment, word), _ in cases]
    got = groups_at(path, places, tmp_path)
    assert [group for group, _ in got] == [group for _, group in cases]
