"""Fixtures for the dataset tests: a real sim-server on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from epic_lang.testing.sim_server import SimConfig, SimServerHandle, running_sim_server


@pytest.fixture
def start_sim() -> Iterator[Callable[..., SimServerHandle]]:
    """`start_sim(latency_ms=...)` starts a sim-server in a thread, stopped after the test."""
    with ExitStack() as stack:

        def start(**options: Any) -> SimServerHandle:
            return stack.enter_context(running_sim_server(SimConfig(**options)))

        yield start
