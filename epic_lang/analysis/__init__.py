"""Static analysis of EPIC modules: the built-in table, name resolution and the checks.

`builtins` is the one table of built-in signatures and docs; `scope.resolve` says what every
name refers to; `checks` turns both into the diagnostics of `epic check` and the editor.
Nothing here runs a program or imports the Python modules a program names.
"""
