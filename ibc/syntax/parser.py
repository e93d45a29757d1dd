"""Text -> AST: the public entry points of the `syntax` phase.

`parse_module`, `parse_expression`, `parse_override` and `parse_type` run the lexer
(`ibc.syntax.lexical`) and the generated standalone LALR parser (`ibc.syntax._lark_parser`,
built from `grammar/iterbuild.lark`; the `lark` package itself is never imported), whose inline
transformer (`ibc.syntax.build_ast`) builds the frozen nodes of `ibc.syntax.nodes` as rules
are reduced. They never raise: every problem, including an internal failure, becomes a
`Diagnostic` (codes E00xx for the input, E01xx for syntax; wording in
`ibc.diagnostics.wording.syntax`). Only the first syntax error of a text is reported.
"""

from __future__ import annotations

import os

from ibc.diagnostics.diagnostic import Diagnostic, error
from ibc.syntax import _lark_parser as _lark
from ibc.syntax.build_ast import AstBuilder, Problem
from ibc.syntax.lexical import Lexer, LexError
from ibc.syntax.nodes import Expr, Module, Override, TypeExpr
from ibc.base.spans import Source
from ibc.syntax.syntax_errors import describe_unexpected

__all__ = ["parse_module", "parse_expression", "parse_override", "parse_type", "read_source"]

_builder = AstBuilder()
_tables = None


def _lalr():
    """The LALR tables of the generated module, compiled for `_drive`: per state, each
    terminal's action as `(True, next_state)` for a shift or `(False, (size, callback,
    rule name))` for a reduction, with the AST builder's methods as callbacks."""
    global _tables
    if _tables is None:
        _tables = _load_tables()
    if _tables is None:
        parser = _lark.Lark_StandAlone(transformer=_builder).parser.parser.parser
        callbacks = parser.callbacks
        states = {}
        for state, actions in parser.parse_table.states.items():
            row = {}
            for kind, (action, arg) in actions.items():
                if action is _lark.Shift:
                    row[kind] = (True, arg)
                else:
                    row[kind] = (
                        False,
                        (len(arg.expansion), _passthrough(arg), callbacks[arg], arg.origin.name),
                    )
            states[state] = row
        terminals = {k: v for k, v in callbacks.items() if isinstance(k, str)}
        table = parser.parse_table
        _tables = (states, table.start_states, table.end_states, terminals)
        _store_tables(_tables)
    return _tables


# The compiled tables are kept pickled in the cache folder (building them from the generated
# module's data takes 15-25 ms at every start; loading them, 2 ms). Their callbacks are the
# AST builder's methods: pickled as a reference to "the builder", rebound on loading.


def _tables_path():
    import sys

    from ibc import __version__
    from ibc.base.cachedir import cache_dir

    digest = grammar_hash()[:16]
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    name = f"tables-{digest}-lark{_lark.__version__}-ibc{__version__}-py{version}.pickle"
    return cache_dir() / "parser" / name


def grammar_hash() -> str:
    """The hash of the grammar the generated parser was built from (its header says)."""
    with open(_lark.__file__, encoding="utf-8") as handle:
        return (handle.readline() + handle.readline()).rpartition(":")[2].strip()


