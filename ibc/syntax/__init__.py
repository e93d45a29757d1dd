"""The syntax phase: text to AST.

`ibc.base.spans` (where things are), `nodes` (the frozen AST, each node's docstring showing its
`.ib` syntax), `lexical` (tokens, indentation, literals), `parser` (the generated LALR tables run by
our own driver, `build_ast` building nodes as rules reduce, `syntax_errors` wording what the
parser expected), and `pygments_lexer` (highlighting for Pygments). It hands on a `Module` and
diagnostics; `parse_expression`, `parse_override` and `parse_type` serve command-line overrides and
tools.
"""
