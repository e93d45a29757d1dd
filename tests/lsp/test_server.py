"""The language server driven over stdio as an editor drives it (one server for the module)."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from tests.lsp.lspclient import Client

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lsp") / "project"
    shutil.copytree(HERE / "project", root)
    return root


@pytest.fixture(scope="module")
def client(project):
    c = Client(project)
    c.capabilities = c.initialize(project)["capabilities"]
    main = project / "main.ib"
    c.open(main, main.read_text())
    c.diagnostics(main.as_uri())
    yield c
    c.kill()


_VERSIONS = itertools.count(2)


@pytest.fixture(autouse=True)
def _main_as_on_disk(client, project):
    """Some tests edit `main.ib` in the server: each test starts from the text on disk, in
    whatever order the tests run."""
    main = project / "main.ib"
    client.change(main, main.read_text(), next(_VERSIONS))


def _pos(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    offset = text.index(needle) + delta
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def test_initialize_announces_the_features(client):
    caps = client.capabilities
    for name in (
        "hoverProvider",
        "definitionProvider",
        "completionProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
        "codeActionProvider",
        "renameProvider",
        "referencesProvider",
        "signatureHelpProvider",
    ):
        assert caps.get(name), name
    assert caps["textDocumentSync"]["openClose"] is True
    assert caps["renameProvider"]["prepareProvider"] is True
    assert caps["signatureHelpProvider"]["triggerCharacters"] == ["(", ","]
    assert caps["codeActionProvider"]["codeActionKinds"] == ["quickfix"]


def test_clean_file_publishes_no_diagnostics(client, project):
    notes = [
        n["params"]
        for n in client.notifications
        if n["method"] == "textDocument/publishDiagnostics"
        and n["params"]["uri"] == (project / "main.ib").as_uri()
    ]
    assert notes and notes[0]["diagnostics"] == []


def test_open_and_change_publish_errors(client, project):
    bad = project / "bad.ib"
    text = "x = 1\ny = undefined_thing + x\n"
    bad.write_text(text)
    since = len(client.notifications)
    client.open(bad, text)
    diags = client.diagnostics(bad.as_uri(), since=since)["diagnostics"]
    assert [d["code"] for d in diags] == ["E0201"]
    assert diags[0]["range"]["start"] == {"line": 1, "character": 4}
    assert diags[0]["range"]["end"] == {"line": 1, "character": 19}
    assert diags[0]["severity"] == 1
    since = len(client.notifications)
    client.change(bad, "x = 1\ny = x + 1\n", 2)
    fixed = client.diagnostics(bad.as_uri(), since=since)
    assert fixed["diagnostics"] == [] and fixed["version"] == 2
    since = len(client.notifications)
    client.change(bad, "x = 1\ny = x +\n", 3)
    broken = client.diagnostics(bad.as_uri(), since=since)["diagnostics"]
    assert broken and broken[0]["code"].startswith("E01")  # a syntax error


def test_hover_gives_the_type_and_the_parameter(client, project):
    main = project / "main.ib"
    text = main.read_text()
    hover = client.at("textDocument/hover", main, *_pos(text, "alpha = 2.0"))
    value = hover["contents"]["value"]
    assert "alpha: Float" in value
    assert "parameter `model.alpha` = `2.0`" in value
    hover = client.at("textDocument/hover", main, *_pos(text, "size = common", 1))
    assert "size: Int" in hover["contents"]["value"]
    assert hover["range"]["start"] == {"line": 3, "character": 0}


def test_definition_in_an_ib_module(client, project):
    main = project / "main.ib"
    text = main.read_text()
    found = client.at("textDocument/definition", main, *_pos(text, "double(5)", 2))
    assert found["uri"] == (project / "common.ib").as_uri()
    assert found["range"]["start"] == {"line": 0, "character": 4}
    found = client.at("textDocument/definition", main, *_pos(text, "evaluate(model)", 1))
    assert found["uri"] == main.as_uri() and found["range"]["start"]["line"] == 7


def test_definition_in_python_source(client, project):
    main = project / "main.ib"
    text = main.read_text()
    found = client.at("textDocument/definition", main, *_pos(text, "Model(alpha", 2))
    helpers = project / "src" / "helpers.py"
    assert found["uri"] == helpers.as_uri()
    line = helpers.read_text().splitlines()[found["range"]["start"]["line"]]
    assert line.startswith("class Model")


def _labels(result) -> list[str]:
    return [item["label"] for item in result["items"]]


def test_completion_of_names_and_keywords(client, project):
    path = project / "complete.ib"
    text = 'from "src/helpers.py" import make_data, Model\nsize = 3\nexperiment e = si'
    client.open(path, text)
    client.diagnostics(path.as_uri())
    labels = _labels(client.at("textDocument/completion", path, 2, len("experiment e = si")))
    assert "size" in labels and "make_data" in labels and "with" in labels


def test_completion_of_keyword_arguments(client, project):
    main = project / "main.ib"
    text = main.read_text() + "other = Model(alpha = 1.0, "
    line = text.count("\n")
    client.change(main, text, next(_VERSIONS))
    result = client.at("textDocument/completion", main, line, len("other = Model(alpha = 1.0, "))
    labels = _labels(result)
    assert "iterations =" in labels and "alpha =" not in labels
    item = next(i for i in result["items"] if i["label"] == "iterations =")
    assert item["textEdit"]["newText"] == "iterations = "


def test_completion_of_parameter_paths_in_with(client, project):
    main = project / "main.ib"
    prefix = "experiment third = base with { model.it"
    text = (project / "main.ib").read_text() + prefix
    client.change(main, text, next(_VERSIONS))
    result = client.at("textDocument/completion", main, text.count("\n"), len(prefix))
    labels = _labels(result)
    assert labels == ["model.iterations"]
    edit = result["items"][0]["textEdit"]
    assert edit["range"]["start"]["character"] == len(prefix) - len("model.it")


def test_document_symbols(client, project):
    main = project / "main.ib"
    client.change(main, main.read_text(), next(_VERSIONS))
    symbols = client.request(
        "textDocument/documentSymbol", {"textDocument": {"uri": main.as_uri()}}
    )
    kinds = {s["name"]: s["kind"] for s in symbols}
    assert kinds["common"] == 2  # Module
    assert kinds["Model"] == 5  # Class
    assert kinds["evaluate"] == 12  # Function
    assert kinds["size"] == 13  # Variable
    assert kinds["base"] == kinds["strong"] == 24  # Event


def test_formatting(client, project):
    main = project / "main.ib"
    messy = main.read_text().replace("size = common.double(5)", "size   =   common.double( 5 )")
    client.change(main, messy, next(_VERSIONS))
    edits = client.request(
        "textDocument/formatting",
        {"textDocument": {"uri": main.as_uri()}, "options": {"tabSize": 4, "insertSpaces": True}},
    )
    try:
        from ibc.syntax.format import format_source
    except ImportError:
        assert edits == []
        return
    expected = format_source(messy)
    expected = expected[0] if isinstance(expected, tuple) else expected
    assert len(edits) == 1 and edits[0]["newText"] == expected
    assert edits[0]["range"]["start"] == {"line": 0, "character": 0}


def test_shutdown_and_exit(project):
    c = Client(project)
    c.initialize(project)
    assert c.close() == 0


def _signature(client, project, typed: str):
    main = project / "main.ib"
    text = main.read_text() + typed
    client.change(main, text, next(_VERSIONS))
    return client.at(
        "textDocument/signatureHelp", main, text.count("\n"), len(typed.split("\n")[-1])
    )


def test_signature_help_of_python_functions_defs_and_fns(client, project):
    found = _signature(client, project, "other = make_data(3, ")
    (signature,) = found["signatures"]
    assert signature["label"] == "make_data(n: Int, noise: Float = 0.1) -> List[Float]"
    start, end = signature["parameters"][found["activeParameter"]]["label"]
    assert signature["label"][start:end] == "noise: Float = 0.1"
    # a keyword argument names its parameter; after one, the next not given
    found = _signature(client, project, "other = Model(iterations = 3")
    assert found["signatures"][0]["label"].startswith("Model(alpha: Float = 1.0, *, iterations")
    assert found["activeParameter"] == 1
    assert _signature(client, project, "other = Model(alpha = 1.0, ")["activeParameter"] == 1
    # a `def` of the file, one of an imported module, and a `fn` bound to a name
    found = _signature(client, project, "other = evaluate(")
    assert found["signatures"][0]["label"] == "evaluate(m: Model) -> Float"
    assert found["activeParameter"] == 0
    found = _signature(client, project, "other = common.double(size * (1 + 2), ")
    assert found["signatures"][0]["label"].startswith("double(")
    assert found["activeParameter"] is None  # `double` takes one argument
    # (the signature comes from the last check that type-checked: `add` has been checked)
    main = project / "main.ib"
    version = next(_VERSIONS)
    client.change(main, main.read_text() + "add = fn(a: Int, b: Int) => a + b\n", version)
    client.diagnostics(main.as_uri(), version=version)
    found = _signature(client, project, "add = fn(a: Int, b: Int) => a + b\nother = add(1, ")
    assert found["signatures"][0]["label"] == "add(a: Int, b: Int) -> Int"
    assert found["activeParameter"] == 1


def test_signature_help_of_methods_of_a_known_receiver(client, project):
    # `model` is a `Model` of src/helpers.py: its method, `self` left out
    found = _signature(client, project, "other = model.predict(")
    (signature,) = found["signatures"]
    assert signature["label"] == "predict(data: List[Float], *, clip: Bool = False) -> List[Float]"
    start, end = signature["parameters"][found["activeParameter"]]["label"]
    assert signature["label"][start:end] == "data: List[Float]"
    found = _signature(client, project, "other = model.predict(data, clip = ")
    start, end = found["signatures"][0]["parameters"][found["activeParameter"]]["label"]
    assert found["signatures"][0]["label"][start:end] == "clip: Bool = False"
    # a parameter of the `def` around the cursor, typed by the last check that type-checked
    main = project / "main.ib"
    text = main.read_text() + "def f(m: Model) -> List[Float]:\n    return m.predict(data)\n"
    version = next(_VERSIONS)
    client.change(main, text, version)
    client.diagnostics(main.as_uri(), version=version)
    found = client.at("textDocument/signatureHelp", main, *_pos(text, "m.predict(", 10))
    assert found["signatures"][0]["label"].startswith("predict(data: List[Float]")
    assert found["activeParameter"] == 0
    # no such method, or a receiver with no class: no signature
    assert _signature(client, project, "other = model.nothing(") is None
    assert _signature(client, project, "other = size.predict(") is None


def test_no_signature_outside_a_call(client, project):
    assert _signature(client, project, "other = (1, ") is None
    assert _signature(client, project, "other = size") is None
