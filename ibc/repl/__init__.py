"""`ibc repl`: an interactive session over the compiler's driver (docs/repl.md).

- `entry`: when an input is complete, joining continued lines, declarations or expression
- `session`: the session model (`Session`, `run_lines`), independent of any terminal
- `show`: values printed in `.ib` notation, guided by their types
- `app`: the prompt_toolkit front end (history, completion, highlighting, multi-line input)
- `cli`: `add_arguments(parser)` and `main(args)` for the `ibc repl` command
"""
