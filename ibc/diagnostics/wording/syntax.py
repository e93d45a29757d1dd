"""Wording of the input (E00xx) and syntax (E01xx) diagnostics of `ibc.syntax`.

Facts common to the parser's "unexpected token" diagnostics: `found` (the token in words,
"`)`" or "the end of the line") and `expected` (a list of words: "an expression", "`)`").
"""

from __future__ import annotations

from ibc.diagnostics.wording import register


def _expected(args: dict) -> str | None:
    words = list(args.get("expected") or [])
    if not words:
        return None
    if len(words) > 6:
        words = words[:6] + ["…"]
    if len(words) == 1:
        return f"expected {words[0]}"
    return "expected " + ", ".join(words[:-1]) + " or " + words[-1]


# --------------------------------------------------------------------------- input

register(
    "E0001",
    "file is not UTF-8",
    "this file is not valid UTF-8 text (byte {byte})",
    "save the file as UTF-8",
    "Iterbuild source files are UTF-8 text. The byte at the given position cannot start or "
    "continue a UTF-8 character, so the file was probably saved in another encoding.",
    "x = 'caf\\xe9'   # saved as Latin-1",
)
register(
    "E0002",
    "binary file",
    "this looks like a binary file, not Iterbuild source (it contains a NUL byte)",
    "pass the `.ib` file, not a data or compiled file",
    "A NUL character never occurs in source text: the file given to `ibc` is a binary file "
    "(a pickle, an image, a compiled file...).",
    "x = 1\\0",
)
register(
    "E0003",
    "cannot read file",
    "cannot read this file: {reason}",
    "check the path and the file's permissions",
    "The file could not be opened or read, or is not a `.ib` source file at all: a device, a "
    "pipe or a folder (not a regular file), or a file larger than 16 MiB, which is data rather "
    "than a program (neither is read, so `ibc check /dev/zero` ends at once).",
    "",
)
register(
    "E0004",
    "internal parser failure",
    "the parser failed on this text ({reason})",
    "this is a bug in ibc; please report it with the file that triggers it",
    "The parser never raises on bad input: any failure it does not expect is reported as this "
    "diagnostic instead of a Python traceback.",
    "",
)

# --------------------------------------------------------------------------- grammar

register(
    "E0101",
    "unexpected token",
    "unexpected {found}",
    _expected,
    "The parser met a token that cannot continue the declaration or expression at this "
    "point. The hint lists what could have come instead.",
    "x = [1 2]",
)
register(
    "E0102",
    "expected an expression",
    "expected an expression after {after}, found {found}",
    None,
    "An operator, `=`, a keyword or an opening bracket must be followed by an expression.",
    "x =",
)
register(
    "E0103",
    "unclosed bracket",
    "this `{char}` on line {line} is never closed",
    lambda a: "add the matching `" + {"(": ")", "[": "]", "{": "}"}.get(a.get("char"), "?") + "`",
    "Every `(`, `[` and `{` needs a matching closing bracket. Inside brackets, newlines do "
    "not end a declaration, so a missing closing bracket often shows up much later in the "
    "file; the error points at the bracket that is still open at the end.",
    "x = f(1,\ny = 2",
)
register(
    "E0104",
    "mismatched bracket",
    "this `{char}` does not match the `{opener}` on line {opener_line}",
    lambda a: "close the `"
    + str(a.get("opener"))
    + "` with `"
    + {"(": ")", "[": "]", "{": "}"}.get(a.get("opener"), "?")
    + "` first",
    "Brackets must close in the reverse order of opening: `f([1, 2)]` closes the `[` with a `)`.",
    "x = f([1, 2)]",
)
register(
    "E0105",
    "unmatched closing bracket",
    "unexpected `{char}`",
    "there is no open bracket for this `{char}` to close",
    "A closing bracket appears without a matching opening bracket before it.",
    "x = 1)",
)
register(
    "E0106",
    "unexpected end of line",
    lambda a: (
        "unexpected end of the file"
        if "file" in str(a.get("found"))
        else "unexpected end of the line"
    ),
    _expected,
    "The line ends where the declaration or expression is not complete. To continue an "
    "expression on the next line, wrap it in parentheses.",
    "x = (1 +\n)",
)
register(
    "E0108",
    "missing `:` after a def header",
    "expected `:` after the parameter list of `def {name}`, found {found}",
    "write `def {name}(...) -> Type:` followed by the body",
    "A `def` header ends with `:`, then either `return e` on the same line or an indented "
    "body on the next lines.",
    "def double(x: Int) -> Int\n    return x * 2",
)
register(
    "E0109",
    "def body without return",
    "the body of `def {name}` must end with `return`",
    "add `return <expression>` as the last line of the body",
    "A `def` body is a sequence of bindings ending in `return e`: the function's value.",
    "def f(x: Int) -> Int:\n    y = x + 1",
)
register(
    "E0110",
    "statement after return",
    "nothing may follow `return` in the body of `def {name}`",
    "move this line above the `return`",
    "`return` is the last statement of a `def` body; a binding after it would never be used.",
    "def f(x: Int) -> Int:\n    return x\n    y = 2",
)
register(
    "E0111",
    "unexpected indentation",
    "unexpected indentation",
    "only the body of a `def` is indented; start top-level declarations at column 1",
    "Top-level declarations start at the beginning of a line; only `def` bodies are indented, "
    "and each line of a body has the same indentation.",
    "x = 1\n  y = 2",
)
register(
    "E0112",
    "inconsistent dedent",
    "this line's indentation matches no enclosing block",
    "indent this line like the lines of the block it belongs to",
    "When a line is indented less than the previous one, it must line up with an enclosing "
    "block (or the top level).",
    "def f(x: Int) -> Int:\n        y = x\n    return y",
)
register(
    "E0113",
    "tab in indentation",
    "a tab in indentation",
    "indent with spaces",
    "Indentation must use spaces: a tab's width is ambiguous.",
    "def f(x: Int) -> Int:\n\treturn x",
)
register(
    "E0114",
    "missing def body",
    "expected an indented body for `def {name}`, found {found}",
    "indent the body under the `def` line, or write `return e` on the same line",
    "After `def name(...):` and the end of the line, the body follows on indented lines.",
    "def f(x: Int) -> Int:\nreturn x",
)


