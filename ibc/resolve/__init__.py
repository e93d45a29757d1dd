"""The resolve phase: from a parsed `.ib` file to names bound to what they mean.

It loads the main file, the `.ib` modules it imports, the prelude and (lazily) the stubs of
the Python modules it uses; builds each module's tables of values and types; resolves every
name to its symbol and orders the top-level declarations by dependency (reporting cycles);
and locates every Python reference's module and definition by reading source with `ast`,
never importing it. It hands on a `Resolved` program; the type checker reads it.
"""

from __future__ import annotations

from pathlib import Path

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.base.records import field, record
from ibc.resolve.loader import Loader
from ibc.resolve.names import NameResolver, Resolution, order_declarations
from ibc.resolve.pinned import Pins
from ibc.resolve.project import Settings, find_root, read_settings, settings_diagnostics
from ibc.resolve.pyinterface import PythonIndex
from ibc.resolve.pyrefs import PyRefResolver
from ibc.resolve.symbols import ModuleInfo
from ibc.base.spans import Source


@record(mutable=True)
class Resolved:
    root: Path
    main: ModuleInfo
    prelude: ModuleInfo | None
    modules: list[ModuleInfo]  # the main file and the `.ib` modules it imports, prelude first
    loader: Loader
    index: PythonIndex
    names: Resolution
    pyrefs: PyRefResolver
    sources: dict[str, Source] = field(default_factory=dict)
    pins: Pins | None = None  # references at git revisions (docs/revisions.md)
    settings: Settings | None = None  # the project's settings (docs/settings.md)
    # id(`history(f)` call) -> its HistoryAxis (docs/revisions.md, "History sweeps")
    histories: dict = field(default_factory=dict)


def resolve(
    path: Path,
    diags: Diagnostics,
    source: Source | None = None,
    stub_dirs: list[Path] | None = None,
    index: PythonIndex | None = None,
    *,
    parsed: tuple | None = None,
) -> Resolved | None:
    """Load and resolve the program whose main file is `path` (or `source`, when given, as
    the text of that file). Returns None when the main file cannot be read or parsed."""
    root = find_root(path)
    settings = read_settings(root)
    loader = Loader(diags, [*(stub_dirs or []), *settings.stubs])
    main = loader.load_main(path, source, parsed=parsed)
    if main is None or main.ast is None:
        return None
    if diags.has_errors:  # a syntax error in an imported module or the prelude
        return None
    index = index or PythonIndex(root)
    resolution = Resolution()
    names = NameResolver(diags, loader.prelude, resolution)
    modules = [m for m in loader.modules.values() if m.kind in ("prelude", "main", "module")]
    for info in modules:
        names.resolve_module(info)
    order_declarations(modules, resolution, diags)
    pyrefs = PyRefResolver(index, root, diags)
    pins = Pins(index, root, diags)
    pins.prepare(modules, resolution.symbols)
    pyrefs.pins = pins
    for info in modules:
        if info.kind != "prelude":
            pyrefs.resolve_module(info)
    histories = {}
    if resolution.histories:
        from ibc.resolve.history_axis import resolve_histories

        histories = resolve_histories(
            resolution.histories, resolution, pyrefs, pins, index, root, diags
        )
    _one_error_per_misspelt_import(diags)
    problems, settings_source = settings_diagnostics(settings)
    diags.extend(problems)
    sources = {m.display: m.source for m in loader.modules.values()}
    if settings_source is not None:
        sources[settings_source.path] = settings_source
    return Resolved(
        root,
        main,
        loader.prelude,
        modules,
        loader,
        index,
        resolution,
        pyrefs,
        sources,
        pins,
        settings,
        histories,
    )


def _one_error_per_misspelt_import(diags: Diagnostics) -> None:
    """A misspelt import is one error (docs/errors.md, E0302): a use of the name its hint
    suggests (`from m import Ridg`, then `Ridge(…)`) is not reported again, and no hint of an
    unknown name suggests the misspelt import itself."""
    misspelt: dict[str, set[str]] = {}  # file -> names of imports that failed
    meant: dict[str, set[str]] = {}  # file -> what those imports' hints suggest
    for diag in diags.items:
        if diag.code == "E0302":
            misspelt.setdefault(diag.span.file, set()).add(diag.args.get("name", ""))
            meant.setdefault(diag.span.file, set()).update(diag.args.get("suggestions") or ())
    if not misspelt:
        return
    kept = []
    for diag in diags.items:
        if diag.code == "E0201" and diag.span.file in misspelt:
            if diag.args.get("name") in meant[diag.span.file]:
                continue  # the import's own error already names it
            suggestions = diag.args.get("suggestions") or []
            diag.args["suggestions"] = [s for s in suggestions if s not in misspelt[diag.span.file]]
        kept.append(diag)
    diags.items[:] = kept
