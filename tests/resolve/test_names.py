"""Name resolution (`ibc.resolve.names`): which symbol each name refers to (scopes of lambdas,
`def` parameters and locals, the module, `.ib` imports, the prelude), the `Resolution`
tables (`symbols`, `uses`, `locals`, `order`) and cycle reports."""

from __future__ import annotations

from pathlib import Path

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.resolve import resolve
from ibc.resolve.symbols import (
    BindingSym,
    DefSym,
    IbModuleSym,
    LocalSym,
    PyRefSym,
    TargetSym,
    TypeSym,
)
from ibc.syntax import nodes as n


def project(tmp_path: Path, main: str, files: dict[str, str] | None = None):
    (tmp_path / "ibc.toml").write_text("")
    for rel, body in (files or {}).items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    path = tmp_path / "main.ib"
    path.write_text(main)
    diags = Diagnostics()
    resolved = resolve(path, diags)
    return resolved, diags.sorted()


def walk(node):
    yield node
    for child in n.children(node):
        yield from walk(child)


def decl_named(info, name):
    for decl in info.ast.decls:
        if isinstance(decl, n.Binding) and isinstance(decl.pattern, n.NamePattern):
            if decl.pattern.name.text == name:
                return decl
        elif isinstance(decl, (n.FuncDef, n.Experiment, n.Sweep)) and decl.name.text == name:
            return decl
    raise KeyError(name)


def vars_in(node, name):
    return [x for x in walk(node) if isinstance(x, n.Var) and x.name == name]


def sym_of(resolved, node):
    return resolved.names.symbols.get(id(node))


def main_order(resolved):
    """Names of the main file's declarations in the resolved (dependency) order."""
    out = []
    for info, decl in resolved.names.order:
        if info is resolved.main:
            if isinstance(decl, n.Binding):
                out.extend(x.name.text for x in walk(decl.pattern) if isinstance(x, n.NamePattern))
            else:
                out.append(decl.name.text)
    return out


# --------------------------------------------------------------------------- top level


def test_top_level_names_are_visible_before_their_binding(tmp_path):
    r, diags = project(tmp_path, "c = b + 1\nb = a * 2\na = 1\n")
    assert diags == []
    assert main_order(r) == ["a", "b", "c"]
    (use,) = vars_in(decl_named(r.main, "c"), "b")
    sym = sym_of(r, use)
    assert isinstance(sym, BindingSym) and sym.decl is decl_named(r.main, "b")


def test_uses_lists_the_top_level_declarations_used(tmp_path):
    r, _ = project(tmp_path, "a = 1\ndef f(x: Int) -> Int: return x + a\nb = f(a)\n")
    used = [s.name for s in r.names.uses[id(decl_named(r.main, "b"))]]
    assert sorted(used) == ["a", "f"]
    used_by_f = [s.name for s in r.names.uses[id(decl_named(r.main, "f"))]]
    assert used_by_f == ["a"]  # parameters are not top-level uses


def test_order_puts_each_declaration_after_what_it_uses(tmp_path):
    text = (
        "experiment e = f(z)\n"
        "z = y + x\n"
        "def f(v: Int) -> Int: return v + w\n"
        "y = x\n"
        "x = 1\n"
        "w = 2\n"
    )
    r, diags = project(tmp_path, text)
    assert diags == []
    order = main_order(r)
    assert sorted(order) == ["e", "f", "w", "x", "y", "z"]
    for before, after in [("x", "y"), ("y", "z"), ("x", "z"), ("w", "f"), ("f", "e"), ("z", "e")]:
        assert order.index(before) < order.index(after), (before, after, order)


def test_destructured_names_share_one_declaration(tmp_path):
    r, diags = project(tmp_path, "s = a + b\n(a, (b, c)) = (1, (2, 3))\n")
    assert diags == []
    syms = [r.main.values[x] for x in "abc"]
    assert all(isinstance(s, BindingSym) for s in syms)
    assert syms[0].decl is syms[1].decl is syms[2].decl
    assert [s.position for s in syms] == [(0,), (1, 0), (1, 1)]


def test_experiments_are_target_symbols(tmp_path):
    r, diags = project(tmp_path, "experiment a = 1\nexperiment b = a + 1\n")
    assert diags == []
    (use,) = vars_in(decl_named(r.main, "b"), "a")
    assert isinstance(sym_of(r, use), TargetSym)
    assert main_order(r) == ["a", "b"]


