"""The web server of `ibc ui` (docs/ui.md): a Starlette application over one project's run
records and store, read-only.

Routes (all GET; HEAD too, as Starlette adds it):

    /                          the page (static/index.html)
    /static/…                  its scripts, styles and the vendored libraries (static/vendor)
    /api/project               the project's name, the files shown, the version of ibc
    /api/version               a hash that changes when a run file does (the page polls it)
    /api/runs                  every experiment record as a table row, and runs in flight
    /api/record/{run}/{index}  one record whole (its provenance and its value's JSON) and the
                               header of its value's store entry
    /api/graphs                the runs that left a stage log, with their experiments
    /api/graph/{run}           a run's stage graph (`?experiment=NAME`: one experiment's)
    /api/stage/{run}/{node}    one stage: its log line and its store entry's header

Safety (docs/ui.md, "Safety"): any other method is refused (405) before routing, so no
request writes, deletes or runs anything; run ids, node ids and keys are checked against
their shapes before they name a file, and static files are served by Starlette's
`StaticFiles`, which refuses paths outside its folder; the `Host` header must name this
machine unless the server was asked to listen on another address (a web page elsewhere
cannot read the project through DNS rebinding); values are shown from the JSON summaries
the records and entry headers keep, never unpickled; responses carry a Content-Security-
Policy that allows scripts from this server only.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from ibc.ui import stages
from ibc.ui.records import Records, valid_run

STATIC = Path(__file__).resolve().parent / "static"
READ_METHODS = ("GET", "HEAD")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
NODE_ID = re.compile(r"^[0-9a-zA-Z_-]{3,200}$")
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def host_name(header: str) -> str:
    """The name in a `Host` header, without its port: `[::1]:8765` → `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class ReadOnly:
    """ASGI middleware: a request whose method is not GET or HEAD is answered 405, and one
    whose `Host` is not among `hosts` (None: any) 400, before any route sees it; every
    response gets the security headers."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...] | None = LOCAL_HOSTS) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.hosts is not None:
            headers = dict(scope.get("headers") or ())
            name = host_name(headers.get(b"host", b"").decode("latin-1"))
            if name not in self.hosts:
                response = PlainTextResponse("Invalid host header\n", status_code=400)
                await response(scope, receive, send)
                return
        if scope["method"] not in READ_METHODS:
            response = PlainTextResponse(
                "ibc ui is read-only: only GET and HEAD are accepted\n",
                status_code=405,
                headers={"Allow": ", ".join(READ_METHODS)},
            )
            await response(scope, receive, send)
            return

        async def secured(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, secured)


def make_app(
    project: Path,
    store: Path,
    files: list[str] | None = None,
    hosts: tuple[str, ...] | None = LOCAL_HOSTS,
) -> Starlette:
    """The application for the project at `project` whose store is the `.ibc` folder `store`;
    `files` (paths relative to the project, POSIX) keeps the records of those `.ib` files
    only; `hosts` the names the `Host` header may give (this machine's by default; None:
    any)."""
    from ibc import __version__

    records = Records(store, files)

    async def page(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def project_info(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "name": Path(project).name,
                "files": sorted(records.files) if records.files else None,
                "version": __version__,
            }
        )

    async def version(request: Request) -> JSONResponse:
        return JSONResponse({"version": records.version()})

    async def runs(request: Request) -> JSONResponse:
        current = records.version()
        return JSONResponse({"version": current, "rows": records.rows()})

    async def record(request: Request) -> JSONResponse:
        run, index = request.path_params["run"], request.path_params["index"]
        found = records.record(run, index) if valid_run(run) else None
        if found is None:
            return _missing(f"no record {index} in run {run}")
        key = found.get("key")
        entry = stages.entry_header(store, key) if isinstance(key, str) else None
        return JSONResponse({"record": found, "entry": entry})

    async def graphs(request: Request) -> JSONResponse:
        return JSONResponse({"runs": records.stage_runs()})

    async def graph(request: Request) -> JSONResponse:
        run = request.path_params["run"]
        lines = records.stages(run)
        if not lines:
            return _missing(f"run {run} left no stage log")
        experiment = request.query_params.get("experiment") or None
        return JSONResponse(stages.graph(lines, store, experiment))

    async def stage(request: Request) -> JSONResponse:
        run, node = request.path_params["run"], request.path_params["node"]
        if not NODE_ID.match(node):
            return _missing(f"not a stage id: {node}")
        found = stages.stage(records.stages(run), store, node)
        if found is None:
            return _missing(f"run {run} has no stage {node}")
        return JSONResponse(found)

    routes = [
        Route("/", page),
        Route("/api/project", project_info),
        Route("/api/version", version),
        Route("/api/runs", runs),
        Route("/api/record/{run}/{index:int}", record),
        Route("/api/graphs", graphs),
        Route("/api/graph/{run}", graph),
        Route("/api/stage/{run}/{node}", stage),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(ReadOnly, hosts=hosts)]
    return Starlette(routes=routes, middleware=middleware)


def _missing(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=404)
