"""PostgreSQL down (issue #11 item 3): every path of every service answers 503 ``DATABASE_UNAVAILABLE`` with
``Retry-After`` and a request id, directly and through the gateway, and each service recovers by itself once
the database is back (no restart).

One PostgreSQL server of the test's own (the session's is shared with every other test), killed with SIGKILL
as a crash would, then started again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from services.common.embedded import EmbeddedPostgres
from services.common.registry import SERVICES
from tests.support.platform import running_platform
from tests.support.stack import (
    auth,
    client,
    dedicated_postgres,
    migrated_database,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

# (method, path, body): reads and writes on every service, the Idempotency-Key step, a public list and a
# dependency that loads from the database before the endpoint runs.
PATHS: dict[str, list[tuple[str, str]]] = {
    "inspection": [
        ("GET", "/api/v1/inspection/officers"),
        ("GET", "/public/inspection/tasks"),
        ("GET", "/api/v1/inspection/tasks/8d1f6a2e-0000-4000-8000-000000000001"),
    ],
    "penalty": [("GET", "/api/v1/penalty/cases"), ("GET", "/public/penalty/benchmarks")],
    "credit_repair": [("GET", "/api/v1/credit/records"), ("GET", "/public/credit/publications")],
    "risk": [("GET", "/api/v1/risk/rectifications"), ("GET", "/api/v1/risk/enterprises")],
    "notify": [("GET", "/api/v1/webhooks/endpoints"), ("GET", "/api/v1/webhooks/dead-letters")],
}


def ping(service: str) -> str:
    return f"/api/v1/{SERVICES[service].url_prefix}/diagnostics/ping"


@dataclass
class Down:
    """The platform on a PostgreSQL of its own, which the test kills."""

    pg: EmbeddedPostgres
    services: dict[str, str]
    gateway: str


@pytest.fixture(scope="module")
async def platform() -> AsyncIterator[Down]:
    async with dedicated_postgres() as pg:
        databases = {name: await migrated_database(pg, name) for name in SERVICES}
        async with running_platform(
            None, SERVICES, databases=databases, gateway=True, inspection_sample=False, seed=False
        ) as running:
            urls = {name: svc.url for name, svc in running.services.items()}
            yield Down(pg, urls, running.gateway.url)


async def restart(pg: EmbeddedPostgres) -> None:
    async def gone() -> bool:  # the killed postmaster lingers as a zombie for a moment
        return not await asyncio.to_thread(pg.running)

    await wait_for(gone, timeout=15, interval=0.2)
    await asyncio.to_thread(pg.start)


async def call(http: httpx.AsyncClient, method: str, path: str, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    if method == "POST":
        return await http.post(path, json={"note": "数据库"}, headers=headers)
    return await http.get(path, headers=headers)


def assert_unavailable(r: httpx.Response, what: str) -> None:
    assert r.status_code == 503, f"{what}: {r.status_code} {r.text}"
    assert r.headers["content-type"] == "application/problem+json", what
    body = r.json()
    assert body["code"] == "DATABASE_UNAVAILABLE", f"{what}: {body}"
    assert int(r.headers["retry-after"]) >= 1, what
    assert body["request_id"] and body["request_id"] == r.headers["x-request-id"], f"{what}: {body}"


async def test_every_path_answers_503_while_the_database_is_down_and_recovers(platform: Down) -> None:
    headers = auth("admin", "dbdown")
    async with client(platform.gateway, headers=headers) as via:
        warm = await via.get("/api/v1/penalty/cases")  # pooled connections exist when the server dies
        assert warm.status_code == 200
    await asyncio.to_thread(platform.pg.kill)
    try:
        for name, base in platform.services.items():
            calls = [*PATHS[name], ("POST", ping(name))]
            for target in (base, platform.gateway):
                async with client(target, headers=headers) as http:
                    for method, path in calls:
                        assert_unavailable(await call(http, method, path), f"{method} {path} at {target}")
                    r = await call(http, "POST", ping(name), key=f"down-{name}")
                    assert_unavailable(r, f"POST {ping(name)} with an Idempotency-Key at {target}")
            async with client(base) as http:
                ready = await http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["database"] == "down"
    finally:
        await restart(platform.pg)

    async def all_served() -> bool:
        async with client(platform.gateway, headers=headers) as http:
            answered_at = time.monotonic()
            for name in platform.services:
                for method, path, key in [
                    *((m, p, None) for m, p in PATHS[name]),
                    ("POST", ping(name), None),
                    ("POST", ping(name), f"down-{name}"),
                ]:
                    began = time.monotonic()
                    try:
                        r = await call(http, method, path, key)
                    except httpx.TransportError as exc:  # no answer: say which request, and after what
                        raise AssertionError(
                            f"{method} {path} through the gateway got no answer: {exc!r} (cause "
                            f"{exc.__cause__!r}) after {time.monotonic() - began:.2f} s, the client idle "
                            f"{began - answered_at:.2f} s before it (the gateway closes a connection idle 5 s)"
                        ) from exc
                    answered_at = time.monotonic()
                    if r.status_code not in ((202,) if key else (200, 202, 404)):
                        return False
        return True

    await wait_for(all_served, timeout=30, interval=0.5)
