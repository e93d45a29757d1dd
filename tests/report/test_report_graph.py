"""`ibc graph` rendering: DOT text, escaping, drawing and its errors."""

import shutil

import pytest

from ibc.commands.graph_render import NEEDS_DOT, node_label, quote, render, to_dot

NODES = [
    {
        "id": "n1",
        "label": "load",
        "kind": "stage",
        "at": "cancer.ib:5:9",
        "state": "cached",
        "seconds": None,
        "inputs": [],
    },
    {
        "id": "n2",
        "label": 'train "svm"',
        "kind": "stage",
        "at": "cancer.ib:12:5",
        "state": "ran",
        "seconds": 1.234,
        "inputs": ["n1", "n1", "missing"],
    },
    {
        "id": "n3",
        "label": "0.5",
        "kind": "value",
        "at": None,
        "state": None,
        "seconds": None,
        "inputs": [],
    },
    {
        "id": "n4",
        "label": "score",
        "kind": "stage",
        "at": "cancer.ib:14:3",
        "state": "failed",
        "seconds": 0.3,
        "inputs": ["n2", "n3"],
    },
    {
        "id": "t",
        "label": "baseline",
        "kind": "target",
        "at": "cancer.ib:20:1",
        "state": "pending",
        "seconds": None,
        "inputs": ["n4"],
    },
]


def test_dot_is_deterministic():
    assert to_dot(NODES, "cancer.ib") == to_dot([dict(n) for n in NODES], "cancer.ib")


def test_dot_structure():
    dot = to_dot(NODES, title="cancer.ib: baseline")
    assert dot.startswith("digraph ibc {\n  rankdir=LR;")
    assert dot.rstrip().endswith("}")
    assert 'label="cancer.ib: baseline";' in dot
    assert '"n1" -> "n2";' in dot and dot.count('"n1" -> "n2";') == 1
    assert '"missing"' not in dot
    assert '"n4" -> "t";' in dot and '"n3" -> "n4";' in dot


def test_dot_shapes_colours_labels_and_tooltips():
    lines = {
        line.split(" [")[0].strip(): line for line in to_dot(NODES).splitlines() if " [" in line
    }
    assert "shape=box" in lines['"n1"'] and 'fillcolor="#dbe6f1"' in lines['"n1"']
    assert 'label="load\\ncached"' in lines['"n1"']
    assert 'tooltip="cancer.ib:5:9"' in lines['"n1"']
    assert 'fillcolor="#c8e6c9"' in lines['"n2"'] and "1.2 s" in lines['"n2"']
    assert "shape=ellipse" in lines['"n3"'] and "tooltip" not in lines['"n3"']
    assert 'fillcolor="#ffcdd2"' in lines['"n4"'] and "failed after 0.30 s" in lines['"n4"']
    assert "doubleoctagon" in lines['"t"'] and "bold" in lines['"t"']
    assert 'fillcolor="#ffffff"' in lines['"t"']


def test_quotes_are_escaped():
    dot = to_dot(NODES)
    assert 'label="train \\"svm\\"\\n1.2 s"' in dot
    assert quote('a\\b"c\nd') == '"a\\\\b\\"c\\nd"'


def test_node_label_durations():
    assert node_label({"id": "x", "label": "f", "state": "ran", "seconds": 75}) == "f\n75 s"
    assert node_label({"id": "x", "label": "f", "state": "pending"}) == "f"


def test_node_without_id_is_an_error():
    with pytest.raises(ValueError, match="`id`"):
        to_dot([{"label": "x", "kind": "stage", "inputs": []}])


def test_render_dot_writes_text(tmp_path):
    out = tmp_path / "g.dot"
    render(to_dot(NODES), out)
    assert out.read_text() == to_dot(NODES)


def test_render_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"\.dot, \.svg or \.png"):
        render(to_dot(NODES), tmp_path / "g.pdf")


def test_render_svg_with_graphviz(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    out = tmp_path / "g.svg"
    render(to_dot(NODES), out)
    assert "<svg" in out.read_text()


def test_render_svg_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError) as info:
        render(to_dot(NODES), tmp_path / "g.png")
    assert str(info.value) == NEEDS_DOT
    assert "apt install graphviz" in NEEDS_DOT
    assert not (tmp_path / "g.png").exists()