def _module_import(args: dict) -> str:
    module = args.get("module", "")
    if args.get("quoted"):
        return f'`import "{module}"` imports only `.ib` modules'
    return f"`import {module}` is not allowed: import names, not modules"


def _module_import_hint(args: dict) -> str:
    module = args.get("module", "")
    if args.get("quoted"):
        return f'import names from a Python file: `from "{module}" import name`'
    return f"import the names you use: `from {module} import array`"


register(
    "E0115",
    "module import",
    _module_import,
    _module_import_hint,
    "Python modules are not values in Iterbuild: import the functions and classes you use "
    'with `from module import name`. `import "file.ib"` imports another Iterbuild module.',
    "import numpy as np",
)
register(
    "E0116",
    "star import",
    "`from {module} import *` is not allowed",
    "import the names you use: `from {module} import name, other`",
    "Every imported name must be written, so that the compiler knows what each name is "
    "without running Python.",
    "from numpy import *",
)
register(
    "E0117",
    "relative import",
    "relative imports (`from {module} ...`) are not allowed",
    "import names by the module's full dotted name or by path: "
    '`from src.features import {name}` or `from "src/features.py" import {name}`',
    "Iterbuild resolves Python modules from the project root; a relative module name has no "
    "package to be relative to.",
    "from .features import add_ratios",
)
register(
    "E0118",
    "annotated .ib import",
    lambda a: {
        "revision": f'`.ib` modules cannot be imported at a revision ("{a.get("path")}")',
        "impure": f"`(impure)` only applies to Python references, not to `{a.get('name')}` "
        f'of "{a.get("path")}"',
        "type": f"a type on an imported name only applies to Python references, not to "
        f'`{a.get("name")}` of "{a.get("path")}"',
    }.get(a.get("reason"), "names of `.ib` modules take no annotation"),
    "names imported from an `.ib` module already have their declared types",
    'An item of `from "x.ib" import ...` is a name with an optional `as` alias; `(impure)`, '
    '`: Type` and `@ "rev"` belong to Python references.',
    'from "common.ib" import split (impure)',
)
register(
    "E0119",
    "expected (impure)",
    "expected `(impure)` after `{name}`, found `({word})`",
    "the only word allowed in parentheses after an imported name is `impure`",
    "An import item is `NAME [as ALIAS] [(impure)] [: TYPE]`.",
    "from clock import now (pure)",
)
register(
    "E0120",
    "slice",
    "slices are not supported",
    "index with one value (`x[i]`); do data manipulation such as slicing in Python",
    "Indexing takes one expression. Slicing and other data manipulation belong in the "
    "Python functions that an experiment calls.",
    "head = rows[0:10]",
)
register(
    "E0121",
    "record mixed with dict",
    lambda a: "a `{…}` mixes record fields (`name = v`) and dict entries (`key: v`)",
    'use `{{a = 1, b = 2}}` for a record or `{{"a": 1, "b": 2}}` for a dict',
    "Braces hold either record fields `name = value` or dict entries `key: value`, not both.",
    '{a = 1, "b": 2}',
)
register(
    "E0122",
    "record type in an expression",
    "`{{{name}: …}}` is a record type, not a value",
    "did you mean the record `{{{name} = …}}`?",
    "In an expression, `{a: Int}` would be a dict whose key is the variable `a`; record values "
    "are written with `=`, and record types (`{a: Int}`) belong after `:` or in `type`.",
    "m = {accuracy: Float}",
)
register(
    "E0123",
    "non-integer path index",
    "a path index must be an integer, not `{text}`",
    "write an index such as `steps[1].C`",
    "Paths address list and tuple elements by a non-negative integer index.",
    "experiment e = base with { steps[1.5].C = 1 }",
)
register(
    "E0124",
    "misplaced fn",
    "a `fn` cannot start here",
    "put the lambda in parentheses: `(fn x => …)`",
    "A lambda's body extends as far right as possible, so `fn` may only start a whole "
    "expression (after `=`, as an argument, inside brackets, after `return`). Elsewhere, for "
    "example after `|>` or an operator, wrap it in parentheses.",
    "y = x |> fn v => v + 1",
)
register(
    "E0125",
    "tuple of paths with =",
    "a tuple of paths `({paths})` takes its values with `in`, not `=`",
    "write `({paths}) in [(…), (…)]`",
    "`(p, q) in [(1, 2), (3, 4)]` sweeps two paths together; setting several paths at once "
    "is written as separate overrides `p = 1, q = 2`.",
    "experiment e = base with { (a, b) = (1, 2) }",
)
register(
    "E0126",
    "reserved word as a name",
    "`{word}` is a reserved word and cannot be used as a name",
    "choose another name",
    "The words `from import as def return with in fn if else and or not True False None` "
    "are reserved everywhere; `type`, `experiment` and `sweep` only at the start of a "
    "declaration.",
    "in = 3",
)
register(
    "E0127",
    "positional argument after keyword argument",
    "a positional argument cannot follow the keyword argument `{keyword}`",
    "put positional arguments first",
    "As in Python, arguments without a name come before the `name = value` arguments.",
    "m = f(a = 1, 2)",
)

