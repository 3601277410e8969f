"""Background loops (relay, consumers, jobs) are restarted when they crash instead of dying silently."""

from __future__ import annotations

import asyncio

import pytest

from services.common.app import supervise


async def test_a_crashing_loop_is_restarted(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []
    done = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs) + 1)
        if len(runs) < 3:
            raise RuntimeError(f"crash {len(runs)}")
        done.set()
        await asyncio.Event().wait()  # the third run stays up

    task = asyncio.create_task(supervise("flaky", flaky))
    try:
        await asyncio.wait_for(done.wait(), 10)  # restarts after 1 s, then 2 s
    finally:
        task.cancel()
    assert runs == [1, 2, 3]
    assert sum("flaky crashed" in r.getMessage() for r in caplog.records if r.levelname == "ERROR") == 2
