"""Editor features in editor terms: character offsets, labels and markdown, never LSP types.

Each module answers one question about an `Analysis` (document.py) of a text: diagnostics,
hover, navigation, completion, signature help, semantic tokens, outline, formatting, run lenses
and runs. `lsp_server` converts the answers to the protocol; any other editor integration
could use them the same way.
"""
