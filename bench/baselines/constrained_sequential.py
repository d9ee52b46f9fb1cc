"""examples/constrained_decoding.epic in plain sequential Python: one prompt after another,
one next-token request at a time."""

from __future__ import annotations

from bench.baselines.openai_http import Client
from examples import json_prefix as grammar

PROMPTS = [
    "Describe Alice, 31, an engineer from Lisbon, as JSON:\n",
    "Describe Bob, 45, a baker from Porto, as JSON:\n",
    "Describe Carol, 28, a pilot from Faro, as JSON:\n",
    "Describe Dan, 52, a doctor from Braga, as JSON:\n",
]


def decode(client: Client, prompt: str, max_tokens: int) -> str:
    text = ""
    for _ in range(max_tokens):
        if grammar.is_complete(text):
            break
        token = grammar.first_allowed(text, client.llm_next(prompt + text, k=8))
        if token is None:
            break
        text += token
    return text


def main(base_url: str, max_tokens: int = 48) -> list[dict]:
    client = Client(base_url)
    try:
        outputs = [decode(client, p, max_tokens) for p in PROMPTS]
    finally:
        client.close()
    return [{"json": text, "valid": grammar.is_complete(text)} for text in outputs]
