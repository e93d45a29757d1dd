"""`ibc ui`: a local web page over a project's run records and store (docs/ui.md).

`records` reads the run records (experiments, runs in flight, stage logs), `stages` the stage
graph and the store entries' headers, `server` serves them read-only with Starlette, `cli` is
the command; `static/` holds the page, its scripts and the vendored charting (ECharts) and
graph layout (dagre) libraries, copied there by `ui/package.json`'s `npm run vendor`.

This package imports `ibc.base` and `ibc.runtime` only, never the compiler
(tests/test_architecture.py): it reads what runs recorded and runs nothing.
"""
