"""Properties of the whole compiler (`ibc.driver.check_file`, `compile_file`), with hypothesis.

(a) Random text, random expression soup and mutations of real programs (the examples, the
    tour fixture, small valid programs) never make the compiler raise or report an internal
    error (`E0000`), in either target.
(b) Whenever compilation succeeds, the emitted code is valid Python, and (for a sample)
    black formats it.
(c) Generated well-typed programs (literals, lists, records, tuples, arithmetic, comparisons,
    conditionals, `def`s, lambdas, pipes, prelude calls) check without errors, compile in
    both targets, and the plain target, run, gives the values that a direct Python
    evaluation of the same program (`Gen.eval`) gives.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibc.codegen.format import format_python
from ibc.driver import Options, check_file, compile_file

REPO = Path(__file__).resolve().parents[2]
SEED_PROJECTS = {
    "cancer": (REPO / "examples" / "cancer", "cancer.ib"),
    "diabetes": (REPO / "examples" / "diabetes", "diabetes.ib"),
    "tour": (REPO / "tests" / "fixtures" / "tour", "tour.ib"),
}
SMALL_PROGRAMS = [
    "x = 1 + 2 * 3\nys = [x, 4]\nexperiment e = {total = x, first = ys[0]}\n",
    "def f(a: Int, b: Int = 2) -> Int:\n    c = a * b\n    return c + 1\nexperiment e = f(3) |> f(b = 1)\n",
    'g = fn (v: Int) => v * 2\n(p, q) = (g(1), "s")\nr = {a = p, b = q}\nexperiment e = r.a if r.b == "s" else 0\n',
    "xs = map(fn v => v + 1, range(0, 4))\nn = len(xs)\nok = 3 in xs and not n < 2\nexperiment e = (n, ok, str(n))\n",
    "def first[T](xs: List[T]) -> T: return xs[0]\ntype M = {a: Int}\nm: M = {a = first([1, 2])}\nexperiment e = m\n",
]
SETTINGS = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)


# --------------------------------------------------------------------------- running the compiler


def run_all(path: Path, text: str, fmt: bool = False) -> list:
    """`check_file` and `compile_file` for both targets on `text` as the file `path`; asserts
    properties (a) and (b); returns the successful compile results."""
    checked = check_file(path, Options(format=False), text=text)
    assert_no_internal_error(checked)
    done = []
    for target in ("script", "plain"):
        result = compile_file(path, Options(target=target, format=False), text=text)
        assert_no_internal_error(result)
        if checked.ok:
            # A program that checks and a program that compiles differ only by what the
            # emitters refuse (E07xx), never by a checker error appearing late.
            late = [
                d.code for d in result.diagnostics if d.is_error and not d.code.startswith("E07")
            ]
            assert late == [], late
        else:
            assert not result.ok
        if result.ok:
            assert result.code is not None
            compile(result.code, f"{target}.py", "exec")
            if fmt:
                formatted = format_python(result.code)
                compile(formatted, f"{target}.py", "exec")
            done.append(result)
    return done


def assert_no_internal_error(result) -> None:
    internal = [d for d in result.diagnostics if d.code == "E0000"]
    assert internal == [], [d.args for d in internal]
    for d in result.diagnostics:
        assert d.span.line >= 1 and d.span.col >= 1


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """(path, text) of every seed program, each in a copy of its project."""
    out = []
    for name, (folder, main) in SEED_PROJECTS.items():
        dest = tmp_path_factory.mktemp(name) / name
        shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(".ibc", "__pycache__"))
        if name == "tour":
            give_history(dest)  # the tour pins `v0.9`, `v1.0` and `HEAD~3`
        out.append((dest / main, (dest / main).read_text(encoding="utf-8")))
    small = tmp_path_factory.mktemp("small")
    (small / "ibc.toml").write_text("")
    for index, text in enumerate(SMALL_PROGRAMS):
        path = small / f"p{index}.ib"
        path.write_text(text)
        out.append((path, text))
    return out


def give_history(folder: Path) -> None:
    """Make `folder` a git repository of four commits of its files, tagged `v0.9` (the first,
    also `HEAD~3`) and `v1.0` (the second)."""
    import os
    import subprocess

    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)

    git("init", "-q")
    for index in range(4):
        (folder / "HISTORY").write_text(f"commit {index}\n")
        git("add", "-A")
        git("commit", "-q", "-m", f"commit {index}")
        if index < 2:
            git("tag", ("v0.9", "v1.0")[index])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scratch")
    (folder / "ibc.toml").write_text("")
    return folder


def test_seed_programs_compile_and_format(seeds):
    """Every seed checks (the examples and the tour are valid programs); the ones that the
    targets can express compile to code that black formats."""
    compiled = 0
    for path, text in seeds:
        result = check_file(path, Options(format=False))
        assert result.ok, (path, [(d.code, d.args) for d in result.diagnostics])
        compiled += len(run_all(path, text, fmt=True))
    assert compiled == 2 * len(seeds)  # every seed, pinned revisions included, in both targets


# --------------------------------------------------------------------------- (a) random text

TOKENS = st.sampled_from(
    [
        "x",
        "y",
        "f",
        "g",
        "model",
        "len",
        "map",
        "range",
        "file",
        "zip",
        "str",
        "Int",
        "Float",
        "List",
        "Str",
        "1",
        "0",
        "2.5",
        '"s"',
        "True",
        "None",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "=",
        "==",
        "+",
        "-",
        "*",
        "/",
        "//",
        "%",
        "**",
        "<",
        ">=",
        ".",
        "|>",
        "=>",
        "->",
        "@",
        "def ",
        "fn ",
        "return ",
        "if ",
        " else ",
        " and ",
        " not ",
        " in ",
        " with ",
        "experiment ",
        "sweep ",
        "type ",
        "import ",
        "from ",
        " as ",
        "\n",
        "\n    ",
        " ",
        "#",
    ]
)


@settings(max_examples=40, **SETTINGS)
@given(st.lists(TOKENS, max_size=30).map("".join))
def test_random_token_text_never_crashes(scratch, text):
    run_all(scratch / "random.ib", text)


NAMES = st.sampled_from(["a", "b", "c", "f", "g", "xs", "r", "len", "map", "zip", "range", "nope"])
LEAVES = st.one_of(
    NAMES,
    st.sampled_from(["0", "1", "-2", "2.5", '"s"', '""', "True", "None", "[]", "{}", "()"]),
)


def _compound(inner):
    return st.one_of(
        st.tuples(
            inner, st.sampled_from(list("+-*/%<>") + ["//", "**", "==", " and ", " in "]), inner
        ).map(lambda t: f"({t[0]} {t[1].strip()} {t[2]})"),
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + ", ".join(xs) + ")"),
        st.tuples(st.sampled_from(["a", "b", "k"]), inner).map(lambda t: f"{{{t[0]} = {t[1]}}}"),
        st.tuples(inner, inner).map(lambda t: f'{{"{t[0][:3]}": {t[1]}}}'),
        st.tuples(NAMES, st.lists(inner, max_size=2), st.lists(inner, max_size=1)).map(
            lambda t: f"{t[0]}({', '.join(t[1] + [f'k = {v}' for v in t[2]])})"
        ),
        st.tuples(inner, st.sampled_from(["a", "b", "k", "shape"])).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(inner, NAMES).map(lambda t: f"({t[0]} |> {t[1]})"),
        inner.map(lambda body: f"(fn v => {body})"),
        inner.map(lambda body: f"(fn (v: Int, w) => {body})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} with {{ a = {t[1]} }})"),
        inner.map(lambda e: f"(not {e})"),
    )


SOUP = st.recursive(LEAVES, _compound, max_leaves=8)
DECL = st.one_of(
    st.tuples(NAMES, SOUP).map(lambda t: f"{t[0]} = {t[1]}"),
    st.tuples(
        NAMES, st.sampled_from(["Int", "Float", "List[Int]", "{a: Int}", "Optional[Str]"]), SOUP
    ).map(lambda t: f"{t[0]}: {t[1]} = {t[2]}"),
    st.tuples(NAMES, SOUP).map(
        lambda t: f"def {t[0]}(a: Int, b: Float = 1.0) -> Float: return {t[1]}"
    ),
    st.tuples(NAMES, SOUP).map(
        lambda t: f"def {t[0]}[T](xs: List[T]) -> T:\n    v = {t[1]}\n    return xs[0]"
    ),
    st.tuples(NAMES, SOUP).map(lambda t: f"({t[0]}, q) = {t[1]}"),
    st.tuples(NAMES, SOUP).map(lambda t: f"experiment {t[0]} = {t[1]}"),
)


@settings(max_examples=60, **SETTINGS)
@given(st.lists(DECL, min_size=1, max_size=5).map("\n".join), st.integers(0, 4))
def test_random_expression_soup_never_crashes(scratch, text, sample):
    run_all(scratch / "soup.ib", text + "\n", fmt=sample == 0)


# --------------------------------------------------------------------------- (a) mutations

INSERTS = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        "=",
        ".",
        ":",
        "|>",
        " + ",
        " with ",
        "fn ",
        " if ",
        " else ",
        "1",
        '"a"',
        "x",
        "None",
        '@ "v1"',
        "#",
        "\n    ",
        "def ",
        "return ",
    ]
)


@st.composite
def mutation(draw, count):
    index = draw(st.integers(0, count - 1))
    edits = draw(
        st.lists(st.tuples(st.floats(0, 1), st.integers(0, 8), INSERTS), min_size=1, max_size=3)
    )
    return index, edits


def mutate(text: str, edits) -> str:
    for where, cut, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
    return text


@settings(max_examples=60, **SETTINGS)
@given(mutation(len(SEED_PROJECTS) + len(SMALL_PROGRAMS)), st.integers(0, 5))
def test_mutated_programs_never_crash(seeds, mut, sample):
    index, edits = mut
    path, text = seeds[index]
    run_all(path, mutate(text, edits), fmt=sample == 0)


@st.composite
def line_swap(draw, count):
    index = draw(st.integers(0, count - 1))
    return index, draw(st.integers(0, 10_000)), draw(st.integers(0, 10_000))


@settings(max_examples=20, **SETTINGS)
@given(line_swap(len(SEED_PROJECTS) + len(SMALL_PROGRAMS)), st.booleans())
def test_programs_with_lines_dropped_or_duplicated_never_crash(seeds, mut, duplicate):
    """Whole-line edits keep the syntax mostly valid, so they reach the checker and the
    emitters: names go missing, get bound twice, or come before their users."""
    index, a, b = mut
    path, text = seeds[index]
    lines = text.split("\n")
    i, j = a % len(lines), b % len(lines)
    if duplicate:
        lines.insert(j, lines[i])
    else:
        del lines[i]
        lines[j % max(len(lines), 1) : j % max(len(lines), 1)] = []
    run_all(path, "\n".join(lines))


# --------------------------------------------------------------------------- (c) generated programs
#
# An expression is a small tree of tuples; `Gen.text` prints it as Iterbuild source and
# `Gen.eval` computes its value the way Python would. Each generated program is a sequence of
# items that may only use earlier ones (so there is no cycle); the file lists them shuffled,
# since top-level order does not matter.

INT, FLOAT, BOOL, STR, LIST, REC = "Int", "Float", "Bool", "Str", "List[Int]", "{a: Int, s: Str}"
TYPES = [INT, FLOAT, BOOL, STR, LIST, REC]


class Gen:
    def __init__(self, draw) -> None:
        self.draw = draw
        self.globals: dict[str, str] = {}  # top-level value name -> type
        self.defs: dict[str, tuple] = (
            {}
        )  # name -> (params [(name, default ast|None)], locals, result)
        self.lambdas: dict[str, tuple] = {}  # top-level lambda name -> (param, body)
        self.items: list[tuple[str, str]] = []  # (kind, source text) in generation order
        self.values: list[tuple[str, str, object]] = []  # (kind, name, ast)
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    # ------------------------------------------------------------- expressions

    def expr(self, ty: str, scope: dict[str, str], depth: int):
        names = [v for v, t in scope.items() if t == ty]
        choices = ["lit"] + (["var"] * 2 if names else [])
        if depth > 0:
            choices += {
                INT: [
                    "arith",
                    "arith",
                    "divmod",
                    "neg",
                    "if",
                    "len",
                    "index",
                    "field",
                    "lam",
                    "boolsum",
                ]
                + ["call", "gcall", "pipe"] * 2,
                FLOAT: ["farith", "div", "neg", "if", "mixed"],
                BOOL: ["cmp", "not", "andor", "in", "streq"],
                STR: ["concat", "if", "repeat", "str", "field"],
                LIST: ["list", "concat", "if", "map", "range"],
                REC: ["rec", "if"],
            }[ty]
        kind = self.pick(choices)
        sub = depth - 1
        if kind == "var":
            return ("var", self.pick(names))
        if kind == "lit":
            return self.literal(ty, scope, depth)
        if kind == "arith":
            return (
                "bin",
                self.pick(["+", "-", "*"]),
                self.expr(INT, scope, sub),
                self.expr(INT, scope, sub),
            )
        if kind == "divmod":
            return (
                "bin",
                self.pick(["//", "%"]),
                self.expr(INT, scope, sub),
                ("lit", self.pick([2, 3, -4, 7])),
            )
        if kind == "neg":
            return ("neg", self.expr(ty, scope, sub))
        if kind == "if":
            return (
                "if",
                self.expr(BOOL, scope, sub),
                self.expr(ty, scope, sub),
                self.expr(ty, scope, sub),
            )
        if kind == "len":
            return ("call_prelude", "len", [self.expr(self.pick([LIST, STR]), scope, sub)])
        if kind == "index":
            return ("index", self.expr(LIST, scope, sub), ("lit", self.pick([0, -1])))
        if kind == "field":
            return ("field", self.expr(REC, scope, sub), "a" if ty == INT else "s")
        if kind == "call" and self.defs:
            return self.def_call(scope, sub)
        if kind == "lam":
            param = self.fresh("v")
            inner = {**scope, param: INT}
            return ("lamapp", param, self.expr(INT, inner, sub), self.expr(INT, scope, sub))
        if kind == "gcall" and self.lambdas:
            return ("gcall", self.pick(sorted(self.lambdas)), self.expr(INT, scope, sub))
        if kind == "pipe":
            targets = [("lambda", g) for g in self.lambdas] + [("def", f) for f in self.defs]
            if targets:
                which, name = self.pick(sorted(targets))
                if which == "lambda":
                    return ("pipe_name", self.expr(INT, scope, sub), name)
                params = self.defs[name][0]
                if len(params) > 1 and self.draw(st.booleans()):
                    return (
                        "pipe_call",
                        self.expr(INT, scope, sub),
                        name,
                        params[1][0],
                        self.expr(INT, scope, sub),
                    )
                return ("pipe_name", self.expr(INT, scope, sub), name)
        if kind == "boolsum":
            return ("bin", "+", self.expr(BOOL, scope, sub), self.expr(BOOL, scope, sub))
        if kind == "farith":
            return (
                "bin",
                self.pick(["+", "-", "*"]),
                self.expr(FLOAT, scope, sub),
                self.expr(FLOAT, scope, sub),
            )
        if kind == "div":
            num = self.expr(self.pick([INT, FLOAT]), scope, sub)
            return ("bin", "/", num, ("lit", self.pick([2, 4, 0.5, -8])))
        if kind == "mixed":
            return (
                "bin",
                self.pick(["+", "*"]),
                self.expr(INT, scope, sub),
                self.expr(FLOAT, scope, sub),
            )
        if kind == "cmp":
            operand = self.pick([INT, FLOAT])
            return (
                "cmp",
                self.pick(["<", "<=", ">", ">=", "==", "!="]),
                self.expr(operand, scope, sub),
                self.expr(INT, scope, sub),
            )
        if kind == "not":
            return ("not", self.expr(BOOL, scope, sub))
        if kind == "andor":
            return (
                "bool",
                self.pick(["and", "or"]),
                self.expr(BOOL, scope, sub),
                self.expr(BOOL, scope, sub),
            )
        if kind == "in":
            return (
                "cmp",
                self.pick(["in", "not in"]),
                self.expr(INT, scope, sub),
                self.expr(LIST, scope, sub),
            )
        if kind == "streq":
            return (
                "cmp",
                self.pick(["==", "!=", "<"]),
                self.expr(STR, scope, sub),
                self.expr(STR, scope, sub),
            )
        if kind == "concat":
            return ("bin", "+", self.expr(ty, scope, sub), self.expr(ty, scope, sub))
        if kind == "repeat":
            return ("bin", "*", self.expr(STR, scope, sub), ("lit", self.pick([0, 1, 2])))
        if kind == "str":
            return ("call_prelude", "str", [self.expr(INT, scope, sub)])
        if kind == "list":
            return ("list", [self.expr(INT, scope, sub) for _ in range(self.pick([1, 2, 3]))])
        if kind == "map":
            param = self.fresh("v")
            return (
                "map",
                param,
                self.expr(INT, {**scope, param: INT}, sub),
                self.expr(LIST, scope, sub),
            )
        if kind == "range":
            return (
                "call_prelude",
                "range",
                [("lit", self.pick([0, 1, -2])), ("lit", self.pick([3, 4]))],
            )
        if kind == "rec":
            fields = [("a", self.expr(INT, scope, sub)), ("s", self.expr(STR, scope, sub))]
            if self.draw(st.booleans()):
                fields.reverse()
            return ("rec", fields)
        return self.literal(ty, scope, depth)  # a choice that needs what this program lacks

    def literal(self, ty: str, scope, depth):
        if ty == INT:
            return ("lit", self.draw(st.integers(-20, 100)))
        if ty == FLOAT:
            return ("lit", self.pick([0.5, 1.25, 2.0, -0.75, 3.5, 0.0]))
        if ty == BOOL:
            return ("lit", self.draw(st.booleans()))
        if ty == STR:
            return ("lit", self.pick(["", "a", "ab", "xyz", "it's"]))
        if ty == LIST:
            return (
                "list",
                [("lit", self.draw(st.integers(-5, 9))) for _ in range(self.pick([1, 2, 3]))],
            )
        return (
            "rec",
            [("a", ("lit", self.draw(st.integers(0, 9)))), ("s", ("lit", self.pick(["p", "q"])))],
        )

    def def_call(self, scope, depth):
        name = self.pick(sorted(self.defs))
        params = self.defs[name][0]
        args = [self.expr(INT, scope, depth)]
        kwargs = []
        if len(params) > 1:
            style = self.pick(["omit", "pos", "kw", "allkw"])
            if style == "pos":
                args.append(self.expr(INT, scope, depth))
            elif style == "kw":
                kwargs.append((params[1][0], self.expr(INT, scope, depth)))
            elif style == "allkw":
                kwargs = [(params[1][0], self.expr(INT, scope, depth)), (params[0][0], args.pop())]
        return ("defcall", name, args, kwargs)

    # ------------------------------------------------------------- declarations

    def binding(self):
        ty = self.pick(TYPES)
        name = self.fresh("b")
        value = self.expr(ty, self.globals, self.pick([1, 2, 3]))
        annotation = ""
        if self.draw(st.booleans()):
            annotation = f": {FLOAT if ty == INT and self.draw(st.booleans()) else ty}"
        self.items.append(("binding", f"{name}{annotation} = {self.text(value)}"))
        self.values.append(("binding", name, value))
        self.globals[name] = FLOAT if annotation == f": {FLOAT}" else ty

    def destructure(self):
        a, b = self.fresh("t"), self.fresh("t")
        ta, tb = self.pick(TYPES), self.pick(TYPES)
        ea, eb = self.expr(ta, self.globals, 2), self.expr(tb, self.globals, 2)
        whole = ("tuple", [ea, eb])
        self.items.append(("binding", f"({a}, {b}) = {self.text(whole)}"))
        self.values.append(("binding", a, ea))
        self.values.append(("binding", b, eb))
        self.globals[a], self.globals[b] = ta, tb

    def funcdef(self):
        name = self.fresh("f")
        p0, p1 = self.fresh("p"), self.fresh("p")
        params = [(p0, None)]
        if self.draw(st.booleans()):
            params.append((p1, ("lit", self.draw(st.integers(-3, 5)))))
        scope = {**self.globals, **{p: INT for p, _ in params}}
        local_stmts = []
        if self.draw(st.booleans()):
            local = self.fresh("l")
            local_stmts.append((local, self.expr(INT, scope, 2)))
            scope = {**scope, local: INT}
        result = self.expr(INT, scope, 2)
        sig = ", ".join(f"{p}: Int" + (f" = {self.text(d)}" if d else "") for p, d in params)
        body = "".join(f"    {ln} = {self.text(e)}\n" for ln, e in local_stmts)
        if body:
            text = f"def {name}({sig}) -> Int:\n{body}    return {self.text(result)}"
        else:
            text = f"def {name}({sig}) -> Int: return {self.text(result)}"
        self.items.append(("def", text))
        self.defs[name] = (params, local_stmts, result)

    def lambda_binding(self):
        name, param = self.fresh("g"), self.fresh("x")
        body = self.expr(INT, {**self.globals, param: INT}, 2)
        self.items.append(("binding", f"{name} = fn ({param}: Int) => {self.text(body)}"))
        self.lambdas[name] = (param, body)

    def experiment(self):
        name = self.fresh("e")
        if self.globals and self.draw(st.booleans()):
            chosen = self.draw(
                st.lists(st.sampled_from(sorted(self.globals)), min_size=1, max_size=3, unique=True)
            )
            value = ("rec", [(c, ("var", c)) for c in chosen])
        else:
            value = self.expr(self.pick(TYPES), self.globals, 2)
        self.items.append(("experiment", f"experiment {name} = {self.text(value)}"))
        self.values.append(("experiment", name, value))

    # ------------------------------------------------------------- printing

    def text(self, e) -> str:
        kind = e[0]
        if kind == "lit":
            v = e[1]
            if isinstance(v, str):
                return json.dumps(v)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0:
                return f"({v!r})"
            return repr(v)
        if kind == "var":
            return e[1]
        if kind == "bin":
            return f"({self.text(e[2])} {e[1]} {self.text(e[3])})"
        if kind == "cmp":
            return f"({self.text(e[2])} {e[1]} {self.text(e[3])})"
        if kind == "bool":
            return f"({self.text(e[2])} {e[1]} {self.text(e[3])})"
        if kind == "neg":
            return f"(-{self.text(e[1])})"
        if kind == "not":
            return f"(not {self.text(e[1])})"
        if kind == "if":
            return f"({self.text(e[2])} if {self.text(e[1])} else {self.text(e[3])})"
        if kind == "call_prelude":
            return f"{e[1]}({', '.join(self.text(a) for a in e[2])})"
        if kind == "index":
            return f"{self.text(e[1])}[{self.text(e[2])}]"
        if kind == "field":
            return f"{self.text(e[1])}.{e[2]}"
        if kind == "defcall":
            parts = [self.text(a) for a in e[2]] + [f"{k} = {self.text(v)}" for k, v in e[3]]
            return f"{e[1]}({', '.join(parts)})"
        if kind == "lamapp":
            return f"(fn ({e[1]}: Int) => {self.text(e[2])})({self.text(e[3])})"
        if kind == "gcall":
            return f"{e[1]}({self.text(e[2])})"
        if kind == "pipe_name":
            return f"({self.text(e[1])} |> {e[2]})"
        if kind == "pipe_call":
            return f"({self.text(e[1])} |> {e[2]}({e[3]} = {self.text(e[4])}))"
        if kind == "map":
            return f"map(fn {e[1]} => {self.text(e[2])}, {self.text(e[3])})"
        if kind == "list":
            return "[" + ", ".join(self.text(i) for i in e[1]) + "]"
        if kind == "tuple":
            return "(" + ", ".join(self.text(i) for i in e[1]) + ")"
        if kind == "rec":
            return "{" + ", ".join(f"{k} = {self.text(v)}" for k, v in e[1]) + "}"
        raise AssertionError(kind)

    # ------------------------------------------------------------- evaluating

    def eval(self, e, env: dict):
        kind = e[0]
        ev = self.eval
        if kind == "lit":
            return e[1]
        if kind == "var":
            return env[e[1]]
        if kind == "bin":
            a, b = ev(e[2], env), ev(e[3], env)
            return {
                "+": lambda: a + b,
                "-": lambda: a - b,
                "*": lambda: a * b,
                "/": lambda: a / b,
                "//": lambda: a // b,
                "%": lambda: a % b,
            }[e[1]]()
        if kind == "cmp":
            a, b = ev(e[2], env), ev(e[3], env)
            return {
                "<": lambda: a < b,
                "<=": lambda: a <= b,
                ">": lambda: a > b,
                ">=": lambda: a >= b,
                "==": lambda: a == b,
                "!=": lambda: a != b,
                "in": lambda: a in b,
                "not in": lambda: a not in b,
            }[e[1]]()
        if kind == "bool":
            if e[1] == "and":
                return ev(e[2], env) and ev(e[3], env)
            return ev(e[2], env) or ev(e[3], env)
        if kind == "neg":
            return -ev(e[1], env)
        if kind == "not":
            return not ev(e[1], env)
        if kind == "if":
            return ev(e[2], env) if ev(e[1], env) else ev(e[3], env)
        if kind == "call_prelude":
            args = [ev(a, env) for a in e[2]]
            return {"len": len, "str": str, "range": lambda a, b: list(range(a, b))}[e[1]](*args)
        if kind == "index":
            return ev(e[1], env)[ev(e[2], env)]
        if kind == "field":
            return ev(e[1], env)[e[2]]
        if kind == "defcall":
            args = [ev(a, env) for a in e[2]]
            kwargs = {k: ev(v, env) for k, v in e[3]}
            return self.call_def(e[1], args, kwargs, env)
        if kind == "lamapp":
            return ev(e[2], {**env, e[1]: ev(e[3], env)})
        if kind == "gcall":
            param, body = self.lambdas[e[1]]
            return ev(body, {**self.env, param: ev(e[2], env)})
        if kind == "pipe_name":
            value = ev(e[1], env)
            if e[2] in self.lambdas:
                param, body = self.lambdas[e[2]]
                return ev(body, {**self.env, param: value})
            return self.call_def(e[2], [value], {}, env)
        if kind == "pipe_call":
            return self.call_def(e[2], [ev(e[1], env)], {e[3]: ev(e[4], env)}, env)
        if kind == "map":
            return [ev(e[2], {**env, e[1]: x}) for x in ev(e[3], env)]
        if kind == "list":
            return [ev(i, env) for i in e[1]]
        if kind == "tuple":
            return tuple(ev(i, env) for i in e[1])
        if kind == "rec":
            return {k: ev(v, env) for k, v in e[1]}
        raise AssertionError(kind)

    def call_def(self, name, args, kwargs, env):
        params, local_stmts, result = self.defs[name]
        scope = dict(self.env)  # a def sees the module scope, not its caller's locals
        for index, (p, default) in enumerate(params):
            if index < len(args):
                scope[p] = args[index]
            elif p in kwargs:
                scope[p] = kwargs[p]
            else:
                scope[p] = self.eval(default, self.env)
        for local, value in local_stmts:
            scope[local] = self.eval(value, scope)
        return self.eval(result, scope)

    def expected(self) -> dict[str, object]:
        """The value of every binding and experiment, by name."""
        self.env: dict[str, object] = {}
        out = {}
        for _, name, value in self.values:
            out[name] = self.env[name] = self.eval(value, self.env)
        return out


@st.composite
def programs(draw):
    gen = Gen(draw)
    makers = [
        gen.binding,
        gen.binding,
        gen.binding,
        gen.funcdef,
        gen.lambda_binding,
        gen.destructure,
    ]
    for _ in range(draw(st.integers(1, 7))):
        draw(st.sampled_from(makers))()
    gen.experiment()
    if draw(st.booleans()):
        gen.experiment()
    order = draw(st.permutations(range(len(gen.items))))
    text = "\n".join(gen.items[i][1] for i in order) + "\n"
    return text, gen


def same(a, b) -> bool:
    """Equal values of the same Python types, all the way down (`1` is not `1.0` or `True`)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def run_plain_in_process(code: str) -> dict:
    """Run an emitted plain program in-process (every target, as `python plain.py` does);
    returns `{name: value}` of its targets and bindings, the values themselves."""
    import contextlib
    import io

    namespace: dict = {"__name__": "__main__"}
    saved_path, saved_env, saved_argv = list(sys.path), dict(os.environ), sys.argv
    try:
        sys.argv = ["plain.py"]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            exec(compile(code, "plain.py", "exec"), namespace)
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        os.environ.clear()
        os.environ.update(saved_env)
    if "_IbcScope" in namespace:  # the layered form: each name is a function of a scope
        runners = {**namespace["_IBC_BINDINGS"], **namespace["_IBC_TARGETS"]}
        return {name: run() for name, run in runners.items()}
    renamed = namespace.get("_IBC_RENAMED", {})
    names = [*namespace["_IBC_BINDINGS"], *namespace["_IBC_TARGETS"]]
    return {name: namespace[renamed.get(name, name)] for name in names}


