"""`history(f)` as the values of a sweep axis (docs/revisions.md, "History sweeps").

`sweep regress = baseline with { clean in history(clean) }` runs the experiment once per
version of `clean`: `clean @ "<commit>"` for each commit that `ibc log` lists (its own source
or a project helper it uses changed: `ibc.resolve.history`), newest first, preceded by today's
`clean` when the working tree's differs from HEAD's. This step of the resolve phase turns
each such call, found by name resolution, into a `HistoryAxis`:

- the arguments are checked (E0610): one reference to a function or class of a project file
  (not an installed one, E0608), and the keywords `since = "rev"` (a revision; the versions
  from the one in effect there on), `last = N` (the newest N, today's included) and
  `compatible = True` (a version whose signature its uses reject is left out with a warning
  instead of being an error: `ibc.params.expand`);
- the repository is opened (E0605, E0606), `since` resolved (E0607, E0602; E0613 when it is
  not an ancestor of HEAD), and the history walked;
- each version becomes a pinned reference, an `n.Revision` node made here (the reference's
  own `Var` node at the commit), whose pin the `Pins` of the program already know: its commit
  resolved, its index (the project at that commit) built by the walk, the module it lived in
  when the function has moved since (`Pins.origins`). The checker types each version from its
  old source and lowering runs it from a snapshot, as any `f @ "rev"`;
- a history that starts because an older commit did not define the function (in a file that
  existed) is noted (W0613, naming that commit).

`history` written anywhere else is E0611 (name resolution). Point labels are `@3f2a1bc` (the
short commit) and `@worktree`: a point is named `regress[clean@3f2a1bc]`.
"""

from __future__ import annotations

from pathlib import Path

from ibc.base.records import field, record
from ibc.diagnostics.diagnostic import Diagnostics
from ibc.resolve.fingerprint import Fingerprints
from ibc.resolve.history import Version, code_identity, function_history, is_ancestor
from ibc.resolve.revisions import GitProblem, Repo, check_revision
from ibc.resolve.symbols import PyRefSym
from ibc.syntax import nodes as n

SHORT = 7  # hex digits of a commit in a point's name (more when two versions share them)
WORKTREE = "worktree"
_KEYWORDS = {"since": str, "last": int, "compatible": bool}


@record(mutable=True)
class HistoryAxis:
    """One `history(f, …)`: `values` newest first, each (label, expression, version): the
    label `3f2a1bc` or `worktree`, the expression today's reference or an `n.Revision`, the
    version None for today's."""

    call: n.Call
    sym: PyRefSym
    values: list = field(default_factory=list)
    compatible: bool = False


def resolve_histories(calls, names, pyrefs, pins, index, root: Path, diags: Diagnostics) -> dict:
    """{id(call): HistoryAxis} for the `history(…)` calls name resolution found."""
    out: dict[int, HistoryAxis] = {}
    for _module, call, in_search in calls:
        if in_search:
            diags.error("E0611", call.func.span, search=True)
            continue
        axis = _axis(call, names, pyrefs, pins, index, root, diags)
        if axis is not None:
            out[id(call)] = axis
    return out


def _arguments(call: n.Call, names, diags: Diagnostics):
    """(the reference's expression and symbol, {keyword: value}), or None after E0610."""
    positional = [a for a in call.args if a.name is None]
    keywords: dict = {}
    if not positional:
        diags.error("E0610", call.span, problem="missing")
        return None
    if len(positional) > 1:
        diags.error("E0610", positional[1].value.span, problem="positional")
        return None
    for arg in call.args:
        if arg.name is None:
            continue
        key = arg.name.text
        if key not in _KEYWORDS:
            diags.error("E0610", arg.name.span, problem="keyword", name=key)
            return None
        value = arg.value.value if isinstance(arg.value, n.Literal) else None
        wanted = _KEYWORDS[key]
        if type(value) is not wanted:
            diags.error("E0610", arg.value.span, problem="type", name=key)
            return None
        if key == "last" and value < 1:
            diags.error("E0610", arg.value.span, problem="last")
            return None
        keywords[key] = (value, arg.value)
    target = positional[0].value
    sym = names.symbols.get(id(target)) if isinstance(target, (n.Var, n.Attribute)) else None
    if not isinstance(sym, PyRefSym) or sym.decl is None:
        if sym is not None or not isinstance(target, (n.Var, n.Attribute)):
            diags.error("E0610", target.span, problem="target")
        return None  # an unknown name is reported already
    if sym.decl.revision is not None:
        diags.error("E0610", target.span, problem="pinned", name=sym.name)
        return None
    return target, sym, keywords


