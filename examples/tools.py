"""Python helpers for examples/python_tools.epic: any function here is an external call."""

import asyncio


def word_count(text: str) -> int:
    return len(text.split())


async def slow_square(x: int) -> int:
    """An async external: EPIC awaits it without blocking the other calls."""
    await asyncio.sleep(0.05)
    return x * x
