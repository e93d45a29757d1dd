"""Which searches a compilation needs (docs/guide.md, "Searches").

A search is lowered to a target of kind "search" that the runtime drives
(`ibc.runtime.search`; the plain target carries its own loop,
`ibc/runtime/standalone_search.py`). A run of named targets that
reach no search (`ibc run FILE baseline` in a file that also declares a search) leaves the
searches, and the declarations that depend on them, out of the emitted program: they were
not asked for, and running them would run their trials.
"""

from __future__ import annotations

from ibc.syntax import nodes as n


def refused_searches(program, targets) -> tuple[list, frozenset]:
    """(the searches the compilation needs, ids of the declarations to leave out when it
    needs none)."""
    names = program.names
    needs: dict[int, set[int]] = {}  # id(decl) -> ids of the searches it depends on
    searches: dict[int, n.Search] = {}
    for _, decl in names.order:
        found: set[int] = set()
        if isinstance(decl, n.Search):
            searches[id(decl)] = decl
            found.add(id(decl))
        for sym in names.uses.get(id(decl), ()):
            used = getattr(sym, "decl", None)
            if used is not None:
                found |= needs.get(id(used), set())
        needs[id(decl)] = found
    if not searches:
        return [], frozenset()
    left_out = frozenset(key for key, found in needs.items() if found)
    main = program.main
    wanted = {_base_name(t) for t in targets or ()}
    chosen = []
    if main.ast is not None:
        for decl in main.ast.decls:
            name = getattr(decl, "name", None)
            text = name.text if isinstance(name, n.Name) else None
            if isinstance(decl, n.Binding):
                bound = {nm.text for nm, _ in n.pattern_names(decl.pattern)}
                if bound & wanted:
                    chosen.append(decl)
            elif text is not None and (not wanted or text in wanted):
                if isinstance(decl, (n.Experiment, n.Sweep, n.Search)):
                    chosen.append(decl)
    refused_ids: set[int] = set()
    for decl in chosen:
        refused_ids |= needs.get(id(decl), set())
    refused = [searches[key] for key in searches if key in refused_ids]
    return refused, left_out


def _base_name(target: str) -> str:
    """A sweep point's sweep (`grid[model.C=0.1]` → `grid`), else the name itself."""
    return target.split("[", 1)[0]


def has_searches(result) -> bool:
    """Whether a compiled program declares a search (then left out of it, `ibc run` keeps
    the program for the targets it was compiled for only)."""
    checked = getattr(result, "checked", None)
    if checked is None:
        return False
    return any(isinstance(decl, n.Search) for _, decl in checked.program.names.order)
