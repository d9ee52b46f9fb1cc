"""Fixtures for the LLM backend tests: a real sim-server on loopback per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from epic_lang.testing.sim_rules import rules_from_data
from epic_lang.testing.sim_server import SimConfig, SimServerHandle, running_sim_server

StartSim = Callable[..., SimServerHandle]


@pytest.fixture
def start_sim() -> Iterator[StartSim]:
    """`start_sim(rules=[...], latency_ms=..., ...)` starts a sim-server in a thread; every
    server started is stopped at the end of the test."""
    with ExitStack() as stack:

        def start(rules: Any = None, **options: Any) -> SimServerHandle:
            """`rules`: decoded rule tables, or rules already loaded from a file."""
            loaded = rules if isinstance(rules, tuple) else rules_from_data(rules or [])
            config = SimConfig(rules=loaded, **options)
            return stack.enter_context(running_sim_server(config))

        yield start
