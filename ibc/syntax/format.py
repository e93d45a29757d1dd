"""`ibc fmt`: the one canonical layout of `.ib` source (docs/formatting.md), comments kept.

The formatter parses the text (`ibc.syntax.parser.parse_module`), so a text that does not
parse is refused with the parser's own diagnostics (`FormatError`). It then prints the AST
again through a small document algebra in the style of Wadler's "prettier printer" (the
algorithm of prettier): a `Group` is printed on one line when it fits in 100 columns and
otherwise breaks every line break it holds, one item per line, with trailing commas.

The house style is the one docs/formatting.md "The layout" sets out: 4-space indentation, spaces
around binary operators, `=` and `|>` (`f(x = 1)`, `k: Int = 10`), `{a = 1}` records and `{"k": v}`
dicts without inner padding, `base with { model.C = 0.1 }` with it, double-quoted strings (a
single-quoted string holding no quote of either kind is switched), numbers spelled as
written. Breakable places are the brackets: calls, lists, tuples, dicts, records, `with`
blocks, parameter and type lists, and import lists (parenthesized when broken). A bracket
written with a trailing comma stays broken (black's "magic trailing comma"), so a user's
one-item-per-line list survives. Declarations keep their order; a blank line the user left
between two declarations (or items of a broken list) is kept, at most one; a `def` with a
block body always has a blank line on each side.

Comments come from the lexer with their offsets. Each is attached to an *item* (a
declaration, a statement, an argument, an element, a field, an override, a parameter, an
import item): an end-of-line comment trails the item that ends just before it (commas and
closing parentheses skipped), an own-line comment leads the item that starts just after
it, a comment just before a closing bracket stays at the end of that bracket's list, and a
comment anywhere else (inside a parenthesized operand) is moved before the innermost item
that contains it. Nothing is ever dropped: `format_source` re-parses its output and checks
that the AST (spans aside) and the comments are unchanged before returning it.
"""

from __future__ import annotations

import bisect
import gc

from ibc.base.deep import run_deep
from ibc.diagnostics.diagnostic import CompileError, Diagnostic, error
from ibc.syntax import nodes as n
from ibc.syntax.build_ast import _looks_like_type
from ibc.syntax.lexical import Lexer
from ibc.syntax.parser import parse_module
from ibc.syntax.format_doc import (
    BP,
    Group,
    HARD,
    HARD_BLANK,
    LINE,
    LINE_BLANK,
    SOFT,
    WIDTH,
    render,
)
from ibc.base.spans import Source, Span

__all__ = [
    "WIDTH",
    "FormatError",
    "format_source",
    "is_formatted",
    "same_module",
    "same_tree",
]


class FormatError(CompileError):
    """The text could not be formatted: `diagnostics` are the parser's (a syntax error), or
    one E0004 diagnostic when the formatter itself failed. `source` is the text's `Source`,
    for `ibc.diagnostics.render.render_text`."""

    def __init__(self, diagnostics: list[Diagnostic], source: Source) -> None:
        super().__init__(list(diagnostics))
        self.source = source


def format_source(text: str, path: str = "<input>", verify: bool = True) -> str:
    """The canonical layout of a whole `.ib` file's text. Raises `FormatError` when the text
    does not parse. With `verify` (the default) the result is re-parsed and compared with
    the input's AST and comments, so a formatter bug raises instead of changing a program.
    Runs with room for deep programs (docs/running.md, "Deep programs")."""
    return run_deep(_format, text, path, verify)


def _format(text: str, path: str, verify: bool) -> str:
    source = Source(path, text)
    collecting = gc.isenabled()
    gc.disable()  # as the driver does: millions of small objects, none freed until the end
    try:
        module, tokens = _parse(source)
        try:
            out = _Printer(source, module, tokens).module()
        except RecursionError:  # past even the room of `run_deep` (docs/errors.md, E0010)
            too_deep = error("E0010", source.span(0, 0), kind="program")
            raise FormatError([too_deep], source) from None
        if verify:
            again, _ = parse_module(Source(path, out))
            if again is None or not same_module(module, again):
                reason = "ibc fmt would change the program; this is a bug in the formatter"
                raise FormatError([_internal(source, reason)], source)
    finally:
        if collecting:
            gc.enable()
    return out


