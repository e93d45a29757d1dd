"""The language server (`ibc lsp`): editor features over the compiler's driver.

`analysis` checks a document (the driver's check, with the Python index kept between checks)
and converts its diagnostics; `features` answers hover, go to definition, document symbols
and formatting, and `completion` completion, as pure functions of an analysis and a position;
`server` is the pygls adapter (stdio, debounced checks); `cli` is the `ibc lsp` command.
"""
