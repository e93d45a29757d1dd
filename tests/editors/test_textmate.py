"""The VS Code extension folder `editors/vscode`: the TextMate grammar is valid JSON whose
regexes compile (Python's `re` standing in for Oniguruma: the grammar keeps to their common
syntax) and whose rules all have scope names, with a scope for every token class the Pygments
lexer produces; the manifest and the language configuration agree with it; and, when
`node` and the extension's `node_modules` (`npm ci --prefix editors/vscode`) are there,
`vscode-tmgrammar-test` checks the scope assertions of `editors/vscode/tests/*.ib`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("pygments")
from pygments.token import (  # noqa: E402
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

from ibc.syntax.pygments_lexer import IterbuildLexer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "iterbuild.tmLanguage.json"
TOOL = VSCODE / "node_modules" / ".bin" / "vscode-tmgrammar-test"

# The TextMate scope (without `.iterbuild`) that stands for each Pygments token class.
SCOPES = {
    Comment.Single: "comment.line.number-sign",
    Keyword.Namespace: "keyword.control.import",
    Keyword: "keyword.control",
    Keyword.Declaration: "storage.type.type",
    Keyword.Constant: "constant.language",
    Keyword.Type: "support.type.builtin",
    Keyword.Pseudo: "storage.modifier.impure",
    Operator.Word: "keyword.operator.logical",
    Operator: "keyword.operator.assignment",
    Punctuation: "punctuation.separator.comma",
    Name: "variable.other",
    Name.Class: "entity.name.type",
    Name.Function: "entity.name.function",
    Name.Attribute: "variable.other.member",
    Name.Namespace: "variable.other",
    String.Double: "string.quoted.double",
    String.Single: "string.quoted.single",
    String.Escape: "constant.character.escape",
    Number.Integer: "constant.numeric.integer",
    Number.Float: "constant.numeric.float",
    Number.Hex: "constant.numeric.hex",
    Number.Oct: "constant.numeric.octal",
    Number.Bin: "constant.numeric.binary",
    Error: "invalid.illegal.escape",
}


def grammar() -> dict:
    return json.loads(GRAMMAR.read_text(encoding="utf-8"))


def rules(node: object):
    """Every rule (a dict with `match` or `begin`) anywhere in the grammar."""
    if isinstance(node, dict):
        if "match" in node or "begin" in node:
            yield node
        for value in node.values():
            yield from rules(value)
    elif isinstance(node, list):
        for value in node:
            yield from rules(value)


def scope_names(g: dict) -> set[str]:
    names: set[str] = set()
    for rule in rules(g):
        if "name" in rule:
            names.add(rule["name"])
        for key in ("captures", "beginCaptures", "endCaptures"):
            names.update(c["name"] for c in rule.get(key, {}).values() if "name" in c)
    return names


def test_grammar_header():
    g = grammar()
    assert g["scopeName"] == "source.iterbuild"
    assert g["fileTypes"] == ["ib"]
    assert g["patterns"]


def test_every_regex_compiles():
    count = 0
    for rule in rules(grammar()):
        for key in ("match", "begin", "end"):
            if key in rule:
                re.compile(rule[key])
                count += 1
    assert count > 30


def test_every_rule_has_a_scope_name():
    for rule in rules(grammar()):
        captured = [c for k in ("captures",) for c in rule.get(k, {}).values()]
        assert "name" in rule or (captured and all("name" in c for c in captured)), rule


def test_every_include_resolves():
    g = grammar()
    text = json.dumps(g)
    for ref in re.findall(r'"include": "#([\w-]+)"', text):
        assert ref in g["repository"], ref


def test_a_scope_for_every_token_class_of_the_lexer():
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "stdlib").rglob("*.ib")]
    texts += [p.read_text(encoding="utf-8") for p in (VSCODE / "tests").glob("*.ib")]
    texts.append("x = \"\\d\" + 's' + 0o7 + 0b1 + 0x1 + .5\n")
    produced = {
        t
        for text in texts
        for _, t, v in IterbuildLexer().get_tokens_unprocessed(text)
        if t is not Whitespace
    }
    assert produced - set(SCOPES) == set()
    names = scope_names(grammar())
    for token_class, scope in SCOPES.items():
        assert f"{scope}.iterbuild" in names, (token_class, scope)


def test_keywords_and_builtin_types_have_their_scopes():
    from ibc.syntax.pygments_lexer import (
        BUILTIN_TYPES,
        CONSTANTS,
        KEYWORDS,
        NAMESPACE_KEYWORDS,
        WORD_OPERATORS,
    )

    repository = grammar()["repository"]
    words = [*repository["keywords"]["patterns"], *repository["types"]["patterns"]]

    def scope(word: str) -> str:
        for rule in words:
            if re.fullmatch(rule["match"], word):
                return rule["name"]
        return ""

    assert scope("import") == "keyword.control.import.iterbuild"
    assert scope("return") == "keyword.control.iterbuild"
    assert scope("not") == "keyword.operator.logical.iterbuild"
    assert scope("None") == "constant.language.iterbuild"
    assert scope("Optional") == "support.type.builtin.iterbuild"
    assert scope("Frame") == "entity.name.type.iterbuild"
    assert scope("X") == scope("X_train") == scope("typed") == ""
    for word in NAMESPACE_KEYWORDS + KEYWORDS + WORD_OPERATORS + CONSTANTS + BUILTIN_TYPES:
        assert scope(word), word


def test_manifest_and_language_configuration():
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    contributes = manifest["contributes"]
    (language,) = contributes["languages"]
    assert language["id"] == "iterbuild" and language["extensions"] == [".ib"]
    (entry,) = contributes["grammars"]
    assert entry["scopeName"] == grammar()["scopeName"]
    assert (VSCODE / entry["path"]).resolve() == GRAMMAR
    config = json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    assert config["comments"] == {"lineComment": "#"}
    assert ["(", ")"] in config["brackets"] and ["{", "}"] in config["brackets"]
    props = contributes["configuration"]["properties"]
    assert props["iterbuild.server.command"]["default"] == "ibc"
    assert props["iterbuild.server.args"]["default"] == ["lsp"]
    # the bundle `npm run build` writes (tests/editors/test_vscode_package.py builds it)
    assert manifest["main"] == "./dist/extension.js"
    assert "--outfile=dist/extension.js" in manifest["scripts"]["build"]
    assert manifest["scripts"]["vscode:prepublish"] == "npm run build"
    assert "vscode-languageclient" in manifest["dependencies"]
    assert {"node_modules/", "dist/"} <= set((VSCODE / ".gitignore").read_text().split())


def test_npm_test_runs_the_grammar_assertions():
    """`npm test` in editors/vscode: vscode-tmgrammar-test checks the scope assertions of
    `editors/vscode/tests/*.ib` (skipped only without node and npm)."""
    npm = npm_command()
    tests = sorted((VSCODE / "tests").glob("*.ib"))
    assert tests
    done = subprocess.run(
        [npm, "test", "--silent"], cwd=VSCODE, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for test in tests:  # the tool names each file it checked
        assert test.name in done.stdout, done.stdout


def npm_command() -> str:
    """`npm`, with the extension's node_modules installed; skips only without node or npm."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("node and npm are not installed")
    assert TOOL.exists(), "editors/vscode/node_modules is missing: npm ci --prefix editors/vscode"
    return npm


def test_a_search_tail_has_keyword_scopes():
    rules = grammar()["repository"]["declarations"]["patterns"]
    line = "} maximize scores.f1 trials 40 seed 3"
    for rule in rules:
        found = re.search(rule["match"], line)
        if found:
            break
    else:
        raise AssertionError("no rule matches a search's tail")
    scopes = {found.group(int(k)): v["name"] for k, v in rule["captures"].items()}
    assert scopes["maximize"] == scopes["trials"] == scopes["seed"]
    assert scopes["maximize"].startswith("keyword.control")
    assert scopes["scores.f1"] == "variable.other.member.iterbuild"
    assert re.search(rules[1]["match"], "search tuned = base with {")
    assert not any(re.search(r["match"], "maximize = trials + seed") for r in rules)
