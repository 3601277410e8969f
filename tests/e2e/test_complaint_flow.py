"""End to end through NATS and the gateway (issue #14, must show): an enterprise's 5-star rating tagged 索要财物
(``inspection.visit.rated`` on the INSPECTION stream) opens a complaint in the justice bureau's queue; the
department does not see it until the bureau forwards it, and then without the (anonymous) complainant; the
answer is published as ``risk.complaint.answered``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import nats
import orjson
import pytest

from services.common.contracts import inspection
from services.common.embedded import EmbeddedNats
from services.common.events import make_envelope
from tests.risk.helpers import make_uscc, unit_officer
from tests.support import personas
from tests.support.http import ok
from tests.support.outbox import envelopes
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, client, wait_for

API = "/api/v1/risk/complaints"
SUPERVISOR = personas.supervisor("city", sub="sup-city")
OFFICER = unit_officer("SJ-210102")
RATER = make_uscc(501)


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    async with running_platform(stack, ("inspection", "risk"), nats=nats_server, gateway=True) as running:
        yield running


async def test_a_five_star_rating_demanding_money_reaches_the_bureau(platform: Platform) -> None:
    visit = uuid.uuid4()
    rated = inspection.VisitRated(
        visit_id=visit,
        enterprise_uscc=RATER,
        department_codes=["SJ"],
        district_code="210102",
        stars=5,
        tags=["规范", "索要财物"],
        anonymous=True,
        rated_at=datetime.now(UTC),
    )
    envelope = make_envelope(rated, source="inspection")
    nc = await nats.connect(platform.nats_url)
    try:
        await nc.jetstream().publish(envelope.type, orjson.dumps(envelope.model_dump(mode="json")))
    finally:
        await nc.close()

    async with client(platform.gateway.url) as http:

        async def queued() -> dict[str, Any] | None:
            items = ok(await http.get(API, params={"unit_code": "SJ-210102"}, headers=SUPERVISOR))["items"]
            return next((i for i in items if i["visit_id"] == str(visit)), None)

        complaint = await wait_for(queued, timeout=30)
        assert complaint["source"] == "rating" and complaint["category"] == "索要财物"
        assert complaint["complainant_uscc"] == RATER  # the bureau knows who rated
        path = f"{API}/{complaint['id']}"
        assert (await http.get(path, headers=OFFICER)).status_code == 404  # not forwarded yet
        ok(await http.post(f"{path}/forward", json={"note": "请核实"}, headers=SUPERVISOR))
        seen = ok(await http.get(path, headers=OFFICER))
        assert seen["anonymous"] is True and seen["complainant_uscc"] is None and RATER not in str(seen)
        ok(await http.post(f"{path}/reply", json={"text": "已核实，执法人员已停职"}, headers=OFFICER))
        conclusion = {"finding": "substantiated", "conclusion": "属实", "refer_to_discipline": True}
        ok(await http.post(f"{path}/conclude", json=conclusion, headers=SUPERVISOR))
        answered = ok(
            await http.post(f"{path}/answer", json={"text": "经查属实，已移交纪检监察"}, headers=SUPERVISOR)
        )
        assert answered["status_label"] == "已答复投诉人" and answered["referred_to_discipline"] is True
        mine = ok(await http.get(path, headers=personas.enterprise(RATER, sub="rater")))
        assert mine["answer"] == "经查属实，已移交纪检监察"
    # the answer is staged for the notification engine (anonymous: no complainant in the event)
    sent = await envelopes(
        platform.risk.runtime.factory, "risk.complaint.answered", complaint_id=complaint["id"]
    )
    assert len(sent) == 1 and sent[0]["data"]["complainant_uscc"] is None
    assert sent[0]["data"]["referred_to_discipline"] is True


async def test_anyone_files_through_the_gateway_and_reads_the_answer(platform: Platform) -> None:
    """The public form through the gateway: a token, the complaint (the gateway passes the caller's address on,
    risk counts complaints under it), the answer read with the 受理编号 and the secret."""
    complaint = {
        "subject_kind": "visit",
        "unit_code": "SJ-210102",
        "visit_id": str(uuid.uuid4()),
        "category": "未出示证件",
        "text": "检查人员进门未出示执法证件",
    }
    async with client(platform.gateway.url) as http:
        token = ok(await http.post("/public/risk/complaints/tokens"), 201)["token"]
        filed = ok(await http.post("/public/risk/complaints", json={**complaint, "token": token}), 201)
        lookup = {"ack_no": filed["ack_no"], "secret": filed["secret"]}
        assert ok(await http.post("/public/risk/complaints/lookup", json=lookup))["status_label"] == "已受理"
        path = f"{API}/{filed['id']}"
        ok(
            await http.post(
                f"{path}/conclude",
                json={"finding": "unsubstantiated", "conclusion": "不属实"},
                headers=SUPERVISOR,
            )
        )
        ok(await http.post(f"{path}/answer", json={"text": "经核查，检查人员已出示证件"}, headers=SUPERVISOR))
        read = ok(await http.post("/public/risk/complaints/lookup", json=lookup))
    assert read["answer"] == "经核查，检查人员已出示证件" and read["finding_label"] == "不属实"