def _axis(call, names, pyrefs, pins, index, root, diags) -> HistoryAxis | None:
    found = _arguments(call, names, diags)
    if found is None:
        return None
    target, sym, keywords = found
    resolved = pyrefs.resolve(sym)
    if resolved is None:
        return None  # reported by the reference's import
    module = resolved.module
    location = index.locate(module)
    if location is None or not location.is_project or location.path is None:
        diags.error("E0608", target.span, name=sym.name, module=module)
        return None
    file = Path(location.path).resolve()
    try:
        rel = file.relative_to(Path(root).resolve()).as_posix()
    except ValueError:  # a file outside the project: not in its repository's history
        diags.error("E0608", target.span, name=sym.name, module=module)
        return None
    if rel.endswith(".pyi"):
        rel = rel[:-1]
    try:
        repo = pins.repo or Repo.open(root)
    except GitProblem as exc:
        diags.error(exc.code, call.func.span, revision="history", **exc.args_)
        return None
    pins.repo = repo
    since = None
    if "since" in keywords:
        text, lit = keywords["since"]
        reason = check_revision(text)
        if reason is not None:
            diags.error("E0607", lit.span, revision=text, reason=reason)
            return None
        try:
            since = repo.resolve([text]).get(text)
        except GitProblem as exc:
            diags.error(exc.code, lit.span, revision=text, **exc.args_)
            return None
        if since is None:
            diags.error("E0602", lit.span, revision=text, near=repo.near(text))
            return None
        if not is_ancestor(repo, since, "HEAD"):
            diags.error("E0613", lit.span, revision=text)
            return None
    last = keywords["last"][0] if "last" in keywords else None
    try:
        history = function_history(repo, index, rel, sym.py_name, since=since, limit=last)
    except GitProblem as exc:
        diags.error(exc.code, call.func.span, revision="HEAD", **exc.args_)
        return None
    axis = HistoryAxis(call, sym, compatible=keywords.get("compatible", (False,))[0])
    today = code_identity(Fingerprints(index), module, sym.py_name, file)
    if not history.head or today != history.head_code:
        axis.values.append((WORKTREE, target, None))
    commits = [version.commit for version in history.versions]
    width = SHORT  # longer when two versions' short ids are the same
    while len({c[:width] for c in commits}) < len(commits):
        width += 1
    for version in history.versions:
        axis.values.append(
            (version.commit[:width], _pin(version, target, call, sym, pins), version)
        )
        pins.indexes.setdefault(version.commit, history.indexes[version.commit])
    if last is not None:
        del axis.values[last:]
    if history.ended is not None and (last is None or len(history.versions) < last):
        commit, subject, path = history.ended
        first = history.versions[-1] if history.versions else None
        diags.warning(
            "W0613",
            call.span,
            name=sym.py_name,
            commit=commit[:SHORT],
            subject=subject,
            path=path,
            first=first.commit[:SHORT] if first else "",
        )
    return axis


def _pin(version: Version, target, call: n.Call, sym: PyRefSym, pins) -> n.Revision:
    """`f @ "<commit>"`, made for one version, its pin known to `pins`."""
    commit = version.commit
    pins.commits[commit] = commit
    pins.origins[(id(sym), commit)] = version.module
    literal = n.Literal(commit, f'"{commit}"', call.span)
    return n.Revision(target, literal, call.span)
