"""A tiny LSP client for the tests and the benchmark: spawns `ibc lsp` and speaks JSON-RPC
with Content-Length framing over its stdin and stdout, as an editor does."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path


def server_command() -> list[str]:
    """`python -m ibc lsp` once the command is wired into `ibc.commands.cli`, else `python -m
    ibc.lsp` (the same `ibc.lsp.cli.main`)."""
    import contextlib
    import io

    from ibc.commands.cli import _parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            _parser().parse_args(["lsp"])
        return [sys.executable, "-m", "ibc", "lsp"]
    except SystemExit:
        return [sys.executable, "-m", "ibc.lsp"]


class Client:
    def __init__(self, cwd: Path, command: list[str] | None = None) -> None:
        env = dict(os.environ)
        self.process = subprocess.Popen(
            command or server_command(),
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.messages: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # ------------------------------------------------------------------ framing

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            body = stream.read(length or 0)
            self.messages.put(json.loads(body))

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        header = f"Content-Length: {len(body)}\r\n\r\n".encode("ascii")
        self.process.stdin.write(header + body)
        self.process.stdin.flush()

    # ------------------------------------------------------------------ protocol

    def notify(self, method: str, params: dict | None = None) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def request(self, method: str, params: dict | None = None, timeout: float = 30.0):
        self.next_id += 1
        ident = self.next_id
        message = {"jsonrpc": "2.0", "id": ident, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        reply = self._until(lambda m: m.get("id") == ident and "method" not in m, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result")

    def _next(self, deadline: float) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no message from the server in time")
        message = self.messages.get(timeout=remaining)
        if message is None:
            raise EOFError("the server closed its output")
        if "method" in message and "id" in message:  # a request of the server: answer it
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif "method" in message:
            self.notifications.append(message)
        return message

    def _until(self, wanted, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if wanted(message):
                return message

    def diagnostics(self, uri: str, timeout: float = 30.0, since: int = 0) -> dict:
        """The first publishDiagnostics for `uri` among notifications from index `since` on
        (waiting for it)."""

        def find():
            for note in self.notifications[since:]:
                if (
                    note["method"] == "textDocument/publishDiagnostics"
                    and note["params"]["uri"] == uri
                ):
                    return note["params"]
            return None

        deadline = time.monotonic() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            self._next(deadline)

    def initialize(self, root: Path) -> dict:
        result = self.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}},
        )
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
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
            "textDocument/didChange",
            {
                "textDocument": {"uri": path.as_uri(), "version": version},
                "contentChanges": [{"text": text}],
            },
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
            self.request("shutdown", timeout=10)
            self.notify("exit")
            return self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
