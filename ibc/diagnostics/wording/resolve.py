"""Wording of name (E02xx) and Python reference (E03xx) diagnostics."""

from __future__ import annotations

from ibc.diagnostics.wording import did_you_mean, register

# --------------------------------------------------------------------------- names


def _unknown_name_hint(args: dict) -> str | None:
    if args.get("quote"):
        return f"a string is expected here; quote it: -s '{args['quote']}'"
    if args.get("is_type"):
        return f"`{args['name']}` is a type; a value is needed here"
    return did_you_mean(args)


register(
    "E0201",
    "unknown name",
    "unknown name `{name}`",
    _unknown_name_hint,
    explain=(
        "The name is not bound in this file, not imported, and not in the prelude. Top-level "
        "names can be used anywhere in their file; names of a `def` body only after the line "
        'that binds them. The first 100 unknown names of a run get a "did you mean" hint; '
        "past that, each hint would scan every name again, so the errors come without one."
    ),
    example="x = y + 1",
)
register(
    "E0202",
    "name bound twice",
    "`{name}` is bound twice",
    "a name is bound once per scope; rename one of them",
    explain=(
        "Every top-level name (and every type name) is bound once per file: a binding is a "
        "definition, not an assignment. Use `with` to derive a variant of an experiment."
    ),
    example="seed = 0\nseed = 1",
)
register(
    "E0203",
    "cycle among bindings",
    "these bindings depend on each other in a cycle: {chain}",
    "break the cycle: a binding cannot use its own value, directly or through others",
    explain=(
        "A binding's value is computed from the values it uses, so a binding that uses itself, "
        "directly or through other bindings, has no value."
    ),
    example="a = b + 1\nb = a * 2",
)
register(
    "E0204",
    "recursion",
    "recursion is not allowed: {chain}",
    "a `def` cannot call itself, directly or through other `def`s; write the loop in Python",
    explain=(
        "Calls of `def`s are expanded at compile time, so every program's graph of calls is "
        "finite. Recursive computations belong in Python functions."
    ),
    example="def f(x: Int) -> Int: return f(x)",
)
register(
    "E0205",
    ".ib module not found",
    "cannot find the `.ib` module `{path}`",
    "the path is relative to the importing file",
    explain='An `import "….ib"` or `from "….ib" import …` names a file that does not exist.',
    example='import "lib/missing.ib"',
)
register(
    "E0206",
    ".ib import cycle",
    "`.ib` modules import each other in a cycle: {chain}",
    "move what both modules need into a third module",
    explain="Modules are loaded before the files that import them, so imports cannot form a cycle.",
)
register(
    "E0207",
    "not defined in the .ib module",
    "`{path}` does not define `{name}`",
    did_you_mean,
    explain='A `from "….ib" import name` names something the module does not bind.',
)
register(
    "E0209",
    "parameter or local bound twice",
    "`{name}` is bound twice in `{where}`",
    "parameters and locals of a function are bound once each",
    explain="A parameter list names each parameter once, and a `def` body binds each local once.",
    example="def f(x: Int, x: Int) -> Int: return x",
)
register(
    "E0210",
    "not a member of the module",
    "the module `{module}` has no `{name}`",
    did_you_mean,
    explain="`module.name` reads a top-level name of an imported `.ib` module.",
)
register(
    "E0211",
    "local used before it is bound",
    "`{name}` is used before the line that binds it",
    "in a `def` body a local can be used only after its binding; reorder the lines",
    explain="The body of a `def` is a sequence of bindings; each sees only those above it.",
    example="def f(x: Int) -> Int:\n    a = b + 1\n    b = x\n    return a",
)
register(
    "E0212",
    "module needs a name",
    "the file name of `{path}` is not a valid name for the module",
    'give it one: `import "{path}" as name`',
    explain="Without `as`, an imported `.ib` module is bound to its file's stem, which must be a name.",
    example='import "my-lib.ib"',
)

# --------------------------------------------------------------------------- Python references

register(
    "E0301",
    "Python module not found",
    "cannot find the Python module `{module}`",
    "check the spelling, install the package, or import a project file by path: "
    'from "src/file.py" import name',
    explain=(
        "A dotted module name is looked up first under the project root, then among the "
        "installed packages (`sys.path`), by reading folders: nothing is imported."
    ),
    example="from no_such_module import f",
)
register(
    "E0302",
    "not defined in the Python module",
    "the Python module `{module}` does not define `{name}`",
    did_you_mean,
    explain="An imported name must be defined (or re-exported) by the module's source.",
    example="from math import sqroot",
)
register(
    "E0303",
    "Python file not found",
    "cannot find the Python file `{path}`",
    "a Python path is relative to the `.ib` file",
    explain='`from "path.py" import …` names a file relative to the `.ib` file that imports it.',
    example='from "src/missing.py" import f',
)
register(
    "E0304",
    "Python file has a syntax error",
    "the Python source of `{module}` has a syntax error at {file}:{line}:{col}: {message}",
    "fix the Python file; Iterbuild reads its source to learn its functions",
    explain="Signatures are read from Python source with `ast`, which needs the file to parse.",
)
register(
    "E0305",
    "a module, not a function or class",
    "`{name}` is a module of `{module}`, not a function, class or value",
    "import names from it: from {module}.{name} import …",
    explain="Iterbuild imports functions, classes and values, never modules as namespaces.",
    example="from os import path",
)
register(
    "E0307",
    "Python file outside the project",
    "`{path}` is outside the project root `{root}`",
    "Python files are imported at run time as modules of the project; move the file into the "
    "project, or mark a higher folder as the root with an `ibc.toml` file",
    explain=(
        "A Python file imported by path runs as the module its path names relative to the "
        "project root, so it must be inside the root."
    ),
)
register(
    "W0301",
    "name from a module __getattr__",
    "`{module}` does not define `{name}` in its source, but has a module-level `__getattr__`; "
    "`{name}` has type `Any`",
    "give it a type on the import: from {module} import {name} : (…) -> …",
    explain="Names provided dynamically by `__getattr__` cannot be read; they are unchecked.",
)
