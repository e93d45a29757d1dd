"""The inline transformer of the LALR parser: grammar rules -> `ibc.syntax.nodes`.

Lark calls one method per rule (or alias) of `grammar/iterbuild.lark` as the rule is reduced,
with the rule's children: tokens (every named terminal is kept) and the nodes already built;
`None` stands for an absent `[optional]`. Spans run from the first to the last token; a
parenthesized expression keeps its own span, and `outer` remembers the extent with its
parentheses so that enclosing nodes start or end at the `(`/`)`. A rule that parses but
is not valid Iterbuild (`import numpy as np`, a slice-free index, mixed record/dict
braces, ...) raises `Problem`, which the parser turns into a diagnostic.
"""

from __future__ import annotations

from ibc.base.records import replace
from ibc.syntax import nodes as n
from ibc.syntax._lark_parser import Token
from ibc.syntax.lexical import IMPURE
from ibc.base.spans import Source, Span


class Problem(Exception):
    """A syntax error found while building the tree: a code, a span and the facts."""

    def __init__(self, code: str, span: Span, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.span = span
        self.facts = args


class _Items:
    """The item list of an import (or `*`), with its extent."""

    def __init__(self, items: tuple, end: object, star: Token | None = None) -> None:
        self.items = items
        self.end = end  # the last token or node, for the import's span
        self.star = star


class _Op:
    """A comparison operator (`not in` is two tokens)."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Entry:
    """A dict entry `k: v` before the braces decide between a dict and a record."""

    def __init__(self, key: n.Expr, value: n.Expr) -> None:
        self.key = key
        self.value = value


class _Return:
    def __init__(self, value: n.Expr, span: Span) -> None:
        self.value = value
        self.span = span


class _Seq(tuple):
    """A bracketed list (`[T, M <: E]`, parameters) that remembers its extent."""

    start: int
    end: int


def _seq(items, start: int, end: int) -> _Seq:
    out = _Seq(items)
    out.start = start
    out.end = end
    return out


class _Marker:
    """The bare `*` of a parameter list."""

    def __init__(self, tok: Token) -> None:
        self.tok = tok


def _kept(children: list) -> list:
    return [c for c in children if c is not None]


def _nodes(children: list) -> list:
    return [c for c in children if c is not None and not isinstance(c, Token)]


def _is(child: object, kind: str) -> bool:
    return isinstance(child, Token) and child.type == kind


class AstBuilder:
    """One instance serves every parse; `reset` points it at the current source."""

    def __init__(self) -> None:
        self.reset(None, None)

    def reset(self, source: Source | None, lexer) -> None:
        self.source = source
        self.lexer = lexer
        self.outer: dict[int, tuple[int, int]] = {}

    # ------------------------------------------------------------------ spans

    def _start(self, x) -> int:
        if isinstance(x, Token):
            return x.start_pos
        if isinstance(x, _Seq):
            return x.start
        ext = self.outer.get(id(x))
        return ext[0] if ext else x.span.start

    def _end(self, x) -> int:
        if isinstance(x, Token):
            return x.end_pos
        if isinstance(x, _Seq):
            return x.end
        ext = self.outer.get(id(x))
        return ext[1] if ext else x.span.end

    def _span(self, first, last=None) -> Span:
        """The span from the start of `first` to the end of `last` (a token, a node or a
        bracketed sequence). Tokens and nodes carry their lines and columns, so the common
        cases need no offset-to-line lookup."""
        if last is None:
            last = first
        if first.__class__ is Token:
            line, col, start = first.line, first.column, first.start_pos
        elif first.__class__ is not _Seq and id(first) not in self.outer:
            head = first.span
            line, col, start = head.line, head.col, head.start
        else:
            return self.source.span(self._start(first), self._end(last))
        if last.__class__ is Token:
            return Span(
                self.source.path, line, col, last.end_line, last.end_column, start, last.end_pos
            )
        if last.__class__ is not _Seq and id(last) not in self.outer:
            tail = last.span
            return Span(self.source.path, line, col, tail.end_line, tail.end_col, start, tail.end)
        return self.source.span(start, self._end(last))

    def _around(self, children: list) -> Span:
        kept = _kept(children)
        return self._span(kept[0], kept[-1])

    def _name(self, tok: Token) -> n.Name:
        return n.Name(str(tok), self._span(tok))

    def _string(self, tok: Token) -> n.Literal:
        return n.Literal(self.lexer.values[tok.start_pos], str(tok), self._span(tok))

    # ------------------------------------------------------------------ entry points

    def module(self, children):
        text = self.source.text
        return n.Module(self.source.path, tuple(children), self.source.span(0, len(text)))

    def start_expr(self, children):
        return children[0]

    start_override = start_type = start_expr

    # ------------------------------------------------------------------ imports

    def import_items(self, children):
        return _Items(tuple(_nodes(children)), _kept(children)[-1])

    def import_star(self, children):
        return _Items((), children[0], star=children[0])

    def import_item(self, children):
        kept = _kept(children)
        name = self._name(kept[0])
        alias = None
        impure = False
        annotation = None
        i = 1
        while i < len(kept):
            c = kept[i]
            if _is(c, "AS"):
                alias = self._name(kept[i + 1])
                i += 2
            elif _is(c, "LPAR"):
                word = kept[i + 1]
                if str(word) != IMPURE:
                    raise Problem("E0119", self._span(word), word=str(word), name=name.text)
                impure = True
                i += 3
            else:  # COLON type
                annotation = kept[i + 1]
                i += 2
        return n.ImportItem(name, alias, impure, annotation, self._around(children))

    def _items(self, items: _Items, module: str) -> tuple:
        if items.star is not None:
            raise Problem("E0116", self._span(items.star), module=module)
        return items.items

    def import_module(self, children):
        kept = _kept(children)
        parts = []
        i = 1
        while not _is(kept[i], "IMPORT"):
            parts.append(kept[i])
            i += 1
        module = "".join(str(p) for p in parts)
        items = self._items(kept[-1], module)
        span = self._span(kept[0], kept[-1].end)
        return n.PyImport(module, False, None, items, self._span(parts[0], parts[-1]), span)

    def import_path(self, children):
        kept = _kept(children)
        path_tok = kept[1]
        path = self.lexer.values[path_tok.start_pos]
        self._check_path(path, path_tok)
        revision = self._string(kept[3]) if _is(kept[2], "AT") else None
        items = self._items(kept[-1], f'"{path}"')
        span = self._span(kept[0], kept[-1].end)
        if path.endswith(".ib"):
            if revision is not None:
                raise Problem("E0118", revision.span, reason="revision", path=path)
            for item in items:
                if item.impure or item.annotation is not None:
                    reason = "impure" if item.impure else "type"
                    raise Problem("E0118", item.span, reason=reason, path=path, name=item.name.text)
            return n.IbFromImport(path, items, self._span(path_tok), span)
        return n.PyImport(path, True, revision, items, self._span(path_tok), span)

    def _check_path(self, path: str, token) -> None:
        """A path no file can have: a NUL character, or a lone surrogate (E0151)."""
        if "\x00" in path:
            raise Problem(
                "E0151",
                self._span(token),
                path=path.replace("\x00", "\\x00"),
                what="a NUL character",
            )
        if any("\ud800" <= ch <= "\udfff" for ch in path):
            shown = path.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            raise Problem("E0151", self._span(token), path=shown, what="half of a surrogate pair")

    def import_relative(self, children):
        kept = _kept(children)
        i = 1
        while not _is(kept[i], "IMPORT"):
            i += 1
        module = "".join(str(t) for t in kept[1:i])
        names = [item.name.text for item in kept[-1].items] or ["name"]
        raise Problem("E0117", self._span(kept[1], kept[i - 1]), module=module, name=names[0])

    def ib_import(self, children):
        kept = _kept(children)
        path_tok = kept[1]
        path = self.lexer.values[path_tok.start_pos]
        self._check_path(path, path_tok)
        alias = self._name(kept[3]) if len(kept) > 2 else None
        if not path.endswith(".ib"):
            raise Problem("E0115", self._around(children), module=path, quoted=True)
        return n.IbImport(path, alias, self._span(path_tok), self._around(children))

    def bad_import(self, children):
        kept = _kept(children)
        parts = []
        for c in kept[1:]:
            if _is(c, "AS"):
                break
            parts.append(str(c))
        raise Problem("E0115", self._around(children), module="".join(parts), quoted=False)

    # ------------------------------------------------------------------ declarations

    def _type_decl(self, children, nominal: bool):
        kept = _kept(children)
        name = self._name(kept[1])
        eq = next(i for i, c in enumerate(kept) if _is(c, "EQ"))
        supertypes = tuple(_nodes(kept[2:eq]))
        target = self._string(kept[-1]) if nominal else None
        alias = None if nominal else kept[-1]
        return n.TypeDecl(name, supertypes, target, alias, self._around(children))

    def type_nominal(self, children):
        return self._type_decl(children, True)

    def type_alias(self, children):
        return self._type_decl(children, False)

    def binding(self, children):
        kept = _kept(children)
        annotation = kept[2] if _is(kept[1], "COLON") else None
        return n.Binding(kept[0], annotation, kept[-1], self._around(children))

    def name_pattern(self, children):
        return n.NamePattern(self._name(children[0]), self._span(children[0]))

    def tuple_pattern(self, children):
        kept = _kept(children)
        items = _nodes(kept)
        commas = sum(1 for c in kept if _is(c, "COMMA"))
        if len(items) == 1 and commas == 0:
            inner = items[0]
            self.outer[id(inner)] = (kept[0].start_pos, kept[-1].end_pos)
            return inner
        return n.TuplePattern(tuple(items), self._around(children))

    def experiment(self, children):
        return n.Experiment(self._name(children[1]), children[3], self._around(children))

    def sweep(self, children):
        return n.Sweep(self._name(children[1]), children[3], self._around(children))

    def search(self, children):
        # SEARCH NAME EQ expr (MAXIMIZE | MINIMIZE) NAME (DOT NAME)* TRIALS NUMBER [SEED NUMBER]
        kept = _kept(children)
        objective = [self._name(kept[5])]
        i = 6
        while _is(kept[i], "DOT"):
            objective.append(self._name(kept[i + 1]))
            i += 2
        trials = self.number([kept[i + 1]])
        seed = self.number([kept[i + 3]]) if i + 3 < len(kept) else None
        return n.Search(
            self._name(kept[1]),
            kept[3],
            self._name(kept[4]),
            tuple(objective),
            trials,
            seed,
            self._around(children),
        )

    def return_stmt(self, children):
        return _Return(children[1], self._around(children))

    def inline_body(self, children):
        return [children[0]]

    def block_body(self, children):
        return list(children)

    def funcdef(self, children):
        kept = _kept(children)
        name = self._name(kept[1])
        type_params: tuple = ()
        params: tuple = ()
        returns = None
        i = 2
        if isinstance(kept[i], tuple) and not _is(kept[i], "LPAR"):
            type_params = tuple(kept[i])
            i += 1
        i += 1  # LPAR
        if not _is(kept[i], "RPAR"):
            params = kept[i]
            i += 1
        i += 1  # RPAR
        if _is(kept[i], "ARROW"):
            returns = kept[i + 1]
            i += 2
        body = kept[-1]
        bindings = []
        result = None
        for stmt in body:
            if result is not None:
                raise Problem("E0110", stmt.span, name=name.text)
            if isinstance(stmt, _Return):
                result = stmt
            else:
                bindings.append(stmt)
        if result is None:
            raise Problem("E0109", body[-1].span, name=name.text)
        span = self.source.span(kept[0].start_pos, result.span.end)
        return n.FuncDef(
            name, type_params, params, returns, tuple(bindings), result.value, result.span, span
        )

    # ------------------------------------------------------------------ parameters

    def _param_kinds(self, items: list) -> tuple:
        """Kinds from position: keyword-only after `*` or `*args`."""
        out = []
        keyword_only = False
        for item in items:
            if isinstance(item, _Marker):
                keyword_only = True
                continue
            if item.kind == n.VAR_POSITIONAL:
                keyword_only = True
            elif item.kind == n.POSITIONAL and keyword_only:
                item = replace(item, kind=n.KEYWORD_ONLY)
            out.append(item)
        return tuple(out)

    def def_params(self, children):
        return self._param_kinds(_nodes(children))

    def _param(self, children, kind: str, name_at: int):
        kept = _kept(children)
        name = self._name(kept[name_at])
        annotation = None
        default = None
        i = name_at + 1
        while i < len(kept):
            if _is(kept[i], "COLON"):
                annotation = kept[i + 1]
            else:
                default = kept[i + 1]
            i += 2
        return n.Param(name, annotation, default, kind, self._around(children))

    def param(self, children):
        return self._param(children, n.POSITIONAL, 0)

    def param_star(self, children):
        return _Marker(children[0])

    def param_var(self, children):
        return self._param(children, n.VAR_POSITIONAL, 1)

    def param_kw(self, children):
        return self._param(children, n.VAR_KEYWORD, 1)

    lambda_param = param

    def type_params(self, children):
        return _seq(_nodes(children), children[0].start_pos, children[-1].end_pos)

    def type_param(self, children):
        kept = _kept(children)
        bound = kept[2] if len(kept) > 2 else None
        return n.TypeParam(self._name(kept[0]), bound, self._around(children))

    # ------------------------------------------------------------------ types

    def type_name(self, children):
        kept = _kept(children)
        parts = []
        args = []
        for c in kept:
            if isinstance(c, Token):
                if c.type == "LSQB":
                    args = _nodes(kept[len(parts) :])
                    break
                parts.append(str(c))
        return n.TypeName("".join(parts), tuple(args), self._around(children))

    def type_none(self, children):
        return n.TypeName("None", (), self._span(children[0]))

    def type_ellipsis(self, children):
        return n.TypeEllipsis(self._span(children[0]))

    def type_value(self, children):
        """A value in a type, `"mean"` in `Literal["mean", "median"]`: a `Literal` node."""
        tok = children[-1]
        if tok.type == "STRING":
            return self._string(tok)
        if tok.type in ("TRUE", "FALSE"):
            return n.Literal(tok.type == "TRUE", str(tok), self._span(tok))
        value = self.lexer.values[tok.start_pos]
        if len(children) == 2:  # `-1`
            return n.Literal(-value, f"-{tok}", self._span(children[0]).to(self._span(tok)))
        return n.Literal(value, str(tok), self._span(tok))

    def record_type(self, children):
        return n.RecordType(tuple(_nodes(children)), self._around(children))

    def type_field(self, children):
        return (self._name(children[0]), children[2])

    def func_type(self, children):
        kept = _kept(children)
        type_params = tuple(kept[0]) if isinstance(kept[0], tuple) else ()
        lpar = next(i for i, c in enumerate(kept) if _is(c, "LPAR"))
        arrow = max(i for i, c in enumerate(kept) if _is(c, "ARROW"))
        params = self._param_kinds(_nodes(kept[lpar:arrow]))
        return n.FuncType(type_params, params, kept[-1], self._around(children))

    def ptype_plain(self, children):
        return n.ParamType(None, children[0], None, n.POSITIONAL, self._around(children))

    def ptype_named(self, children):
        kept = _kept(children)
        default = kept[4] if len(kept) > 3 else None
        return n.ParamType(
            self._name(kept[0]), kept[2], default, n.POSITIONAL, self._around(children)
        )

    def ptype_star(self, children):
        return _Marker(children[0])

    def ptype_var(self, children):
        return n.ParamType(
            self._name(children[1]), children[3], None, n.VAR_POSITIONAL, self._around(children)
        )

    def ptype_kw(self, children):
        return n.ParamType(
            self._name(children[1]), children[3], None, n.VAR_KEYWORD, self._around(children)
        )

    # ------------------------------------------------------------------ expressions

    def lambda_bare(self, children):
        tok = children[1]
        param = n.Param(self._name(tok), None, None, n.POSITIONAL, self._span(tok))
        return n.Lambda((param,), children[3], self._around(children))

    def lambda_params(self, children):
        kept = _kept(children)
        params = tuple(c for c in kept[1:-2] if not isinstance(c, Token))
        return n.Lambda(params, kept[-1], self._around(children))

    def with_(self, children):
        kept = _kept(children)
        overrides = tuple(c for c in kept[1:] if not isinstance(c, Token))
        return n.With(kept[0], overrides, self._around(children))

    def with_best(self, children):
        # with_expr WITH NAME LPAR expr RPAR: only `best(SEARCH)` is a layer (docs/guide.md)
        kept = _kept(children)
        if str(kept[2]) != "best":
            raise Problem("E0152", self._span(kept[2]), name=str(kept[2]))
        return n.WithBest(kept[0], kept[4], self._around(children))

    def override_set(self, children):
        return n.Override((children[0],), children[2], False, self._around(children))

    def override_sweep(self, children):
        return n.Override((children[0],), children[2], True, self._around(children))

    def override_zip(self, children):
        kept = _kept(children)
        paths = tuple(c for c in kept[:-1] if isinstance(c, n.Path))
        return n.Override(paths, kept[-1], True, self._around(children))

    def override_zip_eq(self, children):
        kept = _kept(children)
        paths = tuple(c for c in kept[:-1] if isinstance(c, n.Path))
        if len(paths) > 1:
            eq = next(c for c in kept if _is(c, "EQ"))
            raise Problem("E0125", self._span(eq), paths=", ".join(str(p) for p in paths))
        return n.Override(paths, kept[-1], False, self._around(children))

    def path(self, children):
        parts: list = []
        for c in children:
            if c.type in ("NAME", "RETURN"):  # `prepare.return.k`: a def's returned call
                parts.append(str(c))
            elif c.type == "NUMBER":
                value = self.lexer.values[c.start_pos]
                if not isinstance(value, int):
                    raise Problem("E0123", self._span(c), text=str(c))
                parts.append(value)
        return n.Path(tuple(parts), self._around(children))

    def pipe(self, children):
        value, _, func = children
        inject = isinstance(func, n.Call) and id(func) not in self.outer
        return n.Pipe(value, func, inject, self._around(children))

    def ifexpr(self, children):
        return n.IfExpr(children[0], children[2], children[4], self._around(children))

    def boolop(self, children):
        return n.BoolOp(str(children[1]), children[0], children[2], self._around(children))

    def unary(self, children):
        return n.UnaryOp(str(children[0]), children[1], self._around(children))

    def comp_op(self, children):
        return _Op(" ".join(str(c) for c in children))

    def compare(self, children):
        ops = tuple(c.text for c in children[1::2])
        rest = tuple(children[2::2])
        return n.Compare(children[0], ops, rest, self._around(children))

    def binop(self, children):
        return n.BinOp(str(children[1]), children[0], children[2], self._around(children))

    def revision(self, children):
        return n.Revision(children[0], self._string(children[2]), self._around(children))

    def call(self, children):
        kept = _kept(children)
        args = tuple(c for c in kept[2:-1] if not isinstance(c, Token))
        seen_keyword = None
        for arg in args:
            if arg.name is not None:
                seen_keyword = arg
            elif seen_keyword is not None:
                raise Problem("E0127", arg.span, keyword=seen_keyword.name.text)
        return n.Call(kept[0], args, self._around(children))

    def attribute(self, children):
        return n.Attribute(children[0], self._name(children[2]), self._around(children))

    def index(self, children):
        return n.Index(children[0], children[2], self._around(children))

    def arg_pos(self, children):
        return n.Arg(None, children[0], self._span(children[0]))

    def arg_kw(self, children):
        return n.Arg(self._name(children[0]), children[2], self._around(children))

    def var(self, children):
        return n.Var(str(children[0]), self._span(children[0]))

    def number(self, children):
        tok = children[0]
        return n.Literal(self.lexer.values[tok.start_pos], str(tok), self._span(tok))

    def string(self, children):
        return self._string(children[0])

    def constant(self, children):
        tok = children[0]
        value = {"TRUE": True, "FALSE": False, "NONE": None}[tok.type]
        return n.Literal(value, str(tok), self._span(tok))

    def list_(self, children):
        return n.ListExpr(tuple(_nodes(children)), self._around(children))

    def paren(self, children):
        kept = _kept(children)
        items = _nodes(kept)
        commas = sum(1 for c in kept if _is(c, "COMMA"))
        if len(items) == 1 and commas == 0:
            inner = items[0]
            self.outer[id(inner)] = (kept[0].start_pos, kept[-1].end_pos)
            return inner
        return n.TupleExpr(tuple(items), self._around(children))

    def brace(self, children):
        items = _nodes(children)
        span = self._around(children)
        fields = [i for i in items if isinstance(i, n.Field)]
        entries = [i for i in items if isinstance(i, _Entry)]
        if fields and entries:
            kind = type(items[0])
            odd = next(i for i in items if type(i) is not kind)
            where = odd.span if isinstance(odd, n.Field) else self._span(odd.key, odd.value)
            raise Problem("E0121", where, first="field" if kind is n.Field else "entry")
        if fields:
            return n.RecordExpr(tuple(fields), span)
        for entry in entries:
            key = entry.key
            if (
                isinstance(key, n.Var)
                and id(key) not in self.outer
                and _looks_like_type(entry.value)
            ):
                raise Problem(
                    "E0122",
                    self.source.span(self._start(key), self._end(entry.value)),
                    name=key.name,
                )
        return n.DictExpr(tuple((e.key, e.value) for e in entries), span)

    def field(self, children):
        return n.Field(self._name(children[0]), children[2], self._around(children))

    def entry(self, children):
        return _Entry(children[0], children[2])


def _looks_like_type(value: object) -> bool:
    """`Int`, `List[Int]`, `common.Metrics`: what a record type's field would hold."""
    if isinstance(value, n.Var):
        return value.name[:1].isupper()
    if isinstance(value, n.Index):
        return _looks_like_type(value.value)
    if isinstance(value, n.Attribute):
        return value.name.text[:1].isupper() and isinstance(value.value, n.Var)
    return False
