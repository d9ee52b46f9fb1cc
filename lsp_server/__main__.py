"""`python -m lsp_server`: the language server on stdio, as editors start it."""

import argparse
import sys

from lsp_server.server import add_arguments, main

parser = argparse.ArgumentParser(prog="python -m lsp_server", description=__doc__)
add_arguments(parser)
sys.exit(main(parser.parse_args()))
