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
        self._response = response
        self._text: asyncio.Queue[str | None] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        self._buffer = ""
        self.comments: list[str] = []
        self.retry: int | None = None

    async def _read(self) -> None:
        # One task reads the body, so a timed-out ``next`` never cancels the response's iterator.
        try:
            async for text in self._response.aiter_text():
                self._text.put_nowait(text)
        except (httpx.HTTPError, httpx.StreamError):
            pass  # the response was closed under us (the test left the stream): the end of it
        finally:
            self._text.put_nowait(None)

    async def _block(self) -> str:
        if self._pump is None:
            self._pump = asyncio.create_task(self._read())
        while "\n\n" not in self._buffer:
            text = await self._text.get()
            if text is None:
                self._text.put_nowait(None)
                raise EOFError(f"the stream ended: {self._buffer!r}")
            self._buffer += text
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
