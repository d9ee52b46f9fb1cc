"""Structured output against a real llama-cpp-python server (`python -m llama_cpp.server`)
running the local model: it takes the schema only as `{"type": "json_object", "schema": ...}`
(`schema_format = "json_object"`), and answers OpenAI's `json_schema` form with an HTTP 500
that EPIC turns into a hint naming the setting."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from epic_lang.eval import run_source
from epic_lang.eval.program import EpicRuntimeError
from epic_lang.llm.client_settings import ClientOptions
from epic_lang.llm.local_model import find_model_file
from epic_lang.llm.openai_client import OpenAIBackend
from epic_lang.llm.retry import RetryPolicy

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp.server") is None
        or importlib.util.find_spec("uvicorn") is None,
        reason="llama-cpp-python's server extra is not installed",
    ),
]

SOURCE = 'def main() = llm_json("Ann is 31. As JSON:", {age: "integer"}, max_tokens=12)\n'


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(find_model_file()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "1024",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "no llama_cpp.server"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_llm_json_on_llama_cpp_server(llama_server):
    backend = OpenAIBackend(llama_server, options=ClientOptions(schema_format="json_object"))
    person = run_source(SOURCE, backend=backend).value
    assert list(person) == ["age"] and type(person["age"]) is int


def test_the_openai_form_gets_a_hint_naming_the_setting(llama_server):
    options = ClientOptions(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(EpicRuntimeError) as info:
        run_source(SOURCE, backend=OpenAIBackend(llama_server, options=options))
    assert 'set `schema_format = "json_object"` in epic.toml' in str(info.value)
