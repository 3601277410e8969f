"""The gateway with one upstream down, the others still served (issue #11 item 10).

Before, the gateway's readiness required all four services, so one service's database outage took every
gateway pod out of the Ingress and scan-to-enter (inspection) down with it. Now readiness reflects the gateway
itself and reports the upstreams in its body; a down upstream answers 503 with Retry-After for its own
prefixes only. Two ways to be down: the penalty service's own PostgreSQL crashes (the process still runs and
answers 503 itself), then the penalty process is gone (the gateway cannot connect).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from services.common.embedded import EmbeddedPostgres
from services.common.registry import SERVICES
from tests.support.platform import running_platform
from tests.support.stack import (
    Running,
    Stack,
    auth,
    client,
    dedicated_postgres,
    migrated_database,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

# One read per service the gateway must keep serving, including the check-in's service.
STILL_SERVED = {
    "inspection": "/api/v1/inspection/officers",
    "credit_repair": "/api/v1/credit/records",
    "risk": "/api/v1/risk/rectifications",
    "notify": "/api/v1/webhooks/endpoints",
}
PENALTY = ["/api/v1/penalty/cases", "/public/penalty/benchmarks"]


@dataclass
class OneDown:
    """The platform with penalty on a PostgreSQL of its own, which the test kills, then penalty itself."""

    penalty_pg: EmbeddedPostgres
    platform: OneDown

    @property
    def gateway(self) -> Running:
        return self.platform.gateway


@pytest.fixture(scope="module")
async def platform(stack: Stack) -> AsyncIterator[OneDown]:
    async with dedicated_postgres() as penalty_pg:
        databases = {"penalty": await migrated_database(penalty_pg, "penalty")}
        async with running_platform(
            stack,
            ("inspection", "credit_repair", "risk", "notify", "penalty"),
            databases=databases,
            gateway={"upstream_check_interval_s": 0.2},
            inspection_sample=False,
            seed=False,
        ) as running:
            yield OneDown(penalty_pg, running)


async def readiness(gw: Running) -> httpx.Response:
    async with client(gw.url) as http:
        return await http.get("/readyz")


async def assert_others_served(http: httpx.AsyncClient) -> None:
    for name, path in STILL_SERVED.items():
        r = await http.get(path)
        assert r.status_code == 200, f"{name}: {r.status_code} {r.text}"


def assert_503(r: httpx.Response, codes: set[str]) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["code"] in codes and int(r.headers["retry-after"]) >= 1
    assert r.json()["request_id"] == r.headers["x-request-id"]


async def test_all_up(platform: OneDown) -> None:
    async def all_ready() -> bool:
        r = await readiness(platform.gateway)
        return r.status_code == 200 and set(r.json()["upstreams"].values()) == {"ready"}

    await wait_for(all_ready, timeout=10)


async def test_one_database_down_leaves_the_gateway_ready_and_the_others_served(platform: OneDown) -> None:
    await asyncio.to_thread(platform.penalty_pg.kill)

    async def penalty_reported() -> bool:
        r = await readiness(platform.gateway)
        assert r.status_code == 200, r.text  # the gateway stays in the Ingress
        return bool(r.json()["upstreams"]["penalty"] != "ready")

    await wait_for(penalty_reported, timeout=10)
    async with client(platform.gateway.url, headers=auth("admin", "one-down")) as http:
        await assert_others_served(http)
        for path in PENALTY:
            assert_503(await http.get(path), {"DATABASE_UNAVAILABLE"})


async def test_one_service_gone_leaves_the_gateway_ready_and_the_others_served(platform: OneDown) -> None:
    await platform.platform.stop("penalty")  # the teardown's second exit is a no-op

    async def penalty_unreachable() -> bool:
        r = await readiness(platform.gateway)
        assert r.status_code == 200, r.text
        return bool(r.json()["upstreams"]["penalty"] == "unreachable")

    await wait_for(penalty_unreachable, timeout=10)
    async with client(platform.gateway.url, headers=auth("admin", "gone")) as http:
        await assert_others_served(http)
        for path in PENALTY:
            assert_503(await http.get(path), {"UPSTREAM_UNAVAILABLE"})
    assert set(SERVICES) == {*STILL_SERVED, "penalty"}
