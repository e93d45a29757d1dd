"""Leaf modules shared by the compiler (`ibc.syntax` … `ibc.codegen`), the runtime
(`ibc.runtime`) and the command line. They import only the standard library, so either side
may import them without importing the other."""
