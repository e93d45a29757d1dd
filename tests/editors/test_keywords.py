"""Every keyword of the language is a keyword in both editors, so that the grammar, the Vim
syntax and the language cannot drift apart.

The words come from the compiler: the word terminals `%declare`d by the Lark grammar
(`grammar/iterbuild.lark`), spelled by the lexer's tables (`ibc/syntax/lexical.py`), plus
`impure` (a name with a meaning in `NAME (impure)` only). `every_keyword.ib` uses each of
them where it is a keyword, which the compiler's own lexer confirms; then the TextMate grammar
(tokenized by vscode-textmate and Oniguruma, as VS Code does) and a headless Vim must give
each occurrence a keyword scope or group."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ibc.base.spans import Source
from ibc.syntax import lexical
from ibc.syntax.lexical import Lexer
from ibc.syntax.parser import parse_module

ROOT = Path(__file__).resolve().parents[2]
LARK = ROOT / "grammar" / "iterbuild.lark"
SAMPLE = Path(__file__).with_name("every_keyword.ib")
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "iterbuild.tmLanguage.json"
VIM_SYNTAX = ROOT / "editors" / "vim" / "syntax" / "iterbuild.vim"
SCOPES_JS = VSCODE / "scripts" / "scopes.js"

# TextMate scopes and Vim syntax groups that mark a keyword.
KEYWORD_SCOPES = ("keyword.", "storage.", "constant.language.")
VIM_GROUPS = {
    "iterbuildInclude",
    "iterbuildKeyword",
    "iterbuildDefine",
    "iterbuildLambda",
    "iterbuildOperatorWord",
    "iterbuildConstant",
    "iterbuildDeclaration",
    "iterbuildSearchWord",
    "iterbuildImpure",
}


def declared_word_terminals() -> set[str]:
    """The terminals the Lark grammar declares that are words (not punctuation, not the
    NAME/NUMBER/STRING classes, not the layout tokens)."""
    text = LARK.read_text(encoding="utf-8")
    declared = {t for line in re.findall(r"^%declare (.*)$", text, re.M) for t in line.split()}
    classes = {"NAME", "NUMBER", "STRING"}
    return {
        t
        for t in declared
        if not t.startswith("_") and t not in classes and t not in lexical.PUNCTUATION.values()
    }


def language_words() -> dict[str, str]:
    """Every keyword of the language: spelling -> terminal (`NAME` for `impure`)."""
    tables = {**lexical.KEYWORDS, **lexical.SOFT_KEYWORDS, **lexical.SEARCH_WORDS}
    return {**tables, lexical.IMPURE: "NAME"}


def keyword_places() -> list[tuple[int, int, str]]:
    """(0-based line, 0-based column, word) of each keyword in the sample, as the compiler's
    lexer reads it: a token of a keyword's terminal, or `impure` between brackets."""
    source = Source(str(SAMPLE), SAMPLE.read_text(encoding="utf-8"))
    tokens = list(Lexer(source).lex())
    words = language_words()
    places = []
    for i, token in enumerate(tokens):
        word = str(token)
        if word not in words:
            continue
        if token.type == "NAME":
            around = (tokens[i - 1].type, tokens[i + 1].type)
            if word != lexical.IMPURE or around != ("LPAR", "RPAR"):
                continue
        elif token.type != words[word]:
            continue
        places.append((token.line - 1, token.column - 1, word))
    return places


def test_the_lexer_tables_spell_every_declared_word_terminal():
    tables = {**lexical.KEYWORDS, **lexical.SOFT_KEYWORDS, **lexical.SEARCH_WORDS}
    assert set(tables.values()) == declared_word_terminals()
    assert len(tables) == len(set(tables.values()))  # one spelling each


def test_the_sample_is_valid_and_uses_every_word():
    module, diagnostics = parse_module(Source(str(SAMPLE), SAMPLE.read_text(encoding="utf-8")))
    assert module is not None and not [d for d in diagnostics if d.is_error()], diagnostics
    assert {word for _, _, word in keyword_places()} == set(language_words())


def test_the_editor_files_name_every_word():
    """Without the tools: each word is spelled in the TextMate grammar's rules and in the Vim
    syntax file (the highlighting itself is checked below with the real tools)."""
    grammar_rules = " ".join(
        rule.get("match", "") + rule.get("begin", "")
        for rule in _rules(json.loads(GRAMMAR.read_text(encoding="utf-8")))
    )
    grammar_rules = grammar_rules.replace("\\b", " ")  # `\bfn`: a word boundary, then fn
    vim = VIM_SYNTAX.read_text(encoding="utf-8")
    for word in language_words():
        assert re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", grammar_rules), word
        assert re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", vim), word


def _rules(node: object):
    if isinstance(node, dict):
        if "match" in node or "begin" in node:
            yield node
        for value in node.values():
            yield from _rules(value)
    elif isinstance(node, list):
        for value in node:
            yield from _rules(value)


def test_textmate_scopes_of_every_keyword():
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (VSCODE / "node_modules" / "vscode-textmate").is_dir():
        pytest.skip("editors/vscode/node_modules is not installed (npm ci --prefix editors/vscode)")
    done = subprocess.run(
        ["node", str(SCOPES_JS), str(SAMPLE)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    tokens = json.loads(done.stdout)[str(SAMPLE)]
    scopes = {(line, start): (text, names) for line, start, _, text, names in tokens}
    for line, column, word in keyword_places():
        assert (line, column) in scopes, f"{word} at {line + 1}:{column + 1} is not a token"
        text, names = scopes[(line, column)]
        assert text == word, (word, text)
        assert any(n.startswith(KEYWORD_SCOPES) for n in names), (word, line + 1, names)


def test_vim_groups_of_every_keyword(tmp_path: Path):
    if shutil.which("vim") is None:
        pytest.skip("vim is not installed")
    places = keyword_places()
    out = tmp_path / "groups.out"
    calls = "\n".join(
        f"call add(lines, synIDattr(synID({line + 1}, {column + 1}, 1), 'name'))"
        for line, column, _ in places
    )
    probe = tmp_path / "probe.vim"
    probe.write_text(f"let lines = []\n{calls}\ncall writefile(lines, '{out}')\n")
    command = [
        "vim", "-Nu", "NONE", "-i", "NONE", "-es",
        "--cmd", f"set runtimepath^={ROOT / 'editors' / 'vim'}",
        "-c", "filetype plugin on", "-c", "syntax on",
        "-c", f"edit {SAMPLE}", "-c", f"source {probe}", "-c", "qa!",
    ]  # fmt: skip
    subprocess.run(command, cwd=tmp_path, timeout=30, stdin=subprocess.DEVNULL, check=False)
    groups = out.read_text(encoding="utf-8").splitlines()
    assert len(groups) == len(places)
    wrong = [(w, l + 1, g) for (l, _, w), g in zip(places, groups) if g not in VIM_GROUPS]
    assert wrong == []
