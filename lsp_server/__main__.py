"""`python -m lsp_server`: the language server on stdio, as editors start it.

Started without `-P` from a project folder, Python puts that folder first on `sys.path`, and
the folder's `json.py` or `argparse.py` would be imported in place of the standard library's:
opening the folder would run its code. The VS Code extension starts the server with `-P` from
its own folder (epic_lang/safe_python.py); for editors that start it plainly, the entry is
dropped here, before anything else is imported. A folder's own `lsp_server/` package would
already have replaced this one, so editors should still start `epic lsp` or `python -P -m
lsp_server` (lsp_server/README.md).
"""

import os
import sys

first = os.path.realpath(sys.path[0] or os.curdir) if sys.path else None
if not sys.flags.safe_path and first == os.path.realpath(os.getcwd()):
    del sys.path[0]

import argparse  # noqa: E402

from lsp_server.server import add_arguments, main  # noqa: E402

parser = argparse.ArgumentParser(prog="python -m lsp_server", description=__doc__)
add_arguments(parser)
sys.exit(main(parser.parse_args()))
