// The Iterbuild extension: starts the language server `ibc lsp` (stdio) for .ib files.
//
// Highlighting, brackets and comments come from package.json's contributions alone; this
// file only runs the client of vscode-languageclient. The command and its arguments are the
// settings `iterbuild.server.command` (default "ibc") and `iterbuild.server.args` (default
// ["lsp"]); `iterbuild.server.enabled: false` keeps highlighting only. Changing a setting
// restarts the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client = undefined;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("iterbuild");
  const command = config.get("server.command", "ibc");
  const args = config.get("server.args", ["lsp"]);
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const options = folder ? { cwd: folder.uri.fsPath } : {};
  return { command, args, transport: TransportKind.stdio, options };
}

async function start(context) {
  const config = vscode.workspace.getConfiguration("iterbuild");
  if (!config.get("server.enabled", true)) {
    return;
  }
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "iterbuild" },
      { scheme: "untitled", language: "iterbuild" },
    ],
    // No `synchronize.fileEvents`: the server registers its own watcher of Python and .ib
    // files when the client supports dynamic registration, as VS Code does (docs/editors.md,
    // "Python files changed on disk"); a second, static watcher made each write reported twice.
  };
  client = new LanguageClient("iterbuild", "Iterbuild", serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (err) {
    const command = config.get("server.command", "ibc");
    vscode.window.showErrorMessage(
      `Iterbuild: could not start the language server \`${command} lsp\` (${err}). ` +
        "Install iterbuild in the environment VS Code uses, or set iterbuild.server.command."
    );
    client = undefined;
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("iterbuild.server")) {
        await stop();
        await start(context);
      }
    }),
    vscode.commands.registerCommand("iterbuild.restartServer", async () => {
      await stop();
      await start(context);
    })
  );
  await start(context);
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
