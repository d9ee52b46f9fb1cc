"""Shared pytest set-up.

Tests are imported with pytest's `importlib` mode so that two areas may both have, say, a
`test_golden.py`; each area's helper modules (`helpers.py`, `lsp_harness.py`, ...) are imported
by plain name, so every test folder is put on `sys.path` here. Helper module names must
therefore be unique across the test folders.
"""

import os
import sys
from pathlib import Path

for folder in sorted(Path(__file__).parent.iterdir()):
    if folder.is_dir() and folder.name not in ("data", "__pycache__"):
        sys.path.insert(0, str(folder))

# Property tests: no per-example deadline anywhere (the machines are shared and noisy), and in
# CI a fixed sequence of examples, so that a run is reproducible and a failure there is one
# that a developer can replay. Locally the search stays random to keep finding new cases.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
