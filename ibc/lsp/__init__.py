"""The language server (`ibc lsp`): editor features over the compiler's driver.

`analysis` checks a document (the driver's check, with the Python index kept between checks,
noting the files the check read) and converts its diagnostics; `features` answers hover, go
to definition, document symbols and formatting, `completion` completion, `signature`
signature help, `quickfix` the quick fixes of the diagnostics' hints and `rename` rename and
references, as pure functions of analyses and a position; `server` is the pygls adapter
(stdio, debounced checks, the file watcher, requests across the workspace's files); `cli` is
the `ibc lsp` command.
"""
