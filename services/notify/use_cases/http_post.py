"""The webhook worker's HTTP client (aiohttp), imported when the first delivery is sent (services/common/lazy.py):
a POST that connects only to the addresses the SSRF guard has just checked, never following a redirect."""

from __future__ import annotations

import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult


class PinnedResolver(AbstractResolver):
    """Answers the addresses the SSRF guard has just checked, and nothing else (TLS still verifies the
    receiver's name: only the lookup is pinned)."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.addresses
        ]

    async def close(self) -> None:
        return None


async def post(
    url: str, headers: dict[str, str], body: bytes, *, addresses: list[str], timeout_s: float
) -> tuple[int | None, str | None]:
    """POST ``body`` to ``url`` connecting only to ``addresses`` (checked by the SSRF guard), no redirects:
    (status, None) on 2xx, (status or None, what went wrong) otherwise."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    connector = aiohttp.TCPConnector(resolver=PinnedResolver(addresses), force_close=True)
    try:
        async with (
            aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False) as http,
            http.post(url, data=body, headers=headers, allow_redirects=False) as response,
        ):
            await response.read()
            return response.status, None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
