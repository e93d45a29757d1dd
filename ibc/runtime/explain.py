"""Why a stage runs: `ibc why FILE TARGET…` before a run, `ibc run --explain` after one
(docs/running.md, "Why did this stage run?"), as Bazel's `--explain` and Shake's `--why`.

A stage runs because its key is not in the store. To say why, its key's parts are compared
with those of the same stage's last recorded run (the run's stage log,
`<run>.stages.jsonl`, written by `RunLog.stages` with the facts `stage_facts` gives):
- stages are matched across runs by their *site*: a hash of what they call (module and
  name, not the code's fingerprint), of literals, and of their inputs' sites, recursively.
  Editing code, data files or upstream results keeps a stage's site; editing its literal
  arguments makes it another stage;
- the reasons, in order: `--force`; an `(impure)` reference (always runs); no recorded run
  ("no entry yet"); its code's fingerprint differs (the first definition of the emitted
  closure, `Ref.code`, whose own hash differs is named with its file and line); an input's
  identity differs (named by its `.ib` location: a `file()`, an upstream stage, …); it
  failed last time; its key is the same as last time but the entry is gone.

Before a run, a stage that would run has no result yet, so a dry run cannot know the keys
downstream of it. `Planner` gives such a stage the identity of its last run: a stage
downstream whose key is then found in the store is cached *if* the upstream stage gives the
same value again (early cutoff), and is reported so. Nothing here runs user code or imports
the compiler.
"""

from __future__ import annotations

import json
from pathlib import Path

from ibc.runtime.evaluate import ID, Evaluator, method_label, node_kind
from ibc.runtime.graph import Node, blake2b
from ibc.runtime.runlog import read_jsonl

# ------------------------------------------------------------------------ stage facts


def _site_code(node: Node) -> tuple:
    op = node.op
    if op == "call":
        ref, nargs, names = node.data
        return (ref.module, ref.name, ref.revision or "", str(nargs), *names)
    if op == "ref":
        ref = node.data
        return (ref.module, ref.name, ref.revision or "")
    if op == "method":
        return tuple(c for c in node.code if not c.startswith("fingerprint:"))
    return node.code


def site(node: Node, memo: dict[str, str]) -> str:
    """The site of `node`: its identity across edits of code and data (see above)."""
    found = memo.get(node.key)
    if found is not None:
        return found
    todo = [node]
    while todo:
        n = todo[-1]
        if n.key in memo:
            todo.pop()
            continue
        missing = [i for i in n.inputs if i.key not in memo]
        if missing:
            todo.extend(missing)
            continue
        todo.pop()
        parts = (n.op, *_site_code(n), *[memo[i.key] for i in n.inputs])
        # one hash of the length-prefixed parts (unambiguous), cheaper than `digest`'s
        text = "".join(f"{len(p)}:{p}" for p in parts)
        memo[n.key] = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return memo[node.key]


def fingerprint_of(node: Node) -> str:
    """The code fingerprint in `node`'s key ("" for a function value's application)."""
    if node.op == "call":
        return node.data[0].fingerprint
    if node.op == "method":
        for c in node.code:
            if c.startswith("fingerprint:"):
                return c[len("fingerprint:") :]
    return ""


def label(node: Node) -> str:
    if node.op == "call":
        return node.data[0].label
    if node.op == "method":
        return method_label(node)  # `LogisticRegression.predict`
    return "function value"