def is_formatted(text: str, path: str = "<input>") -> bool:
    """Whether `format_source` would leave the text as it is (False when it does not parse)."""
    try:
        return format_source(text, path) == text
    except FormatError:
        return False


def _parse(source: Source) -> tuple[n.Module, list]:
    """The module and its tokens (newlines and indentation left out). The tokens come from
    the parse's own lexer when the parser's internals are as expected (lexing is half of a
    parse); otherwise, and for every text that does not parse, through `parse_module`."""
    try:
        from ibc.syntax import parser

        lexer = Lexer(source, True)
        parser._builder.reset(source, lexer)
        try:
            tree = parser._drive(lexer.lex(), "module")
        finally:
            parser._builder.reset(None, None)
        if isinstance(tree, n.Module):
            comments = tuple((source.span(s, e), t) for s, e, t in lexer.comments)
            module = n.Module(tree.path, tree.decls, tree.span, comments)
            return module, [t for t in lexer.emitted if t.type not in _SKIP]
    except Exception:  # noqa: BLE001, S110 - a syntax error (or other internals): the public way
        pass
    module, diags = parse_module(source)
    if module is None:
        raise FormatError(diags, source)
    lexer = Lexer(source, True)
    return module, [t for t in lexer.lex() if t.type not in _SKIP]


def _internal(source: Source, reason: str) -> Diagnostic:
    return error("E0004", source.span(0, 0), reason=reason)


# --------------------------------------------------------------------------- AST equality

_SPAN_FIELDS = frozenset(("span", "module_span", "path_span", "return_span"))


def same_module(a: n.Module, b: n.Module) -> bool:
    """Whether two parses hold the same program: the same AST with spans ignored (string
    literals compared by value, numbers by spelling) and the same comments, in any order."""
    if not same_tree(a.decls, b.decls):
        return False
    return sorted(t.rstrip() for _, t in a.comments) == sorted(t.rstrip() for _, t in b.comments)


_FIELDS: dict[type, tuple[str, ...]] = {}


def same_tree(a: object, b: object) -> bool:
    """Whether two AST nodes (or tuples of them) are equal once spans are ignored."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is tuple:
        return len(a) == len(b) and all(map(same_tree, a, b))
    if kind is n.Literal:
        if type(a.value) is not type(b.value) or a.value != b.value:
            return False
        return type(a.value) is str or a.text == b.text
    if kind is n.Name:
        return a.text == b.text
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = getattr(kind, "__record_fields__", None)
        if fields is None:
            return a == b
        fields = _FIELDS[kind] = tuple(f for f in fields if f not in _SPAN_FIELDS)
    for name in fields:
        if not same_tree(getattr(a, name), getattr(b, name)):
            return False
    return True


# --------------------------------------------------------------------------- precedence

(LAMBDA, WITH, PIPE, TERNARY, OR, AND, NOT, COMPARE, ARITH, TERM, UNARY, POWER, REVISION,
 PRIMARY, ATOM) = range(15)  # fmt: skip

_BINARY = {
    "+": ARITH,
    "-": ARITH,
    "*": TERM,
    "/": TERM,
    "//": TERM,
    "%": TERM,
    "**": POWER,
}


def _precedence(e: object) -> int:
    kind = type(e)
    if kind is n.Lambda:
        return LAMBDA
    if kind is n.With or kind is n.WithBest:
        return WITH
    if kind is n.Pipe:
        return PIPE
    if kind is n.IfExpr:
        return TERNARY
    if kind is n.BoolOp:
        return OR if e.op == "or" else AND
    if kind is n.UnaryOp:
        return NOT if e.op == "not" else UNARY
    if kind is n.Compare:
        return COMPARE
    if kind is n.BinOp:
        return _BINARY[e.op]
    if kind is n.Revision:
        return REVISION
    if kind in (n.Call, n.Attribute, n.Index):
        return PRIMARY
    return ATOM


def _string(text: str) -> str:
    """A string literal's spelling, double-quoted when that needs no new escape."""
    body = text[1:-1]
    if text[0] == "'" and '"' not in body and "'" not in body:
        return f'"{body}"'
    return text


# --------------------------------------------------------------------------- the printer

