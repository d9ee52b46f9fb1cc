"""Shared pytest set-up.

Tests are imported with pytest's `importlib` mode so that two areas may both have, say, a
`test_golden.py`; each area's helper modules (`helpers.py`, `lsp_harness.py`, ...) are imported
by plain name, so every test folder is put on `sys.path` here. Helper module names must
therefore be unique across the test folders.
"""

import sys
from pathlib import Path

for folder in sorted(Path(__file__).parent.iterdir()):
    if folder.is_dir() and folder.name not in ("data", "__pycache__"):
        sys.path.insert(0, str(folder))
