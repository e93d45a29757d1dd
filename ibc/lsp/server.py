"""`ibc lsp`: the language server (pygls over stdio), a thin adapter over `ibc.lsp.features`.

Documents are checked by `ibc.lsp.analysis.Analyzer` (the driver's check, keeping the Python
index between checks) in one worker thread, so requests stay answered while a check runs and
the compiler's parser never runs twice at once (document symbols and formatting parse in that
same worker). Checks are debounced: a change after a quiet spell of `DEBOUNCE` seconds is
checked at once, a change in the middle of a burst of typing waits until the burst has been
quiet for `DEBOUNCE`; only the newest text is checked. Each check publishes its diagnostics
(and clears those it published before for other files).

Hover, definition, code actions, rename and references wait for the check of the current
text (they need its positions); completion and signature help answer at once from the last
analysis that type-checked, reading the context from the current text (see
`ibc.lsp.completion`, `ibc.lsp.signature`). Rename and references also check the
workspace's other `.ib` files that mention the name (in the same worker).

When the client can register it, a watcher of Python and `.ib` files is registered after
`initialized`; a change it reports makes the index forget the file and re-checks the open
documents whose last check read it (docs/editors.md, "Python files changed on disk").
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from ibc.lsp import features
from ibc.lsp import rename as refactor
from ibc.lsp import signature
from ibc.lsp.analysis import Analysis, Analyzer, LineIndex, depends_on, lsp_diagnostics
from ibc.lsp.completion import complete
from ibc.lsp.quickfix import quick_fixes

DEBOUNCE = 0.1  # seconds of quiet typing before a check
# The files whose changes on disk the server asks the client to report (docs/editors.md).
WATCHED = ("**/*.py", "**/*.pyi", "**/*.ib")
MAX_FILES = 2000  # `.ib` files a rename or a search for references reads, at most
SKIPPED = "node_modules"
WAIT = 10.0  # how long hover and definition wait for the check of the current text

_SYMBOL_KINDS = {
    features.MODULE: types.SymbolKind.Module,
    features.CLASS: types.SymbolKind.Class,
    features.FUNCTION: types.SymbolKind.Function,
    features.VARIABLE: types.SymbolKind.Variable,
    features.EVENT: types.SymbolKind.Event,
    features.ARRAY: types.SymbolKind.Array,
    features.STRUCT: types.SymbolKind.Struct,
}
_COMPLETION_KINDS = {
    features.MODULE: types.CompletionItemKind.Module,
    features.CLASS: types.CompletionItemKind.Class,
    features.FUNCTION: types.CompletionItemKind.Function,
    features.VARIABLE: types.CompletionItemKind.Variable,
    features.EVENT: types.CompletionItemKind.Event,
    features.KEYWORD: types.CompletionItemKind.Keyword,
    features.FIELD: types.CompletionItemKind.Field,
    features.PROPERTY: types.CompletionItemKind.Property,
}


class IbcLanguageServer(LanguageServer):
    def __init__(self, analyzer: Analyzer | None = None) -> None:
        from ibc import __version__

        incremental = types.TextDocumentSyncKind.Incremental
        super().__init__("ibc", __version__, text_document_sync_kind=incremental)
        self.analyzer = analyzer or Analyzer()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ibc-check")
        self.latest: dict[str, Analysis] = {}  # uri -> newest analysis
        self.good: dict[str, Analysis] = {}  # uri -> newest analysis that type-checked
        self.others: dict[str, set[str]] = {}  # uri -> other files it published diagnostics to
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._last_change: dict[str, float] = {}
        self._running: dict[str, asyncio.Task] = {}
        self._done: dict[str, asyncio.Event] = {}
        self._reported: dict[str, bytes | None] = {}  # file -> content at its last change

    # ----------------------------------------------------------------- checking

    def schedule(self, uri: str, at_once: bool = False) -> None:
        """Check `uri` now (after a quiet spell, or `at_once`) or after `DEBOUNCE` seconds."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        quiet = now - self._last_change.get(uri, float("-inf")) >= DEBOUNCE
        self._last_change[uri] = now
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self._done.setdefault(uri, asyncio.Event()).clear()
        delay = 0.0 if (at_once or quiet) else DEBOUNCE
        self._timers[uri] = loop.call_later(delay, self._start, uri)

    def _start(self, uri: str) -> None:
        self._timers.pop(uri, None)
        running = self._running.get(uri)
        if running is not None and not running.done():
            running.add_done_callback(lambda _: self._restart(uri))
            return
        self._running[uri] = asyncio.get_running_loop().create_task(self._check(uri))

    def _restart(self, uri: str) -> None:
        if uri not in self._timers:  # no newer change has scheduled its own check
            self._start(uri)

    async def _check(self, uri: str) -> None:
        document = self.workspace.get_text_document(uri)
        text, version = document.source, document.version
        path = Path(to_fs_path(uri) or uri)
        loop = asyncio.get_running_loop()
        analysis = await loop.run_in_executor(
            self.worker, self.analyzer.analyze, path, text, version
        )
        self._publish(uri, analysis)  # first: freeing the previous analysis takes a while
        self.latest[uri] = analysis
        if analysis.checked is not None:
            self.good[uri] = analysis
        if uri not in self._timers:
            self._done.setdefault(uri, asyncio.Event()).set()

    def _publish(self, uri: str, analysis: Analysis) -> None:
        from lsprotocol.converters import get_converter

        converter = get_converter()
        by_file = lsp_diagnostics(analysis)
        by_file[uri] = by_file.pop(analysis.path.as_uri(), [])
        previous = self.others.get(uri, set())
        for other in previous - set(by_file):
            by_file[other] = []
        self.others[uri] = {u for u in by_file if u != uri and by_file[u]}
        for file_uri, items in by_file.items():
            diagnostics = [converter.structure(item, types.Diagnostic) for item in items]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=file_uri,
                    diagnostics=diagnostics,
                    version=analysis.version if file_uri == uri else None,
                )
            )

    async def current(self, uri: str) -> Analysis | None:
        """The analysis of the document's current text, waiting for its check if needed."""
        document = self.workspace.get_text_document(uri)
        for _ in range(3):
            analysis = self.latest.get(uri)
            if analysis is not None and analysis.text == document.source:
                return analysis
            event = self._done.get(uri)
            if event is None or (event.is_set() and uri not in self._timers):
                self.schedule(uri, at_once=True)
                event = self._done[uri]
            try:
                await asyncio.wait_for(event.wait(), WAIT)
            except asyncio.TimeoutError:
                return self.latest.get(uri)
        return self.latest.get(uri)

    async def files_changed(self, paths: list[Path]) -> list[str]:
        """Python or `.ib` files changed on disk (created, changed or deleted): the index
        forgets what it read from them (in the worker, after the check under way), then the
        open documents whose last check read one of them are checked again at once. Returns
        those documents' URIs."""
        loop = asyncio.get_running_loop()
        paths = [p for p in paths if self._news(p)]
        if not paths:
            return []
        python = [p for p in paths if p.suffix in (".py", ".pyi")]
        if python:
            await loop.run_in_executor(self.worker, self._invalidate, python)
        again = []
        for uri in list(self.latest):
            running = self._running.get(uri)
            stale = running is not None and not running.done()
            if stale or any(depends_on(self.latest[uri], p) for p in paths):
                again.append(uri)
                self.schedule(uri, at_once=True)
        return again

    def _news(self, path: Path) -> bool:
        """Is the file's content (None: absent) other than at its last reported change? A
        client may report one write twice (a client with a static watcher of its own, such as
        `synchronize.fileEvents`, as well as the one registered here; an editor that saves in
        two steps): the second report re-checks nothing."""
        try:
            content: bytes | None = hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
        except OSError:
            content = None
        key = os.path.abspath(path)
        news = key not in self._reported or self._reported[key] != content
        self._reported[key] = content
        return news

    def _invalidate(self, paths: list[Path]) -> None:
        for path in paths:
            self.analyzer.invalidate(path)

    async def watch_files(self) -> None:
        """Ask the client to report changes of Python and `.ib` files, when it can register
        the watcher dynamically (VS Code can; without it, a save of the document re-checks)."""
        capabilities = self.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        if not (watched and watched.dynamic_registration):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
        )
        registration = types.Registration(
            id="ibc-watched-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await self.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as exc:  # noqa: BLE001 - the client refused: saves still re-check
            self.window_log_message(
                types.LogMessageParams(
                    type=types.MessageType.Warning, message=f"no file watcher: {exc}"
                )
            )

    # ----------------------------------------------------------------- across files

    def workspace_files(self) -> list[Path]:
        """The `.ib` files of the workspace's folders (hidden folders, such as the store
        `.ibc/`, and `node_modules` left out), at most `MAX_FILES`."""
        roots = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
        if not roots and self.workspace.root_path:
            roots = [self.workspace.root_path]
        found: list[Path] = []
        for root in dict.fromkeys(r for r in roots if r):
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != SKIPPED)
                found += [Path(folder) / f for f in sorted(files) if f.endswith(".ib")]
                if len(found) >= MAX_FILES:
                    return found[:MAX_FILES]
        return found

    async def analyses_mentioning(self, name: str, also: list[str]) -> list[Analysis]:
        """The analyses of the open documents and of the workspace's other `.ib` files whose
        text holds `name` as a word (and of the files `also`, absolute paths): open
        documents as the editor holds them, the others as on disk (checked in the worker)."""
        word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")
        out: list[Analysis] = []
        seen: set[str] = set()
        loop = asyncio.get_running_loop()
        for uri in list(self.workspace.text_documents):
            path = to_fs_path(uri)
            if not path or not path.endswith(".ib"):
                continue
            seen.add(os.path.abspath(path))
            text = self.workspace.get_text_document(uri).source
            if word.search(text) or os.path.abspath(path) in also:
                analysis = await self.current(uri)
                if analysis is not None:
                    out.append(analysis)
        for path in self.workspace_files():
            if str(path.absolute()) in seen:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if word.search(text) or str(path.absolute()) in also:
                out.append(
                    await loop.run_in_executor(self.worker, self.analyzer.analyze, path, text)
                )
        return out

    def forget(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        for table in (self.latest, self.good, self._last_change, self._done):
            table.pop(uri, None)
        for other in self.others.pop(uri, set()) | {uri}:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=other, diagnostics=[])
            )


