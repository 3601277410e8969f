"""Credit repair (use_cases.repairs) over HTTP: every refusal of an application (the issue's "bad input"
list), the review, and its working-day deadlines."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.credit_repair.models import FeedEntry
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import (
    ENT_A,
    ENT_B,
    OFFICER_SJ,
    USCC_B,
    end_of,
    months_later,
    publication_of,
    published_record,
    repair_body,
)
from tests.support.contracts import YUAN
from tests.support.http import problem
from tests.support.outbox import envelopes
from tests.support.stack import client

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]


class TestRepairRefusals:
    async def test_before_the_minimum_period(self, credit: Credit) -> None:
        record = await published_record(credit, months_ago=0)
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
        problem(r, 409, "REPAIR_TOO_EARLY")
        earliest = months_later(record.decided_on, 3)  # 一般: minimum 3 months
        assert f"{earliest.year}年{earliest.month}月{earliest.day}日" in r.json()["detail"]

    async def test_fine_unpaid(self, credit: Credit) -> None:
        record = await published_record(credit, pay=False)
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
        problem(r, 409, "REPAIR_FINE_UNPAID")
        assert "80,000.00元" in r.json()["detail"]

    async def test_never_early(self, credit: Credit) -> None:
        # 吊销许可证件 by market regulation: 严重, never ended early (总局令第45号 第十四条)
        record = await published_record(credit, months_ago=13, kinds=["revoke_licence", "fine"])
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
        problem(r, 409, "REPAIR_NEVER_EARLY")

    async def test_another_enterprises_record_is_404(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base, headers=ENT_B) as http:
            r = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
            missing = await http.post("/api/v1/credit/repairs", json=repair_body(uuid.uuid4()))
        problem(r, 404, "CREDIT_RECORD_NOT_FOUND")
        assert missing.json() | {"request_id": None, "detail": None} == r.json() | {
            "request_id": None,
            "detail": None,
        }

    async def test_duplicate_application(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base, headers=ENT_A) as http:
            first = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
            second = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
        assert first.status_code == 201, first.text
        problem(second, 409, "REPAIR_DUPLICATE")

    async def test_commitment_not_accepted(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post(
                "/api/v1/credit/repairs", json=repair_body(record.id, commitment_accepted=False)
            )
        problem(r, 400, "REPAIR_COMMITMENT_MISSING")

    async def test_unpublished_record(self, credit: Credit) -> None:
        record = await published_record(credit, fine_fen=30_000 * YUAN)  # 轻微: not published
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
        problem(r, 409, "REPAIR_NOT_PUBLISHED")

    async def test_new_violation_of_the_same_kind_since(self, credit: Credit) -> None:
        record = await published_record(credit, uscc=USCC_B, benchmark_code="SY-SJ-0777")
        await published_record(credit, uscc=USCC_B, benchmark_code="SY-SJ-0777", months_ago=1)
        async with client(credit.base, headers=ENT_B) as http:
            r = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
        problem(r, 409, "REPAIR_NEW_VIOLATION")

    async def test_every_failure_is_listed(self, credit: Credit) -> None:
        record = await published_record(credit, months_ago=0, pay=False)
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post(
                "/api/v1/credit/repairs",
                json=repair_body(record.id, commitment_accepted=False, violation_corrected=False),
            )
        codes = [e["code"] for e in r.json()["errors"]]
        assert codes == [
            "REPAIR_TOO_EARLY",
            "REPAIR_FINE_UNPAID",
            "REPAIR_NOT_CORRECTED",
            "REPAIR_COMMITMENT_MISSING",
        ]

    @pytest.mark.parametrize(
        "patch",
        [
            {"commitment_text": "短"},
            {"record_id": "not-a-uuid"},
            {"evidence_refs": ["x"] * 21},
            {"commitment_accepted": "maybe"},
        ],
    )
    async def test_malformed_bodies(self, credit: Credit, patch: dict[str, Any]) -> None:
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=repair_body(uuid.uuid4()) | patch)
        problem(r, 422, "VALIDATION_FAILED")


class TestReview:
    async def test_accept_ends_publication_at_once(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base) as http:
            app = (
                await http.post("/api/v1/credit/repairs", json=repair_body(record.id), headers=ENT_A)
            ).json()
            r = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/decision",
                json={"outcome": "accepted"},
                headers=OFFICER_SJ,
            )
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["on_time"]) == ("repaired", True)
        pub = await publication_of(credit, record.id)
        end = await end_of(credit.factory, pub.id)
        assert end is not None
        assert (end.ended_on, end.reason, pub.repaired_on) == (clock.today(), "repaired", clock.today())
        ended = [
            e["data"]
            for e in await envelopes(credit.factory, "credit.publication.ended")
            if e["data"]["record_id"] == str(record.id)
        ]
        assert [e["reason"] for e in ended] == ["repaired"]
        completed = [
            e["data"]
            for e in await envelopes(credit.factory, "credit.repair.completed")
            if e["data"]["repair_id"] == app["id"]
        ]
        assert len(completed) == 1
        async with transaction(credit.factory) as s:
            kinds = (
                await s.scalars(
                    sa.select(FeedEntry.kind)
                    .where(FeedEntry.publication_id == pub.id)
                    .order_by(FeedEntry.seq)
                )
            ).all()
        assert kinds == ["started", "ended"]

    async def test_reject_needs_reasons(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base) as http:
            app = (
                await http.post("/api/v1/credit/repairs", json=repair_body(record.id), headers=ENT_A)
            ).json()
            bare = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/decision",
                json={"outcome": "rejected"},
                headers=OFFICER_SJ,
            )
            reasoned = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/decision",
                json={"outcome": "rejected", "reasons": ["整改证明材料不完整"]},
                headers=OFFICER_SJ,
            )
            again = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/decision",
                json={"outcome": "accepted"},
                headers=OFFICER_SJ,
            )
        problem(bare, 400, "REPAIR_REJECTION_REASON_REQUIRED")
        assert reasoned.status_code == 200 and reasoned.json()["status"] == "rejected"
        problem(again, 409, "REPAIR_ALREADY_DECIDED")
        assert await end_of(credit.factory, (await publication_of(credit, record.id)).id) is None

    async def test_acceptance_deadlines_and_the_overdue_list(self, credit: Credit, reset_clock: None) -> None:
        record = await published_record(credit)
        async with client(credit.base) as http:
            app = (
                await http.post("/api/v1/credit/repairs", json=repair_body(record.id), headers=ENT_A)
            ).json()
            submitted = date.fromisoformat(app["submitted_on"])
            # 3 working days to accept: at least 3 calendar days later, and never on a weekend
            due = date.fromisoformat(app["acceptance_due"])
            assert due >= submitted + timedelta(days=3) and due.weekday() < 5
            clock.set_offset(timedelta(days=(due - clock.today()).days + 1))
            overdue = (await http.get("/api/v1/credit/repairs/overdue", headers=OFFICER_SJ)).json()["items"]
            mine = [a for a in overdue if a["id"] == app["id"]]
            assert mine and mine[0]["overdue_stage"] == "acceptance"
            accepted = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/acceptance", json={"extended": True}, headers=OFFICER_SJ
            )
            assert accepted.status_code == 200 and accepted.json()["status"] == "under_review"
            # 7 + 10 working days from acceptance (extended): more than 17 calendar days
            decision_due = date.fromisoformat(accepted.json()["decision_due"])
            assert decision_due > clock.today() + timedelta(days=17)
            twice = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/acceptance", json={}, headers=OFFICER_SJ
            )
            problem(twice, 409, "REPAIR_ALREADY_ACCEPTED")
            still = (await http.get("/api/v1/credit/repairs/overdue", headers=OFFICER_SJ)).json()["items"]
            assert app["id"] not in [a["id"] for a in still]
