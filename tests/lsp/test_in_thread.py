"""`in_thread`: a job on its own loop and thread, cancelled through the awaiting task."""

from __future__ import annotations

import asyncio
import threading

import pytest

from lsp_server.runs import in_thread


async def test_result_comes_from_another_thread() -> None:
    async def job() -> str:
        return threading.current_thread().name

    assert await in_thread(job) == "epic-run"


async def test_errors_are_raised_in_the_caller() -> None:
    async def job() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await in_thread(job)


async def test_cancelling_the_caller_cancels_the_job_and_returns_its_answer() -> None:
    started = threading.Event()

    async def job() -> str:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            return "wound down"
        return "finished"

    task = asyncio.ensure_future(in_thread(job))
    await asyncio.to_thread(started.wait)
    task.cancel()
    assert await asyncio.wait_for(task, 10) == "wound down"