# The fields that hold a list of items (comments attach to items; lists break per item).
_SEQUENCES = {
    n.Module: ("decls",),
    n.FuncDef: ("type_params", "params", "body"),
    n.PyImport: ("items",),
    n.IbFromImport: ("items",),
    n.TypeName: ("args",),
    n.RecordType: ("fields",),
    n.FuncType: ("type_params", "params"),
    n.ListExpr: ("items",),
    n.TupleExpr: ("items",),
    n.DictExpr: ("entries",),
    n.RecordExpr: ("fields",),
    n.Call: ("args",),
    n.With: ("overrides",),
    n.TuplePattern: ("items",),
    n.Lambda: ("params",),
    n.Override: ("paths",),
}
_ENDS_AT_CLOSER = (n.ListExpr, n.TupleExpr, n.DictExpr, n.RecordExpr, n.Call, n.With,
                   n.RecordType, n.TuplePattern, n.TypeName)  # fmt: skip
_SKIP = frozenset(("_NEWLINE", "_INDENT", "_DEDENT"))

Comment = tuple  # (Span, text)


def _item_span(item: object) -> Span:
    if isinstance(item, tuple):  # a dict entry or a record type's field
        return item[0].span.to(item[1].span)
    return item.span


class _Printer:
    """One file: its tokens, the items comments attach to, and the AST -> document rules."""

    def __init__(self, source: Source, module: n.Module, tokens: list) -> None:
        self.source = source
        self.text = source.text
        self.tree = module
        self.tokens = tokens
        self.starts = [t.start_pos for t in self.tokens]
        self.match: dict[int, int] = {}
        opened: list[int] = []
        for tok in self.tokens:
            if tok.type in ("LPAR", "LSQB", "LBRACE"):
                opened.append(tok.start_pos)
            elif tok.type in ("RPAR", "RSQB", "RBRACE"):
                self.match[opened.pop()] = tok.start_pos
        self.leading: dict[int, list[Comment]] = {}
        self.trailing: dict[int, list[Comment]] = {}
        self.tail: dict[object, list[Comment]] = {}
        comments = [(span, text.rstrip()) for span, text in module.comments]
        self._collect(comments)
        self._attach(comments)

    # ------------------------------------------------------------------ tokens

    def _token_at(self, offset: int):
        """The first token that starts at or after `offset` (None past the end)."""
        i = bisect.bisect_left(self.starts, offset)
        return self.tokens[i] if i < len(self.tokens) else None

    def _after_brackets(self, offset: int) -> int | None:
        """The `(` of a parameter list at `offset`, past a `[type params]` list."""
        tok = self._token_at(offset)
        if tok is not None and tok.type == "LSQB":
            tok = self._token_at(self.match[tok.start_pos] + 1)
        return tok.start_pos if tok is not None and tok.type == "LPAR" else None

    def closers(self, node: object) -> dict[str, int | None]:
        """For each list field of `node`, the offset of the bracket that closes it (None for
        an unbracketed list: declarations, a body, an import list written without `(`)."""
        kind = type(node)
        if kind in _ENDS_AT_CLOSER:
            return {_SEQUENCES[kind][0]: node.span.end - 1}
        if kind is n.FuncDef or kind is n.FuncType:
            start = node.name.span.end if kind is n.FuncDef else node.span.start
            tok = self._token_at(start)
            params_at = self._after_brackets(start)
            type_params = self.match[tok.start_pos] if tok.type == "LSQB" else None
            params = self.match.get(params_at) if params_at is not None else None
            return {"type_params": type_params, "params": params, "body": None}
        if kind is n.Lambda:
            tok = self._token_at(node.span.start + 2)  # after `fn`
            return {"params": self.match[tok.start_pos] if tok.type == "LPAR" else None}
        if kind is n.Override:
            opener = node.span.start
            return {"paths": self.match.get(opener) if self.text[opener] == "(" else None}
        if kind is n.PyImport or kind is n.IbFromImport:
            if kind is n.PyImport:
                end = node.revision.span.end if node.revision else node.module_span.end
            else:
                end = node.path_span.end
            tok = self._token_at(self._token_at(end).end_pos)  # the token after `import`
            return {"items": self.match[tok.start_pos] if tok.type == "LPAR" else None}
        return {"decls": None}

    # ------------------------------------------------------------------ comments

    def _collect(self, comments: list[Comment]) -> None:
        """The items comments may attach to: their spans, indexed by start and end offsets,
        and the closers of their lists. Only the declarations that hold a comment, or end
        before one, are walked."""
        self.spans: dict[int, Span] = {}
        self.by_start: dict[int, list[int]] = {}
        self.by_end: dict[int, list[int]] = {}
        self.list_closers: dict[int, tuple[int, str]] = {}
        self.loose: set[int] = set()  # items of an import list written without `(`
        decls = self.tree.decls
        starts = [d.span.start for d in decls]
        for d in decls:
            self._add_item(id(d), d.span)
        near = {bisect.bisect_right(starts, span.start) - 1 for span, _ in comments}
        todo: list = [decls[i] for i in sorted(near, reverse=True) if i >= 0]
        while todo:
            node = todo.pop()
            if isinstance(node, tuple):
                todo.extend(reversed(node))
                continue
            fields = getattr(node, "__record_fields__", None)
            if fields is None:
                continue
            lists = _SEQUENCES.get(type(node), ())
            if lists:
                for name, closer in self.closers(node).items():
                    if closer is not None:
                        self.list_closers[closer] = (id(node), name)
                    elif name == "items":
                        self.loose.update(id(item) for item in node.items)
            if type(node) is n.FuncDef:
                self._add_item(id(node.result), node.return_span)
            for name in reversed(fields):
                if name in _SPAN_FIELDS:
                    continue
                value = getattr(node, name)
                if name in lists:
                    for item in value:
                        self._add_item(id(item), _item_span(item))
                if isinstance(value, tuple) or hasattr(value, "__record_fields__"):
                    todo.append(value)

    def _add_item(self, key: int, span: Span) -> None:
        self.spans[key] = span
        self.by_start.setdefault(span.start, []).append(key)
        self.by_end.setdefault(span.end, []).append(key)

    def _attach(self, comments: list[Comment]) -> None:
        tokens = self.tokens
        for comment in comments:
            span = comment[0]
            k = bisect.bisect_left(self.starts, span.start)
            prev = tokens[k - 1] if k else None
            if prev is not None and prev.line == span.line and self._trail(comment, k - 1):
                continue
            if k == len(tokens):
                self.tail.setdefault("module", []).append(comment)
                continue
            if self._lead(comment, k):
                continue
            closer = self.list_closers.get(tokens[k].start_pos)
            if closer is not None:
                self.tail.setdefault(closer, []).append(comment)
                continue
            inner = None  # the innermost item holding the comment
            for key, item in self.spans.items():
                if item.start <= span.start < item.end and (
                    inner is None or item.start >= inner[1].start and item.end <= inner[1].end
                ):
                    inner = (key, item)
            self.leading.setdefault(inner[0], []).append(comment)

    def _trail(self, comment: Comment, j: int) -> bool:
        """Attach an end-of-line comment to the item ending just before it."""
        while j >= 0:
            tok = self.tokens[j]
            keys = [k for k in self.by_end.get(tok.end_pos, ()) if k not in self.loose]
            if keys:
                self.trailing.setdefault(keys[-1], []).append(comment)
                return True
            if tok.type not in ("COMMA", "RPAR"):
                return False
            j -= 1
        return False

    def _lead(self, comment: Comment, j: int) -> bool:
        """Attach a comment to the item starting just after it."""
        while j < len(self.tokens):
            tok = self.tokens[j]
            keys = self.by_start.get(tok.start_pos)
            if keys:
                self.leading.setdefault(keys[0], []).append(comment)
                return True
            if tok.type != "LPAR":
                return False
            j += 1
        return False

    def _blank(self, line: int, after: int | None) -> bool:
        """Whether the user left an empty line right above `line`, below line `after`."""
        if after is None or after >= line - 1:
            return False
        return not self.source.line_text(line - 1).strip()

    def _entries(self, items, tail, comma=None, blank_after=None) -> list:
        """Items (key, document, span) one after another with their comments: separated by
        LINE (in brackets, with `comma` ending the last one when broken) or by HARD."""
        line, blank = (LINE, LINE_BLANK) if comma is not None else (HARD, HARD_BLANK)
        parts: list = []
        last = None  # the last line of the previous item
        for i, (key, doc, span) in enumerate(items):
            lead = self.leading.get(key, ())
            first = lead[0][0].line if lead else span.line
            if i:
                forced = blank_after is not None and (blank_after(i - 1) or blank_after(i))
                parts.append(blank if forced or self._blank(first, last) else line)
            for j, (cspan, ctext) in enumerate(lead):
                after = lead[j + 1][0].line if j + 1 < len(lead) else span.line
                parts += [ctext, HARD_BLANK if self._blank(after, cspan.line) else HARD]
            parts.append(doc)
            if comma is not None:
                parts.append("," if i < len(items) - 1 else comma)
            last = span.end_line
            for j, (cspan, ctext) in enumerate(self.trailing.get(key, ())):
                parts.append([("suffix", "  " + ctext), BP] if j == 0 else [HARD, ctext])
                last = max(last, cspan.line)
        for cspan, ctext in tail:
            if parts:
                parts.append(blank if self._blank(cspan.line, last) else line)
            parts += [ctext, BP]
            last = cspan.line
        return parts

    def seq(self, open_, close, items, closer, pad=False, one=False) -> object:
        """A bracketed list: flat `open a, b close` or one item per line, trailing commas.
        `one`: a 1-tuple, whose comma stays when flat."""
        tail = self.tail.get(self.list_closers.get(closer), ()) if closer is not None else ()
        if not items and not tail:
            return [open_, close]
        magic = (
            bool(items)
            and not (one and len(items) == 1)
            and closer is not None
            and self.tokens[bisect.bisect_left(self.starts, closer) - 1].type == "COMMA"
        )
        comma = ("if", ",", "," if one and len(items) == 1 else "")
        edge = LINE if pad else SOFT
        inner = self._entries(items, tail, comma)
        return Group([open_, ("indent", [edge, *inner]), edge, close], magic)

    # ------------------------------------------------------------------ declarations

    def module(self) -> str:
        decls = self.tree.decls

        def block_def(i: int) -> bool:
            decl = decls[i] if 0 <= i < len(decls) else None
            return isinstance(decl, n.FuncDef) and not self._inline(decl)

        items = [(id(d), self.decl(d), d.span) for d in decls]
        parts = self._entries(items, self.tail.get("module", ()), blank_after=block_def)
        return render(parts + [HARD]) if parts else ""

    def _inline(self, d: n.FuncDef) -> bool:
        """A one-line body (`def f(x: Int) -> Int: return x`) stays on the header's line."""
        before = self.text[: d.return_span.start].rstrip(" \t")
        return not d.body and before.endswith(":") and id(d.result) not in self.leading

    def decl(self, d: object) -> object:
        kind = type(d)
        if kind is n.Binding:
            annotation = [": ", self.type(d.annotation)] if d.annotation is not None else []
            return [self.pattern(d.pattern), *annotation, " = ", self.expr(d.value)]
        if kind is n.Experiment or kind is n.Sweep:
            word = "experiment " if kind is n.Experiment else "sweep "
            return [word, d.name.text, " = ", self.expr(d.value)]
        if kind is n.Search:
            tail = [" ", d.direction.text, " ", ".".join(p.text for p in d.objective)]
            tail += [" trials ", d.trials.text]
            if d.seed is not None:
                tail += [" seed ", d.seed.text]
            return ["search ", d.name.text, " = ", self.expr(d.value), *tail]
        if kind is n.FuncDef:
            return self.funcdef(d)
        if kind is n.PyImport:
            spelled = self.text[d.module_span.start : d.module_span.end]
            module = _string(spelled) if d.is_path else d.module
            at = [" @ ", _string(d.revision.text)] if d.revision is not None else []
            return ["from ", module, *at, " import ", self.import_items(d)]
        if kind is n.IbFromImport:
            path = _string(self.text[d.path_span.start : d.path_span.end])
            return ["from ", path, " import ", self.import_items(d)]
        if kind is n.IbImport:
            path = _string(self.text[d.path_span.start : d.path_span.end])
            return ["import ", path] + ([" as ", d.alias.text] if d.alias else [])
        if kind is n.TypeDecl:
            out = ["type ", d.name.text]
            if d.supertypes:
                out.append(" <: ")
                for i, t in enumerate(d.supertypes):
                    out += [", " if i else "", self.type(t)]
            value = _string(d.target.text) if d.target is not None else self.type(d.alias)
            return out + [" = ", value]
        raise TypeError(f"unknown declaration {kind.__name__}")

    def import_items(self, d) -> object:
        items = []
        for item in d.items:
            doc = [item.name.text]
            if item.alias is not None:
                doc += [" as ", item.alias.text]
            if item.impure:
                doc.append(" (impure)")
            if item.annotation is not None:
                doc += [" : ", self.type(item.annotation)]
            items.append((id(item), doc, item.span))
        closer = self.closers(d)["items"]
        return self.seq(("if", "(", ""), ("if", ")", ""), items, closer)

    def funcdef(self, d: n.FuncDef) -> object:
        closers = self.closers(d)
        head: list = ["def ", d.name.text]
        if d.type_params:
            head.append(self.type_params(d.type_params, closers["type_params"]))
        head.append(self.params(d.params, closers["params"]))
        if d.returns is not None:
            head += [" -> ", self.type(d.returns)]
        head.append(":")
        result = ["return ", self.expr(d.result)]
        if self._inline(d):
            return head + [" ", *result]
        body = [(id(b), self.decl(b), b.span) for b in d.body]
        body.append((id(d.result), result, d.return_span))
        return head + [("indent", [HARD, *self._entries(body, ())])]

    def params(self, params, closer, keyword_marker=True) -> object:
        items = []
        starred = False
        for p in params:
            if p.kind == n.VAR_POSITIONAL:
                starred = True
            elif p.kind == n.KEYWORD_ONLY and not starred and keyword_marker:
                items.append((-1, "*", p.span))
                starred = True
            items.append((id(p), self.param(p), p.span))
        return self.seq("(", ")", items, closer)

    def param(self, p: n.Param) -> object:
        stars = {n.VAR_POSITIONAL: "*", n.VAR_KEYWORD: "**"}.get(p.kind, "")
        out: list = [stars, p.name.text]
        if p.annotation is not None:
            out += [": ", self.type(p.annotation)]
        if p.default is not None:
            out += [" = ", self.expr(p.default)]
        return out

    def type_params(self, params, closer) -> object:
        items = []
        for tp in params:
            bound = [" <: ", self.type(tp.bound)] if tp.bound is not None else []
            items.append((id(tp), [tp.name.text, *bound], tp.span))
        return self.seq("[", "]", items, closer)

    def pattern(self, p: object) -> object:
        if isinstance(p, n.NamePattern):
            return p.name.text
        items = [(id(i), self.pattern(i), i.span) for i in p.items]
        return self.seq("(", ")", items, p.span.end - 1, one=True)

    # ------------------------------------------------------------------ types

    def type(self, t: object) -> object:
        kind = type(t)
        if kind is n.TypeName:
            if not t.args:
                return t.name
            args = [(id(a), self.type(a), a.span) for a in t.args]
            return [t.name, self.seq("[", "]", args, t.span.end - 1)]
        if kind is n.TypeEllipsis:
            return "..."
        if kind is n.Literal:  # a value of `Literal[...]`
            return _string(t.text) if isinstance(t.value, str) else t.text
        if kind is n.RecordType:
            fields = [(id(f), [f[0].text, ": ", self.type(f[1])], _item_span(f)) for f in t.fields]
            return self.seq("{", "}", fields, t.span.end - 1)
        if kind is n.FuncType:
            closers = self.closers(t)
            out: list = []
            if t.type_params:
                out.append(self.type_params(t.type_params, closers["type_params"]))
            items = []
            starred = False
            for p in t.params:
                if p.kind == n.VAR_POSITIONAL:
                    starred = True
                elif p.kind == n.KEYWORD_ONLY and not starred:
                    items.append((-1, "*", p.span))
                    starred = True
                items.append((id(p), self.param_type(p), p.span))
            return out + [
                self.seq("(", ")", items, closers["params"]),
                " -> ",
                self.type(t.returns),
            ]
        raise TypeError(f"unknown type {kind.__name__}")

    def param_type(self, p: n.ParamType) -> object:
        if p.name is None:
            return self.type(p.type)
        stars = {n.VAR_POSITIONAL: "*", n.VAR_KEYWORD: "**"}.get(p.kind, "")
        out = [stars, p.name.text, ": ", self.type(p.type)]
        if p.default is not None:
            out += [" = ", self.expr(p.default)]
        return out

    # ------------------------------------------------------------------ expressions

    def expr(self, e: object, level: int = LAMBDA) -> object:
        doc = self._expr(e)
        return ["(", doc, ")"] if _precedence(e) < level else doc

    def _expr(self, e: object) -> object:
        kind = type(e)
        if kind is n.Var:
            return e.name
        if kind is n.Literal:
            return _string(e.text) if isinstance(e.value, str) else e.text
        if kind is n.Call:
            args = []
            for a in e.args:
                value = self.expr(a.value)
                doc = [a.name.text, " = ", value] if a.name is not None else value
                args.append((id(a), doc, a.span))
            return [
                self.expr(e.func, PRIMARY),
                self.seq("(", ")", args, e.span.end - 1),
            ]
        if kind is n.Attribute:
            value = self.expr(e.value, PRIMARY)
            if isinstance(e.value, n.Literal) and not isinstance(e.value.value, str):
                value = ["(", value, ")"]  # `(1).real`: `1.real` would lex as a number
            return [value, ".", e.name.text]
        if kind is n.Index:
            return [self.expr(e.value, PRIMARY), "[", self.expr(e.index), "]"]
        if kind is n.ListExpr:
            items = [(id(i), self.expr(i), i.span) for i in e.items]
            return self.seq("[", "]", items, e.span.end - 1)
        if kind is n.TupleExpr:
            items = [(id(i), self.expr(i), i.span) for i in e.items]
            return self.seq("(", ")", items, e.span.end - 1, one=True)
        if kind is n.DictExpr:
            items = []
            for entry in e.entries:
                key, value = entry
                key_doc = self.expr(key, WITH)
                if isinstance(key, n.Var) and _looks_like_type(value):
                    key_doc = [
                        "(",
                        key_doc,
                        ")",
                    ]  # `{x: Int}` would read as a record type
                items.append((id(entry), [key_doc, ": ", self.expr(value)], _item_span(entry)))
            return self.seq("{", "}", items, e.span.end - 1)
        if kind is n.RecordExpr:
            items = [(id(f), [f.name.text, " = ", self.expr(f.value)], f.span) for f in e.fields]
            return self.seq("{", "}", items, e.span.end - 1)
        if kind is n.WithBest:
            return [self.expr(e.base, WITH), " with best(", self.expr(e.search), ")"]
        if kind is n.With:
            items = [(id(o), self.override(o), o.span) for o in e.overrides]
            block = self.seq("{", "}", items, e.span.end - 1, pad=True)
            return [self.expr(e.base, WITH), " with ", block]
        if kind is n.Pipe:
            func = e.func
            if isinstance(func, n.Call) and not e.inject:
                right = ["(", self.expr(func), ")"]
            else:
                right = self.expr(func, TERNARY)
            return [self.expr(e.value, PIPE), " |> ", right]
        if kind is n.Lambda:
            p = e.params
            if (
                len(p) == 1
                and p[0].annotation is None
                and p[0].default is None
                and (p[0].kind == n.POSITIONAL)
            ):
                head = p[0].name.text
            else:
                head = self.params(p, self.closers(e)["params"], keyword_marker=True)
            return ["fn ", head, " => ", self.expr(e.body)]
        if kind is n.IfExpr:
            then, cond = self.expr(e.then, OR), self.expr(e.cond, OR)
            return [then, " if ", cond, " else ", self.expr(e.orelse, TERNARY)]
        if kind is n.BoolOp:
            level = OR if e.op == "or" else AND
            return [
                self.expr(e.left, level),
                f" {e.op} ",
                self.expr(e.right, level + 1),
            ]
        if kind is n.UnaryOp:
            if e.op == "not":
                return ["not ", self.expr(e.operand, NOT)]
            return [e.op, self.expr(e.operand, UNARY)]
        if kind is n.Compare:
            out = [self.expr(e.first, ARITH)]
            for op, right in zip(e.ops, e.rest):
                out += [f" {op} ", self.expr(right, ARITH)]
            return out
        if kind is n.BinOp:
            if e.op == "**":
                return [self.expr(e.left, REVISION), " ** ", self.expr(e.right, UNARY)]
            level = _BINARY[e.op]
            return [
                self.expr(e.left, level),
                f" {e.op} ",
                self.expr(e.right, level + 1),
            ]
        if kind is n.Revision:
            return [self.expr(e.value, PRIMARY), " @ ", _string(e.revision.text)]
        raise TypeError(f"unknown expression {kind.__name__}")

    def override(self, o: n.Override) -> object:
        if len(o.paths) == 1:
            paths: object = str(o.paths[0])
        else:
            items = [(id(p), str(p), p.span) for p in o.paths]
            paths = self.seq("(", ")", items, self.closers(o)["paths"])
        return [paths, " in " if o.sweep else " = ", self.expr(o.value)]