def compile_generated(folder: Path, text: str):
    path = folder / "gen.ib"
    path.write_text(text)
    checked = check_file(path, Options(format=False))
    errors = [(d.code, d.span.line, d.args) for d in checked.diagnostics if d.is_error]
    assert errors == [], (text, errors)
    results = {}
    for target in ("script", "plain"):
        result = compile_file(path, Options(target=target, format=False))
        assert result.ok, (text, target, [(d.code, d.args) for d in result.diagnostics])
        compile(result.code, f"{target}.py", "exec")
        results[target] = result
    return results


@settings(max_examples=40, **SETTINGS)
@given(programs())
def test_generated_programs_run_to_the_values_python_computes(scratch, program):
    text, gen = program
    results = compile_generated(scratch, text)
    expected = gen.expected()
    ns = run_plain_in_process(results["plain"].code)
    found = {}
    for name in expected:
        assert name in ns, (name, text)
        found[name] = ns[name]
    mismatched = {k: (expected[k], found[k]) for k in expected if not same(expected[k], found[k])}
    assert mismatched == {}, text


@settings(max_examples=4, **SETTINGS)
@given(programs())
def test_generated_program_runs_as_a_script(scratch, program):
    """The plain target as a command, `--json`: every experiment's value, as JSON."""
    text, gen = program
    results = compile_generated(scratch, text)
    out = scratch / "gen_plain.py"
    out.write_text(format_python(results["plain"].code))
    proc = subprocess.run(
        [sys.executable, str(out), "--json"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    expected = gen.expected()
    experiments = {name for kind, name, _ in gen.values if kind == "experiment"}
    want = {name: json.loads(json.dumps(expected[name])) for name in experiments}
    assert json.loads(proc.stdout) == want


# --------------------------------------------------------------------------- known bugs


def test_def_with_default_used_as_a_value_runs(scratch):
    text = (
        "def f(a: Int, b: Int = 2) -> Int: return a + b\n"
        "h = f\n"
        "experiment e = h(1)\n"
        "experiment m = map(f, [1, 2])\n"
    )
    results = compile_generated(scratch, text)
    ns = run_plain_in_process(results["plain"].code)
    assert ns["e"] == 3
    assert ns["m"] == [3, 4]


def test_lambda_with_default_runs(scratch):
    text = "g = fn (x: Int, y: Int = 2) => x + y\nexperiment e = g(1)\n"
    results = compile_generated(scratch, text)
    ns = run_plain_in_process(results["plain"].code)
    assert ns["e"] == 3
