"""Which failed requests are sent again, for how long, and when the server asked us to.

Servers under load answer 429 or 5xx and often say when to come back (`Retry-After`, or
OpenAI's `retry-after-ms`); the endpoint's circuit (`circuit.py`) waits that long, and
otherwise backs off exponentially, with one probe at a time, so a thousand waiting calls do
not hammer a server that is down.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass

RETRYABLE_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a failed call is sent again. Times are in seconds.

    `max_attempts` counts the requests one call sends (the first included); waiting for the
    endpoint's circuit to close costs no attempt. `budget` bounds the time a call spends
    retrying, counted from its first failure. `retry_unsafe` allows sending again a request
    the server may have received and still be processing (a read timeout, a connection lost
    after sending): off by default, because a paid API bills each copy.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 10.0
    max_retry_after: float = 120.0
    budget: float = 60.0
    retry_unsafe: bool = False


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
