"""The VS Code extension packs as it is published: `vsce package` (the @vscode/vsce of the
extension's devDependencies) bundles `extension.js` with esbuild (`vscode:prepublish`) and
builds a `.vsix` without any warning, holding only the bundle, the grammar, the language
configuration, the README, the LICENSE and the manifest. Skipped only without node and npm."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "editors" / "vscode"
VSCE = VSCODE / "node_modules" / ".bin" / "vsce"

PACKED = {
    "extension/package.json",
    "extension/dist/extension.js",
    "extension/syntaxes/iterbuild.tmLanguage.json",
    "extension/language-configuration.json",
    "extension/readme.md",
    "extension/LICENSE.txt",
}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> tuple[Path, str]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed")
    assert VSCE.exists(), "editors/vscode/node_modules is missing: npm ci --prefix editors/vscode"
    out = tmp_path_factory.mktemp("vsix") / "iterbuild.vsix"
    done = subprocess.run(
        [str(VSCE), "package", "--out", str(out)],
        cwd=VSCODE,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return out, output


def test_vsce_package_gives_no_warning(packaged):
    _, output = packaged
    assert "WARNING" not in output.upper(), output
    assert "DONE" in output


def test_the_vsix_holds_only_what_the_extension_reads(packaged):
    vsix, _ = packaged
    with zipfile.ZipFile(vsix) as archive:
        names = {n for n in archive.namelist() if n.startswith("extension/")}
        manifest = json.loads(archive.read("extension/package.json"))
    assert names == PACKED
    assert manifest["main"] == "./dist/extension.js"
    assert manifest["repository"]["url"].startswith("https://")
    assert manifest["license"] == _project_licence()
    assert vsix.stat().st_size < 500_000  # the bundle, not node_modules


def test_the_bundle_needs_only_vscode_and_node(packaged):
    """esbuild inlined vscode-languageclient: the bundle requires `vscode` (given by the
    editor) and Node's own modules, nothing from node_modules."""
    bundle = (VSCODE / "dist" / "extension.js").read_text(encoding="utf-8")
    required = set(re.findall(r"""require\(["']([^"']+)["']\)""", bundle))
    builtins = subprocess.run(
        ["node", "-p", "JSON.stringify(require('module').builtinModules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    node_modules = set(json.loads(builtins.stdout))
    outside = {r for r in required if r != "vscode" and r.removeprefix("node:") not in node_modules}
    assert "vscode" in required and outside == set()


def _project_licence() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^license = "([^"]+)"', text, re.M)
    assert found
    return found.group(1)


def test_the_licence_is_the_project_s():
    text = (VSCODE / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith(f"{_project_licence()} License")


def test_the_client_leaves_file_watching_to_the_server():
    """The server registers its own watcher of Python and `.ib` files (tests/lsp/test_watch.py);
    a static `synchronize.fileEvents` watcher of the client would report each write again."""
    source = (VSCODE / "extension.js").read_text(encoding="utf-8")
    code = "\n".join(line.split("//")[0] for line in source.splitlines())
    assert "fileEvents" not in code and "createFileSystemWatcher" not in code
