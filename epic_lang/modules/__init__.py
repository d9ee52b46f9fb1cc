"""The module layer: how every part of EPIC finds and reads the files a program is made of.

`reader` reads a file with the one encoding policy; `resolver` decides what an import names
(an EPIC file, a Python file or a Python module); `files` caches what was read, keyed by path
and version, under an overlay of the editor's unsaved buffers. The checks, the evaluator and
the editor features all go through here, so they agree on which text a file has.
"""