def _range(lines: LineIndex, start: int, end: int) -> types.Range:
    a, b = lines.position(start), lines.position(end)
    return types.Range(types.Position(*a), types.Position(*b))


def _location(found: features.Location) -> types.Location:
    return types.Location(
        uri=found.path.as_uri(),
        range=types.Range(
            types.Position(found.line, found.character),
            types.Position(found.end_line, found.end_character),
        ),
    )


def build_server(analyzer: Analyzer | None = None) -> IbcLanguageServer:
    """A server with every feature registered (`start_io()` runs it on stdio)."""
    server = IbcLanguageServer(analyzer)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: IbcLanguageServer, params: types.InitializedParams) -> None:
        await ls.watch_files()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched_files(
        ls: IbcLanguageServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        paths = [Path(to_fs_path(change.uri) or change.uri) for change in params.changes]
        await ls.files_changed(paths)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: IbcLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, at_once=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: IbcLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: IbcLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, at_once=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: IbcLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: IbcLanguageServer, params: types.HoverParams) -> types.Hover | None:
        analysis = await ls.current(params.text_document.uri)
        if analysis is None:
            return None
        found = features.hover(analysis, params.position.line, params.position.character)
        if found is None:
            return None
        span = found.span
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.text),
            range=_range(analysis.lines(), span.start, span.end),
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: IbcLanguageServer, params: types.DefinitionParams):
        analysis = await ls.current(params.text_document.uri)
        if analysis is None:
            return None
        found = features.definition(analysis, params.position.line, params.position.character)
        return _location(found) if found is not None else None

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[".", "(", ",", "{"]),
    )
    def completion(ls: IbcLanguageServer, params: types.CompletionParams):
        uri = params.text_document.uri
        text = ls.workspace.get_text_document(uri).source
        lines = LineIndex(text)
        offset = lines.offset(params.position.line, params.position.character)
        items = []
        analysis = ls.good.get(uri) or ls.latest.get(uri)
        for item in complete(analysis, text, offset):
            items.append(
                types.CompletionItem(
                    label=item.label,
                    kind=_COMPLETION_KINDS.get(item.kind),
                    detail=item.detail or None,
                    sort_text=f"{item.sort}{item.label}",
                    filter_text=item.insert.strip(),
                    text_edit=types.TextEdit(
                        range=_range(lines, item.replace_from, offset), new_text=item.insert
                    ),
                )
            )
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    async def formatting(ls: IbcLanguageServer, params: types.DocumentFormattingParams):
        text = ls.workspace.get_text_document(params.text_document.uri).source
        loop = asyncio.get_running_loop()
        formatted = await loop.run_in_executor(ls.worker, features.format_document, text)
        if formatted is None:
            return []
        lines = LineIndex(text)
        return [types.TextEdit(range=_range(lines, 0, len(text)), new_text=formatted)]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(ls: IbcLanguageServer, params: types.DocumentSymbolParams):
        uri = params.text_document.uri
        text = ls.workspace.get_text_document(uri).source
        loop = asyncio.get_running_loop()
        module = await loop.run_in_executor(ls.worker, _parse, uri, text)
        if module is None:  # the text does not parse: the last version that did
            analysis = ls.good.get(uri)
            if analysis is None or analysis.module_ast is None:
                return []
            module, text = analysis.module_ast, analysis.text
        lines = LineIndex(text)
        return [
            types.DocumentSymbol(
                name=sym.name,
                kind=_SYMBOL_KINDS.get(sym.kind, types.SymbolKind.Variable),
                detail=sym.detail or None,
                range=_range(lines, sym.span.start, sym.span.end),
                selection_range=_range(lines, sym.selection.start, sym.selection.end),
            )
            for sym in features.document_symbols(module)
        ]

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    async def code_action(ls: IbcLanguageServer, params: types.CodeActionParams):
        from lsprotocol.converters import get_converter

        uri = params.text_document.uri
        analysis = await ls.current(uri)
        if analysis is None:
            return []
        lines = analysis.lines()
        start = lines.offset(params.range.start.line, params.range.start.character)
        end = lines.offset(params.range.end.line, params.range.end.character)
        converter = get_converter()
        actions = []
        for fix in quick_fixes(analysis, start, end):
            edits = [types.TextEdit(_range(lines, a, b), new) for a, b, new in fix.edits]
            actions.append(
                types.CodeAction(
                    title=fix.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[converter.structure(fix.diagnostic, types.Diagnostic)],
                    is_preferred=fix.preferred or None,
                    edit=types.WorkspaceEdit(changes={uri: edits}),
                )
            )
        return actions

    @server.feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=["="]),
    )
    def signature_help(ls: IbcLanguageServer, params: types.SignatureHelpParams):
        uri = params.text_document.uri
        text = ls.workspace.get_text_document(uri).source
        offset = LineIndex(text).offset(params.position.line, params.position.character)
        found = signature.signature_help(ls.good.get(uri) or ls.latest.get(uri), text, offset)
        if found is None:
            return None
        information = types.SignatureInformation(
            label=found.label,
            parameters=[types.ParameterInformation(label=span) for span in found.params],
            active_parameter=found.active,
        )
        return types.SignatureHelp(
            signatures=[information], active_signature=0, active_parameter=found.active
        )

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(ls: IbcLanguageServer, params: types.PrepareRenameParams):
        found = await _target(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        analysis, target = found
        return types.PrepareRenamePlaceholder(
            range=_range(analysis.lines(), target.start, target.end), placeholder=target.name
        )

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(ls: IbcLanguageServer, params: types.RenameParams):
        from pygls.exceptions import JsonRpcInvalidParams

        found = await _target(ls, params.text_document.uri, params.position)
        if found is None:
            raise JsonRpcInvalidParams(
                "nothing to rename here: put the cursor on the name of a binding, a `def`, "
                "an experiment, a sweep, a search or a parameter"
            )
        analysis, target = found
        new_name = params.new_name.strip()
        if not refactor.valid_name(new_name):
            raise JsonRpcInvalidParams(
                f"`{new_name}` is not a name (letters, digits and `_`, not a keyword)"
            )
        changes: dict[str, list[types.TextEdit]] = {}
        for other, places in await _occurrences(ls, analysis, target):
            problem = refactor.conflicts(other, target, new_name)
            if problem:
                raise JsonRpcInvalidParams(problem)
            lines = other.lines()
            changes[other.path.as_uri()] = [
                types.TextEdit(_range(lines, o.start, o.end), new_name) for o in places
            ]
        return types.WorkspaceEdit(changes=changes)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def references(ls: IbcLanguageServer, params: types.ReferenceParams):
        found = await _target(ls, params.text_document.uri, params.position)
        if found is None:
            return []
        analysis, target = found
        out = []
        for other, places in await _occurrences(ls, analysis, target):
            lines = other.lines()
            for place in places:
                if place.declaration and not params.context.include_declaration:
                    continue
                out.append(
                    types.Location(other.path.as_uri(), _range(lines, place.start, place.end))
                )
        return out

    return server


async def _target(ls: IbcLanguageServer, uri: str, position: types.Position):
    analysis = await ls.current(uri)
    if analysis is None:
        return None
    offset = analysis.lines().offset(position.line, position.character)
    target = refactor.target_at(analysis, offset)
    return (analysis, target) if target is not None else None


async def _occurrences(ls: IbcLanguageServer, analysis: Analysis, target):
    """(analysis, occurrences) of each file that writes the target: the document alone for
    a local name, else every `.ib` file of the workspace that mentions it."""
    if target.kind == refactor.LOCAL:
        candidates = [analysis]
    else:
        candidates = await ls.analyses_mentioning(target.name, [target.key[0]])
    out = []
    for other in candidates:
        places = refactor.occurrences(other, target)
        if places:
            out.append((other, places))
    return out


def _parse(uri: str, text: str):
    from ibc.syntax.parser import parse_module
    from ibc.base.spans import Source

    module, problems = parse_module(Source(to_fs_path(uri) or uri, text))
    return None if problems else module
