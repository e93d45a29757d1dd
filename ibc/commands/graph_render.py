"""`ibc graph`: the stage graph as Graphviz DOT, and drawing it to SVG or PNG.

The caller describes the graph as a list of node dicts:

    {"id": str, "label": str, "kind": "stage" | "value" | "target",
     "at": str | None, "state": "cached" | "ran" | "failed" | "pending" | None,
     "seconds": float | None, "inputs": [ids]}

`to_dot` turns it into DOT text that depends only on that list (same list, same bytes): left
to right, stages as rounded boxes, plain values as ellipses, targets as bold double octagons,
filled by state (cached blue-grey, ran green, failed red, pending white), with the duration
or the state under the label and the `.ib` location as tooltip. `render` writes the text
(`.dot`) or runs Graphviz's `dot` program (`.svg`, `.png`). Nothing here imports the
compiler or the runtime; `ibc.commands.results.load_stage_states` gives the states of a past run.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FILL = {
    "cached": "#dbe6f1",
    "ran": "#c8e6c9",
    "failed": "#ffcdd2",
    "pending": "#ffffff",
}
SHAPE = {
    "stage": 'shape=box, style="rounded,filled"',
    "value": 'shape=ellipse, style="filled"',
    "target": 'shape=doubleoctagon, style="bold,filled", penwidth=2',
}
NEEDS_DOT = (
    "drawing SVG/PNG needs Graphviz's `dot` program (apt install graphviz); "
    ".dot output works without it"
)


def quote(text: str) -> str:
    """`text` as a DOT double-quoted string: backslashes, quotes and newlines escaped."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def format_seconds(seconds: float) -> str:
    """`0.05 s`, `1.2 s`, `95 s`."""
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s"


def node_label(node: dict) -> str:
    """The label and, under it, what happened: `1.2 s`, `cached`, `failed after 0.3 s`."""
    label = str(node.get("label") or node.get("id", ""))
    state, seconds = node.get("state"), node.get("seconds")
    took = format_seconds(seconds) if isinstance(seconds, (int, float)) else None
    if state == "cached":
        detail = "cached"
    elif state == "failed":
        detail = f"failed after {took}" if took else "failed"
    elif state == "ran":
        detail = took
    else:
        detail = took
    return f"{label}\n{detail}" if detail else label


def _node_line(node: dict) -> str:
    kind = node.get("kind")
    attributes = [SHAPE.get(kind, SHAPE["value"])]
    state = node.get("state")
    fill = FILL.get(state, "#ffffff" if kind != "value" else "#f5f5f5")
    attributes.append(f"fillcolor={quote(fill)}")
    if state == "failed":
        attributes.append('color="#c62828"')
    attributes.append(f"label={quote(node_label(node))}")
    if node.get("at"):
        attributes.append(f"tooltip={quote(node['at'])}")
    return f"  {quote(node['id'])} [{', '.join(attributes)}];"


def to_dot(nodes: list[dict], title: str = "") -> str:
    """Deterministic DOT text for the graph (see the module docstring). Nodes keep the order
    given; an edge goes from each input to the node that reads it; inputs that are not nodes of
    the list are left out. Raises ValueError for a node without an `id`."""
    lines = ["digraph ibc {"]
    lines.append("  rankdir=LR;")
    lines.append('  graph [fontname="Helvetica", fontsize=12];')
    lines.append('  node [fontname="Helvetica", fontsize=10];')
    lines.append('  edge [color="#777777", arrowsize=0.7];')
    if title:
        lines.append(f"  label={quote(title)};")
        lines.append("  labelloc=t;")
    ids = set()
    for node in nodes:
        if not isinstance(node.get("id"), str) or not node["id"]:
            raise ValueError(f"a graph node needs a non-empty string `id`: {node!r}")
        ids.add(node["id"])
    for node in nodes:
        lines.append(_node_line(node))
    for node in nodes:
        seen = set()
        for source in node.get("inputs") or ():
            if source in ids and source not in seen:
                seen.add(source)
                lines.append(f"  {quote(source)} -> {quote(node['id'])};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_text: str, out: Path) -> None:
    """Write `dot_text` to `out` (`.dot`), or draw it with Graphviz (`.svg`, `.png`). Raises
    ValueError for another suffix, RuntimeError when `dot` is missing or fails."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".dot" or suffix == ".gv":
        out.write_text(dot_text, encoding="utf-8")
        return
    if suffix not in (".svg", ".png"):
        raise ValueError(
            f"cannot draw a graph to `{out.name}`: the output must end in .dot, .svg or .png"
        )
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError(NEEDS_DOT)
    result = subprocess.run(
        [program, f"-T{suffix[1:]}", "-o", str(out)],
        input=dot_text.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's `dot` failed: {message or f'exit {result.returncode}'}")
