"""`_try`, `first`, `print` and the per-call token counts against the real local model
(SmolLM2 through llama.cpp): an LLM error of the model itself is handled, and a hedged
request takes one answer and drops the other."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from epic_lang.eval.program import load_source
from epic_lang.llm.local_model import CONTEXT_TOKENS, LocalModelBackend

pytestmark = pytest.mark.model


@pytest.fixture
def model() -> Iterator[LocalModelBackend]:
    backend = LocalModelBackend()
    yield backend
    asyncio.run(backend.aclose())


def test_an_error_of_the_local_model_is_handled_and_a_hedged_call_answers(
    model: LocalModelBackend,
) -> None:
    source = f"""
def main() =
    let too_long = _try(fn() => llm(join(["word"] * {CONTEXT_TOKENS * 2}, sep=" ")),
                        fn(err) => err.kind)
    let hedged = first([fn() => llm("Say hi.", max_tokens=3), fn() => llm("Say hi.", max_tokens=3)])
    [too_long, print(hedged)]
"""
    printed: list[str] = []
    result = load_source(source, "local.epic").run("main", backend=model, output=printed.append)
    kind, answer = result.value
    assert kind == "llm"
    assert isinstance(answer, str) and answer and printed == [answer]
    calls = result.trace.calls
    failed = [c for c in calls if c.status == "error"]
    assert len(failed) == 1 and failed[0].discarded
    kept = [c for c in calls if c.status == "ok" and not c.discarded]
    assert len(kept) == 1 and kept[0].prompt_tokens and kept[0].completion_tokens
