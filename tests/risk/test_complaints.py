"""Complaints received by the justice bureau (issue #14 item 3): filed by an enterprise, by the public with a
filing token (limited per address), opened by a rating tagged 索要财物 whatever its stars; the department sees
one only once the bureau forwards it, and never an anonymous complainant; concluded and answered."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.common.contracts import inspection
from services.risk.domain import complaints as rules
from tests.risk.helpers import ADMIN, SUPERVISOR, apply, make_uscc, pin, unit_officer
from tests.support import personas
from tests.support.outbox import envelopes
from tests.support.stack import Running, client

API = "/api/v1/risk/complaints"
PUBLIC = "/public/risk/complaints"
UNIT = "SJ-210102"
OTHER = "CG-210104"
ENT_USCC = make_uscc(301)
ENTERPRISE = personas.enterprise(ENT_USCC, sub="ent-301")
OFFICER = unit_officer(UNIT)
OTHER_OFFICER = unit_officer(OTHER)
# Today is Monday 2026-11-23 (tests/risk/helpers.py). 15 working days counted from the next day, no holiday
# in between: Nov 24 25 26 27 (4), Nov 30 – Dec 4 (9), Dec 7 – 11 (14), Mon Dec 14 (15).
DUE_15 = "2026-12-14"
# the department's 10 working days from a forward today: Nov 24–27 (4), Nov 30 – Dec 4 (9), Mon Dec 7 (10)
DUE_10 = "2026-12-07"


def body(**extra: Any) -> dict[str, Any]:
    return {
        "subject_kind": "officer",
        "unit_code": UNIT,
        "officer_cert_no": "辽A-0100001",
        "category": "态度问题",
        "text": "检查人员态度粗暴，反复要求停业配合",
        "contact_name": "王小明",
        "contact_phone": "13812345678",
        **extra,
    }


async def get(running: Running, path: str, headers: dict[str, str], **params: Any) -> Any:
    async with client(running.url, headers=headers) as http:
        return await http.get(path, params=params)


async def post(running: Running, path: str, json: Any, headers: dict[str, str] | None = None) -> Any:
    async with client(running.url, headers=headers or {}) as http:
        return await http.post(path, json=json)


async def public_token(running: Running) -> str:
    r = await post(running, f"{PUBLIC}/tokens", {})
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


class TestEnterpriseComplaint:
    async def test_received_by_the_bureau_not_the_department(self, risk: Running) -> None:
        r = await post(risk, API, body(anonymous=True), ENTERPRISE)
        assert r.status_code == 201, r.text
        filed = r.json()
        assert rules.ACK_NO.match(filed["ack_no"]) and filed["ack_no"].startswith("TS-2026-")
        assert filed["status"] == "received" and filed["status_label"] == "已受理"
        assert filed["due_on"] == DUE_15
        assert filed["complainant_uscc"] == ENT_USCC  # the enterprise reads its own in full
        # the bureau's queue has it; the department does not see it before the bureau forwards it
        queue = (await get(risk, API, SUPERVISOR, unit_code=UNIT)).json()["items"]
        assert filed["id"] in [i["id"] for i in queue]
        item = next(i for i in queue if i["id"] == filed["id"])
        assert item["summary"].startswith("态度问题") and item["received_at"]
        assert filed["id"] not in [i["id"] for i in (await get(risk, API, OFFICER)).json()["items"]]
        r = await get(risk, f"{API}/{filed['id']}", OFFICER)
        assert r.status_code == 404 and r.json()["code"] == "COMPLAINT_NOT_FOUND"
        # a received event, without the complainant (anonymous)
        sent = await envelopes(risk.runtime.factory, "risk.complaint.received", complaint_id=filed["id"])
        assert len(sent) == 1 and sent[0]["subject"] == filed["id"]
        assert sent[0]["data"]["unit_code"] == UNIT and sent[0]["data"]["complainant_uscc"] is None

    async def test_forwarded_reply_conclude_answer(self, risk: Running) -> None:
        filed = (await post(risk, API, body(), ENTERPRISE)).json()
        cid = filed["id"]
        # only the bureau forwards; the department cannot reply before it is forwarded to it
        r = await post(risk, f"{API}/{cid}/forward", {"note": "请核查"}, OFFICER)
        assert r.status_code == 403 and r.json()["code"] == "COMPLAINT_SUPERVISOR_ONLY"
        r = await post(risk, f"{API}/{cid}/reply", {"text": "已核查"}, OFFICER)
        assert r.status_code == 404
        r = await post(risk, f"{API}/{cid}/forward", {"note": "请核查"}, SUPERVISOR)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "forwarded" and r.json()["reply_due_on"] == DUE_10
        # the department sees it now: the enterprise (not anonymous) with its contact masked
        seen = (await get(risk, f"{API}/{cid}", OFFICER)).json()
        assert seen["complainant_uscc"] == ENT_USCC
        assert seen["contact_name"] == "王**" and seen["contact_phone"] == "138****5678"
        # another unit still does not
        assert (await get(risk, f"{API}/{cid}", OTHER_OFFICER)).status_code == 404
        r = await post(risk, f"{API}/{cid}/reply", {"text": "经核查，已对执法人员批评教育"}, OFFICER)
        assert r.status_code == 200 and r.json()["status"] == "replied", r.text
        r = await post(risk, f"{API}/{cid}/answer", {"text": "答复"}, SUPERVISOR)
        assert r.status_code == 409 and r.json()["code"] == "COMPLAINT_INVALID_TRANSITION"
        conclusion = {
            "finding": "partly_substantiated",
            "conclusion": "部分属实",
            "refer_to_discipline": True,
        }
        r = await post(risk, f"{API}/{cid}/conclude", conclusion, SUPERVISOR)
        assert r.status_code == 200, r.text
        assert r.json()["finding_label"] == "部分属实" and r.json()["referred_to_discipline"] is True
        r = await post(risk, f"{API}/{cid}/answer", {"text": "经调查部分属实，已移交纪检监察"}, SUPERVISOR)
        assert r.status_code == 200 and r.json()["status"] == "answered", r.text
        mine = (await get(risk, f"{API}/{cid}", ENTERPRISE)).json()
        assert mine["answer"] == "经调查部分属实，已移交纪检监察" and mine["status_label"] == "已答复投诉人"
        sent = await envelopes(risk.runtime.factory, "risk.complaint.answered", complaint_id=cid)
        assert [e["data"]["finding"] for e in sent] == ["partly_substantiated"]
        assert sent[0]["data"]["complainant_uscc"] == ENT_USCC and sent[0]["data"]["referred_to_discipline"]

    async def test_another_enterprise_sees_nothing(self, risk: Running) -> None:
        filed = (await post(risk, API, body(), ENTERPRISE)).json()
        stranger = personas.enterprise(make_uscc(302), sub="ent-302")
        assert (await get(risk, f"{API}/{filed['id']}", stranger)).status_code == 404
        assert (await get(risk, API, stranger)).json()["items"] == []

    async def test_bad_input_is_422(self, risk: Running) -> None:
        r = await post(risk, API, body(category="随便"), ENTERPRISE)
        assert r.status_code == 422
        r = await post(risk, API, body(anonymous=1), ENTERPRISE)
        assert r.status_code == 422
        r = await post(risk, f"{API}/{uuid.uuid4()}/conclude", {"finding": "maybe"}, SUPERVISOR)
        assert r.status_code == 422  # the body is judged before the lookup


class TestPublicComplaint:
    async def test_token_file_and_read_the_answer(self, risk: Running) -> None:
        token = await public_token(risk)
        r = await post(risk, PUBLIC, {**body(), "token": token}, {"x-forwarded-for": "203.0.113.7"})
        assert r.status_code == 201, r.text
        filed = r.json()
        assert filed["secret"] and filed["due_on"] == DUE_15
        # the token files one complaint only
        r = await post(risk, PUBLIC, {**body(), "token": token}, {"x-forwarded-for": "203.0.113.7"})
        assert r.status_code == 409 and r.json()["code"] == "COMPLAINT_TOKEN_USED"
        lookup = {"ack_no": filed["ack_no"], "secret": filed["secret"]}
        r = await post(risk, f"{PUBLIC}/lookup", lookup)
        assert r.status_code == 200 and r.json()["status"] == "received" and r.json()["answer"] == ""
        r = await post(risk, f"{PUBLIC}/lookup", {**lookup, "secret": "wrong"})
        assert r.status_code == 404 and r.json()["code"] == "COMPLAINT_LOOKUP_FAILED"
        # forwarded: the department never sees who complained, not even masked
        await post(risk, f"{API}/{filed['id']}/forward", {}, SUPERVISOR)
        seen = (await get(risk, f"{API}/{filed['id']}", OFFICER)).json()
        assert seen["anonymous"] is True
        assert seen["contact_name"] is None and seen["contact_phone"] is None
        assert seen["complainant_uscc"] is None
        # the bureau keeps the contact in full
        full = (await get(risk, f"{API}/{filed['id']}", SUPERVISOR)).json()
        assert full["contact_phone"] == "13812345678"
        await post(
            risk,
            f"{API}/{filed['id']}/conclude",
            {"finding": "unsubstantiated", "conclusion": "不属实"},
            ADMIN,
        )
        await post(risk, f"{API}/{filed['id']}/answer", {"text": "经核查不属实"}, ADMIN)
        r = await post(risk, f"{PUBLIC}/lookup", lookup)
        assert r.json()["answer"] == "经核查不属实" and r.json()["finding_label"] == "不属实"

    async def test_forged_or_expired_token_is_refused(self, risk: Running) -> None:
        token = await public_token(risk)
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        r = await post(risk, PUBLIC, {**body(), "token": forged})
        assert r.status_code == 422 and r.json()["code"] == "COMPLAINT_TOKEN_INVALID"
        key = risk.runtime.context.complaint_token_key
        expired = rules.sign_token(key, "n-expired", datetime(2026, 11, 1, tzinfo=UTC))
        r = await post(risk, PUBLIC, {**body(), "token": expired})
        assert r.status_code == 422 and r.json()["code"] == "COMPLAINT_TOKEN_INVALID"
        other_key = rules.sign_token(b"x" * 32, "n-other", datetime(2027, 1, 1, tzinfo=UTC))
        r = await post(risk, PUBLIC, {**body(), "token": other_key})
        assert r.status_code == 422 and r.json()["code"] == "COMPLAINT_TOKEN_INVALID"

    async def test_rate_limited_per_address(self, risk: Running) -> None:
        limit = risk.settings.complaint_public_per_hour  # 5 by default
        address = {"x-forwarded-for": "198.51.100.9"}
        for _ in range(limit):
            r = await post(risk, PUBLIC, {**body(), "token": await public_token(risk)}, address)
            assert r.status_code == 201, r.text
        r = await post(risk, PUBLIC, {**body(), "token": await public_token(risk)}, address)
        assert r.status_code == 429 and r.json()["code"] == "COMPLAINT_RATE_LIMITED"
        # another address is not held back by the first one's complaints
        other = {"x-forwarded-for": "198.51.100.10"}
        r = await post(risk, PUBLIC, {**body(), "token": await public_token(risk)}, other)
        assert r.status_code == 201, r.text


class TestRatingOpensComplaint:
    async def test_five_stars_with_demanding_money_reaches_the_queue(self, risk: Running) -> None:
        """Issue #14, must show: a complaint from a 5-star rating with 索要财物 reaches the bureau's queue; the
        department, once it is forwarded, does not see the complainant."""
        visit = uuid.uuid4()
        rater = make_uscc(303)
        rated = inspection.VisitRated(
            visit_id=visit,
            enterprise_uscc=rater,
            department_codes=["SJ"],
            district_code="210102",
            stars=5,
            tags=["规范", "索要财物"],
            anonymous=True,
            rated_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        )
        await apply(risk, rated, rated)  # redelivered: still one complaint
        queue = (await get(risk, API, SUPERVISOR, unit_code=UNIT)).json()["items"]
        opened = [i for i in queue if i["visit_id"] == str(visit)]
        assert len(opened) == 1
        complaint = opened[0]
        assert complaint["source"] == "rating" and complaint["category"] == "索要财物"
        assert complaint["status"] == "received" and complaint["due_on"] == DUE_15
        # the enterprise that rated sees it; the department does not, until it is forwarded ...
        mine = (await get(risk, API, personas.enterprise(rater, sub="rater"))).json()["items"]
        assert [i["id"] for i in mine] == [complaint["id"]]
        assert (await get(risk, f"{API}/{complaint['id']}", OFFICER)).status_code == 404
        await post(risk, f"{API}/{complaint['id']}/forward", {"note": "请说明"}, SUPERVISOR)
        # ... and then without the complainant (the rating was anonymous)
        seen = (await get(risk, f"{API}/{complaint['id']}", OFFICER)).json()
        assert seen["complainant_uscc"] is None and rater not in str(seen)

    @pytest.mark.parametrize("tags", [["扰企"], ["规范", "态度好"], []])
    async def test_other_tags_open_none(self, risk: Running, tags: list[str]) -> None:
        visit = uuid.uuid4()
        rated = inspection.VisitRated(
            visit_id=visit,
            enterprise_uscc=make_uscc(304),
            department_codes=["SJ"],
            district_code="210102",
            stars=1,
            tags=tags,
            anonymous=False,
            rated_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        )
        await apply(risk, rated)
        queue = (await get(risk, API, ADMIN, limit=200)).json()["items"]
        assert [i for i in queue if i["visit_id"] == str(visit)] == []


class TestDistrictSupervisor:
    async def test_sees_its_district_only(self, risk: Running) -> None:
        filed = (await post(risk, API, body(), ENTERPRISE)).json()
        own = personas.supervisor("210102", sub="sup-102")
        other = personas.supervisor("210104", sub="sup-104")
        assert (await get(risk, f"{API}/{filed['id']}", own)).status_code == 200
        assert (await get(risk, f"{API}/{filed['id']}", other)).status_code == 404


class TestDrillDown:
    async def test_counts_in_the_units_quarter(self, risk: Running) -> None:
        unit = "HB-210103"  # no other test complains about it
        ids = [(await post(risk, API, body(unit_code=unit), ENTERPRISE)).json()["id"] for _ in range(2)]
        done = {"finding": "substantiated", "conclusion": "属实"}
        assert (await post(risk, f"{API}/{ids[0]}/conclude", done, SUPERVISOR)).status_code == 200
        path = f"/api/v1/risk/units/{unit}/quarters/2026Q4"
        counts = (await get(risk, path, SUPERVISOR)).json()["complaint_counts"]
        assert counts == {"received": 2, "substantiated": 1, "overdue": 0}
        # Tuesday 2026-12-15: the open one is past its deadline (Monday 2026-12-14, DUE_15)
        pin(date(2026, 12, 15))
        try:
            counts = (await get(risk, path, SUPERVISOR)).json()["complaint_counts"]
        finally:
            pin()
        assert counts == {"received": 2, "substantiated": 1, "overdue": 1}


class TestPaging:
    async def test_pages_and_a_foreign_cursor(self, risk: Running) -> None:
        for _ in range(3):
            assert (await post(risk, API, body(unit_code="XZ-210105"), ENTERPRISE)).status_code == 201
        first = (await get(risk, API, SUPERVISOR, unit_code="XZ-210105", limit=2)).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        rest = (
            await get(risk, API, SUPERVISOR, unit_code="XZ-210105", limit=2, cursor=first["next_cursor"])
        ).json()
        assert len(rest["items"]) == 1 and rest["next_cursor"] is None
        assert not {i["id"] for i in first["items"]} & {i["id"] for i in rest["items"]}
        r = await get(risk, API, SUPERVISOR, cursor="NQ")  # base64 of the number 5, not a cursor of this list
        assert r.status_code == 400 and r.json()["code"] == "INVALID_CURSOR"


class TestNoLeakAndShape:
    async def test_the_audit_trail_does_not_name_an_anonymous_complainant(self, risk: Running) -> None:
        """The unit reads a forwarded complaint's audit trail (its access rule is the complaint's): an
        anonymous enterprise's token subject must not be in it."""
        filed = (await post(risk, API, body(anonymous=True), ENTERPRISE)).json()
        await post(risk, f"{API}/{filed['id']}/forward", {}, SUPERVISOR)
        r = await get(risk, f"/api/v1/risk/audit/entities/complaint/{filed['id']}", OFFICER)
        assert r.status_code == 200, r.text
        assert "ent-301" not in r.text and ENT_USCC not in r.text
        # a named complaint keeps its author in the trail
        named = (await post(risk, API, body(), ENTERPRISE)).json()
        r = await get(risk, f"/api/v1/risk/audit/entities/complaint/{named['id']}", SUPERVISOR)
        assert "ent-301" in r.text

    async def test_the_subject_names_what_it_is_about(self, risk: Running) -> None:
        r = await post(risk, API, body(subject_kind="visit"), ENTERPRISE)  # no visit_id
        assert r.status_code == 422, r.text
        r = await post(risk, API, body(officer_cert_no=None), ENTERPRISE)  # an officer, no certificate
        assert r.status_code == 422, r.text
        r = await post(risk, API, body(subject_kind="visit", visit_id=str(uuid.uuid4())), ENTERPRISE)
        assert r.status_code == 201, r.text

    async def test_the_units_reply_overdue_flag(self, risk: Running) -> None:
        filed = (await post(risk, API, body(), ENTERPRISE)).json()
        await post(risk, f"{API}/{filed['id']}/forward", {}, SUPERVISOR)
        assert (await get(risk, f"{API}/{filed['id']}", OFFICER)).json()["reply_overdue"] is False
        pin(date(2026, 12, 8))  # the reply was due Monday 2026-12-07 (DUE_10)
        try:
            late = (await get(risk, f"{API}/{filed['id']}", OFFICER)).json()
            overdue = (await get(risk, API, SUPERVISOR, overdue="true", limit=200)).json()["items"]
        finally:
            pin()
        assert late["reply_overdue"] is True and late["overdue"] is False  # the bureau's deadline is Dec 14
        assert filed["id"] not in [i["id"] for i in overdue]
        pin(date(2026, 12, 15))  # past the bureau's handling deadline too (DUE_15, Monday 2026-12-14)
        try:
            overdue = (await get(risk, API, SUPERVISOR, overdue="true", limit=200)).json()["items"]
        finally:
            pin()
        assert filed["id"] in [i["id"] for i in overdue] and all(i["overdue"] for i in overdue)