class StageFacts:
    """What the stage log keeps of each stage for a later `ibc why`: `facts(node)` is the
    dict added to its line; `code` the closures (`Ref.code`) by fingerprint."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self.sites: dict[str, str] = {}
        self.code: dict[str, list[str]] = {}
        self.below: dict[str, list[str]] = {}  # upstream stages of a cheap or value node

    def __call__(self, node: Node) -> dict:
        ev = self.evaluator
        fp = fingerprint_of(node)
        if node.op == "call" and node.data[0].code and fp not in self.code:
            self.code[fp] = list(node.data[0].code)
        ids = ev.inputs.get(node.key) or ()
        facts = {
            "site": site(node, self.sites),
            "stage": label(node),
            "ref": node.data[0].qualified if node.op == "call" else None,
            "at": node.at,
            "fingerprint": fp,
            "identity": ev.ident.get(node.key),
            "inputs": [[i, n.at] for i, n in zip(ids, node.inputs)],
            "upstream": upstream(node, self.below),
        }
        where = getattr(ev, "workers", {}).get(node.key)
        if where:  # the dask worker that ran it (docs/running.md, "Running on a cluster")
            facts["worker"] = where
        return facts


def upstream(node: Node, memo: dict[str, list[str]]) -> list[str]:
    """The node ids of the stages (and `file`/`dir` resources) `node` reads, through cheap
    nodes (operators, field reads, lists): the edges of the stage graph `ibc ui` draws from
    the stage log alone (docs/ui.md, "Stage graph"). `memo` keeps each cheap node's answer;
    iterative, as programs may nest thousands of levels deep."""

    def direct(n: Node) -> bool:
        return node_kind(n) in ("stage", "impure", "resource") and not n.free

    todo = [n for n in node.inputs if not direct(n) and n.key not in memo]
    while todo:
        n = todo[-1]
        if n.key in memo:
            todo.pop()
            continue
        missing = [i for i in n.inputs if not direct(i) and i.key not in memo]
        if missing:
            todo.extend(missing)
            continue
        todo.pop()
        found: dict[str, None] = {}
        for i in n.inputs:
            found.update({i.key: None} if direct(i) else dict.fromkeys(memo[i.key]))
        memo[n.key] = list(found)
    found = {}
    for i in node.inputs:
        found.update({i.key: None} if direct(i) else dict.fromkeys(memo[i.key]))
    return list(found)


# ------------------------------------------------------------------------ history


class History:
    """The last recorded run of each stage site, read from the stage logs under `root/runs`
    newest first, and only as far back as the sites asked for need (a fully cached plan reads
    none), at most the newest `depth` logs (a stage never run would otherwise read them all).
    `exclude` is the current run's id."""

    def __init__(self, root: Path, exclude: str | None = None, depth: int = 100) -> None:
        runs = Path(root) / "runs"
        names = []
        if runs.is_dir():
            names = [p for p in runs.iterdir() if p.name.endswith(".stages.jsonl")]
        if exclude:
            names = [p for p in names if p.name != f"{exclude}.stages.jsonl"]
        self.files = sorted(names, key=lambda p: p.name, reverse=True)[:depth]
        self.read = 0
        self.found: dict[str, dict] = {}

    def last(self, site_: str) -> dict | None:
        while site_ not in self.found and self.read < len(self.files):
            self._read(self.files[self.read])
            self.read += 1
        return self.found.get(site_)

    def _read(self, path: Path) -> None:
        code: dict = {}
        records = []
        for record in read_jsonl(path):
            if "code" in record and "node" not in record:
                if isinstance(record["code"], dict):
                    code.update(record["code"])
            elif isinstance(record.get("site"), str):
                records.append(record)
        run = path.name[: -len(".stages.jsonl")]
        for record in records:
            if record.get("state") in ("ran", "cached", "failed"):
                record["run"] = run
                record["code"] = code.get(record.get("fingerprint") or "", [])
                self.found.setdefault(record["site"], record)


# ------------------------------------------------------------------------ planning


class Planner(Evaluator):
    """A dry run in which a stage that would run is given the identity of its last recorded
    run, so that the stages downstream of it are looked up as if its value did not change."""

    def __init__(self, store, history: History, *, force: bool = False, files=None) -> None:
        super().__init__(store=store, dry_run=True, force=force, files=files)
        self.history = history
        self.sites: dict[str, str] = {}
        self.assumed: set[str] = set()  # stages given their last run's identity

    def pending_identity(self, node: Node) -> str:
        if self.force:
            return super().pending_identity(node)
        old = self.history.last(site(node, self.sites))
        identity = old.get("identity") if old is not None else None
        if old is None or old.get("state") == "failed" or not isinstance(identity, str):
            return super().pending_identity(node)
        self.assumed.add(node.key)
        return identity


