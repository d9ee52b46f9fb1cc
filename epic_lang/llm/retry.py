"""When and how long to wait before sending a failed request again.

Servers under load answer 429 or 5xx and often say when to come back (`Retry-After`, or
OpenAI's `retry-after-ms`); we honour that, and otherwise back off exponentially with full
jitter so that a thousand waiting calls do not all come back in the same millisecond.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

RETRYABLE_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`max_attempts` counts the first try; delays are in seconds."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 120.0


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from `retry-after-ms` or `Retry-After` (seconds
    or an HTTP date); None when it did not say."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(policy: RetryPolicy, attempt: int, rng: random.Random) -> float:
    """Full-jitter exponential backoff for the retry after failed attempt `attempt` (0-based)."""
    ceiling = min(policy.max_delay, policy.base_delay * (2**attempt))
    return rng.uniform(0.0, ceiling)


def retry_delay(
    policy: RetryPolicy, attempt: int, retry_after: float | None, rng: random.Random
) -> float:
    """The wait before the next attempt: what the server asked for (plus a little jitter to
    spread the herd), else the jittered backoff."""
    if retry_after is not None:
        return retry_after + rng.uniform(0.0, min(0.25, retry_after * 0.1))
    return backoff_delay(policy, attempt, rng)
