"""Override layers and stacks of layers: how `with`, sweep points and `-s` rebind parameters.

A `Layer` maps parameter paths (`model.C`, `seed`, `steps[1]`) to values. A value is either
*literal data* (a number, string, boolean, None, or a list or tuple of them: sweep tables and
`-s` are data, not code) or a *builder* `value(m)`, called with the builder context of the
scope below the layer (so `seed = seed + 1` reads the old seed).

A `Stack` is the sequence of layers in the order they were pushed; a path is looked up from
the first pushed to the last, so the first layer that sets a path wins (`(e with A) with B`
pushes B first: B wins; the command line's layer is pushed first of all). Each stack indexes
its paths when it is made:

- `paths`: path → index of the winning layer;
- `keys`: every path and every prefix of one that ends just before a `.` or `[` plus that
  character (`model.C` gives `model.C` and `model.`), so that "could this stack change a
  construct that reads path P or anything under P?" is one set test;
- `children`: call path → the simple parameter names set under it (`model` → `C`, `tol`),
  for keyword arguments a call does not write.

A stack also holds the memo of what was built under it (see `Scope` in `graph`): the nodes
of bindings and of override values. The empty stack is the scope's root.
"""

from __future__ import annotations

from ibc.runtime.standalone import literal_text, point_name

LITERAL_SCALARS = (type(None), bool, int, float, str)


class Layer:
    """One override layer: `values` maps paths to literal data or to builders `value(m)`.
    `name` says where it comes from (`-s`, a point's name) for messages; `level` is the
    lambda depth where it was pushed (override builders may use that lambda's parameters);
    a `static` layer lives as long as the program (points, `-s`): stacks made by pushing it
    are cached. `labels` maps paths to the text that states their values (a sweep point's
    `1e-3`, a `-s` value's source text): see `label`."""

    __slots__ = ("values", "name", "level", "static", "labels")

    def __init__(
        self,
        values: dict[str, object],
        name: str = "",
        level: int = 0,
        static: bool = False,
        labels: dict[str, str] | None = None,
    ) -> None:
        self.values = dict(values)
        self.name = name
        self.level = level
        self.static = static
        self.labels = dict(labels or {})

    def label(self, path: str) -> str:
        """The text stating the value set at `path`: its label, else its text in the layer's
        name when that is a point's (`grid[a=1,model=Forest()]`), else literal data written
        as in a `.ib` file, else `<expression>`."""
        text = self.labels.get(path)
        if text is not None:
            return text
        text = _text_in_name(self.name, path)
        if text is not None:
            return text
        value = self.values.get(path)
        return literal_text(value) if is_literal(value) else "<expression>"

    def __repr__(self) -> str:
        return f"<Layer {self.name or ''} {sorted(self.values)}>"


def is_literal(value: object) -> bool:
    """Whether `value` is literal data: None, bool, int, float, str, or lists and tuples of
    them (the values `-s` and sweep tables may hold)."""
    if isinstance(value, (list, tuple)):
        return all(is_literal(v) for v in value)
    return isinstance(value, LITERAL_SCALARS)


def _text_in_name(name: str, path: str) -> str | None:
    """The text of `path`'s value in a point's name `grid[a=1,model=Forest()]` (a name made
    without labels), or None."""
    if not name.endswith("]") or "[" not in name:
        return None
    inner = name[name.index("[") + 1 : -1]
    marker = f"{path}="
    at = 0 if inner.startswith(marker) else inner.find("," + marker) + 1
    if at == 0 and not inner.startswith(marker):
        return None
    text, depth = inner[at + len(marker) :], 0
    for i, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            return text[:i]
    return text