def plan(program, names: list[str], store, root: Path, force: bool = False, files=None):
    """Plan targets `names` of `program` (nothing runs): the `Planner` (its `log` holds the
    stages' events) and its `History`."""
    history = History(root)
    planner = Planner(store, history, force=force, files=files)
    scope = program.scope()
    stack = program.stack(scope)
    roots = []
    for shown, _, name, index in program.jobs(names):
        roots.append((ID, program.job_node(scope, stack, name, index), shown))
    planner.results(roots, on_root=lambda *a: None)
    return planner, history


# ------------------------------------------------------------------------ reasons


def _parts(code) -> dict[tuple[str, str], tuple[str, str]]:
    """`"name file:line hash"` entries as {(name, file): (file:line, hash)}, in order."""
    out = {}
    for part in code or ():
        name, _, rest = str(part).partition(" ")
        where, _, hashed = rest.partition(" ")
        out.setdefault((name, where.rpartition(":")[0]), (where, hashed))
    return out


def code_change(node: Node, old: dict) -> str:
    """Which code of `node` changed since `old` (its last recorded run)."""
    new_fp, old_fp = fingerprint_of(node), old.get("fingerprint") or ""
    name = label(node)
    if "==" in new_fp and "==" in old_fp:  # an installed distribution's `name==version`
        dist, _, version = new_fp.partition("==")
        return f"{dist} changed from {old_fp.partition('==')[2]} to {version}"
    if node.op == "call":
        new, before = _parts(node.data[0].code), _parts(old.get("code"))
        if new and before:
            for key, (where, hashed) in new.items():
                if key in before and before[key][1] != hashed:
                    return f"{key[0]} ({where}) changed"
            for key, (where, _) in new.items():
                if key not in before:
                    return f"{name} now uses {key[0]} ({where})"
            for key, (where, _) in before.items():
                if key not in new:
                    return f"{name} no longer uses {key[0]} ({where})"
    if node.op == "method":
        return f"the code of the class of `{name}` changed"
    return f"the code of `{name}` changed"