def test_values_and_types_are_two_namespaces(tmp_path):
    r, diags = project(tmp_path, "type Seed = Int\nSeed = 3\nx: Seed = Seed\n")
    assert diags == []
    assert isinstance(r.main.types["Seed"], TypeSym)
    assert isinstance(r.main.values["Seed"], BindingSym)


def test_prelude_names_resolve_to_python_references(tmp_path):
    r, diags = project(tmp_path, "n = len([1, 2])\n")
    assert diags == []
    (use,) = vars_in(decl_named(r.main, "n"), "len")
    sym = sym_of(r, use)
    assert isinstance(sym, PyRefSym) and sym.module is r.prelude


def test_a_top_level_name_shadows_the_prelude(tmp_path):
    r, diags = project(tmp_path, "def len(x: Int) -> Int: return x\nn = len(3)\n")
    assert diags == []
    (use,) = vars_in(decl_named(r.main, "n"), "len")
    assert isinstance(sym_of(r, use), DefSym)


def test_unknown_name_is_reported_with_suggestion(tmp_path):
    r, diags = project(tmp_path, "alpha = 1\nx = alpah\n")
    assert [d.code for d in diags] == ["E0201"]
    assert "alpha" in diags[0].args["suggestions"]
    (use,) = vars_in(decl_named(r.main, "x"), "alpah")
    assert sym_of(r, use) is None


# --------------------------------------------------------------------------- scopes


def test_def_parameters_shadow_top_level(tmp_path):
    r, diags = project(tmp_path, "x = 1\ndef f(x: Int) -> Int: return x\n")
    assert diags == []
    f = decl_named(r.main, "f")
    (use,) = vars_in(f.result, "x")
    sym = sym_of(r, use)
    assert isinstance(sym, LocalSym) and sym.owner is f
    assert r.names.locals[id(f.params[0])] is sym


def test_def_locals_see_earlier_locals(tmp_path):
    text = "def f(a: Int) -> Int:\n    b = a + 1\n    c = b * 2\n    return c\n"
    r, diags = project(tmp_path, text)
    assert diags == []
    f = decl_named(r.main, "f")
    (b_use,) = vars_in(f.body[1].value, "b")
    sym = sym_of(r, b_use)
    assert isinstance(sym, LocalSym) and sym.decl is f.body[0]
    assert r.names.locals[id(f.body[0].pattern.name)] is sym


def test_def_local_used_before_binding_is_an_error_even_if_global_exists(tmp_path):
    text = "b = 5\ndef f(a: Int) -> Int:\n    c = b\n    b = a\n    return c\n"
    _, diags = project(tmp_path, text)
    assert [(d.code, d.span.line) for d in diags] == [("E0211", 3)]


def test_lambda_parameters_shadow_outer_names(tmp_path):
    r, diags = project(tmp_path, "x = 1\ng = fn x => x + y\ny = 2\n")
    assert diags == []
    g = decl_named(r.main, "g")
    (x_use,) = vars_in(g.value.body, "x")
    (y_use,) = vars_in(g.value.body, "y")
    assert isinstance(sym_of(r, x_use), LocalSym)
    assert isinstance(sym_of(r, y_use), BindingSym)
    assert [s.name for s in r.names.uses[id(g)]] == ["y"]


def test_nested_lambda_sees_enclosing_lambda_and_def(tmp_path):
    r, diags = project(
        tmp_path, "def f(a: Int) -> Int: return (fn b => (fn c => a + b + c)(1))(2)\n"
    )
    assert diags == []
    f = decl_named(r.main, "f")
    for name in "abc":
        (use,) = vars_in(f.result, name)
        assert isinstance(sym_of(r, use), LocalSym), name


def test_lambda_default_is_resolved_outside_the_lambda(tmp_path):
    r, diags = project(tmp_path, "k = 1\ng = fn (k: Int = k) => k\n")
    assert diags == []
    lam = decl_named(r.main, "g").value
    (default_use,) = vars_in(lam.params[0].default, "k")
    (body_use,) = vars_in(lam.body, "k")
    assert isinstance(sym_of(r, default_use), BindingSym)
    assert isinstance(sym_of(r, body_use), LocalSym)


def test_duplicate_lambda_parameter(tmp_path):
    _, diags = project(tmp_path, "g = fn (a, a) => a\n")
    assert [d.code for d in diags] == ["E0209"]


# --------------------------------------------------------------------------- cycles


