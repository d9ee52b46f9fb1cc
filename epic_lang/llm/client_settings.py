"""How the HTTP client behaves: limits, timeouts and retries, and their settings-file keys.

Kept apart from `openai_client` so that reading a settings file does not import the HTTP
stack, and apart from `config` (which server, which key) so that each has one job.

```toml
max_concurrency = 256     # requests in flight at once (default 1024, fewer if the open-file
                          # limit allows fewer)
connect_timeout = 10      # seconds to open a connection (TCP and TLS)
read_timeout = 120        # seconds to wait for the whole answer once the request is sent
max_retries = 5           # requests sent again after the first, per call
retry_budget = 60         # seconds a call may spend retrying, from its first failure
retry_unsafe = false      # send again a request the server may still be processing
max_response_mb = 16      # larger answers are refused
schema_format = "json_schema"  # how llm_json's schema is sent: OpenAI's `json_schema`, or
                          # "json_object" (`{"type": "json_object", "schema": ...}`) for
                          # llama-cpp-python's server
```
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from epic_lang.llm.credentials import LLMConfigError
from epic_lang.llm.retry import RetryPolicy

DEFAULT_MAX_RESPONSE_BYTES = 16 * 2**20

CLIENT_KEYS = frozenset(
    {
        "max_concurrency",
        "connect_timeout",
        "read_timeout",
        "max_retries",
        "retry_budget",
        "retry_unsafe",
        "max_response_mb",
        "schema_format",
    }
)
SCHEMA_FORMATS = ("json_schema", "json_object")


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How the client talks to one endpoint. Times are in seconds.

    At most `max_concurrency` requests are in flight, each on its own connection; fewer when
    the open-file limit allows fewer. `connect_timeout` bounds opening a connection (TCP and
    TLS); `read_timeout` bounds the wait for the whole answer once the request is sent.
    """

    max_concurrency: int = 1024
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    batch: bool = False
    batch_window: float = 0.005
    batch_max_prompts: int = 256
    schema_format: str = "json_schema"  # one of SCHEMA_FORMATS (`structured.response_format`)


def client_options(values: dict[str, Any], where: str) -> ClientOptions:
    """The options given by a settings table (other keys are ignored), defaults elsewhere.
    Raises `LLMConfigError` naming `where` for a value that cannot be used."""
    defaults = ClientOptions()
    retry = defaults.retry
    unsafe = values.get("retry_unsafe", retry.retry_unsafe)
    if not isinstance(unsafe, bool):
        raise LLMConfigError(f"{where}: `retry_unsafe` must be true or false")
    schema_format = values.get("schema_format", defaults.schema_format)
    if schema_format not in SCHEMA_FORMATS:
        raise LLMConfigError(
            f"{where}: `schema_format` must be one of {', '.join(map(repr, SCHEMA_FORMATS))}"
        )
    max_retries = _number(values, "max_retries", where, 0, integer=True)
    response_mb = _number(values, "max_response_mb", where, 0.001)
    return ClientOptions(
        max_concurrency=int(
            _number(values, "max_concurrency", where, 1, integer=True) or defaults.max_concurrency
        ),
        connect_timeout=_number(values, "connect_timeout", where, 0.001)
        or defaults.connect_timeout,
        read_timeout=_number(values, "read_timeout", where, 0.001) or defaults.read_timeout,
        max_response_bytes=(
            int(response_mb * 2**20) if response_mb else defaults.max_response_bytes
        ),
        retry=RetryPolicy(
            max_attempts=retry.max_attempts if max_retries is None else int(max_retries) + 1,
            budget=_or(_number(values, "retry_budget", where, 0), retry.budget),
            retry_unsafe=unsafe,
        ),
        schema_format=schema_format,
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _number(
    values: dict[str, Any], name: str, where: str, least: float, integer: bool = False
) -> float | None:
    """The setting `name` checked to be a finite number of at least `least`; None if absent."""
    value = values.get(name)
    if value is None:
        return None
    kind = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, kind) or not least <= value < math.inf:
        what = "a whole number" if integer else "a number"
        raise LLMConfigError(f"{where}: `{name}` must be {what} of at least {least:g}")
    return float(value)
