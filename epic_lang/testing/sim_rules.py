r"""What the simulated LLM answers: rules from a file, and a seeded fallback.

A rules file (JSON, or TOML with `[[rule]]` tables) lists rules tried in order; the first whose
regex is found in the prompt (the last message for chat) decides the answer. A rule may
instead inject a fault (`status`, optionally only the first `times` matching requests, with
`retry_after` seconds; `silent` to read the request and never answer; `null_content` for a
chat answer whose `content` is null; `body_mb` to pad the answer to that size; `cut_after` to
drop the connection after that many pieces of a streamed answer) so tests can exercise
retries, timeouts and limits. Prompts no rule matches get a seeded,
deterministic answer: equal prompts at temperature 0 always get the same text.

```toml
[[rule]]
match = "capital of (\\w+)"
answer = "The capital of \\1 is a city."
[[rule]]
match = "flaky"
status = 429
times = 2
retry_after = 0.2
[[rule]]
match = "^The sky is$"
top_logprobs = { " blue" = -0.2, " grey" = -1.9, " clear" = -2.6 }
[[rule]]
match = "Describe (\\w+) as JSON:\n"
continue = '{"name": "\\1"}'
top_logprobs = { "Sure" = -0.3 }
```

A `continue` rule answers with the rest of its text (a template, like `answer`) after what the
prompt already holds past the match, so a decoder that feeds each chosen token back in walks
through the text token by token; its `top_logprobs` are then offered beside the right next
token at every step (a higher logprob ranks them first, so a constraint has work to do).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORDS = (
    "the",
    "a",
    "model",
    "answer",
    "simulated",
    "token",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "was",
    "at",
    "by",
    "this",
    "from",
    "or",
    "an",
    "be",
    "are",
    "which",
    "not",
    "have",
    "one",
    "all",
    "when",
    "there",
    "can",
    "more",
    "time",
    "some",
    "what",
    "out",
    "about",
    "so",
    "up",
    "into",
    "than",
    "then",
    "them",
    "these",
    "way",
    "could",
    "first",
    "also",
    "new",
    "after",
    "two",
    "because",
)

_TOKEN = re.compile(r"\s*\S+|\s+")

_RULE_KEYS = {
    "match",
    "endpoint",
    "answer",
    "answers",
    "top_logprobs",
    "status",
    "times",
    "retry_after",
    "message",
    "latency_ms",
    "continue",
    "silent",
    "null_content",
    "body_mb",
    "cut_after",
}


class SimRulesError(Exception):
    """A rules file the simulator cannot use; the message names the rule."""


@dataclass(frozen=True, slots=True)
class SimRule:
    pattern: re.Pattern[str]
    answer: str | None = None
    answers: tuple[str, ...] = ()
    top_logprobs: tuple[tuple[str, float], ...] = ()
    endpoint: str | None = None  # "chat" or "completions"; None for both
    status: int | None = None
    times: int | None = None
    retry_after: float | None = None
    message: str | None = None
    latency_ms: float | None = None
    continuation: str | None = None  # the `continue` template
    silent: bool = False
    null_content: bool = False
    body_mb: float | None = None
    cut_after: int | None = None  # pieces of a streamed answer sent before the connection drops


def rule_from_dict(data: dict[str, Any], where: str = "rule") -> SimRule:
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise SimRulesError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        pattern = re.compile(str(data.get("match", "")), re.DOTALL)
    except re.error as exc:
        raise SimRulesError(f"{where}: bad regex: {exc}") from exc
    endpoint = data.get("endpoint")
    if endpoint not in (None, "chat", "completions"):
        raise SimRulesError(f"{where}: endpoint must be 'chat' or 'completions'")
    top = data.get("top_logprobs") or {}
    if not isinstance(top, dict):
        raise SimRulesError(f"{where}: top_logprobs must be a table of token = logprob")
    answers = data.get("answers") or []
    if not isinstance(answers, list):
        raise SimRulesError(f"{where}: answers must be a list of strings")
    return SimRule(
        pattern=pattern,
        answer=None if data.get("answer") is None else str(data["answer"]),
        answers=tuple(str(a) for a in answers),
        top_logprobs=tuple(
            sorted(((str(t), float(lp)) for t, lp in top.items()), key=lambda pair: -pair[1])
        ),
        endpoint=endpoint,
        status=None if data.get("status") is None else int(data["status"]),
        times=None if data.get("times") is None else int(data["times"]),
        retry_after=None if data.get("retry_after") is None else float(data["retry_after"]),
        message=None if data.get("message") is None else str(data["message"]),
        latency_ms=None if data.get("latency_ms") is None else float(data["latency_ms"]),
        continuation=None if data.get("continue") is None else str(data["continue"]),
        silent=bool(data.get("silent", False)),
        null_content=bool(data.get("null_content", False)),
        body_mb=None if data.get("body_mb") is None else float(data["body_mb"]),
        cut_after=None if data.get("cut_after") is None else int(data["cut_after"]),
    )


def rules_from_data(data: Any) -> tuple[SimRule, ...]:
    """Rules from a decoded file: a list, or a table with a `rule` or `rules` list."""
    if isinstance(data, dict):
        data = data.get("rule", data.get("rules", []))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise SimRulesError("the rules must be a list of tables")
    return tuple(rule_from_dict(item, f"rule {i + 1}") for i, item in enumerate(data))


def load_rules(path: str | Path) -> tuple[SimRule, ...]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except json.JSONDecodeError as exc:
        raise SimRulesError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    except (OSError, ValueError) as exc:
        raise SimRulesError(f"{path}: {exc}") from exc
    try:
        return rules_from_data(data)
    except SimRulesError as exc:
        raise SimRulesError(f"{path}: {exc}") from exc


def tokens(text: str) -> list[str]:
    """The simulator's tokens: words with their leading whitespace."""
    return _TOKEN.findall(text)


