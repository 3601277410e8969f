"""Reading Server-Sent Events in tests: a parser over an httpx streaming response (text/event-stream)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)


class SSEReader:
    """``await reader.next()``: the next event (comment-only blocks, heartbeats, are kept in
    ``reader.comments`` and skipped; a block carrying only ``retry:`` too)."""

    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.aiter_text()
        self._buffer = ""
        self.comments: list[str] = []
        self.retry: int | None = None

    async def _block(self) -> str:
        while "\n\n" not in self._buffer:
            self._buffer += await anext(self._chunks)
        block, self._buffer = self._buffer.split("\n\n", 1)
        return block

    async def next(self, timeout: float = 10.0) -> Event:
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> Event:
        while True:
            event = Event()
            data: list[str] = []
            for line in (await self._block()).split("\n"):
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "":
                    event.comments.append(value)
                    self.comments.append(value)
                elif name == "retry":
                    self.retry = int(value)
                elif name == "id":
                    event.id = value
                elif name == "event":
                    event.event = value
                elif name == "data":
                    data.append(value)
            if data or event.id is not None:
                event.data = "\n".join(data)
                return event