def _load_tables():
    import io
    import pickle

    class Loader(pickle.Unpickler):
        def persistent_load(self, pid):
            if pid != "builder":
                raise pickle.UnpicklingError(f"unknown reference {pid!r}")
            return _builder

    from ibc.base.cachedir import read_checked

    # From bytes: reading the file through the unpickler is three times slower.
    payload = read_checked(_tables_path())  # verified by its checksum
    if payload is None:
        return None
    try:
        tables = Loader(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - damaged: build them again
        return None
    return tables if isinstance(tables, tuple) and len(tables) == 4 else None


def _store_tables(tables) -> None:
    import io
    import pickle

    from ibc.base.cachedir import write_checked

    class Dumper(pickle.Pickler):
        def persistent_id(self, obj):
            return "builder" if obj is _builder else None

    buffer = io.BytesIO()
    try:
        Dumper(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(tables)
    except Exception:  # noqa: BLE001 - unpicklable callbacks: build them every time
        return
    write_checked(_tables_path(), buffer.getvalue())


def _passthrough(rule) -> int | None:
    """For a `?rule` that keeps one child (`?sum: term`, `?decl: simple_decl _NEWLINE`),
    the index of that child: the reduction hands it on as it is, without a call. Lark's
    own builder does the same (ExpandSingleChild) after a call per reduction; an expression
    goes through a dozen of these levels, so skipping the calls matters."""
    if not rule.options.expand1 or rule.alias:
        return None
    kept = [
        i
        for i, sym in enumerate(rule.expansion)
        if not (sym.is_term and sym.filter_out) and not sym.name.startswith("_")
    ]
    return kept[0] if len(kept) == 1 else None


def _with_end(tokens):
    """The tokens, then Lark's `$END` token placed after the last one."""
    token = None
    for token in tokens:
        yield token
    yield (
        _lark.Token.new_borrow_pos("$END", "", token) if token else _lark.Token("$END", "", 0, 1, 1)
    )


def _drive(tokens, start: str):
    """Run the LALR automaton over `tokens`, as Lark's `ParserState.feed_token` does, but
    faster: reductions are resolved ahead of time (no per-token assertions, no rule
    comparisons), and a chain of `?rule` reductions that each hand one child on unchanged
    (an atom reduced through a dozen precedence levels) is replaced by one jump to the
    state the chain ends in, remembered per (state below, state on top, lookahead)."""
    states, start_states, end_states, terminals = _lalr()
    end_state = end_states[start]
    state_stack = [start_states[start]]
    value_stack: list = []
    chains: dict[tuple, int] = {}
    for token in _with_end(tokens):
        kind = token.type
        while True:
            top = state_stack[-1]
            try:
                shift, arg = states[top][kind]
            except KeyError:
                expected = {s for s in states[top] if s.isupper()}
                raise _lark.UnexpectedToken(token, expected) from None
            if shift:
                state_stack.append(arg)
                callback = terminals.get(kind)
                value_stack.append(token if callback is None else callback(token))
                break
            size, keep, callback, origin = arg
            if size == 1 and keep == 0:
                below = state_stack[-2]
                key = (below, top, kind)
                target = chains.get(key)
                if target is None:
                    target = states[below][origin][1]
                    while True:
                        step = states[target].get(kind)
                        if step is None or step[0] or step[1][0] != 1 or step[1][1] != 0:
                            break
                        target = states[below][step[1][3]][1]
                    chains[key] = target
                state_stack[-1] = target
            else:
                if keep is not None:
                    value = value_stack[keep - size]
                    del state_stack[-size:]
                    del value_stack[-size:]
                    value_stack.append(value)
                else:
                    if size:
                        children = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                    else:
                        children = []
                    value_stack.append(callback(children))
                state_stack.append(states[state_stack[-1]][origin][1])
            if kind == "$END" and state_stack[-1] == end_state:
                return value_stack[-1]
    raise AssertionError("the parser ended without accepting or rejecting")


def parse_module(source: Source) -> tuple[Module | None, list[Diagnostic]]:
    """A whole `.ib` file. An empty file is a valid empty module."""
    return _parse(source, "module", True)


def parse_expression(source: Source) -> tuple[Expr | None, list[Diagnostic]]:
    """One expression, as a command-line override's right-hand side or a REPL line:
    `RandomForestClassifier(n_estimators=100)`."""
    return _parse(source, "start_expr", False)


def parse_override(source: Source) -> tuple[Override | None, list[Diagnostic]]:
    """The text of a `-s` option: `model.C=0.1`, `seed in [0, 1, 2]`, `(a, b) in [(1, 2)]`."""
    return _parse(source, "start_override", False)


def parse_type(source: Source) -> tuple[TypeExpr | None, list[Diagnostic]]:
    """One type: `Int`, `List[T]`, `(X: Array, *, seed: Int = 0) -> Array`."""
    return _parse(source, "start_type", False)


# The largest `.ib` file read (docs/errors.md, E0003): far above any program people write (a
# 10,000-line file is about 400 KB), low enough that `ibc check` of a data file ends at once.
MAX_SOURCE_BYTES = 16 << 20


def read_source(path: str) -> tuple[Source | None, list[Diagnostic]]:
    """Read a file as UTF-8 (a leading byte-order mark is kept in the text and skipped by
    the lexer). A file that cannot be read (E0003), is binary (E0002) or is not UTF-8
    (E0001) gives a diagnostic instead."""
    empty = Source(path, "")
    try:
        with open(path, "rb") as handle:
            import stat

            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                reason = "it is not a regular file (a device, a pipe or a folder)"
                return None, [error("E0003", empty.span(0, 0), reason=reason)]
            data = handle.read(MAX_SOURCE_BYTES + 1)  # a size that lies reads no further
    except OSError as exc:
        return None, [error("E0003", empty.span(0, 0), reason=exc.strerror or str(exc))]
    if len(data) > MAX_SOURCE_BYTES:
        reason = f"it is larger than {MAX_SOURCE_BYTES >> 20} MiB: a .ib file is source, not data"
        return None, [error("E0003", empty.span(0, 0), reason=reason)]
    nul = data.find(b"\x00")
    if nul != -1:
        prefix = Source(path, data[:nul].decode("utf-8", "replace"))
        end = len(prefix.text)
        return None, [error("E0002", prefix.span(end, end))]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = Source(path, data[: exc.start].decode("utf-8", "replace"))
        end = len(prefix.text)
        return None, [error("E0001", prefix.span(end, end), byte=f"0x{data[exc.start]:02x}")]
    return Source(path, text), []


def _input_problem(source: Source) -> Diagnostic | None:
    """A text that holds NUL characters is binary (E0002); one with lone surrogates was
    decoded from bytes that are not UTF-8 (E0001)."""
    text = source.text
    nul = text.find("\x00")
    if nul != -1:
        return error("E0002", source.span(nul, nul + 1))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return error("E0001", source.span(exc.start, exc.start + 1), byte="?")
    return None


def _parse(source: Source, start: str, module: bool):
    try:
        problem = _input_problem(source)
        if problem is not None:
            return None, [problem]
        lexer = Lexer(source, module)
        _builder.reset(source, lexer)
        try:
            result = _drive(lexer.lex(), start)
        except LexError as exc:
            return None, [error(exc.code, source.span(exc.start, exc.end), **exc.args_)]
        except Problem as exc:
            return None, [error(exc.code, exc.span, **exc.facts)]
        except _lark.UnexpectedToken as exc:
            return None, [describe_unexpected(exc, lexer, source)]
        finally:
            _builder.reset(None, None)
        if module:
            comments = tuple((source.span(s, e), text) for s, e, text in lexer.comments)
            result = Module(result.path, result.decls, result.span, comments)
        return result, []
    except RecursionError:
        return None, [error("E0010", source.span(0, 0), kind="program")]
    except Exception as exc:  # the parser never raises: an internal failure is a diagnostic
        return None, [error("E0004", source.span(0, 0), reason=f"{type(exc).__name__}: {exc}")]
