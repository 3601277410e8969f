"""行政执法公示 end to end through the gateway, with the real penalty and credit repair services on real NATS:

a general-procedure decision (penalty.decision.issued) → not public before the party has it → the credit
service's notice arrives (credit.notice.issued) → delivery with both documents (两书同达) → the decision is on
the public list, with no token, the same day → the supervisor's publication rate for the department and month
counts it as published on time.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.common import clock
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.credit_repair.use_cases import rule_sets as credit_rule_sets
from services.penalty.domain import catalogue as cat
from services.penalty.use_cases import catalogue as penalty_catalogue
from tests.penalty.helpers import SJ_A, TODAY, USCC_A, pin_clock, to_decided
from tests.support.http import ok
from tests.support.personas import officer, supervisor
from tests.support.stack import Running, Stack, client, running_gateway, running_service, wait_for

ROOT = Path(__file__).resolve().parents[2]
PENALTY = "/api/v1/penalty"


@dataclass
class Platform:
    gateway: Running
    penalty: Running
    credit: Running


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    pin_clock(TODAY)  # Mon 2026-11-16, so the deadlines below are worked by hand
    try:
        yield
    finally:
        clock.reset()


@contextlib.asynccontextmanager
async def penalty_and_credit(
    stack: Stack, nats: EmbeddedNats, catalogue_json: str
) -> AsyncIterator[Platform]:
    """Penalty (with ``catalogue_json`` installed, no deadline scan) and credit repair (the sample rule sets) on
    fresh databases and ``nats``, the gateway in front, both services' consumers ready."""
    penalty_db = await stack.anew_database("penalty")
    credit_db = await stack.anew_database("credit_repair")
    async with (
        running_service(
            "penalty", database_url=penalty_db, nats_url=nats.url, deadline_scan_enabled=False
        ) as penalty,
        running_service("credit_repair", database_url=credit_db, nats_url=nats.url) as credit,
        running_gateway({"penalty": penalty.url, "credit_repair": credit.url}) as gateway,
    ):
        async with transaction(penalty.runtime.factory) as session:
            catalogue = cat.parse_json(catalogue_json)
            await penalty_catalogue.install_catalogue(session, catalogue=catalogue, actor="e2e")
        async with transaction(credit.runtime.factory) as session:
            rules = (ROOT / "data" / "sample" / "credit_rules.json").read_text(encoding="utf-8")
            await credit_rule_sets.load_rule_set_document(
                session, rules, actor="e2e", cache=credit.runtime.context.rule_sets
            )
        for running in (penalty, credit):
            assert await running.runtime.bus.wait_ready(15)
        yield Platform(gateway, penalty, credit)


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    sample = (ROOT / "data" / "sample" / "benchmarks.json").read_text()
    async with penalty_and_credit(stack, nats_server, sample) as running:
        yield running


async def test_decision_to_publication(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        case = await to_decided(http, uscc=USCC_A)
        cid, number = case["id"], case["decision"]["number"]

        async def public_items() -> list[dict[str, Any]]:
            r = ok(await http.get("/public/penalty/decisions", params={"department": "SJ"}))
            return r["items"]  # type: ignore[no-any-return]

        assert number not in [d["decision_no"] for d in await public_items()]  # not before delivery

        body = {"method": "direct", "recipient": "当事人法定代表人"}

        async def deliverable() -> dict[str, Any] | None:
            r = await http.post(f"{PENALTY}/cases/{cid}/delivery", json=body, headers=officer(**SJ_A))
            if r.status_code == 409:
                assert r.json()["code"] == "CREDIT_NOTICE_PENDING"
                return None
            return ok(r)  # type: ignore[no-any-return]

        await wait_for(deliverable, timeout=30)
        [item] = [d for d in await public_items() if d["decision_no"] == number]
        assert item["party_name"] == "沈阳东陵客运有限公司" and item["party_uscc"] == USCC_A
        assert (item["decided_on"], item["published_on"]) == ("2026-11-16", "2026-11-16")
        assert item["agency"] == "沈阳市市场监督管理局" and item["penalty"].startswith("罚款")
        one = ok(await http.get(f"/public/penalty/decisions/{item['id']}"))
        assert one["decision_no"] == number

        # decided Mon 11-16: 7 working days → Wed 11-25; published 11-16: on time, 1 of 1
        period = {"from": "2026-11-16", "to": "2026-11-16"}
        report = ok(await http.get(f"{PENALTY}/disclosure/rate", params=period, headers=supervisor()))
        assert [
            (r["department_code"], r["period"], r["due"], r["on_time"], r["rate"]) for r in report["rows"]
        ] == [("SJ", "2026-11", 1, 1, 1.0)]
        late = ok(await http.get(f"{PENALTY}/disclosure/late", params=period, headers=supervisor()))
        assert late["items"] == []
        # the gateway refuses the report without a token; the public list needs none
        assert (await http.get(f"{PENALTY}/disclosure/rate", params=period)).status_code == 401