# --------------------------------------------------------------------------- lexical

register(
    "E0140",
    "unexpected character",
    lambda a: (
        f"unexpected character `{a.get('char')}` ({a.get('codepoint')})"
        if (a.get("char") or " ").isprintable()
        else f"unexpected character {a.get('codepoint')}"
    ),
    lambda a: (
        "to continue a line, wrap the expression in parentheses"
        if a.get("char") == "\\"
        else ("write `not`, `and` or `or`" if a.get("char") in ("!", "&", "|") else None)
    ),
    "Names are made of ASCII letters, digits and `_`; this character has no meaning in "
    "Iterbuild outside a string or comment.",
    "x = 1 $ 2",
)
register(
    "E0141",
    "leading zeros",
    "leading zeros are not allowed in the number `{text}`",
    "write `{fixed}`, or `0o{fixed}` for an octal number",
    "As in Python 3, a decimal integer cannot start with `0` (except `0` itself).",
    "x = 007",
)
register(
    "E0142",
    "double underscore in a number",
    "the number `{text}` has two underscores in a row",
    "separate digit groups with one `_`: `1_000`",
    "An underscore in a number separates groups of digits; it must stand between two digits.",
    "x = 1__0",
)
register(
    "E0143",
    "misplaced underscore in a number",
    "the number `{text}` has an `_` that is not between two digits",
    "remove the `_` or put it between digits: `1_000`",
    "An underscore in a number separates groups of digits; it cannot end a number or touch "
    "`.`, an exponent or a base prefix.",
    "x = 1_",
)
register(
    "E0144",
    "invalid number",
    lambda a: (
        f"complex numbers such as `{a.get('text')}` are not supported"
        if a.get("reason") == "complex"
        else (
            f"the integer `{a.get('text')}` has {a.get('reason')} digits, more than Python's "
            "limit of 4300"
            if str(a.get("reason", "")).isdigit()
            else f"`{a.get('text')}` is not a valid number"
        )
    ),
    "numbers are written as in Python: `1_000`, `0x1f`, `0.5`, `1e-3`",
    "Numbers follow Python's syntax: decimal, `0x`/`0o`/`0b` integers, and floats with a "
    "`.` or an exponent. A name cannot start with a digit. A decimal integer has at most 4,300 "
    "digits, as in Python (`sys.get_int_max_str_digits`); write a larger one as an expression "
    "(`10 ** 5000`) or read it from a file.",
    "x = 12abc",
)
register(
    "E0145",
    "unterminated string",
    "this string is never closed",
    "add the closing {quote} on the same line (strings cannot span lines)",
    "A string starts and ends with the same quote on one line; write `\\n` for a newline.",
    'x = "abc',
)
register(
    "E0146",
    "unknown escape",
    "`{escape}` is not a known escape",
    lambda a: f"write `\\{a.get('escape')}` for a backslash followed by `{str(a.get('escape'))[1:]}`",
    "Strings accept Python's escapes: `\\\\ \\' \\\" \\n \\t \\r \\a \\b \\f \\v`, octal "
    "`\\ooo`, `\\xhh`, `\\uXXXX`, `\\UXXXXXXXX` and `\\N{name}`.",
    'pattern = "\\d+"',
)
register(
    "E0147",
    "malformed escape",
    lambda a: f"`{a.get('escape')}` is not a complete escape"
    + (f" (`\\{a.get('kind')}` takes {a.get('size')} hex digits)" if a.get("size") else ""),
    "complete the escape, or write `\\\\` for a backslash",
    "`\\x` takes 2 hex digits, `\\u` 4, `\\U` 8, and `\\N{...}` a Unicode character name.",
    'x = "\\x4"',
)
register(
    "E0148",
    "string prefix",
    'string prefixes such as `{prefix}"…"` are not supported',
    "remove the prefix; build formatted or raw strings in Python",
    "Iterbuild strings are plain: no raw, byte or formatted strings.",
    'x = f"{y}"',
)
register(
    "E0149",
    "triple-quoted string",
    "triple-quoted strings (`{quote}`) are not supported",
    "write a one-line string with `\\n` for newlines",
    "Strings are written on one line between `\"` or `'`.",
    'doc = """text"""',
)
register(
    "E0150",
    "implicit string concatenation",
    "two strings side by side",
    "write one string, or join them with `+`",
    "Unlike Python, Iterbuild does not join adjacent string literals; a missing comma "
    "between two strings is the usual cause.",
    'xs = ["a" "b"]',
)
register(
    "E0152",
    "a `with` of something else than overrides",
    "`with` takes overrides in braces or `best(SEARCH)`, not `{name}(…)`",
    "write `e with {{ path = value }}`, or `e with best(search)` for a search's best trial",
    "After `with` come either overrides in braces, `{ model.C = 0.1 }`, or the override layer "
    'of a search\'s best trial, `best(tuned)` (docs/guide.md, "Searches").',
    "x = 1\nexperiment e = x with layer(x)",
)
register(
    "E0151",
    "invalid import path",
    "the import path `{path}` holds {what}, which no file name can",
    "write the path of the file as it is, relative to this file",
    "An imported file's path is text: it cannot hold a NUL character, and every escape in it "
    "must stand for a real character (not half of a surrogate pair).",
    'from "src/\\u0000.py" import f',
)


