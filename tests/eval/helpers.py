"""Shared helpers for the evaluator tests: running source in both modes with a fake LLM."""

from __future__ import annotations

from typing import Any

from epic_lang.eval.program import RunResult, load_source
from epic_lang.testing.fake import FakeBackend

MODES = ("opportunistic", "sequential")


def run(
    text: str,
    mode: str = "opportunistic",
    latency: float = 0.0,
    entry: str = "main",
    backend: Any = None,
    **kwargs: Any,
) -> RunResult:
    program = load_source(text, "test.epic")
    return program.run(entry, mode=mode, backend=backend or FakeBackend(latency=latency), **kwargs)


def overlap(a: Any, b: Any) -> bool:
    """Whether two trace records were in flight at the same time."""
    return a.start < b.end and b.start < a.end


def call_multiset(result: RunResult) -> list[tuple[str, str]]:
    return sorted((c.name, c.args) for c in result.trace.calls)


def both_modes(text: str, latency: float = 0.0, **kwargs: Any) -> tuple[RunResult, RunResult]:
    return tuple(run(text, mode, latency, **kwargs) for mode in MODES)  # type: ignore[return-value]
