"""Cancelling a background loop just as its wake-up arrives (CPython gh-86296: ``asyncio.wait_for`` on Python
3.11 swallows such a cancellation): tests/common/test_shutdown.py, tests/notify/test_stream_cancel.py."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_at(task: asyncio.Task[Any], iterations: int, *, within: float = 2.0) -> bool:
    """Let ``iterations`` loop iterations pass (the wake-up was just handed over), cancel ``task`` and say
    whether it ended within ``within`` seconds; one that did not is ended for good before this returns."""
    for _ in range(iterations):
        await asyncio.sleep(0)
    task.cancel()
    if (await asyncio.wait({task}, timeout=within))[0]:
        return True
    for _ in range(100):  # one of these lands outside the window
        task.cancel()
        if (await asyncio.wait({task}, timeout=0.05))[0]:
            break
    return False