def points_under(sweep: str, points, stack: Stack, read=None) -> list[tuple[str, int]]:
    """`(name, index)` of the points of `sweep` that differ under `stack` (docs/parameters.md,
    "-s and sweeps"). A point's layer is pushed last, so a path that `stack` sets (or a
    prefix of it: `-s model=…` replaces a point's `model.C`) wins over the point's value:
    the point's name states the value `stack` sets there instead, and points whose names
    then coincide are one point (the first). `points` are `(name, Layer)` pairs. `read(index)`,
    when given, is what point `index` read when built under `stack` (a `Reads`, or None): a
    path whose value in the point's layer no build used (`(layer, path)` not in it) is left
    out of the name, since it reached nothing there (`-s base=…` replaced the binding that
    used it, or another path of the point did; or the value that replaced it reads the path
    below the point's layer)."""
    if not stack.paths and read is None:
        return [(name, index) for index, (name, _) in enumerate(points)]

    def outer(path):
        winner = _set_by(stack, path)
        if winner is None:
            return None
        return winner, stack.layers[stack.paths[winner]].label(winner)

    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for index, (name, layer) in enumerate(points):
        used = read(index) if read is not None else None
        labels = {}
        dead = False
        for path in layer.values:
            if used is not None and _set_by(stack, path) is None and (layer, path) not in used:
                dead = True  # an axis no build used under this stack: left out of the name
                continue
            labels[path] = layer.label(path)
        name = point_name(sweep, name, labels, outer, changed=dead)
        if name not in seen:
            seen.add(name)
            out.append((name, index))
    return out


def swept_paths(layer: Layer) -> list[str]:
    """The paths a stack must not set for `layer`'s point names to hold: its paths and
    their prefixes (`model.C` gives `model.C` and `model`)."""
    return [key if key == path else key[:-1] for path in layer.values for key in path_keys(path)]


def _set_by(stack: Stack, path: str) -> str | None:
    """The path that `stack` sets at `path` or at a prefix of it, the shortest first (None:
    neither)."""
    keys = path_keys(path)
    for key in keys[1:]:
        if key[:-1] in stack.paths:
            return key[:-1]
    return path if path in stack.paths else None


def path_keys(path: str) -> list[str]:
    """`path` and its prefixes that end with `.` or `[`: `a.b[2].c` gives `a.b[2].c`, `a.`,
    `a.b[` and `a.b[2].`."""
    keys = [path]
    for i, char in enumerate(path):
        if char in ".[":
            keys.append(path[: i + 1])
    return keys


def _split_child(path: str) -> tuple[str, str] | None:
    """`("clf.model", "C")` for `clf.model.C`; None when the last part is not a plain name."""
    head, dot, tail = path.rpartition(".")
    if not dot or not head or not tail.isidentifier():
        return None
    return head, tail


class Stack:
    """Layers in push order, indexed by path (see the module docstring). Made only by
    `Stack()` (the empty stack) and `push`."""

    __slots__ = ("layers", "parent", "paths", "keys", "children", "built", "values", "_pushed")

    def __init__(self, parent: Stack | None = None, layer: Layer | None = None) -> None:
        self.parent = parent
        self.built: dict[object, tuple] = {}  # memo: binding -> (node, reads)
        self.values: dict[str, tuple] = {}  # memo: override path -> (node, reads)
        self._pushed: dict[int, tuple[Layer, Stack]] = {}
        if parent is None or layer is None:
            self.layers: tuple[Layer, ...] = ()
            self.paths: dict[str, int] = {}
            self.keys: frozenset[str] = frozenset()
            self.children: dict[str, tuple[str, ...]] = {}
            return
        self.layers = parent.layers + (layer,)
        index = len(parent.layers)
        paths = dict(parent.paths)
        added = [p for p in layer.values if p not in paths]
        for p in added:
            paths[p] = index
        self.paths = paths
        keys = set(parent.keys)
        children = {k: list(v) for k, v in parent.children.items()}
        for p in added:
            keys.update(path_keys(p))
            split = _split_child(p)
            if split is not None:
                children.setdefault(split[0], []).append(split[1])
        self.keys = frozenset(keys)
        self.children = {k: tuple(sorted(v)) for k, v in children.items()}

    def push(self, layer: Layer) -> Stack:
        """This stack with `layer` pushed last (it loses to every layer already here)."""
        if not layer.static:
            return Stack(self, layer)
        cached = self._pushed.get(id(layer))
        if cached is None:
            cached = self._pushed[id(layer)] = (layer, Stack(self, layer))
        return cached[1]

    def below(self, index: int) -> Stack:
        """The stack of the first `index` layers: the scope below layer `index`."""
        stack = self
        while len(stack.layers) > index:
            stack = stack.parent  # type: ignore[assignment]
        return stack

    def value_of(self, path: str) -> tuple[object, int]:
        """The winning value set at `path` and the index of its layer (KeyError: none)."""
        index = self.paths[path]
        return self.layers[index].values[path], index

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        return f"<Stack {list(self.layers)}>"
