"""The EPIC language server (pygls): the only package that knows LSP. See README.md."""