# --------------------------------------------------------------------------- depth


def _depth_message(args: dict) -> str:
    kind = args.get("kind")
    if kind == "fn":
        return f"functions (`fn`) are nested more than {args.get('limit', '?')} levels deep here"
    if kind == "plain":
        return (
            f"this expression nests {args.get('depth', '?')} levels deep: the plain target "
            "cannot write it as one Python expression"
        )
    return "the program is nested too deeply for ibc to compile"


def _depth_hint(args: dict) -> str:
    kind = args.get("kind")
    if kind == "fn":
        return "name the inner functions (a binding or a `def` each) instead of nesting them"
    if kind == "plain":
        return (
            "compile it with the script target (the default), which writes one statement per "
            "step, or split the expression into named bindings"
        )
    return "split the most deeply nested expression into named bindings"


register(
    "E0010",
    "nested too deeply",
    _depth_message,
    _depth_hint,
    "Calls, lists, records, pipes and operators may nest thousands of levels deep: the "
    "compiler has room for them and the script target writes one statement per step. Three "
    "things have a limit: functions (`fn`) nested more than 64 levels deep (each becomes a "
    "Python function inside the one around it, and Python refuses code indented 100 levels "
    "deep); an expression the plain target (`ibc compile --target plain`) would have to write "
    "nested deeper than Python accepts (about 100 levels of calls); and a program nested so "
    "deeply (hundreds of thousands of levels) that the compiler itself runs out of room.",
)