class Explainer:
    """The reasons of the stages an evaluator ran or would run."""

    def __init__(self, evaluator: Evaluator, history: History, force: bool) -> None:
        self.ev = evaluator
        self.history = history
        self.force = force
        self.sites: dict[str, str] = getattr(evaluator, "sites", {})
        self.states = {node.key: state for node, _, state, _, _ in evaluator.log}

    def reason(self, node: Node) -> str:
        if self.force:
            return "--force"
        if node_kind(node) == "impure":
            return "it is imported (impure): it runs every time"
        old = self.history.last(site(node, self.sites))
        if old is None:
            return "no entry yet: no recorded run of this stage"
        if (old.get("fingerprint") or "") != fingerprint_of(node):
            return code_change(node, old)
        ids = self.ev.inputs.get(node.key) or []
        before = old.get("inputs") or []
        if len(before) != len(ids):
            return "its arguments changed"
        changed = []
        for identity, (old_identity, _), given in zip(ids, before, node.inputs):
            if identity != old_identity:
                changed.append(self.input_change(given, identity))
        if changed:
            return "; ".join(dict.fromkeys(changed))
        if old.get("state") == "failed":
            return f"it failed in its last run ({old.get('run')})"
        written = getattr(self.ev, "stale_outputs", {}).get(node.key)
        if written is not None:
            return (
                f"the file its value names, {written}, is missing or changed: it is written again"
            )
        return "its entry is no longer in the store (removed by `ibc cache gc` or `clear`)"

    def input_change(self, given: Node, identity: str) -> str:
        if identity.startswith("?"):
            return f"its input {self.name(given)} will be computed first"
        kind = node_kind(given)
        if kind == "resource":
            return f"{self.name(given)} changed"
        if kind in ("stage", "impure"):
            return f"the value of {self.name(given)} changed"
        changed = [n for n in self.frontier(given) if self.changed(n)]
        if changed:
            return ", ".join(
                (
                    f"{self.name(n)} changed"
                    if node_kind(n) == "resource"
                    else f"the value of {self.name(n)} changed"
                )
                for n in changed
            )
        return f"its input {given.describe()}{_at(given)} changed"

    def changed(self, node: Node) -> bool:
        """Whether stage or resource `node` now has another identity than last time."""
        if node_kind(node) == "resource":
            return True
        if self.states.get(node.key) in ("pending", "ran", "failed"):
            return True
        old = self.history.last(site(node, self.sites))
        return old is None or old.get("identity") != self.ev.ident.get(node.key)

    def name(self, node: Node) -> str:
        if node_kind(node) == "resource":
            arg = node.inputs[0] if node.inputs else None
            shown = json.dumps(arg.data) if arg is not None and arg.op == "lit" else "…"
            return f"{node.data[0].name}({shown}){_at(node, ' (', ')')}"
        if node.is_stage:
            return f"{label(node)}{_at(node, ' (', ')')}"
        return f"{node.describe()}{_at(node, ' (', ')')}"

    def frontier(self, node: Node) -> list[Node]:
        """The stages and resources `node` reads, through cheap nodes."""
        found, seen, todo = [], set(), [node]
        while todo:
            n = todo.pop()
            if n.key in seen:
                continue
            seen.add(n.key)
            if n is not node and node_kind(n) in ("stage", "impure", "resource") and not n.free:
                found.append(n)
            else:
                todo.extend(n.inputs)
        return sorted(found, key=lambda n: (n.at or "", n.key))

    # the report

    def lines(self, before: bool) -> list[str]:
        """One line per stage that ran (`before`: would run) with its reason, and a summary."""
        ev = self.ev
        out = []
        counts = {"ran": 0, "failed": 0, "pending": 0, "cached": 0}
        waiting: dict[str, set[str]] = {}  # stage key -> the running stages its key assumes
        several = len({owner for *_, owner in ev.log}) > 1  # name the experiment of each
        assumed_any = getattr(ev, "assumed", set())
        for node, _, state, _, owner in ev.log:
            if state not in counts:
                continue
            counts[state] += 1
            if state == "cached":
                if assumed_any:  # is its key found only by assuming an upstream value?
                    assumed = set()
                    for n in self.frontier(node):
                        if n.key in assumed_any:
                            assumed.add(n.key)
                        assumed |= waiting.get(n.key, set())
                    if assumed:
                        waiting[node.key] = assumed
                continue
            if state == "pending" and node.key in assumed_any:
                waiting[node.key] = {node.key}
            shown = {"pending": "would run", "ran": "ran", "failed": "failed"}[state]
            where = f"{_at(node)} for {owner}" if several and owner else _at(node)
            out.append(f"{shown:<9}  {label(node)}{where}: {self.reason(node)}")
        nodes = {node.key: node for node, *_ in ev.log}
        cached = counts["cached"]
        if before:
            summary = f"{counts['pending']} stage(s) would run, {cached} cached"
            early = [k for k in waiting if self.states.get(k) == "cached"]
            if early:
                upstream = sorted({u for k in early for u in waiting[k]})
                names = ", ".join(
                    dict.fromkeys(self.name(nodes[u]) for u in upstream if u in nodes)
                )
                summary += (
                    f" ({len(early)} of them only if {names} "
                    f"{'give' if ', ' in names else 'gives'} the same value again: "
                    "early cutoff)"
                )
        else:
            summary = f"{counts['ran']} stage(s) ran, {cached} cached"
            if counts["failed"]:
                summary += f", {counts['failed']} failed"
        out.append(summary)
        return out


def _at(node: Node, before: str = " at ", after: str = "") -> str:
    return f"{before}{node.at}{after}" if node.at else ""
