"""The command-line front ends: `cli` (the `ibc` command: its parser and the subcommands'
dispatch), and one module per subcommand that does more than call the driver: `cache`,
`results`, `graph` with `graph_render`, `params` (also `ibc diff`), `revisions` (`ibc freeze`,
`ibc log`), `fmt` and `why`. They import the compiler (through `ibc.driver`) or the runtime
lazily, only for the subcommand that needs it."""
