"""Fixtures: the real server process over stdio, driven by pytest-lsp's client.

`editor` is what tests use: a started and initialised client with the helpers of
`lsp_harness.Editor`, working in a temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsp_harness import SERVER_CONFIG, Editor, initialize_params
from pytest_lsp import LanguageClient


@pytest_lsp.fixture(config=SERVER_CONFIG)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    lsp_client.set_configuration({"trustedPython": False, "llm": {}}, section="epic")
    await lsp_client.initialize_session(initialize_params(tmp_path))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(client: LanguageClient, tmp_path: Path) -> Editor:
    return Editor(client, tmp_path)


@pytest.fixture
def sample() -> str:
    return (Path(__file__).parent.parent / "data" / "lsp" / "sample.epic").read_text("utf-8")
