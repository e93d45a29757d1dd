"""`ibc graph FILE [TARGET] -o OUT`: the stage graph of a file's targets (docs/running.md "Run
records and results").

The emitted program's builders make the graph (nothing runs); a dry-run evaluation against
the project's store says which stages are cached and which would run; the newest run's stage
records (`.ibc/runs/*.stages.jsonl`) say which ran or failed, with their durations. Cheap
nodes (operators, field reads, lists …) are folded away: an edge joins two stages when the
second reads the first through them. Rendering is `ibc.commands.graph_render` (DOT always; SVG and
PNG through Graphviz's `dot` program).
"""

from __future__ import annotations

from ibc.runtime.evaluate import method_label, node_kind
from ibc.runtime.running import plan


def graph_nodes(program, names: list[str], root, store, batch: int = 1) -> list[dict]:
    """The node dicts `ibc.commands.graph_render.to_dot` draws for targets `names` of `program`;
    a search's stored trials are replayed `batch` at a time (`ibc graph --jobs N`)."""
    from ibc.commands.results import load_stage_states

    planner, tops = plan(program, names, store, batch)
    planned = {node.key: (state, seconds) for node, _, state, seconds, _ in planner.log}
    last = load_stage_states(root)

    out: dict[str, dict] = {}
    order: list[str] = []

    def stage_inputs(node) -> list:
        """The stages (and resources) `node` reads, through cheap nodes."""
        found, seen, todo = [], set(), list(node.inputs)
        while todo:
            n = todo.pop()
            if n.key in seen:
                continue
            seen.add(n.key)
            if node_kind(n) in ("stage", "impure", "resource") and not n.free:
                found.append(n)
            else:
                todo.extend(n.inputs)
        return sorted(found, key=lambda n: (n.at or "", n.key))

    def visit(node) -> None:
        todo = [node]
        while todo:
            n = todo.pop()
            if n.key in out:
                continue
            inputs = stage_inputs(n)
            kind = node_kind(n)
            state, seconds = planned.get(n.key, (None, None))
            if n.key in last:
                state = last[n.key].get("state") or state
                seconds = last[n.key].get("seconds", seconds)
            out[n.key] = {
                "id": n.key,
                "label": _label(n),
                "kind": "stage" if kind in ("stage", "impure") else "value",
                "at": n.at,
                "state": state,
                "seconds": seconds,
                "inputs": [i.key for i in inputs],
            }
            order.append(n.key)
            todo.extend(inputs)

    targets = []
    for shown, node in tops:
        visit(node)
        targets.append(
            {
                "id": "target:" + shown,
                "label": shown,
                "kind": "target",
                "at": None,
                "state": None,
                "seconds": None,
                "inputs": [node.key],
            }
        )
    return [out[k] for k in reversed(order)] + targets


def search_notes(program) -> list[str]:
    """What the graph leaves out of each search (docs/guide.md, "Searches"): it shows the
    trials stored, replayed as a dry run does, and the others are proposed at run time."""
    notes = []
    for name, target in program.targets.items():
        if target.kind != "search":
            continue
        stored, total = len(program.trials.get(name, ())), target.search.trials
        if stored < total:
            notes.append(
                f"{name}: {stored} of {total} trials stored; the graph shows those, the "
                "others are proposed at run time"
            )
    return notes


def _label(node) -> str:
    if node.op == "call":
        return node.data[0].label
    if node.op == "method":
        return method_label(node)  # `LogisticRegression.predict`
    return node.describe()
