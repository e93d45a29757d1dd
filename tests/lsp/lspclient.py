"""The tests' and the benchmark's editor: pygls's own `LanguageClient` starting `python -m
ibc lsp` over stdio, as an editor does, behind a small blocking interface.

pygls's client is asynchronous; `Client` runs it on an event loop in a thread of its own and
waits for each answer, so tests read as a sequence of editor actions. Requests go through
the client's protocol by method name (their parameters and results converted to and from
`lsprotocol` types by pygls's converter, so a result reads as the JSON an editor gets);
`lsp` is the `LanguageClient` itself, for the typed calls (`lsp.text_document_rename_async`,
…) that `call` runs. The client announces what VS Code announces for the features the tests
use (dynamic registration of watched files, code action literals, …) and records every
notification and every `client/registerCapability` request of the server.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

CAPABILITIES = {
    "workspace": {
        "didChangeWatchedFiles": {"dynamicRegistration": True},
        "workspaceEdit": {"documentChanges": False},
    },
    "textDocument": {
        "publishDiagnostics": {"relatedInformation": True},
        "codeAction": {
            "codeActionLiteralSupport": {
                "codeActionKind": {"valueSet": ["", "quickfix", "refactor"]}
            },
            "isPreferredSupport": True,
        },
        "rename": {"prepareSupport": True},
        "signatureHelp": {
            "signatureInformation": {"parameterInformation": {"labelOffsetSupport": True}}
        },
    },
}


def server_command() -> list[str]:
    return [sys.executable, "-m", "ibc", "lsp"]


class Client:
    def __init__(self, cwd: Path, command: list[str] | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lsp = LanguageClient("ibc-tests", "1")
        self.converter = self.lsp.protocol._converter
        self.notifications: list[dict] = []
        self.registrations: list[dict] = []
        self.changed = threading.Condition()
        self._handlers()
        command = command or server_command()
        self.call(self.lsp.start_io(*command, cwd=str(cwd), env=dict(os.environ)))

    def _handlers(self) -> None:
        client = self.lsp

        def record(method: str, params) -> None:
            with self.changed:
                self.notifications.append(
                    {"method": method, "params": self.converter.unstructure(params)}
                )
                self.changed.notify_all()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            record(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            record(types.WINDOW_LOG_MESSAGE, params)

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            with self.changed:
                self.registrations.append(self.converter.unstructure(params))
                self.changed.notify_all()

    # ------------------------------------------------------------------ plumbing

    def call(self, coroutine, timeout: float = 30.0):
        """Run a coroutine of the client (`self.lsp.…_async(…)`) and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def _params(self, method: str, params):
        if params is None or not isinstance(params, dict):
            return params
        kind = types.METHOD_TO_TYPES[method][2]
        return self.converter.structure(params, kind) if kind is not None else params

    def notify(self, method: str, params: dict | None = None) -> None:
        params = self._params(method, params)
        self.loop.call_soon_threadsafe(self.lsp.protocol.notify, method, params)

    def request(self, method: str, params: dict | None = None, timeout: float = 30.0):
        """Send a request by name; the result as the JSON the server sent (dicts, lists)."""
        params = self._params(method, params)

        async def send():
            return await self.lsp.protocol.send_request_async(method, params)

        result = self.call(send(), timeout)
        return self.converter.unstructure(result)

    def wait_for(self, found, timeout: float = 30.0):
        """Wait until `found()` returns something other than None, and return it."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                value = found()
                if value is not None:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the server did not send what was awaited in time")
                if self.lsp.stopped:
                    raise EOFError("the server stopped")
                self.changed.wait(min(remaining, 0.5))

    # ------------------------------------------------------------------ editor actions

    def diagnostics(
        self, uri: str, timeout: float = 30.0, since: int = 0, version: int | None = None
    ) -> dict:
        """The first publishDiagnostics for `uri` (of that `version` of the document, if
        given) among notifications from index `since` on (waiting for it)."""

        def find():
            for note in self.notifications[since:]:
                if (
                    note["method"] == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
                    and note["params"]["uri"] == uri
                    and (version is None or note["params"].get("version") == version)
                ):
                    return note["params"]
            return None

        return self.wait_for(find, timeout)

    def published(self, uri: str, since: int = 0) -> list[dict]:
        """Every publishDiagnostics for `uri` from notification `since` on, so far."""
        return [
            note["params"]
            for note in self.notifications[since:]
            if note["method"] == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
            and note["params"]["uri"] == uri
        ]

    def initialize(self, root: Path, capabilities: dict | None = None) -> dict:
        result = self.request(
            types.INITIALIZE,
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": CAPABILITIES if capabilities is None else capabilities,
            },
        )
        self.notify(types.INITIALIZED, {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> None:
        self.notify(
            types.TEXT_DOCUMENT_DID_OPEN,
            {
                "textDocument": {
                    "uri": path.as_uri(),
                    "languageId": "iterbuild",
                    "version": version,
                    "text": text,
                }
            },
        )

    def change(self, path: Path, text: str, version: int) -> None:
        self.notify(
            types.TEXT_DOCUMENT_DID_CHANGE,
            {
                "textDocument": {"uri": path.as_uri(), "version": version},
                "contentChanges": [{"text": text}],
            },
        )

    def watched(self, *changes: tuple[Path, int]) -> None:
        """`workspace/didChangeWatchedFiles` for (path, FileChangeType) pairs."""
        self.notify(
            types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            {"changes": [{"uri": path.as_uri(), "type": kind} for path, kind in changes]},
        )

    def at(self, method: str, path: Path, line: int, character: int, **extra):
        params = {
            "textDocument": {"uri": path.as_uri()},
            "position": {"line": line, "character": character},
            **extra,
        }
        return self.request(method, params)

    def close(self) -> int:
        try:
            self.request(types.SHUTDOWN, timeout=10)
            self.notify(types.EXIT)
            server = self.lsp._server
            deadline = time.monotonic() + 10
            while server.returncode is None and time.monotonic() < deadline:
                time.sleep(0.05)
            return server.returncode
        finally:
            self.kill()

    def kill(self) -> None:
        server = self.lsp._server
        if server is not None and server.returncode is None:
            self.loop.call_soon_threadsafe(server.kill)
        try:
            self.call(self.lsp.stop(), timeout=10)
        except Exception:  # noqa: BLE001 - the process is gone either way
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)

    @property
    def process(self):
        """The server's process (asyncio's: `returncode`, `pid`)."""
        return self.lsp._server