def test_three_binding_cycle_is_reported_once_with_its_chain(tmp_path):
    r, diags = project(tmp_path, "a = b\nb = c\nc = a\nd = 1\n")
    assert [d.code for d in diags] == ["E0203"]
    d = diags[0]
    assert sorted(d.args["names"]) == ["a", "b", "c"]
    chain = d.args["chain"].split(" -> ")
    assert len(chain) == 4 and chain[0] == chain[-1]
    assert len(d.related) == 2
    assert main_order(r) == ["d"]  # cycle members are left out of the order


def test_cycle_through_a_def_is_a_binding_cycle(tmp_path):
    _, diags = project(tmp_path, "def f(x: Int) -> Int: return x + a\na = f(1)\n")
    assert [d.code for d in diags] == ["E0203"]
    assert sorted(diags[0].args["names"]) == ["a", "f"]


def test_two_independent_cycles_are_both_reported(tmp_path):
    _, diags = project(tmp_path, "a = b\nb = a\nx = y\ny = x\n")
    assert [d.code for d in diags] == ["E0203", "E0203"]
    assert {tuple(sorted(d.args["names"])) for d in diags} == {("a", "b"), ("x", "y")}


def test_recursion_among_defs(tmp_path):
    text = "def f(x: Int) -> Int: return g(x)\ndef g(x: Int) -> Int: return h(x)\n"
    text += "def h(x: Int) -> Int: return f(x)\n"
    _, diags = project(tmp_path, text)
    assert [d.code for d in diags] == ["E0204"]
    assert sorted(diags[0].args["names"]) == ["f", "g", "h"]


def test_a_long_chain_orders_without_recursion_limits(tmp_path):
    lines = [f"x{i} = x{i + 1} + 1" for i in range(1500)] + ["x1500 = 0"]
    r, diags = project(tmp_path, "\n".join(lines) + "\n")
    assert diags == []
    order = main_order(r)
    assert order[0] == "x1500" and order[-1] == "x0"


# --------------------------------------------------------------------------- .ib modules


COMMON = "base = 10\ndef twice(v: Int) -> Int: return v * 2\ntype Pair = Tuple[Int, Int]\n"


def test_module_member_resolves_to_the_modules_symbol(tmp_path):
    r, diags = project(
        tmp_path, 'import "common.ib" as c\nx = c.twice(c.base)\n', {"common.ib": COMMON}
    )
    assert diags == []
    x = decl_named(r.main, "x")
    attrs = [a for a in walk(x) if isinstance(a, n.Attribute)]
    by_name = {a.name.text: sym_of(r, a) for a in attrs}
    assert isinstance(by_name["twice"], DefSym) and isinstance(by_name["base"], BindingSym)
    common = next(m for m in r.modules if m.path.name == "common.ib")
    assert by_name["base"] is common.values["base"]
    assert isinstance(sym_of(r, attrs[0].value), IbModuleSym)
    assert sorted(s.name for s in r.names.uses[id(x)]) == ["base", "twice"]


def test_from_import_binds_the_same_symbol(tmp_path):
    r, diags = project(
        tmp_path, 'from "common.ib" import base, Pair\np: Pair = (base, 1)\n', {"common.ib": COMMON}
    )
    assert diags == []
    common = next(m for m in r.modules if m.path.name == "common.ib")
    assert r.main.values["base"] is common.values["base"]
    assert r.main.types["Pair"] is common.types["Pair"]
    assert "base" not in [s.name for s in r.main.own_values]


def test_imported_declarations_are_ordered_before_their_users(tmp_path):
    r, diags = project(tmp_path, 'import "common.ib" as c\nx = c.base\n', {"common.ib": COMMON})
    assert diags == []
    positions = {}
    for index, (info, decl) in enumerate(r.names.order):
        if isinstance(decl, n.Binding) and isinstance(decl.pattern, n.NamePattern):
            positions[(info.path.name, decl.pattern.name.text)] = index
    assert positions[("common.ib", "base")] < positions[("main.ib", "x")]


def test_stem_names_the_module_without_as(tmp_path):
    r, diags = project(
        tmp_path, 'import "lib/common.ib"\nx = common.base\n', {"lib/common.ib": COMMON}
    )
    assert diags == []
    assert isinstance(r.main.values["common"], IbModuleSym)


def test_module_scope_is_not_the_importers(tmp_path):
    # `common.ib` cannot see `main.ib`'s names.
    files = {"common.ib": "y = secret + 1\n"}
    _, diags = project(tmp_path, 'import "common.ib" as c\nsecret = 1\nx = c.y\n', files)
    assert [d.code for d in diags] == ["E0201"]
    assert diags[0].span.file.endswith("common.ib")