def seeded_rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def fallback_text(rng: random.Random) -> str:
    count = rng.randint(3, 12)
    words = [rng.choice(WORDS) for _ in range(count)]
    return (" ".join(words)).capitalize() + "."


def rule_text(rule: SimRule, match: re.Match[str], choice: int) -> str | None:
    """The rule's answer for choice `choice` (`answers` cycle for samples); None if the rule
    gives no text."""
    if rule.continuation is not None:
        return continuation_text(rule, match)
    template = rule.answers[choice % len(rule.answers)] if rule.answers else rule.answer
    if template is not None:
        return match.expand(template)
    if rule.top_logprobs:
        return rule.top_logprobs[0][0]
    return None


def continuation_text(rule: SimRule, match: re.Match[str]) -> str | None:
    """The rest of a `continue` rule's text after the prompt's own text past the match; None
    when the prompt has left the text or already holds all of it."""
    assert rule.continuation is not None
    target = match.expand(rule.continuation)
    done = match.string[match.end() :]
    if len(target) > len(done) and target.startswith(done):
        return target[len(done) :]
    return None


def cut(text: str, stop: list[str], max_tokens: int) -> tuple[str, str]:
    """The text cut at the first stop sequence and at `max_tokens`, with the finish reason."""
    for sequence in stop:
        at = text.find(sequence) if sequence else -1
        if at >= 0:
            text = text[:at]
    parts = tokens(text)
    if len(parts) > max_tokens:
        return "".join(parts[:max_tokens]), "length"
    return text, "stop"


def token_logprobs(
    text: str,
    k: int,
    rng: random.Random,
    first_top: tuple[tuple[str, float], ...],
    offered: tuple[tuple[str, float], ...] = (),
) -> dict[str, Any]:
    """Legacy completions `logprobs` for `text`: each token with its logprob and the top k at
    each position (a proper distribution: the k shown never sum above probability 1).
    `offered` tokens (a `continue` rule's) join the first position's table with their own
    probabilities; the seeded ones share what is left."""
    out_tokens = tokens(text)
    top_list: list[dict[str, float]] = []
    chosen: list[float] = []
    offset, offsets = 0, []
    for position, token in enumerate(out_tokens):
        offsets.append(offset)
        offset += len(token)
        if position == 0 and offered:
            table = _with_offered(_seeded_top(token, k, rng), offered, k)
            chosen.append(table[token])
        elif position == 0 and first_top:
            table = dict(first_top[: max(k, 1)])
            chosen.append(table.get(token, first_top[0][1]))
        else:
            table = _seeded_top(token, k, rng)
            chosen.append(table[token])
        top_list.append(table)
    return {
        "tokens": out_tokens,
        "token_logprobs": chosen,
        "top_logprobs": top_list,
        "text_offset": offsets,
    }


def _with_offered(
    table: dict[str, float], offered: tuple[tuple[str, float], ...], k: int
) -> dict[str, float]:
    """`table` scaled down to make room for the `offered` tokens, trimmed to k entries while
    keeping its own first (the right) token."""
    extra = {t: lp for t, lp in offered if t not in table}
    left = max(1e-6, 1.0 - sum(math.exp(lp) for lp in extra.values()))
    scaled = {t: lp + math.log(left) for t, lp in table.items()}
    right = next(iter(table))
    merged = sorted({**scaled, **extra}.items(), key=lambda pair: -pair[1])
    keep = [pair for pair in merged if pair[0] != right][: max(k, 1) - 1]
    return dict(sorted([*keep, (right, scaled[right])], key=lambda pair: -pair[1]))


def _seeded_top(token: str, k: int, rng: random.Random) -> dict[str, float]:
    weights = sorted((rng.expovariate(1.0) for _ in range(max(k, 1))), reverse=True)
    rest = rng.uniform(0.2, 2.0)
    total = sum(weights) + rest
    lead = token[: len(token) - len(token.lstrip())] or " "
    others = [w for w in WORDS if lead + w != token]
    rng.shuffle(others)
    names = [token] + [lead + w for w in others[: len(weights) - 1]]
    return {name: math.log(w / total) for name, w in zip(names, weights, strict=False)}
